/**
 * Text written as UTF-8 into blocks of bytes, for documents built piece by
 * piece (indices): no big intermediate string, and the blocks become a Blob
 * without being joined first.
 */

const BLOCK_BYTES = 1024 * 1024;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const MAX_BYTES_PER_UNIT = 3;

const encoder = new TextEncoder();

export class TextBlocks {
  readonly #blocks: Uint8Array<ArrayBuffer>[] = [];
  #block = new Uint8Array(BLOCK_BYTES);
  #used = 0;
  #size = 0;

  write(text: string): void {
    if (text.length * MAX_BYTES_PER_UNIT > this.#block.length - this.#used) {
      this.#seal();
      if (text.length * MAX_BYTES_PER_UNIT > BLOCK_BYTES) {
        // Rare: a piece bigger than a block gets a block of its own.
        const bytes = encoder.encode(text);
        this.#blocks.push(bytes);
        this.#size += bytes.length;
        return;
      }
    }
    const { written } = encoder.encodeInto(text, this.#block.subarray(this.#used));
    this.#used += written;
    this.#size += written;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.#size;
  }

  /** The blocks, the last one trimmed; the writer is done. */
  finish(): Uint8Array<ArrayBuffer>[] {
    if (this.#used > 0) this.#blocks.push(this.#block.subarray(0, this.#used));
    this.#block = new Uint8Array(0);
    this.#used = 0;
    return this.#blocks;
  }

  #seal(): void {
    if (this.#used > 0) this.#blocks.push(this.#block.subarray(0, this.#used));
    this.#block = new Uint8Array(BLOCK_BYTES);
    this.#used = 0;
  }
}
