/**
 * Opening artefact files: only regular files are read, and the failures
 * become problems (`FormatProblem` for what the file is, `FileReadProblem`
 * for what the system says). Small artefacts (a bundle's JSON, an app's
 * YAML) are read whole with a size limit checked before anything is read: a
 * file over the limit costs one `stat`, never its size in memory, and a file
 * that grows while it is read is refused rather than read in part.
 *
 * @module
 */
import { type FileHandle, open } from "node:fs/promises";
import { decodeUtf8, errorText, FileReadProblem, FormatProblem } from "./artefact.ts";

/**
 * Opens the regular file at `path`, runs `use` with its handle and size, and
 * closes it. Errors other than FormatProblem become FileReadProblem.
 */
export async function withRegularFile<T>(
  path: string,
  use: (handle: FileHandle, size: number) => Promise<T>,
): Promise<T> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new FileReadProblem(errorText(error), { cause: error });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FormatProblem("not a regular file");
    return await use(handle, stat.size);
  } catch (error) {
    if (error instanceof FormatProblem) throw error;
    throw new FileReadProblem(errorText(error), { cause: error });
  } finally {
    await handle.close();
  }
}

/**
 * The UTF-8 text of the regular file at `path`, at most `maxBytes` long.
 *
 * @throws {FormatProblem} When it is not a regular file, is larger than
 * `maxBytes` or is not UTF-8.
 * @throws {FileReadProblem} When it cannot be opened or read.
 */
export async function readBoundedText(path: string, maxBytes: number): Promise<string> {
  return await withRegularFile(path, async (handle, size) => {
    if (size > maxBytes) throw new FormatProblem(`the file is larger than ${maxBytes} bytes`);
    // One byte more than the stat said, to notice a file that grew since.
    const buffer = new Uint8Array(size + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > size) throw new FormatProblem("the file grew while it was read");
    return decodeUtf8(buffer.subarray(0, filled), "the file");
  });
}
