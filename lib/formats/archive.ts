/**
 * Reading one metadata entry out of an artefact archive (eggs, runtimes),
 * safely and cheaply: only the zip central directory and that entry are read,
 * with random-access reads, so the cost does not depend on the archive's
 * size. Unsafe entry names, too many entries and an entry that inflates past
 * its limit (zip bombs) are refused.
 *
 * zip.js and zlib load only when an archive is read (`zip_entry.ts`), not
 * with the CLI.
 *
 * @module
 */
import { type FileHandle, open } from "node:fs/promises";

/** A problem with an archive's content, worded to follow `Invalid <kind> "<file>": `. */
export class ArchiveProblem extends Error {}

/** The archive file could not be opened or read (missing, permissions, I/O). */
export class ArchiveReadProblem extends Error {}

/** Limits on one archive read. */
export interface ArchiveLimits {
  /** Largest accepted entry, in bytes once inflated. */
  maxEntryBytes: number;
  /** Largest accepted number of entries in the archive. */
  maxEntries: number;
}

/** Central directory bytes allowed per permitted entry (and at least 1 MiB). */
export const CENTRAL_DIRECTORY_BYTES_PER_ENTRY = 1024;

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

/**
 * Reads the bytes of `entryPath` from the zip archive at `path`.
 *
 * @throws {ArchiveProblem} When the file is not a regular file, not a zip, unsafe,
 * too large, or the entry is missing or corrupt.
 * @throws {ArchiveReadProblem} When the file cannot be opened or read.
 */
export async function readArchiveEntry(
  path: string,
  entryPath: string,
  limits: ArchiveLimits,
): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new ArchiveReadProblem(errorText(error), { cause: error });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ArchiveProblem("not a regular file");
    const { readZipEntry } = await import("./zip_entry.ts");
    return await readZipEntry(handle, stat.size, entryPath, limits);
  } catch (error) {
    if (error instanceof ArchiveProblem) throw error;
    throw new ArchiveReadProblem(errorText(error), { cause: error });
  } finally {
    await handle.close();
  }
}

/** Decodes UTF-8 text, refusing invalid bytes. */
export function decodeUtf8(bytes: Uint8Array, entryPath: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ArchiveProblem(`${entryPath} is not valid UTF-8`);
  }
}
