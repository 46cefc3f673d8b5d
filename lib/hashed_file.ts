/**
 * A file that hashes (SHA-256) what is written to it. For large downloads the
 * hashing and the writing run on a worker thread, so the main thread only
 * reads the network: SHA-256 alone costs ~0.74 s per GiB of CPU on these
 * machines, which on the network's thread caps a download far below curl's
 * rate.
 *
 * Pieces are handed over, not copied: once given to {@linkcode HashedFile.write}
 * a piece belongs to the file, and its buffer may come back through
 * {@linkcode HashedFile.buffer} for the next read.
 *
 * @module
 */
import { closeSync, constants, openSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { sha256Hash } from "./builtins.ts";
import type { Hash } from "node:crypto";

/** A file being written and hashed, piece by piece, in order. */
export interface HashedFile {
  /** An empty buffer of `size` bytes for the next piece, recycled when one is free. */
  buffer(size: number): Uint8Array;
  /**
   * Hands a piece over (it must not be used afterwards). Resolves when the
   * next piece may be given; rejects with the error of any earlier write.
   */
  write(piece: Uint8Array): Promise<void>;
  /** Waits for every write, closes the file and returns the hex SHA-256 of it all. */
  finish(): Promise<string>;
  /** Releases the file (and the worker); safe after `finish` and after errors. */
  close(): Promise<void>;
}

/** Whether `view` is the whole of its buffer: only then can the buffer be handed over. */
export function ownsBuffer(view: Uint8Array): boolean {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
}

/**
 * Bytes handed to the worker and not written yet. 16 MiB of slack lets the
 * network keep flowing while the worker starts and through the scheduling
 * hiccups of a busy machine; a download's peak RSS stays near 100 MB.
 */
const MAX_IN_FLIGHT_BYTES = 16 << 20;
/** Buffers kept for reuse once the worker gives them back. */
const MAX_SPARE_BUFFERS = 16;

/**
 * Bytes per write call. Measured on these VMs (1 GiB from memory into a new
 * file, 8 runs each): 16 KiB calls (curl's size) cost 0.69 s of kernel time,
 * 256 KiB ones 0.40 s, and 1 MiB ones swung between 0.37 and 0.76 s.
 */
const WRITE_BYTES = 256 << 10;

/**
 * Read-write, created if missing, and never through a symbolic link: a link
 * planted where a download writes fails to open (ELOOP) instead of letting
 * the download overwrite whatever it points to. (Windows has no O_NOFOLLOW.)
 */
const OPEN_FLAGS = constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);
/** New files: read-write for the owner, readable by others, like `open(path, "w")`. */
const FILE_MODE = 0o644;

/**
 * Opens `path` for writing, without following a symbolic link. The first
 * `keep` bytes of an existing file are kept (and hashed, so the digest covers
 * the whole file: a resumed download) and anything after them is dropped.
 * `offThread` asks for a worker thread; it is used where the runtime has web
 * workers (Deno, Bun), and the file is written on the calling thread
 * otherwise (Node).
 */
export async function openHashedFile(
  path: string,
  options: { offThread?: boolean; keep?: number; inMemory?: number } = {},
): Promise<HashedFile> {
  const keep = options.keep ?? 0;
  if (options.inMemory !== undefined && keep === 0) {
    return inMemory(path, options.inMemory, await sha256Hash());
  }
  if (options.offThread && typeof Worker === "function") return openOnWorker(path, keep);
  return await openInThread(path, keep);
}

/**
 * A small file (at most `limit` bytes) gathered in memory and written at
 * `finish` in a few synchronous calls. Each asynchronous file operation
 * costs 40-80 µs of thread-pool round trip under Deno and Bun (measured:
 * 1,000 `stat`s one after another take 50-80 ms, synchronously 3-13 ms), so
 * for a small egg the open, writes and close would cost more than the bytes.
 */
function inMemory(path: string, limit: number, hash: Hash): HashedFile {
  const pieces: Uint8Array[] = [];
  let size = 0;
  return {
    buffer: (size) => new Uint8Array(size),
    // deno-lint-ignore require-await
    async write(piece) {
      size += piece.byteLength;
      if (size > limit) throw new RangeError(`More than the ${limit} bytes expected for ${path}`);
      hash.update(piece);
      // A copy: the caller may reuse a buffer it only lent a view of.
      pieces.push(piece.slice());
    },
    // deno-lint-ignore require-await
    async finish() {
      const fd = openSync(path, OPEN_FLAGS | constants.O_TRUNC, FILE_MODE);
      try {
        for (const piece of pieces) {
          for (let done = 0; done < piece.byteLength;) {
            done += writeSync(fd, piece, done, piece.byteLength - done);
          }
        }
      } finally {
        closeSync(fd);
      }
      return hash.digest("hex");
    },
    close: () => Promise.resolve(),
  };
}

