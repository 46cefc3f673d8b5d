/**
 * Index documents, built once per version and kept in memory. An entry is
 * current while the generation of its place (artefacts.ts, indexGeneration)
 * is the one it was built at; triggers bump that generation with every change,
 * so a request compares one number and serves the kept bytes, or builds anew.
 * Each entry knows its strong ETag (a digest of its bytes, so equal documents
 * agree across restarts) and compresses itself with gzip at most once.
 * Memory is bounded: the least recently used entries go first.
 */
import { createHash } from "node:crypto";
import type { StoredDocument } from "./conditional.ts";
import type { Database } from "./db.ts";

/** Room for the largest indices of a busy server; one 100,000-egg index is about 40 MB. */
export const DEFAULT_INDEX_CACHE_BYTES = 256 * 1024 * 1024;

/** Documents this small are also kept as one array (conditional.ts, StoredDocument.small). */
const SMALL_DOCUMENT_BYTES = 64 * 1024;

/** One built index document. Its bytes are kept as a Blob: Deno sends one without copying it. */
export class CachedIndex implements StoredDocument {
  readonly generation: number;
  readonly body: Blob;
  readonly etag: string;
  readonly small?: Uint8Array<ArrayBuffer>;
  #gzipped: Promise<Blob> | undefined;
  readonly #onGzipped: (entry: CachedIndex, size: number) => void;

  constructor(
    generation: number,
    blocks: readonly Uint8Array<ArrayBuffer>[],
    onGzipped: (entry: CachedIndex, size: number) => void,
  ) {
    this.generation = generation;
    const hash = createHash("sha256");
    for (const block of blocks) hash.update(block);
    this.etag = `"${hash.digest("base64url")}"`;
    this.body = new Blob([...blocks]);
    if (this.body.size <= SMALL_DOCUMENT_BYTES) {
      this.small = new Uint8Array(this.body.size);
      let offset = 0;
      for (const block of blocks) {
        this.small.set(block, offset);
        offset += block.byteLength;
      }
    }
    this.#onGzipped = onGzipped;
  }

  /** The gzip-compressed body, compressed (as a stream) on the first call. */
  gzipped(): Promise<Blob> {
    this.#gzipped ??= new Response(this.body.stream().pipeThrough(new CompressionStream("gzip")))
      .blob().then((blob) => {
        this.#onGzipped(this, blob.size);
        return blob;
      });
    return this.#gzipped;
  }
}

export class IndexCache {
  readonly #entries = new Map<string, CachedIndex>();
  readonly #sizes = new Map<CachedIndex, number>();
  readonly #budgetBytes: number;
  #totalBytes = 0;

  constructor(budgetBytes = DEFAULT_INDEX_CACHE_BYTES) {
    this.#budgetBytes = budgetBytes;
  }

  /** The entry kept for `key` if it was built at `generation`. */
  current(key: string, generation: number): CachedIndex | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.generation !== generation) return undefined;
    // Re-inserted, so Map order is least recently used first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  /** Keeps the document in `blocks`, built at `generation`, as the entry for `key`. */
  store(key: string, generation: number, blocks: readonly Uint8Array<ArrayBuffer>[]): CachedIndex {
    const entry = new CachedIndex(generation, blocks, (gzipped, size) => this.#grow(gzipped, size));
    this.#forget(key);
    this.#entries.set(key, entry);
    const size = entry.body.size + (entry.small?.byteLength ?? 0);
    this.#sizes.set(entry, size);
    this.#totalBytes += size;
    this.#evict(entry);
    return entry;
  }

  #grow(entry: CachedIndex, size: number): void {
    const before = this.#sizes.get(entry);
    if (before === undefined) return; // replaced or evicted meanwhile
    this.#sizes.set(entry, before + size);
    this.#totalBytes += size;
    this.#evict(entry);
  }

  #forget(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#totalBytes -= this.#sizes.get(entry) ?? 0;
    this.#sizes.delete(entry);
  }

  /** Drops the least recently used entries over budget, except `keep` (it is being served). */
  #evict(keep: CachedIndex): void {
    for (const [key, entry] of this.#entries) {
      if (this.#totalBytes <= this.#budgetBytes) return;
      if (entry !== keep) this.#forget(key);
    }
  }
}

const caches = new WeakMap<Database, IndexCache>();

/** The cache of one database's indices: one per connection, so per server process. */
export function indexCacheOf(db: Database): IndexCache {
  let cache = caches.get(db);
  if (cache === undefined) caches.set(db, cache = new IndexCache());
  return cache;
}
