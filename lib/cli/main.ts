/**
 * The CLI's entry function: runs one command line and turns every outcome
 * into an exit code and at most one line on stderr.
 *
 * @module
 */
import process from "node:process";
import { HatcherError, InvalidArtefactError } from "../../mod.ts";
import { ConfigError } from "./config.ts";
import { CredentialStoreError } from "./credentials/credential_store.ts";
import { CommanderError } from "./deps.ts";
import { DeclinedError, ExitCode, InterruptedError, UsageError } from "./errors.ts";
import { type IO, processIO } from "./io.ts";
import { buildProgram } from "./program.ts";
import { escapeControls, terminalSafe } from "./terminal_text.ts";
import { parseBooleanEnv, type Runtime } from "./result.ts";

/**
 * Runs `hatcher` with the arguments after the program name.
 *
 * @returns The exit code: 0 success, 1 failure, 2 usage error, 130 interrupted.
 */
export async function main(args: string[], io: IO = processIO()): Promise<number> {
  const runtime: Runtime = { io, exitCode: ExitCode.ok };
  const program = buildProgram(runtime);
  let code: number;
  try {
    await program.parseAsync(args, { from: "user" });
    code = runtime.exitCode;
  } catch (error) {
    code = report(error, io, wantsDebug(args), runtime.hint);
  }
  // The caller exits next: everything written must reach the pipe first.
  await io.flush();
  return code;
}

function report(error: unknown, io: IO, debug: boolean, hint: string | undefined): number {
  if (error instanceof CommanderError) {
    // Commander has already printed help, the version, the tree or its error line.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  const { code, message } = describe(error);
  // Messages quote the server's error texts: one line, controls escaped.
  io.stderr.write(`${debug ? terminalSafe(stackOf(error)) : escapeControls(message)}\n`);
  if (hint && !debug) io.stderr.write(`${hint}\n`);
  return code;
}

function describe(error: unknown): { code: number; message: string } {
  // A local file that is not a valid artefact is bad input, like a missing one.
  if (error instanceof UsageError || error instanceof InvalidArtefactError) {
    return { code: ExitCode.usage, message: error.message };
  }
  if (error instanceof InterruptedError) {
    return { code: ExitCode.interrupted, message: "Interrupted" };
  }
  if (
    error instanceof HatcherError || error instanceof DeclinedError ||
    error instanceof ConfigError || error instanceof CredentialStoreError
  ) {
    return { code: ExitCode.failure, message: error.message };
  }
  const text = error instanceof Error ? error.message : String(error);
  return {
    code: ExitCode.failure,
    message: `Unexpected error: ${text} (run with --debug for details)`,
  };
}

/** The stack of an error and of each cause, for `--debug`. */
function stackOf(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current !== undefined;) {
    parts.push(current instanceof Error ? current.stack ?? String(current) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push("Caused by:");
  }
  return parts.join("\n");
}

/** `--debug` is decided from the raw arguments, so it works for parse errors too. */
function wantsDebug(args: string[]): boolean {
  if (args.some((arg) => arg === "-d" || arg === "--debug" || /^-[a-zA-Z]*d[a-zA-Z]*$/.test(arg))) {
    return true;
  }
  try {
    return parseBooleanEnv("HATCHER_DEBUG", process.env.HATCHER_DEBUG ?? "");
  } catch {
    return false;
  }
}
