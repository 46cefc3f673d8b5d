/**
 * Local paths a command is given, checked before any request: what it
 * uploads must be files, where it downloads to must exist. Problems are
 * usage errors (exit 2).
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { dirname } from "node:path";
import { UsageError } from "./errors.ts";

/**
 * Where a download goes must exist: a directory, or a file name in one
 * (a usage error before any request otherwise).
 */
export async function requireSaveLocation(destination: string): Promise<void> {
  try {
    await stat(destination);
    return;
  } catch {
    // Not there: then it names a new file, whose directory must exist.
  }
  if (/[\\/]$/.test(destination)) {
    throw new UsageError(`Cannot save to ${destination}: the directory does not exist`);
  }
  const directory = dirname(destination);
  let isDirectory = false;
  try {
    isDirectory = (await stat(directory)).isDirectory();
  } catch {
    throw new UsageError(
      `Cannot save to ${destination}: the directory ${directory} does not exist`,
    );
  }
  if (!isDirectory) {
    throw new UsageError(`Cannot save to ${destination}: ${directory} is not a directory`);
  }
}

/** Missing or non-file paths are usage errors, found before any request. */
export async function requireFiles(files: string[]): Promise<void> {
  for (const file of files) {
    let isFile = false;
    try {
      isFile = (await stat(file)).isFile();
    } catch {
      throw new UsageError(`File '${file}' does not exist`);
    }
    if (!isFile) throw new UsageError(`'${file}' is not a file`);
  }
}
