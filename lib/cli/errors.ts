/**
 * Errors that only the CLI raises, each tied to an exit code.
 *
 * @module
 */

/** Exit codes, as documented in README. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130,
} as const;

/** The command line is wrong or incomplete: exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The user cancelled (Ctrl-C at a prompt): exit 130. */
export class InterruptedError extends Error {
  constructor(message = "Interrupted") {
    super(message);
    this.name = "InterruptedError";
  }
}

/** The user answered "no" to a confirmation: exit 1, nothing done. */
export class DeclinedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeclinedError";
  }
}