async function openInThread(path: string, keep: number): Promise<HashedFile> {
  const hash = await sha256Hash();
  const file = await open(path, OPEN_FLAGS, FILE_MODE);
  try {
    const buffer = new Uint8Array(Math.min(WRITE_BYTES * 4, Math.max(keep, 1)));
    for (let kept = 0; kept < keep;) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, keep - kept), kept);
      if (bytesRead === 0) throw new Error(`${path} is shorter than the ${keep} bytes to keep`);
      hash.update(buffer.subarray(0, bytesRead));
      kept += bytesRead;
    }
    // Only when there is more to drop: devices (/dev/full in tests) cannot be truncated.
    if ((await file.stat()).size > keep) await file.truncate(keep);
  } catch (error) {
    await file.close();
    throw error;
  }
  let position = keep;
  let closed = false;
  // One write in flight while the next piece arrives and is hashed.
  let writing: Promise<unknown> = Promise.resolve();
  const close = async () => {
    if (closed) return;
    closed = true;
    await writing.catch(() => {});
    await file.close();
  };
  return {
    buffer: (size) => new Uint8Array(size),
    async write(piece) {
      hash.update(piece);
      await writing;
      writing = (async () => {
        for (let done = 0; done < piece.length;) {
          const length = Math.min(WRITE_BYTES, piece.length - done);
          const { bytesWritten } = await file.write(piece, done, length, position);
          done += bytesWritten;
          position += bytesWritten;
        }
      })();
    },
    async finish() {
      await writing;
      await close();
      return hash.digest("hex");
    },
    close,
  };
}

/**
 * The worker's code. It opens the file itself (file descriptors are not shared
 * between isolates in every runtime), hashes each piece, writes it in
 * WRITE_BYTES calls, and sends the buffer back for reuse.
 */
const WORKER_SOURCE = `
import { createHash } from "node:crypto";
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
const WRITE_BYTES = ${WRITE_BYTES};
const hash = createHash("sha256");
let fd;
let position = 0;
let failed = false;
self.onmessage = ({ data }) => {
  if (failed) return;
  try {
    if (data.open !== undefined) {
      fd = openSync(data.open, ${OPEN_FLAGS}, ${FILE_MODE});
      const buffer = new Uint8Array(1 << 20);
      while (position < data.keep) {
        const read = readSync(fd, buffer, 0, Math.min(buffer.length, data.keep - position), position);
        if (read === 0) throw new Error(data.open + " is shorter than the bytes to keep");
        hash.update(buffer.subarray(0, read));
        position += read;
      }
      if (fstatSync(fd).size > data.keep) ftruncateSync(fd, data.keep);
      self.postMessage({ opened: true });
    } else if (data.finish || data.close) {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      self.postMessage(data.finish ? { sha256: hash.digest("hex") } : { closed: true });
    } else {
      const piece = new Uint8Array(data.buffer, 0, data.length);
      hash.update(piece);
      for (let done = 0; done < piece.length;) {
        const written = writeSync(fd, piece, done, Math.min(WRITE_BYTES, piece.length - done), position);
        done += written;
        position += written;
      }
      self.postMessage({ buffer: data.buffer }, [data.buffer]);
    }
  } catch (error) {
    // Nothing more will be written: release the file now.
    failed = true;
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    self.postMessage({ error: { message: String(error?.message ?? error), code: error?.code } });
  }
};
`;

let workerUrl: string | undefined;

/** An Error like node:fs would throw, rebuilt from the worker's message. */
function workerError(error: { message: string; code?: string }): Error {
  return Object.assign(new Error(error.message), error.code ? { code: error.code } : {});
}

function openOnWorker(path: string, keep: number): HashedFile {
  workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(workerUrl, { type: "module" });
  const spare: ArrayBuffer[] = [];
  /** Messages not answered yet (the opening, then pieces), and the pieces' bytes. */
  let inFlight = 0;
  let inFlightBytes = 0;
  let failure: Error | undefined;
  let waiting: { resolve(value: Record<string, unknown>): void; reject(error: Error): void }[] = [];
  let terminated = false;

  const settleAll = (error: Error) => {
    failure ??= error;
    for (const waiter of waiting) waiter.reject(failure);
    waiting = [];
  };
  worker.onmessage = ({ data }: MessageEvent) => {
    if (data.error) return settleAll(workerError(data.error));
    if (data.buffer || data.opened) inFlight--;
    if (data.buffer) {
      inFlightBytes -= data.buffer.byteLength;
      if (spare.length < MAX_SPARE_BUFFERS) spare.push(data.buffer);
    }
    waiting.shift()?.resolve(data);
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    settleAll(new Error(`Download worker failed: ${event.message}`));
  };
  /** Resolves with the next message the worker sends. */
  const reply = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      if (failure) reject(failure);
      else waiting.push({ resolve, reject });
    });
  const terminate = () => {
    if (terminated) return;
    terminated = true;
    worker.terminate();
  };

  // Not awaited: the worker starts (~60 ms under Deno) while the first pieces
  // arrive; a failure to open the file is reported by the next write.
  worker.postMessage({ open: path, keep });
  inFlight++;
  const drain = async () => {
    while (inFlight > 0) await reply();
  };
  return {
    buffer(size) {
      const recycled = spare.pop();
      return recycled && recycled.byteLength === size
        ? new Uint8Array(recycled)
        : new Uint8Array(size);
    },
    async write(piece) {
      if (failure) throw failure;
      // Only a view of a whole buffer is transferred: a buffer holding other
      // bytes too (a runtime's pooled chunk) must not be taken away.
      const owned = ownsBuffer(piece) ? piece : piece.slice();
      inFlight++;
      inFlightBytes += owned.buffer.byteLength;
      worker.postMessage({ buffer: owned.buffer, length: owned.byteLength }, [
        owned.buffer as ArrayBuffer,
      ]);
      while (inFlightBytes >= MAX_IN_FLIGHT_BYTES) await reply();
    },
    async finish() {
      try {
        await drain();
        const done = reply();
        worker.postMessage({ finish: true });
        return String((await done).sha256);
      } finally {
        terminate();
      }
    },
    async close() {
      if (terminated) return;
      try {
        await drain();
        const done = reply();
        worker.postMessage({ close: true });
        await done;
      } catch {
        /* the worker's file is closed when it terminates */
      } finally {
        terminate();
      }
    },
  };
}
