/**
 * Every byte the CLI reads or writes goes through an {@linkcode IO}, so the
 * terminal rules (colour, prompts, progress) are decided in one place.
 *
 * @module
 */
import process from "node:process";

/** Something text can be written to. */
export interface Output {
  write(text: string): void;
}

/** The CLI's view of the terminal. */
export interface IO {
  readonly stdout: Output;
  readonly stderr: Output;
  /** stdout is a terminal (tables may be styled). */
  readonly stdoutIsTTY: boolean;
  /** stdin and stderr are terminals, so the user can answer a prompt. */
  readonly canPrompt: boolean;
  /** Colour and styling are wanted on stdout (a TTY and no `NO_COLOR`). */
  readonly color: boolean;
  /** stderr is a terminal: progress bars and context headers may be drawn there. */
  readonly stderrIsTTY: boolean;
  /** Reads the first line of stdin, or `null` when stdin is empty or closed. */
  readLine(): Promise<string | null>;
  /** Asks a question on stderr and reads the answer line from the terminal. */
  ask(question: string): Promise<string | null>;
}

/** The IO of the running process. */
export function processIO(): IO {
  const stdoutIsTTY = process.stdout.isTTY === true;
  const noColor = (process.env.NO_COLOR ?? "") !== "";
  return {
    stdout: { write: (text) => void process.stdout.write(text) },
    stderr: { write: (text) => void process.stderr.write(text) },
    stdoutIsTTY,
    canPrompt: process.stdin.isTTY === true && process.stderr.isTTY === true,
    color: stdoutIsTTY && !noColor,
    stderrIsTTY: process.stderr.isTTY === true,
    readLine: readFirstLine,
    ask: async (question) => {
      process.stderr.write(question);
      return await readFirstLine();
    },
  };
}

async function readFirstLine(): Promise<string | null> {
  const { createInterface } = await import("node:readline");
  return await new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    lines.once("line", (line) => {
      answered = true;
      resolve(line);
      lines.close();
    });
    lines.once("close", () => {
      // Without this the process waits for the writer to close the pipe.
      process.stdin.destroy();
      if (!answered) resolve(null);
    });
  });
}
