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
import { withRegularFile } from "./files.ts";

/** Limits on one archive read. */
export interface ArchiveLimits {
  /** Largest accepted entry, in bytes once inflated. */
  maxEntryBytes: number;
  /** Largest accepted number of entries in the archive. */
  maxEntries: number;
}

/** Central directory bytes allowed per permitted entry (and at least 1 MiB). */
export const CENTRAL_DIRECTORY_BYTES_PER_ENTRY = 1024;

/**
 * Reads the bytes of `entryPath` from the zip archive at `path`.
 *
 * @throws {FormatProblem} When the file is not a regular file, not a zip, unsafe,
 * too large, or the entry is missing or corrupt.
 * @throws {FileReadProblem} When the file cannot be opened or read.
 */
export async function readArchiveEntry(
  path: string,
  entryPath: string,
  limits: ArchiveLimits,
): Promise<Uint8Array> {
  return await withRegularFile(path, async (handle, size) => {
    const { readZipEntry } = await import("./zip_entry.ts");
    return await readZipEntry(handle, size, entryPath, limits);
  });
}
