/**
 * Every byte the CLI reads or writes goes through an {@linkcode IO}, so the
 * terminal rules (colour, prompts, progress) are decided in one place.
 *
 * @module
 */
import process from "node:process";
import type { Writable } from "node:stream";

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
  /** Resolves once everything written so far has reached stdout and stderr. */
  flush(): Promise<void>;
}

/** The IO of the running process. */
export function processIO(): IO {
  const stdoutIsTTY = process.stdout.isTTY === true;
  const noColor = (process.env.NO_COLOR ?? "") !== "";
  const stdout = streamOutput(process.stdout);
  const stderr = streamOutput(process.stderr);
  return {
    stdout,
    stderr,
    stdoutIsTTY,
    canPrompt: process.stdin.isTTY === true && process.stderr.isTTY === true,
    color: stdoutIsTTY && !noColor,
    stderrIsTTY: process.stderr.isTTY === true,
    readLine: readFirstLine,
    ask: async (question) => {
      stderr.write(question);
      return await readFirstLine();
    },
    flush: async () => {
      await Promise.all([stdout.flushed(), stderr.flushed()]);
    },
  };
}

/**
 * An output over a process stream that can say when its writes are done.
 *
 * Writes to a pipe are asynchronous in Node and Bun: `process.exit()` right
 * after a large write drops whatever the reader has not taken yet (64 KiB
 * reached the pipe). The write callback fires once a chunk is handed to the
 * system (`write("")` fires early in Bun, `writableLength` stays 0 there), so
 * the last chunk's callback is what {@linkcode flushed} waits for. A reader
 * that went away (`| head`: EPIPE) ends the output quietly: later writes are
 * dropped instead of raising an error.
 */
function streamOutput(stream: Writable): Output & { flushed(): Promise<void> } {
  let closed = false;
  let last: Promise<void> = Promise.resolve();
  // EPIPE (or any other write error): nobody reads any more. The pending
  // writes' callbacks still fire, with the error, so flushed() settles.
  stream.on("error", () => closed = true);
  return {
    write(text) {
      if (closed || text === "") return;
      last = new Promise((resolve) => {
        try {
          stream.write(text, () => resolve());
        } catch {
          closed = true;
          resolve();
        }
      });
    },
    flushed: () => last,
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
