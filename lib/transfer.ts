/**
 * Streaming building blocks for uploads and downloads: a file as a stream of
 * chunks, the multipart body of an upload, and a download that hashes as it
 * writes. Memory stays constant whatever the file size.
 *
 * @module
 */
import { open } from "node:fs/promises";
import { type HashedFile, openHashedFile, ownsBuffer } from "./hashed_file.ts";

/** Bytes read from disk per chunk. */
const CHUNK_BYTES = 1 << 20;

/**
 * Called with the bytes transferred so far and the total, when known.
 *
 * @example
 * ```ts
 * import { type ProgressCallback } from "@hatcher/hatcher";
 * const log: ProgressCallback = (done, total) => console.log(done, total);
 * ```
 */
export type ProgressCallback = (done: number, total: number | undefined) => void;

/**
 * A file as a pull-based stream: a chunk is read only when the consumer (the
 * HTTP client) asks for one, so a slow network never fills memory. With its
 * `size`, the stream ends after that many bytes (a body's announced length
 * holds even if the file grew) and no buffer is larger than what is left: a
 * 1 MiB buffer, cleared, for each of a thousand small uploads was a fifth of
 * a batch's client CPU.
 */
export function fileStream(
  path: string,
  onChunk?: (chunk: Uint8Array) => void,
  size?: number,
): ReadableStream<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let left = size;
  const end = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    await handle!.close();
    controller.close();
  };
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      handle = await open(path, "r");
      if (left === 0) await end(controller);
    },
    async pull(controller) {
      const buffer = new Uint8Array(pieceSize(left));
      const { bytesRead } = await handle!.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return await end(controller);
      const chunk = buffer.subarray(0, bytesRead);
      onChunk?.(chunk);
      controller.enqueue(chunk);
      if (left !== undefined && (left -= bytesRead) === 0) await end(controller);
    },
    async cancel() {
      await handle?.close();
    },
  });
}

/**
 * One part of a multipart/form-data body. A JSON part may be known only once
 * the parts before it are sent (an upload's SHA-256, hashed as the file goes):
 * then `json` is called at that point, and `sameLengthAs`, any value whose
 * JSON has the same length, gives the body its length up front.
 */
export type MultipartPart =
  | { name: string; json: unknown }
  | { name: string; json: () => unknown; sameLengthAs: unknown }
  | { name: string; filename: string; stream: ReadableStream<Uint8Array>; size: number };

/** A streamed multipart/form-data body with its content type and exact length. */
export interface MultipartBody {
  contentType: string;
  length: number;
  stream: ReadableStream<Uint8Array>;
}

