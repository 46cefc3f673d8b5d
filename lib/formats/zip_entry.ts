/**
 * The zip side of reading an artefact's metadata: random-access reads of the
 * central directory and of one entry, with limits against zip bombs and
 * unsafe paths. Loaded on demand by `archive.ts`, so the CLI starts without
 * zip.js.
 *
 * @module
 */
import type { FileHandle } from "node:fs/promises";
import { nodeZlib } from "../builtins.ts";
import { zip } from "../deps.ts";
import { errorText, FormatProblem } from "./artefact.ts";
import { type ArchiveLimits, CENTRAL_DIRECTORY_BYTES_PER_ENTRY } from "./archive.ts";

/** Random-access zip.js reader over an open file; refuses oversized single reads. */
class FileHandleReader extends zip.Reader<FileHandle> {
  readonly #handle: FileHandle;
  readonly #maxReadBytes: number;

  constructor(handle: FileHandle, size: number, maxReadBytes: number) {
    super(handle);
    this.#handle = handle;
    this.#maxReadBytes = maxReadBytes;
    this.size = size;
  }

  override async readUint8Array(index: number, length: number): Promise<Uint8Array> {
    const wanted = Math.max(0, Math.min(length, this.size - index));
    if (wanted > this.#maxReadBytes) {
      throw new FormatProblem(
        `the zip central directory is larger than ${this.#maxReadBytes} bytes`,
      );
    }
    const buffer = new Uint8Array(wanted);
    let filled = 0;
    while (filled < wanted) {
      const { bytesRead } = await this.#handle.read(
        buffer,
        filled,
        wanted - filled,
        index + filled,
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  }
}

/** True for absolute paths, drive letters, NUL bytes and `..` segments (`/` or `\`). */
function isUnsafePath(path: string): boolean {
  return path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path) ||
    path.includes("\0") || path.split(/[\\/]/).includes("..");
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** How many central directory entries are read between two turns of the event loop. */
const YIELD_EVERY_ENTRIES = 1024;

/** Finds, checks and inflates `entryPath`; throws {@linkcode FormatProblem}. */
export async function readZipEntry(
  handle: FileHandle,
  size: number,
  entryPath: string,
  limits: ArchiveLimits,
): Promise<Uint8Array> {
  const { maxEntries, maxEntryBytes } = limits;
  const maxReadBytes = Math.max(1024 * 1024, maxEntries * CENTRAL_DIRECTORY_BYTES_PER_ENTRY);
  const zipReader = new zip.ZipReader(new FileHandleReader(handle, size, maxReadBytes), {
    useWebWorkers: false,
    filenameValidation: "tolerant",
  });
  let found: zip.Entry | undefined;
  let entries = 0;
  try {
    for await (const entry of zipReader.getEntriesGenerator()) {
      if (++entries > maxEntries) {
        throw new FormatProblem(`the archive has more than ${maxEntries} entries`);
      }
      // A big central directory would be parsed in one go: let a server answer others.
      if (entries % YIELD_EVERY_ENTRIES === 0) {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      if (isUnsafePath(entry.filename)) {
        throw new FormatProblem(`unsafe path "${entry.filename}" in the archive`);
      }
      if (entry.filename === entryPath) {
        if (found !== undefined) throw new FormatProblem(`${entryPath} appears twice`);
        found = entry;
      }
    }
  } catch (error) {
    if (error instanceof FormatProblem) throw error;
    throw new FormatProblem(`not a valid zip archive (${errorText(error)})`, { cause: error });
  } finally {
    await zipReader.close();
  }

  if (found === undefined || found.directory) throw new FormatProblem(`${entryPath} is missing`);
  if (found.encrypted) throw new FormatProblem(`${entryPath} is encrypted`);
  const method = found.compressionMethod;
  if (method !== 0 && method !== 8) {
    throw new FormatProblem(`${entryPath} uses unsupported compression method ${method}`);
  }
  // Deflate never shrinks text below ~1/1000, nor grows it by more than a few bytes per block.
  if (found.uncompressedSize > maxEntryBytes || found.compressedSize > maxEntryBytes + 1024) {
    throw new FormatProblem(`${entryPath} is larger than ${maxEntryBytes} bytes`);
  }
  let raw: Uint8Array;
  try {
    raw = await found.getData(new zip.Uint8ArrayWriter(), {
      passThrough: true,
      useWebWorkers: false,
    });
  } catch (error) {
    throw new FormatProblem(`cannot read ${entryPath} (${errorText(error)})`, { cause: error });
  }
  let data = raw;
  if (method === 8) {
    try {
      data = (await nodeZlib()).inflateRawSync(raw, { maxOutputLength: maxEntryBytes });
    } catch (error) {
      if (error instanceof RangeError) {
        throw new FormatProblem(`${entryPath} inflates to more than ${maxEntryBytes} bytes`);
      }
      throw new FormatProblem(`${entryPath} is corrupt (${errorText(error)})`, { cause: error });
    }
  }
  if (data.length !== found.uncompressedSize) {
    throw new FormatProblem(
      `${entryPath} is corrupt (${data.length} bytes, the archive says ${found.uncompressedSize})`,
    );
  }
  if (found.crc32 !== undefined && crc32(data) !== found.crc32) {
    throw new FormatProblem(`${entryPath} is corrupt (CRC-32 mismatch)`);
  }
  return data;
}
