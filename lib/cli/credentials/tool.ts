/**
 * Runs a platform tool (`secret-tool`, `security`, `powershell.exe`) as a
 * subprocess: secrets go in on stdin, never on the command line, and every
 * run has a time limit, so a store that hangs cannot hang hatcher.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import process from "node:process";
import { nodeChildProcess } from "../../builtins.ts";

/** What a finished tool run produced. */
export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A tool that could not be run or did not finish: the store is unusable. */
export class ToolError extends Error {
  /** The tool is not installed (not on PATH). */
  readonly missing: boolean;
  constructor(message: string, missing = false) {
    super(message);
    this.missing = missing;
    this.name = "ToolError";
  }
}

/** How long a store may take, in ms: long enough for the user to answer an unlock prompt. */
export function storeTimeoutMs(env: Record<string, string | undefined> = process.env): number {
  const seconds = Number(env.HATCHER_CREDENTIAL_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 30_000;
}

/**
 * Runs `command args...`, writes `input` to its stdin and closes it, and
 * collects its output. Rejects with a {@linkcode ToolError} when the tool is
 * missing, may not be run, or outlives `timeoutMs` (it is then killed).
 */
export async function runTool(
  command: string,
  args: readonly string[],
  options: { input?: string; timeoutMs: number },
): Promise<ToolRun> {
  const { spawn } = await nodeChildProcess();
  return await new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    } catch (error) {
      // Deno without --allow-run throws here rather than emitting "error".
      reject(new ToolError(`${command} could not be run: ${(error as Error).message}`));
      return;
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(() =>
        reject(new ToolError(`${command} did not answer within ${options.timeoutMs / 1000} s`))
      );
    }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error: Error & { code?: string }) => {
      const missing = error.code === "ENOENT";
      const why = missing ? "not found" : error.message;
      finish(() => reject(new ToolError(`${command}: ${why}`, missing)));
    });
    child.on("close", (code: number | null) => {
      finish(() =>
        resolve({
          code: code ?? -1,
          stdout: Buffer.concat(stdout).toString("utf8"),
          stderr: Buffer.concat(stderr).toString("utf8"),
        })
      );
    });
    // A tool that exits without reading its stdin makes the write fail: its exit code says why.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

/** The first line a failed tool printed, for a one-line message. */
export function firstLine(run: ToolRun): string {
  const line = run.stderr.trim().split("\n")[0]?.trim();
  return line ? line : `exit code ${run.code}`;
}
