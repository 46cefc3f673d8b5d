/**
 * Asking for a password: hidden input on a terminal, one line of stdin
 * otherwise (so `echo "$PW" | hatcher -U me ...` works in scripts).
 *
 * @module
 */
import process from "node:process";
import { promptPassword } from "./deps.ts";
import { InterruptedError, UsageError } from "./errors.ts";
import type { IO } from "./io.ts";

/**
 * Reads a password for `-U` without `-p`. Never hangs on an empty or closed
 * stdin: that is a usage error.
 */
export async function readPassword(io: IO): Promise<string> {
  if (io.canPrompt) {
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
