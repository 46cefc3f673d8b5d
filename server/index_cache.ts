/**
 * Index documents, built once per version and kept. An entry is
 * current while the generation of its place (artefacts.ts, indexGeneration)
 * is the one it was built at; triggers bump that generation with every change,
 * so a request compares one number and serves the kept bytes, or builds anew.
 * Each entry knows its strong ETag (a digest of its bytes, so equal documents
 * agree across restarts) and compresses itself with gzip at most once.
 * Large documents are kept in files (kept_bytes.ts). What is kept, in memory
 * and in files, is bounded: the least recently used entries go first.
 */
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { StoredDocument } from "./conditional.ts";
import type { Database } from "./db.ts";
import { KeptBytes } from "./kept_bytes.ts";

const gzipOffThread = promisify(gzip);

/** Room for the largest indices of a busy server; one 100,000-egg index is about 40 MB. */
export const DEFAULT_INDEX_CACHE_BYTES = 256 * 1024 * 1024;

/** A document as built: its bytes, and its gzip form compressed meanwhile. */
export interface BuiltDocument {
  blocks: readonly Uint8Array<ArrayBuffer>[];
  /** Pieces of one gzip member (background_gzip.ts). */
  gzipped: Promise<Uint8Array<ArrayBuffer>[]>;
}

/** One built index document: its bytes (kept_bytes.ts), in memory or in a file. */
export class CachedIndex implements StoredDocument {
  readonly generation: number;
  readonly etag: string;
  readonly identity: KeptBytes;
  readonly #dir: string | undefined;
  readonly #gzipped: Promise<KeptBytes>;
  #discarded = false;
  readonly #onGzipped: (entry: CachedIndex, size: number) => void;

  constructor(
    generation: number,
    built: BuiltDocument,
    dir: string | undefined,
    onGzipped: (entry: CachedIndex, size: number) => void,
  ) {
    this.generation = generation;
    const hash = createHash("sha256");
    for (const block of built.blocks) hash.update(block);
    this.etag = `"${hash.digest("base64url")}"`;
    this.identity = KeptBytes.keep(built.blocks, dir);
    this.#dir = dir;
    this.#onGzipped = onGzipped;
    // Kept as soon as it comes (counted in the budget), not when first asked for;
    // compressed here instead if the worker failed.
    this.#gzipped = this.#keepGzipped(built.gzipped.catch(() => this.#compressHere()));
    this.#gzipped.catch(() => {}); // reported to whoever asks for it
  }

  /** The gzip-compressed bytes. */
  gzipped(): Promise<KeptBytes> {
    return this.#gzipped;
  }

  /** Whether its bytes are all still there (kept_bytes.ts, intact). */
  intact(): boolean {
    return this.identity.intact();
  }

  /** Removes what it keeps in files; responses already sending them finish. */
  discard(): void {
    this.#discarded = true;
    this.identity.discard();
    this.#gzipped.then((gzipped) => gzipped.discard(), () => {});
  }

  async #compressHere(): Promise<Uint8Array<ArrayBuffer>[]> {
    // node:zlib compresses on a worker thread (CompressionStream on this one, and slower:
    // 100,000 eggs, 40 MB, 0.57 s against 0.75 s): meanwhile other requests are served.
    return [new Uint8Array(await gzipOffThread(this.identity.read(), { level: 6 }))];
  }

  async #keepGzipped(pieces: Promise<Uint8Array<ArrayBuffer>[]>): Promise<KeptBytes> {
    const kept = KeptBytes.keep(await pieces, this.#dir);
    if (this.#discarded) kept.discard();
    else this.#onGzipped(this, kept.size);
    return kept;
  }
}

export interface IndexCacheOptions {
  /** Bytes kept at most, in memory and in files together. */
  budgetBytes?: number;
  /**
   * Where documents too large for memory go, a directory of this cache's own:
   * emptied when the cache is made. Without it, all stay in memory.
   */
  fileDir?: string;
}

export class IndexCache {
  readonly #entries = new Map<string, CachedIndex>();
  readonly #sizes = new Map<CachedIndex, number>();
  readonly #budgetBytes: number;
  readonly #fileDir: string | undefined;
  #totalBytes = 0;

  constructor(options: IndexCacheOptions = {}) {
    this.#budgetBytes = options.budgetBytes ?? DEFAULT_INDEX_CACHE_BYTES;
    this.#fileDir = options.fileDir;
    if (this.#fileDir !== undefined) {
      // What a previous process kept there, nobody will serve.
      try {
        Deno.removeSync(this.#fileDir, { recursive: true });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      Deno.mkdirSync(this.#fileDir, { recursive: true });
    }
  }

  /** The entry kept for `key` if it was built at `generation`. */
  current(key: string, generation: number): CachedIndex | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.generation !== generation) return undefined;
    if (!entry.intact()) {
      this.#forget(key);
      return undefined;
    }
    // Re-inserted, so Map order is least recently used first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  /** Keeps the document `built` at `generation` as the entry for `key`. */
  store(key: string, generation: number, built: BuiltDocument): CachedIndex {
    const entry = new CachedIndex(
      generation,
      built,
      this.#fileDir,
      (gzipped, size) => this.#grow(gzipped, size),
    );
    this.#forget(key);
    this.#entries.set(key, entry);
    this.#sizes.set(entry, entry.identity.size);
    this.#totalBytes += entry.identity.size;
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
    entry.discard();
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

/** Makes `cache` the one indexCacheOf answers for `db` (the server's, with a directory for files). */
export function useIndexCache(db: Database, cache: IndexCache): void {
  caches.set(db, cache);
}

/** The cache of one database's indices: one per connection, so per server process. */
export function indexCacheOf(db: Database): IndexCache {
  let cache = caches.get(db);
  if (cache === undefined) caches.set(db, cache = new IndexCache());
  return cache;
}
