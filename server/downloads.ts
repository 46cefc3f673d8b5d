/**
 * Serves a stored file as a download (a small one read whole, a large one
 * streamed from disk): strong ETag, one `Range` (RFC 9110 §14) so hatcher can
 * resume a broken transfer, and `If-Range` so a resumed transfer never mixes
 * two versions of a file.
 */
import { HttpError } from "./http.ts";

export interface DownloadOptions {
  /** Offered to the client in Content-Disposition; must not contain quotes or line breaks. */
  filename: string;
  /** The content's SHA-256: the strong ETag. */
  sha256: string;
}

type ByteRange = { start: number; end: number } | "unsatisfiable" | null;

/**
 * The single range a `Range` header asks for, clamped to `size`; null when
 * the whole file should be sent (no header, an unsupported unit, several
 * ranges or a malformed value: RFC 9110 lets a server ignore those).
 */
export function parseRange(header: string | null, size: number): ByteRange {
  if (header === null) return null;
  const match = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  if (!match) return null;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === "" && last === "") return null;
  if (first === "") {
    // Suffix range: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return null;
  if (start >= size) return "unsatisfiable";
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return { start, end };
}

/** Closes `file` unless it is closed already. */
function closeQuietly(file: Deno.FsFile): void {
  try {
    file.close();
  } catch { /* already closed */ }
}

/** Bytes read from disk per piece of a download. */
const PIECE_BYTES = 1 << 20;

/**
 * `length` bytes of `file` from its current position, as a byte stream of
 * 1 MiB pieces: fewer, larger pieces than `file.readable`'s 64 KiB ones cost
 * the server less CPU per byte, which on a small machine is CPU the client
 * gets. The file is closed when the stream ends or is cancelled.
 */
function fileBody(file: Deno.FsFile, length: number): ReadableStream<Uint8Array> {
  let left = length;
  const close = () => closeQuietly(file);
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      const piece = new Uint8Array(Math.min(PIECE_BYTES, left));
      let filled = 0;
      while (filled < piece.length) {
        const read = await file.read(piece.subarray(filled));
        if (read === null) break;
        filled += read;
      }
      left -= filled;
      if (filled > 0) controller.enqueue(piece.subarray(0, filled));
      // The file shrank under us: end early; the client sees a short body.
      if (left === 0 || filled < piece.length) {
        close();
        controller.close();
      }
    },
    cancel: close,
  });
}

/**
 * Files at most this large are read whole and synchronously: for a small egg
 * the asynchronous open, stat and read and a stream's machinery cost more
 * than its bytes (1,000 eggs of 700 bytes, 8 at a time: 220-420 µs of server
 * CPU per download before, 180-270 µs after). Small enough that a read from
 * a cold disk holds up other requests only briefly.
 */
const READ_WHOLE_MAX_BYTES = 64 * 1024;

/** A stored file, opened: its size, and its bytes from an offset. */
interface StoredFile {
  size: number;
  body(start: number, length: number): Promise<BodyInit>;
  close(): void;
}

function openStored(path: string, filename: string): StoredFile {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      // A row without its file: the store was damaged behind the server's back.
      throw new HttpError(500, `The stored file of ${filename} is missing`);
    }
    throw error;
  }
  const close = () => closeQuietly(file);
  try {
    // The size on disk, not the recorded one, so Content-Length always matches what is sent.
    const { size } = file.statSync();
    if (size > READ_WHOLE_MAX_BYTES) {
      return {
        size,
        body: async (start, length) => {
          await file.seek(start, Deno.SeekMode.Start);
          return fileBody(file, length);
        },
        close,
      };
    }
    const bytes = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const read = file.readSync(bytes.subarray(filled));
      if (read === null) break;
      filled += read;
    }
    close();
    // The file shrank under us: the client sees a short body, as from a stream.
    const whole = bytes.subarray(0, filled);
    return {
      size,
      body: (start, length) => Promise.resolve(whole.subarray(start, start + length)),
      close: () => {},
    };
  } catch (error) {
    close();
    throw error;
  }
}

export async function fileDownload(
  request: Request,
  path: string,
  options: DownloadOptions,
): Promise<Response> {
  const file = openStored(path, options.filename);
  try {
    const { size } = file;
    const etag = `"${options.sha256}"`;
    const headers: Record<string, string> = {
      "content-type": "application/octet-stream",
      "content-disposition": `attachment; filename="${options.filename}"`,
      etag,
      "accept-ranges": "bytes",
    };
    const ifRange = request.headers.get("if-range");
    // If-Range with another ETag (or a date, which we cannot vouch for): send it all.
    const range = ifRange !== null && ifRange.trim() !== etag
      ? null
      : parseRange(request.headers.get("range"), size);
    if (range === "unsatisfiable") {
      throw new HttpError(416, `Range not satisfiable: ${options.filename} has ${size} bytes`, {
        "content-range": `bytes */${size}`,
      });
    }
    if (range === null) {
      return new Response(await file.body(0, size), {
        status: 200,
        headers: { ...headers, "content-length": String(size) },
      });
    }
    const length = range.end - range.start + 1;
    return new Response(await file.body(range.start, length), {
      status: 206,
      headers: {
        ...headers,
        "content-length": String(length),
        "content-range": `bytes ${range.start}-${range.end}/${size}`,
      },
    });
  } catch (error) {
    file.close();
    throw error;
  }
}
