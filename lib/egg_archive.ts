/**
 * The zip side of reading an egg: random-access reads of the central
 * directory and of `EGG-INFO/spec/depend`, with limits against zip bombs and
 * unsafe paths. Loaded on demand by `egg.ts`, so the CLI starts without zip.js.
 *
 * @module
 */
import type { FileHandle } from "node:fs/promises";
import { inflateRawSync } from "node:zlib";
import { zip } from "./deps.ts";
import { ArchiveProblem, CENTRAL_DIRECTORY_BYTES_PER_ENTRY, errorText, SPEC_PATH } from "./egg.ts";

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
      throw new ArchiveProblem(
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

/** Finds, checks and inflates `EGG-INFO/spec/depend`; throws {@linkcode ArchiveProblem}. */
export async function readSpecText(
  handle: FileHandle,
  size: number,
  maxSpecBytes: number,
  maxEntries: number,
): Promise<string> {
  const maxReadBytes = Math.max(1024 * 1024, maxEntries * CENTRAL_DIRECTORY_BYTES_PER_ENTRY);
  const zipReader = new zip.ZipReader(new FileHandleReader(handle, size, maxReadBytes), {
    useWebWorkers: false,
    filenameValidation: "tolerant",
  });
  let spec: zip.Entry | undefined;
  let entries = 0;
  try {
    for await (const entry of zipReader.getEntriesGenerator()) {
      if (++entries > maxEntries) {
        throw new ArchiveProblem(`the archive has more than ${maxEntries} entries`);
      }
      if (isUnsafePath(entry.filename)) {
        throw new ArchiveProblem(`unsafe path "${entry.filename}" in the archive`);
      }
      if (entry.filename === SPEC_PATH) {
        if (spec !== undefined) throw new ArchiveProblem(`${SPEC_PATH} appears twice`);
        spec = entry;
      }
    }
  } catch (error) {
    if (error instanceof ArchiveProblem) throw error;
    throw new ArchiveProblem(`not a valid zip archive (${errorText(error)})`, { cause: error });
  } finally {
    await zipReader.close();
  }

  if (spec === undefined || spec.directory) throw new ArchiveProblem(`${SPEC_PATH} is missing`);
  if (spec.encrypted) throw new ArchiveProblem(`${SPEC_PATH} is encrypted`);
  const method = spec.compressionMethod;
  if (method !== 0 && method !== 8) {
    throw new ArchiveProblem(`${SPEC_PATH} uses unsupported compression method ${method}`);
  }
  // Deflate never shrinks text below ~1/1000, nor grows it by more than a few bytes per block.
  if (spec.uncompressedSize > maxSpecBytes || spec.compressedSize > maxSpecBytes + 1024) {
    throw new ArchiveProblem(`${SPEC_PATH} is larger than ${maxSpecBytes} bytes`);
  }
  let raw: Uint8Array;
  try {
    raw = await spec.getData(new zip.Uint8ArrayWriter(), {
      passThrough: true,
      useWebWorkers: false,
    });
  } catch (error) {
    throw new ArchiveProblem(`cannot read ${SPEC_PATH} (${errorText(error)})`, { cause: error });
  }
  let data = raw;
  if (method === 8) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: maxSpecBytes });
    } catch (error) {
      if (error instanceof RangeError) {
        throw new ArchiveProblem(`${SPEC_PATH} inflates to more than ${maxSpecBytes} bytes`);
      }
      throw new ArchiveProblem(`${SPEC_PATH} is corrupt (${errorText(error)})`, { cause: error });
    }
  }
  if (data.length !== spec.uncompressedSize) {
    throw new ArchiveProblem(
      `${SPEC_PATH} is corrupt (${data.length} bytes, the archive says ${spec.uncompressedSize})`,
    );
  }
  if (spec.crc32 !== undefined && crc32(data) !== spec.crc32) {
    throw new ArchiveProblem(`${SPEC_PATH} is corrupt (CRC-32 mismatch)`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    throw new ArchiveProblem(`${SPEC_PATH} is not valid UTF-8`);
  }
}
