/**
 * The contract between commands and the program: a command is a function of
 * a context and typed inputs that returns a {@linkcode CommandResult}; the
 * wiring here prints it and records the exit code.
 *
 * @module
 */
import process from "node:process";
import { AuthenticationError } from "../errors.ts";
import { type CommandContext, createContext, type GlobalOptions } from "./context.ts";
import { authenticationHint } from "./hints.ts";
import type { Command } from "./deps.ts";
import { UsageError } from "./errors.ts";
import { sortedJson } from "./format.ts";
import type { IO } from "./io.ts";
import { terminalSafe } from "./terminal_text.ts";

/** What a command produced. */
export interface CommandResult {
  /**
   * The result as data: what `--json` prints. Field names are camelCase, as
   * in the library's types, for every command.
   */
  data: unknown;
  /** What stdout shows; may be empty. */
  text: string;
  /**
   * What happened, in words, after `text` on stdout ("Uploaded x.egg",
   * "Created repository acme/dev"); `--quiet` and `--json` leave it out.
   */
  report?: string;
  /** Exit code for a successful run that answers "no" (e.g. queries). @default {0} */
  exitCode?: number;
}

/** Per-invocation state shared by all commands of one program. */
export interface Runtime {
  io: IO;
  exitCode: number;
  /** A second line for the error of this run, shown on a terminal (e.g. where credentials came from). */
  hint?: string;
}

const runtimes = new WeakMap<Command, Runtime>();

/** Attaches the runtime to the root command. */
export function attachRuntime(program: Command, runtime: Runtime): void {
  runtimes.set(program, runtime);
}

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

/**
 * Wraps a command function as a commander action: builds the context from
 * the global options, runs the command and prints its text.
 */
export function runAction<A extends unknown[]>(
  handler: (context: CommandContext, ...args: A) => Promise<CommandResult>,
): (...args: unknown[]) => Promise<void> {
  return async (...actionArgs: unknown[]) => {
    const command = actionArgs.at(-1) as Command;
    const root = rootOf(command);
    const runtime = runtimes.get(root);
    if (!runtime) throw new Error("The program has no runtime attached");
    const globals = readGlobals(root);
    // --quiet silences what is drawn on the terminal's stderr (context,
    // progress) and the report of what happened.
    const io = globals.quiet ? { ...runtime.io, stderrIsTTY: false } : runtime.io;
    const context = createContext(io, globals);
    // Commander passes (...arguments, options, command); commands get both the
    // arguments and their own options.
    let result: CommandResult;
    try {
      result = await handler(context, ...actionArgs.slice(0, -1) as A);
    } catch (error) {
      if (error instanceof AuthenticationError && io.stderrIsTTY) {
        runtime.hint = authenticationHint(globals, context.configFile);
      }
      throw error;
    }
    const report = globals.quiet ? "" : result.report ?? "";
    // Last line of defence: a server string a command put into its text verbatim.
    runtime.io.stdout.write(
      globals.json ? sortedJson(result.data ?? null) : terminalSafe(result.text + report),
    );
    runtime.exitCode = result.exitCode ?? 0;
  };
}

/** Reads the merged global options from the root command. */
export function readGlobals(root: Command): GlobalOptions {
  const raw = root.opts();
  const text = (key: string) => {
    const value = raw[key];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const sources: Record<string, "cli" | "env"> = {};
  for (const key of ["url", "insecure", "caCert", "username", "password", "token", "profile"]) {
    const source = root.getOptionValueSource(key);
    if (source === "cli" || source === "env") sources[key] = source as "cli" | "env";
  }
  const explicit = new Set(
    (["url", "insecure", "token"] as const).filter((key) => sources[key] !== undefined),
  );
  return {
    url: text("url"),
    insecure: flagValue(root, "insecure", "HATCHER_INSECURE"),
    caCert: text("caCert"),
    username: text("username"),
    password: typeof raw.password === "string" ? raw.password : undefined,
    token: text("token"),
    debug: flagValue(root, "debug", "HATCHER_DEBUG"),
    json: raw.json === true,
    quiet: raw.quiet === true,
    apiVersion: raw.apiVersion === "0" ? 0 : 1,
    profile: text("profile"),
    explicit,
    sources,
  };
}

const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);
const FALSE_WORDS = new Set(["", "0", "false", "no", "off"]);

/**
 * A boolean option's value. Commander treats any value of the variable as
 * "on"; `HATCHER_INSECURE=0` must mean off, and a typo must not pass silently.
 */
function flagValue(root: Command, key: string, variable: string): boolean {
  if (root.getOptionValueSource(key) !== "env") return root.opts()[key] === true;
  return parseBooleanEnv(variable, process.env[variable] ?? "");
}

/** Parses a boolean environment variable: 1/true/yes/on or 0/false/no/off. */
export function parseBooleanEnv(variable: string, value: string): boolean {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new UsageError(`Invalid value for ${variable}: use 1/true/yes/on or 0/false/no/off`);
}
