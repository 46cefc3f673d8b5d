/**
 * Text written as UTF-8 into blocks of bytes, for documents built piece by
 * piece (indices): no big intermediate string, and the blocks are kept
 * (kept_bytes.ts) without a join of pieces of text.
 */

const BLOCK_BYTES = 1024 * 1024;
/**
 * Most documents are small (an empty index is `{}`): a first block of 1 MiB,
 * zeroed when allocated, cost ~200 µs per document, more than the rest of
 * building one.
 */
const FIRST_BLOCK_BYTES = 16 * 1024;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const MAX_BYTES_PER_UNIT = 3;

const encoder = new TextEncoder();

export class TextBlocks {
  readonly #blocks: Uint8Array<ArrayBuffer>[] = [];
  readonly #onBlock: ((block: Uint8Array<ArrayBuffer>, last: boolean) => void) | undefined;
  #block = new Uint8Array(FIRST_BLOCK_BYTES);
  #used = 0;
  #size = 0;

  /** `onBlock` sees each block once it is full, and the last one (maybe empty) at finish. */
  constructor(onBlock?: (block: Uint8Array<ArrayBuffer>, last: boolean) => void) {
    this.#onBlock = onBlock;
  }

  write(text: string): void {
    if (text.length * MAX_BYTES_PER_UNIT > this.#block.length - this.#used) {
      this.#seal();
      if (text.length * MAX_BYTES_PER_UNIT > BLOCK_BYTES) {
        // Rare: a piece bigger than a block gets a block of its own.
        const bytes = encoder.encode(text);
        this.#size += bytes.length;
        this.#add(bytes);
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
    const last = this.#block.subarray(0, this.#used);
    if (last.byteLength > 0) this.#blocks.push(last);
    this.#onBlock?.(last, true);
    this.#block = new Uint8Array(0);
    this.#used = 0;
    return this.#blocks;
  }

  #add(block: Uint8Array<ArrayBuffer>): void {
    this.#blocks.push(block);
    this.#onBlock?.(block, false);
  }

  #seal(): void {
    if (this.#used > 0) this.#add(this.#block.subarray(0, this.#used));
    this.#block = new Uint8Array(BLOCK_BYTES);
    this.#used = 0;
  }
}
