/**
 * Asking for a password: hidden input on a terminal, one line of stdin
 * otherwise (so `echo "$PW" | hatcher -U me ...` works in scripts).
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
  if (io.canPrompt) {
    // The prompt library loads only when a prompt is shown: it slows every start.
    const { promptPassword } = await import("./prompt_deps.ts");
    try {
      return await promptPassword(
        { message: "Password:", mask: false, theme: { prefix: "" } },
        { output: process.stderr },
      );
    } catch (error) {
      // @inquirer throws ExitPromptError on Ctrl-C.
      if (error instanceof Error && error.name === "ExitPromptError") throw new InterruptedError();
      throw error;
    }
  }
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
