/**
 * Help: an example for every command and the global options that matter,
 * `hatcher help <command...>`, and the Markdown reference (docs/cli.md)
 * rendered from the same command tree, so none of them can drift.
 *
 * @module
 */
import { type Command, CommanderError } from "./deps.ts";
import { UsageError } from "./errors.ts";
import { nearest } from "./suggestions.ts";

/** Examples per command path (`eggs upload`); every command must have one. */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  "login": [
    "hatcher -u https://eds.example.com -U me@example.com login",
    "hatcher -u https://ci.example.com -U ci@example.com login --insecure-storage  # file only",
  ],
  "logout": ["hatcher logout", "hatcher --profile staging logout"],
  "whoami": ["hatcher whoami", "hatcher --json whoami"],
  "api-tokens create": ["hatcher -U me@example.com api-tokens create ci-token"],
  "api-tokens list": ["hatcher api-tokens list", "hatcher --json api-tokens list"],
  "api-tokens delete": ["hatcher api-tokens delete ci-token"],
  "users create": [
    "hatcher users create acme alice@acme.test --password-stdin < pw.txt",
    "hatcher users create acme bob@acme.test --team devs   # prints a generated password",
  ],
  "users delete": ["hatcher users delete acme alice@acme.test -y"],
  "user repositories": ["hatcher user repositories --include-indexable"],
  "organizations create": ['hatcher organizations create acme "ACME Corp"'],
  "organizations list": ["hatcher organizations list"],
  "repositories list": ["hatcher repositories list acme"],
  "repositories create": [
    'hatcher repositories create acme dev "development eggs"',
    'hatcher repositories create acme free "free eggs" --public   # anyone may read it',
  ],
  "repositories show": ["hatcher repositories show acme free"],
  "audit list": ["hatcher audit list acme", "hatcher --json audit list acme | jq length"],
  "repositories edit": [
    "hatcher repositories edit acme free --public",
    'hatcher repositories edit acme dev --private --description "development eggs"',
  ],
  "repositories delete": ["hatcher repositories delete acme dev --force -y"],
  "teams list": ["hatcher teams list acme"],
  "teams create": ["hatcher teams create acme devs upload"],
  "teams delete": ["hatcher teams delete acme devs"],
  "teams metadata": ["hatcher teams metadata acme devs"],
  "teams members list": ["hatcher teams members list acme devs"],
  "teams members add": ["hatcher teams members add acme devs alice@acme.test"],
  "teams members remove": ["hatcher teams members remove acme devs alice@acme.test"],
  "teams members query": [
    "hatcher teams members query acme devs alice@acme.test && echo member",
  ],
  "teams repositories list": ["hatcher teams repositories list acme devs"],
  "teams repositories add": ["hatcher teams repositories add acme devs dev"],
  "teams repositories remove": ["hatcher teams repositories remove acme devs dev"],
  "teams repositories query": ["hatcher teams repositories query acme devs dev || echo no access"],
  "runtimes list": ["hatcher runtimes list acme dev rh8-x86_64"],
  "runtimes metadata": ["hatcher runtimes metadata acme dev rh8-x86_64 cpython 3.11.2+2"],
  "runtimes download": [
    "hatcher runtimes download acme dev rh8-x86_64 cpython 3.11.2+2 runtimes/",
    "hatcher --api-version 0 runtimes download acme dev rh8-x86_64 cp311 3.11.2+2",
  ],
  "runtimes delete": ["hatcher runtimes delete acme dev rh8-x86_64 cpython 3.11.2+2 -y"],
  "runtimes upload": [
    "hatcher runtimes upload acme dev cpython-3.11.2+2-rh8_x86_64-gnu.runtime",
    "hatcher runtimes upload --force acme dev cpython-3.11.2+2-rh8_x86_64-gnu.runtime",
  ],
  "bundles list": ["hatcher bundles list acme dev rh8-x86_64"],
  "bundles index": ["hatcher bundles index acme dev rh8-x86_64 | jq 'keys'"],
  "bundles metadata": ["hatcher bundles metadata acme dev rh8-x86_64 cp311 science 1.0.0-1"],
  "bundles download": [
    "hatcher bundles download acme dev rh8-x86_64 cp311 science 1.0.0-1 bundles/ --force",
  ],
  "bundles delete": ["hatcher bundles delete acme dev rh8-x86_64 cp311 science 1.0.0-1 -y"],
  "bundles upload": ["hatcher bundles upload acme dev rh8-x86_64 science-1.0.0-1.bundle"],
  "apps list": ["hatcher apps list acme dev rh8-x86_64"],
  "apps metadata": ["hatcher apps metadata acme dev rh8-x86_64 cp311 myapp 1.0-1"],
  "apps upload": [
    "hatcher apps upload acme dev myapp.yaml",
    "hatcher apps upload --force acme dev myapp.yaml",
  ],
  "export": [
    "hatcher export -r acme/dev -a eggs -a runtimes export/",
    "hatcher export --manifest-only site.json.d/   # what this (air-gapped) server has, no data",
    "hatcher export --missing-from site.json.d/MANIFEST.json transfer/",
  ],
  "import": [
    "hatcher import --create-missing export/",
    "hatcher import -r acme/dev --force export/",
  ],
  "diff": [
    "hatcher diff https://eds.example.com export/",
    "hatcher diff --from-token $A --to-token $B https://a.example.com https://b.example.com",
  ],
  "mirror": [
    "hatcher mirror --from upstream --to onsite -r acme/dev --dry-run",
    "hatcher mirror --from https://a.example.com --to onsite --create-missing --delete -y",
  ],
  "eggs list": [
    "hatcher eggs list acme dev rh7-x86_64 cp311",
    "hatcher --json eggs list acme dev rh7-x86_64 cp311 | jq -r '.[].filename'",
  ],
  "eggs metadata": ["hatcher eggs metadata acme dev rh7-x86_64 cp311 numpy 1.26.4-1"],
  "eggs download": [
    "hatcher eggs download acme dev rh7-x86_64 cp311 numpy 1.26.4-1 downloads/",
  ],
  "eggs delete": ["hatcher eggs delete acme dev rh7-x86_64 cp311 numpy 1.26.4-1 -y"],
  "eggs upload": [
    "hatcher eggs upload acme dev rh7-x86_64 numpy-1.26.4-1.egg",
    "hatcher eggs upload --force acme dev rh7-x86_64 numpy-1.26.4-1.egg",
  ],
  "eggs batch-upload": [
    "hatcher eggs batch-upload acme dev rh7-x86_64 dist/*.egg --jobs 8 --skip-existing",
    "hatcher eggs batch-upload acme dev rh7-x86_64 dist/*.egg --index_timeout 30",
  ],
  "eggs update-index": ["hatcher eggs update-index acme dev rh7-x86_64 dist/*.egg"],
  "platforms list": ["hatcher platforms list"],
  "python-tags list": ["hatcher python-tags list --all"],
  "completions": ["source <(hatcher completions bash)"],
  "help": ["hatcher help eggs upload"],
};

