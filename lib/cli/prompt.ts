/**
 * Asking for a password: `Password: ` with no echo on a terminal, one line
 * of stdin otherwise (so `echo "$PW" | hatcher -U me ...` works in scripts).
 *
 * @module
 */
import process from "node:process";
import { Option } from "./deps.ts";
import { DeclinedError, InterruptedError, UsageError } from "./errors.ts";
import type { IO } from "./io.ts";

/**
 * Reads a password for `-U` without `-p`. Never hangs on an empty or closed
 * stdin: that is a usage error.
 */
export async function readPassword(io: IO): Promise<string> {
  if (io.canPrompt) return await readHidden("Password: ", io);
  const line = await io.readLine();
  if (line === null) {
    throw new UsageError(
      "No password: stdin is empty and not a terminal (pipe the password in, or use --password)",
    );
  }
  const password = line.replace(/\r$/, "");
  if (password === "") throw new UsageError("Empty password read from stdin");
  return password;
}

/** Arrow keys and other escape sequences a terminal sends: not part of a password. */
// deno-lint-ignore no-control-regex
const ESCAPE_SEQUENCE = /\x1b(\[[0-9;?]*[ -/]*[@-~]|O.|.)?/g;

/**
 * Shows `prompt` on stderr and reads a line from the terminal in raw mode,
 * echoing nothing (as the original hatcher and `sudo` do). Backspace and
 * Ctrl-U edit; Ctrl-C (or Ctrl-D on an empty line) cancels: exit 130.
 */
async function readHidden(prompt: string, io: IO): Promise<string> {
  const stdin = process.stdin;
  // Echo goes off before the prompt shows: keys typed at once are not echoed either.
  stdin.setRawMode(true);
  io.stderr.write(prompt);
  stdin.setEncoding("utf8");
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = "";
      const done = (error?: Error) => {
        stdin.off("data", onData);
        if (error) reject(error);
        else resolve(value);
      };
      const onData = (chunk: string | Uint8Array) => {
        const text = typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
        for (const char of text.replace(ESCAPE_SEQUENCE, "")) {
          if (char === "\r" || char === "\n") return done();
          if (char === "\x03" || (char === "\x04" && value === "")) {
            return done(new InterruptedError());
          }
          if (char === "\x7f" || char === "\b") value = [...value].slice(0, -1).join("");
          else if (char === "\x15") value = "";
          else if (char >= " ") value += char;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    // The user's Enter was not echoed either: end the prompt's line.
    io.stderr.write("\n");
  }
}

/**
 * Asks `WHAT will be deleted. Proceed? [y/N]` on the terminal; anything but
 * "y" or "yes" declines. `--yes` skips the question.
 */
export async function confirmDeletion(io: IO, what: string, yes: boolean): Promise<void> {
  if (yes) return;
  const answer = await io.ask(`${what} will be deleted. Proceed? [y/N] `);
  if (!/^\s*y(es)?\s*$/i.test(answer ?? "")) {
    throw new DeclinedError("Aborted: nothing was deleted");
  }
}

/** The `-y, --yes` option of every command that deletes something. */
export function yesOption(): Option {
  return new Option("-y, --yes", "do not ask for confirmation");
}
