/**
 * Bytes kept to be sent many times (built index documents): in memory when
 * small, in a file of their own when large. Measured with Deno 2.9 and wrk
 * (16 connections, loopback): an array body is the fastest up to a few MB
 * (4 MB: ~420 responses/s, ~280 from a file), but Deno copies it for every
 * response, so at 40 MB it falls to ~16/s and RSS grows by hundreds of MB,
 * where a file's stream goes from the file to the socket without JavaScript
 * (~34/s, RSS flat). A Blob becomes a JavaScript stream that copies every
 * chunk: slower than either, and 600-900 MB of RSS under that load.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";

/** Larger bytes go to a file (when there is a directory for them). */
export const IN_MEMORY_MAX_BYTES = 8 * 1024 * 1024;

export class KeptBytes {
  readonly size: number;
  readonly #bytes: Uint8Array<ArrayBuffer> | undefined;
  readonly #path: string | undefined;

  private constructor(size: number, bytes?: Uint8Array<ArrayBuffer>, path?: string) {
    this.size = size;
    this.#bytes = bytes;
    this.#path = path;
  }

  /**
   * `blocks` kept as one array, or written to a new file in `dir` when
   * larger than IN_MEMORY_MAX_BYTES (without `dir`, always in memory).
   */
  static keep(blocks: readonly Uint8Array<ArrayBuffer>[], dir: string | undefined): KeptBytes {
    const size = blocks.reduce((total, block) => total + block.byteLength, 0);
    if (dir === undefined || size <= IN_MEMORY_MAX_BYTES) {
      if (blocks.length === 1 && blocks[0]!.byteLength === blocks[0]!.buffer.byteLength) {
        return new KeptBytes(size, blocks[0]);
      }
      const bytes = new Uint8Array(size);
      let offset = 0;
      for (const block of blocks) {
        bytes.set(block, offset);
        offset += block.byteLength;
      }
      return new KeptBytes(size, bytes);
    }
    const path = join(dir, randomBytes(12).toString("hex"));
    const file = Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
    try {
      for (const block of blocks) {
        for (let written = 0; written < block.byteLength;) {
          written += file.writeSync(block.subarray(written));
        }
      }
    } catch (error) {
      file.close();
      Deno.removeSync(path);
      throw error;
    }
    file.close();
    return new KeptBytes(size, undefined, path);
  }

  /** Whether the bytes are still there (a file removed behind the server's back is not). */
  intact(): boolean {
    if (this.#path === undefined) return true;
    try {
      return Deno.statSync(this.#path).size === this.size;
    } catch {
      return false;
    }
  }

  /**
   * A body for one response. A file is opened now, synchronously, so that
   * discarding it on behalf of another request cannot come in between; once
   * open, the response reads it to the end even if it is discarded.
   */
  body(): Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>> {
    if (this.#bytes !== undefined) return this.#bytes;
    return Deno.openSync(this.#path!).readable;
  }

  /** The bytes in one array: the kept one, or the file's read now (synchronously, as body). */
  read(): Uint8Array<ArrayBuffer> {
    return this.#bytes ?? Deno.readFileSync(this.#path!);
  }

  /** Removes the file, if there is one; responses already reading it finish. */
  discard(): void {
    if (this.#path === undefined) return;
    try {
      Deno.removeSync(this.#path);
    } catch { /* already gone */ }
  }
}