/** Commands that never talk to the server: the connection options do not apply. */
const LOCAL_COMMANDS = new Set(["completions", "help"]);

const CONNECTION_OPTIONS =
  "Global options that apply: -u URL (HATCHER_URL); -t TOKEN (HATCHER_TOKEN) or\n" +
  "  -U EMAIL (HATCHER_USERNAME) with -p or the prompt; --ca-cert FILE (HATCHER_CA_CERT)\n" +
  "  or -k; --profile NAME; --json; -q. `hatcher --help` explains each.";

/** The space-separated path of a command below the root: `eggs upload`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent; current = current.parent) {
    names.unshift(current.name());
  }
  return names.join(" ");
}

/** Every command that runs something (no subcommands), depth first. */
export function leafCommands(command: Command): Command[] {
  if (command.commands.length === 0) return [command];
  return command.commands.flatMap(leafCommands);
}

/** The text shown after a command's own help: its examples and the global options. */
export function helpFooter(path: string): string {
  const examples = EXAMPLES[path] ?? [];
  let text = examples.length > 0 ? `\nExamples:\n${examples.map((e) => `  ${e}\n`).join("")}` : "";
  if (!LOCAL_COMMANDS.has(path)) text += `\n${CONNECTION_OPTIONS}\n`;
  return text;
}

/**
 * Adds `help [command...]` (so `hatcher help eggs upload` shows that
 * command's help) and the examples footer to every command.
 */
export function registerHelp(program: Command): void {
  program.helpCommand(false);
  program.command("help").description("Show the help of a command")
    .argument("[command...]", "the command, e.g. eggs upload")
    .action((words: string[]) => {
      let target = program;
      for (const word of words) {
        const next = target.commands.find((child) => child.name() === word);
        if (!next) {
          const near = nearest(word, target.commands.map((child) => child.name()));
          const guess = near.length > 0 ? ` (did you mean ${near.join(" or ")}?)` : "";
          throw new UsageError(
            `No command '${[commandPath(target), word].join(" ").trim()}'${guess}`,
          );
        }
        target = next;
      }
      target.outputHelp();
      // Like --help: an early, successful exit.
      throw new CommanderError(0, "hatcher.help", "");
    });
  for (const command of leafCommands(program)) {
    const path = commandPath(command);
    command.addHelpText("after", helpFooter(path));
  }
}

/**
 * The Markdown command reference: the global help, then every command's
 * help and examples, in tree order. `scripts/cli_docs.ts` writes it to
 * docs/cli.md and checks that the file is current.
 */
export function renderReference(program: Command): string {
  const all: Command[] = [];
  const walk = (command: Command) => {
    all.push(command);
    command.commands.forEach(walk);
  };
  walk(program);
  for (const command of all) command.configureHelp({ helpWidth: 100 });
  const sections = [
    "# hatcher command reference\n",
    "Generated from the command tree by `deno task docs:cli`; `deno task test` checks that it is\n" +
    "current. `hatcher help <command>` and `hatcher <command> --help` show the same text.\n",
  ];
  for (const command of all) {
    const path = commandPath(command);
    sections.push(`## ${path === "" ? "hatcher" : `hatcher ${path}`}\n`);
    let body = command.helpInformation();
    if (command.commands.length === 0 && path !== "") body += helpFooter(path);
    sections.push("```\n" + body.trimEnd() + "\n```\n");
  }
  return sections.join("\n");
}
