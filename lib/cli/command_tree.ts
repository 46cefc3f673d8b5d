/**
 * The command tree read back from commander's own declarations, so
 * `--command-tree` and shell completions can never drift from the commands.
 *
 * @module
 */
import type { Command } from "./deps.ts";

/** One command of the tree. */
export interface CommandNode {
  name: string;
  /** Positional arguments as shown in usage: `NAME`, `[DESTINATION]`, `EGGS...`. */
  arguments: string[];
  /** Long and short option names, e.g. `--force`, `-y`. */
  options: string[];
  /** Option names that take a value (`--jobs`), so completion skips the value. */
  valueOptions: string[];
  children: CommandNode[];
}

/** Builds the tree below `command` (the implicit `help` command left out). */
export function commandTree(command: Command): CommandNode {
  const options: string[] = [];
  const valueOptions: string[] = [];
  const declared = [...command.options];
  for (const option of declared) {
    const names = [option.short, option.long].filter((name): name is string => Boolean(name));
    options.push(...names);
    if (option.required || option.optional) valueOptions.push(...names);
  }
  if (command.parent === null && command.version()) options.push("--version");
  // Commander adds -h/--help to every command without listing it in `options`.
  options.push("-h", "--help");
  return {
    name: command.name(),
    arguments: command.registeredArguments.map((argument) => {
      const name = argument.name().toUpperCase() + (argument.variadic ? "..." : "");
      return argument.required ? name : `[${name}]`;
    }),
    options: [...new Set(options)],
    valueOptions,
    children: command.commands.filter((child) => child.name() !== "help").map(commandTree),
  };
}

/** Renders the tree with box-drawing branches, like `tree`. */
export function renderCommandTree(root: CommandNode): string {
  const lines = [`${root.name} [OPTIONS] COMMAND`];
  const walk = (node: CommandNode, prefix: string) => {
    node.children.forEach((child, index) => {
      const last = index === node.children.length - 1;
      const usage = [
        child.name,
        ...(child.children.length ? [] : ["[OPTIONS]", ...child.arguments]),
      ];
      lines.push(`${prefix}${last ? "└── " : "├── "}${usage.join(" ")}`);
      walk(child, prefix + (last ? "    " : "│   "));
    });
  };
  walk(root, "");
  return lines.join("\n") + "\n";
}
