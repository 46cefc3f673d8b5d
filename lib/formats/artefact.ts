/**
 * What every artefact reader (eggs, runtimes, bundles, apps) shares: the
 * base error class, the two internal problem kinds that become it, and the
 * small helpers for file names, limits and text.
 *
 * A reader throws {@linkcode FormatProblem} ("what is wrong with the
 * content") or {@linkcode FileReadProblem} ("the file cannot be read") from
 * anywhere inside {@linkcode readArtefact}, which turns them into the
 * kind's error with one message naming the file.
 *
 * @module
 */
import { HatcherError } from "../errors.ts";

/**
 * The file is not a valid artefact of its kind; the base class of
 * `InvalidEggError`, `InvalidRuntimeError`, `InvalidBundleError` and
 * `InvalidAppError`. The message names the file and the problem.
 *
 * @example Skip any invalid artefact
 * ```ts
 * import { InvalidArtefactError, readRuntimeMetadata } from "@hatcher/hatcher";
 * try {
 *   await readRuntimeMetadata("dist/cpython-3.11.2+2-rh8_x86_64-gnu.runtime");
 * } catch (error) {
 *   if (!(error instanceof InvalidArtefactError)) throw error;
 *   console.error(`skipping ${error.file}: ${error.message}`);
 * }
 * ```
 */
export class InvalidArtefactError extends HatcherError {
  /** Base name of the file, or `undefined` when only text was parsed. */
  readonly file: string | undefined;

  /**
   * Creates the error.
   *
   * @param message What is wrong, naming the file.
   * @param file Base name of the file, when there is one.
   * @param options The underlying `cause`, if any.
   */
  constructor(message: string, file?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidArtefactError";
    this.file = file;
  }
}

/** A problem with an artefact's content, worded to follow `Invalid <kind> "<file>": `. */
export class FormatProblem extends Error {}

/** The file could not be opened or read (missing, permissions, I/O), worded likewise. */
export class FileReadProblem extends Error {}

/** How a reader names its kind of artefact and builds its error. */
export interface ArtefactKind {
  /** The word in messages: `egg`, `runtime`, `bundle`, `app spec`. */
  noun: string;
  /** The kind's error class. */
  error: new (message: string, file?: string, options?: ErrorOptions) => InvalidArtefactError;
}

/**
 * Runs `read` and turns the problems it throws into the kind's error:
 * `Invalid <noun> "<file>": <problem>` or `Cannot read <noun> "<file>": <why>`.
 * Other errors pass through.
 */
export async function readArtefact<T>(
  kind: ArtefactKind,
  file: string,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof FormatProblem) {
      throw new kind.error(`Invalid ${kind.noun} "${file}": ${error.message}`, file, {
        cause: error.cause,
      });
    }
    if (error instanceof FileReadProblem) {
      throw new kind.error(`Cannot read ${kind.noun} "${file}": ${error.message}`, file, {
        cause: error.cause,
      });
    }
    throw error;
  }
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory",
};

/** An error's message to follow a colon: known file-system codes in words, else lower-cased. */
export function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && FS_ERRORS[code]) return FS_ERRORS[code];
  const text = error instanceof Error ? error.message : String(error);
  const lowered = /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
  return lowered.replace(/\.$/, "");
}

/** The last path segment, for `/` and `\` separators alike. */
export function basename(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/** Throws a RangeError unless `value` is a positive integer. */
export function checkLimit(option: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Invalid ${option} "${value}": must be a positive integer`);
  }
}

/** Decodes UTF-8 text, refusing invalid bytes; `what` names the text in the problem. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new FormatProblem(`${what} is not valid UTF-8`);
  }
}

/** A JSON value as `JSON.parse` returns it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** True for a plain JSON (or YAML) mapping: not null, not an array. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a JSON object; `what` names the text in the problem. */
export function parseJsonObject(text: string, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FormatProblem(`${what} is not valid JSON (${errorText(error)})`);
  }
  if (!isObject(value)) throw new FormatProblem(`${what} is not a JSON object`);
  return value;
}
