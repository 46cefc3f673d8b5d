/**
 * Answers read from the database, kept while nothing in it changes. Every
 * request authenticates and checks a repository's permissions: five indexed
 * reads, an HMAC and a SHA-256, about a third of the server's CPU for a
 * small index (profiled: 210 index requests of a repository's inventory).
 * One cheap read of SQLite's change counters stands in for all of them.
 *
 * A change anywhere empties every entry: this connection's own writes show
 * in `total_changes()`, commits by other connections (`main.ts add-user`
 * beside a running server) in `data_version`. Nothing here can outlive a
 * revoked token, a deleted user or a changed team.
 */
import { type Database, statement } from "./db.ts";

const STAMP_SQL = "SELECT total_changes() AS ours, data_version AS theirs FROM pragma_data_version";

/** Entries at most; then they all go (a burst of distinct tokens or names). */
const DEFAULT_MAX_ENTRIES = 10_000;

/** Values by key, computed from the database and dropped when it changes. */
export class WhileUnchanged<V> {
  readonly #db: Database;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, V>();
  #stamp = "";

  constructor(db: Database, maxEntries = DEFAULT_MAX_ENTRIES) {
    this.#db = db;
    this.#maxEntries = maxEntries;
  }

  /**
   * The value for `key`: kept from an earlier call while the database is
   * unchanged, else `compute()`d (which must only read). A value that
   * compute throws for is not kept.
   */
  get(key: string, compute: () => V): V {
    const stamp = this.#currentStamp();
    if (stamp !== this.#stamp) {
      this.#entries.clear();
      this.#stamp = stamp;
    }
    if (this.#entries.has(key)) return this.#entries.get(key)!;
    const value = compute();
    if (this.#currentStamp() !== stamp) return value; // it wrote after all: keep nothing
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    this.#entries.set(key, value);
    return value;
  }

  #currentStamp(): string {
    const { ours, theirs } = statement(this.#db, STAMP_SQL).get() as {
      ours: number;
      theirs: number;
    };
    return `${ours}.${theirs}`;
  }
}

const perDatabase = new WeakMap<Database, Map<string, WhileUnchanged<unknown>>>();

/** The cache named `name` of `db`, one per database and name. */
export function whileUnchanged<V>(db: Database, name: string): WhileUnchanged<V> {
  let caches = perDatabase.get(db);
  if (!caches) perDatabase.set(db, caches = new Map());
  let cache = caches.get(name);
  if (!cache) caches.set(name, cache = new WhileUnchanged<unknown>(db));
  return cache as WhileUnchanged<V>;
}