/** Builds a multipart/form-data body whose file parts are streamed, never buffered. */
export function multipartBody(parts: MultipartPart[]): MultipartBody {
  const boundary = `hatcher-${crypto.randomUUID()}`;
  const encoder = new TextEncoder();
  const pieces: BodyPiece[] = [];
  let length = 0;
  const add = (piece: BodyPiece, size: number) => {
    pieces.push(piece);
    length += size;
  };
  for (const part of parts) {
    const quotedName = part.name.replaceAll('"', "%22");
    if ("json" in part) {
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="${quotedName}"\r\n` +
        "Content-Type: application/json; charset=UTF-8\r\n\r\n";
      const encode = (json: unknown) => encoder.encode(`${head}${JSON.stringify(json)}\r\n`);
      if (!("sameLengthAs" in part)) {
        const bytes = encode(part.json);
        add(bytes, bytes.byteLength);
        continue;
      }
      const size = encode(part.sameLengthAs).byteLength;
      const later = part.json;
      add(() => {
        const bytes = encode(later());
        // Never a body of another length than announced: the server would read garbage.
        if (bytes.byteLength !== size) throw new Error(`The '${part.name}' part changed length`);
        return bytes;
      }, size);
    } else {
      const filename = part.filename.replaceAll('"', "%22").replace(/[\r\n]/g, "");
      const head = encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${quotedName}"; ` +
          `filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      );
      add(head, head.byteLength);
      add(part.stream, part.size);
      const tail = encoder.encode("\r\n");
      add(tail, tail.byteLength);
    }
  }
  const closing = encoder.encode(`--${boundary}--\r\n`);
  add(closing, closing.byteLength);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
    stream: concatStreams(pieces),
  };
}

/** Bytes, a stream of them, or bytes made when their turn comes. */
type BodyPiece = Uint8Array | ReadableStream<Uint8Array> | (() => Uint8Array);

function concatStreams(pieces: BodyPiece[]): ReadableStream<Uint8Array> {
  let index = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (index < pieces.length) {
        const piece = pieces[index]!;
        if (piece instanceof Uint8Array || typeof piece === "function") {
          index++;
          controller.enqueue(typeof piece === "function" ? piece() : piece);
          return;
        }
        reader ??= piece.getReader();
        const { done, value } = await reader.read();
        if (!done) {
          controller.enqueue(value);
          return;
        }
        reader = undefined;
        index++;
      }
      controller.close();
    },
    async cancel(reason) {
      await reader?.cancel(reason);
      for (const piece of pieces.slice(index + 1)) {
        if (piece instanceof ReadableStream) await piece.cancel(reason);
      }
    },
  });
}

/** The outcome of {@linkcode writeResponseToFile}. */
export interface WrittenFile {
  bytes: number;
  sha256: string;
}

/** Bodies shorter than this are gathered in memory and written in one go (see hashed_file.ts). */
const IN_MEMORY_MAX_BYTES = 1 << 20;

/** Below this size a worker thread (~60 ms to start) costs more than it saves. */
const OFF_THREAD_MIN_BYTES = 32 << 20;

/**
 * Streams response bodies into a file while hashing them. `keep` bytes of the
 * file are kept (a download resumed from an earlier run; `first` then holds
 * the rest), and the file is never opened through a symbolic link. `next` is
 * asked for a continuation when a body breaks off: it gets the bytes written
 * so far and returns a response for the rest (a `Range` request), or
 * `undefined` to give up.
 */
export async function writeResponseToFile(
  first: Response,
  path: string,
  options: {
    total?: number;
    keep?: number;
    onProgress?: ProgressCallback;
    next?: (written: number, error: unknown) => Promise<Response | undefined>;
  } = {},
): Promise<WrittenFile> {
  let file: HashedFile;
  const length = Number(first.headers.get("content-length"));
  // The body's own length, not what an index announced, bounds what is held in memory.
  const small = first.status === 200 && first.headers.has("content-length") &&
      Number.isSafeInteger(length) && length < IN_MEMORY_MAX_BYTES
    ? length
    : undefined;
  try {
    file = await openHashedFile(path, {
      offThread: (options.total ?? 0) >= OFF_THREAD_MIN_BYTES,
      keep: options.keep,
      inMemory: small,
    });
  } catch (error) {
    await first.body?.cancel().catch(() => {});
    throw error;
  }
  let bytes = options.keep ?? 0;
  try {
    for (let response: Response | undefined = first; response;) {
      const length = Number(response.headers.get("content-length"));
      const pieces = largePieces(
        response.body,
        file.buffer,
        Number.isSafeInteger(length) && length >= 0 ? length : undefined,
      );
      while (true) {
        let read: IteratorResult<Uint8Array>;
        try {
          read = await pieces.next();
        } catch (error) {
          // Only a broken body is resumed; a failed write (disk full) is final.
          response = await options.next?.(bytes, error);
          if (!response) throw error;
          break;
        }
        if (read.done) {
          response = undefined;
          break;
        }
        const size = read.value.byteLength;
        try {
          await file.write(read.value);
        } catch (error) {
          await pieces.return(undefined); // cancels the body
          throw error;
        }
        bytes += size;
        options.onProgress?.(bytes, options.total);
      }
    }
    return { bytes, sha256: await file.finish() };
  } finally {
    await file.close();
  }
}

/**
 * A body as pieces of `CHUNK_BYTES` (the last may be shorter), each in a
 * buffer of its own from `buffer`: a few large pieces cost far less per byte
 * than many small network chunks (measured: +35% download throughput under
 * Deno). A BYOB reader fills them without a copy where the runtime offers one.
 * With the body's `length` known, no buffer is larger than what is left of
 * it: a thousand small downloads would otherwise clear a MiB each.
 */
async function* largePieces(
  body: ReadableStream<Uint8Array> | null,
  buffer: (size: number) => Uint8Array,
  length?: number,
): AsyncGenerator<Uint8Array> {
  if (!body) return;
  let reader: ReadableStreamBYOBReader;
  try {
    reader = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream: gather the chunks as they come.
    yield* gatheredPieces(body, buffer, length);
    return;
  }
  let finished = false;
  let left = length;
  try {
    while (true) {
      let piece = buffer(pieceSize(left));
      let filled = 0;
      let done = false;
      while (filled < piece.length) {
        const result = await reader.read(piece.subarray(filled));
        if (result.value) piece = new Uint8Array(result.value.buffer);
        if (result.done) {
          done = true;
          break;
        }
        filled += result.value.byteLength;
      }
      finished = done;
      if (left !== undefined) left -= filled;
      if (filled > 0) yield piece.subarray(0, filled);
      if (done) return;
    }
  } finally {
    // Left early (the consumer stopped): nobody will read the rest.
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** A piece's size: a chunk, or what is left of a body of known length (1 to see its end). */
function pieceSize(left: number | undefined): number {
  return left === undefined ? CHUNK_BYTES : Math.max(1, Math.min(CHUNK_BYTES, left));
}

/** Network chunks this large are not gathered into larger pieces when they own their buffer. */
const OWN_CHUNK_MIN_BYTES = 32 << 10;

async function* gatheredPieces(
  body: ReadableStream<Uint8Array>,
  buffer: (size: number) => Uint8Array,
  length?: number,
): AsyncGenerator<Uint8Array> {
  let left = length;
  let piece = buffer(pieceSize(left));
  let filled = 0;
  for await (const chunk of body) {
    // A large chunk in a buffer of its own (Bun's fetch: 64 KiB each) goes as
    // it is: copying every chunk was 17% of a binary download's main thread.
    if (filled === 0 && chunk.byteLength >= OWN_CHUNK_MIN_BYTES && ownsBuffer(chunk)) {
      yield chunk;
      if (left !== undefined) left -= chunk.byteLength;
      continue;
    }
    for (let taken = 0; taken < chunk.byteLength;) {
      const count = Math.min(chunk.byteLength - taken, piece.length - filled);
      piece.set(chunk.subarray(taken, taken + count), filled);
      filled += count;
      taken += count;
      if (filled === piece.length) {
        yield piece;
        if (left !== undefined) left -= filled;
        piece = buffer(pieceSize(left));
        filled = 0;
      }
    }
  }
  if (filled > 0) yield piece.subarray(0, filled);
}
