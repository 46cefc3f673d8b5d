/**
 * Shell completion scripts for bash, zsh and fish, generated from the command
 * tree. Each script carries the tree as data: completion costs no call to
 * hatcher, and a new command appears in completions with nothing to edit.
 *
 * @module
 */
import type { CommandNode } from "./command_tree.ts";

/** The shells `hatcher completions` supports. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** One of {@linkcode SHELLS}. */
export type Shell = typeof SHELLS[number];

/** Every command path (`""`, `"api-tokens"`, `"teams members"`) with its node. */
function paths(node: CommandNode, prefix = ""): [string, CommandNode][] {
  const here: [string, CommandNode][] = [[prefix, node]];
  for (const child of node.children) {
    here.push(...paths(child, prefix ? `${prefix} ${child.name}` : child.name));
  }
  return here;
}

/** The completion script for `shell`. */
export function completionScript(shell: Shell, root: CommandNode): string {
  switch (shell) {
    case "bash":
      return bashScript(root);
    case "zsh":
      // zsh runs the bash function through its bashcompinit layer.
      return `#compdef ${root.name}\nautoload -U +X bashcompinit && bashcompinit\n${
        bashScript(root)
      }`;
    case "fish":
      return fishScript(root);
  }
}

function shellWords(words: string[]): string {
  return words.join(" ");
}

function bashScript(root: CommandNode): string {
  const fn = `_${root.name.replace(/\W/g, "_")}`;
  const all = paths(root);
  const cases = all.map(([path, node]) =>
    `    "${path}") words="${shellWords([...node.children.map((c) => c.name), ...node.options])}";;`
  ).join("\n");
  const valueOptions = [...new Set(all.flatMap(([, node]) => node.valueOptions))];
  const children = all.filter(([, node]) => node.children.length > 0).map(([path, node]) =>
    `    "${path}") children=" ${shellWords(node.children.map((c) => c.name))} ";;`
  ).join("\n");
  return `# bash completion for ${root.name}, generated from its command tree.
# Load it with: source <(${root.name} completions bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word children words i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$word" in
      ${valueOptions.join("|")}) ((i++)); continue;;
      -*) continue;;
    esac
    children=""
    case "$path" in
${children}
    esac
    if [[ "$children" == *" $word "* ]]; then path="\${path:+$path }$word"; fi
  done
  words=""
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F ${fn} ${root.name}
`;
}

function fishScript(root: CommandNode): string {
  const fn = `__${root.name.replace(/\W/g, "_")}_path`;
  const all = paths(root);
  const valueOptions = [...new Set(all.flatMap(([, node]) => node.valueOptions))];
  const childrenCases = all.filter(([, node]) => node.children.length > 0).map(([path, node]) =>
    `        case "${path}"\n            set children ${
      shellWords(node.children.map((c) => c.name))
    }`
  ).join("\n");
  const lines = [
    `# fish completion for ${root.name}, generated from its command tree.`,
    `# Load it with: ${root.name} completions fish | source`,
    `function ${fn}`,
    "    set -l tokens (commandline -opc)",
    '    set -l path ""',
    "    set -l skip 0",
    "    for word in $tokens[2..-1]",
    "        if test $skip -eq 1",
    "            set skip 0",
    "            continue",
    "        end",
    `        if contains -- $word ${valueOptions.join(" ")}`,
    "            set skip 1",
    "            continue",
    "        end",
    "        if string match -q -- '-*' $word",
    "            continue",
    "        end",
    "        set -l children",
    '        switch "$path"',
    childrenCases,
    "        end",
    "        if contains -- $word $children",
    '            if test -z "$path"',
    "                set path $word",
    "            else",
    '                set path "$path $word"',
    "            end",
    "        end",
    "    end",
    "    echo $path",
    "end",
    `complete -c ${root.name} -f`,
  ];
  for (const [path, node] of all) {
    const condition = `'test (${fn}) = "${path}"'`;
    for (const child of node.children) {
      lines.push(`complete -c ${root.name} -n ${condition} -a ${child.name}`);
    }
    for (const option of node.options) {
      const flag = option.startsWith("--") ? `-l ${option.slice(2)}` : `-s ${option.slice(1)}`;
      const takesValue = node.valueOptions.includes(option) ? " -r" : "";
      lines.push(`complete -c ${root.name} -n ${condition} ${flag}${takesValue}`);
    }
  }
  return lines.join("\n") + "\n";
}
