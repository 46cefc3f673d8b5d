/**
 * Answers read from the database, kept while nothing in it changes. Every
 * request authenticates, checks a repository's permissions and asks for its
 * index's generation: several indexed reads, an HMAC and a SHA-256. Cheap
 * reads of SQLite's change counters stand in for all of them.
 *
 * A change anywhere empties every entry: this connection's own writes show
 * in `total_changes()` at once, commits by other connections (`main.ts
 * add-user` beside a running server) in `data_version` from the next
 * request on (see {@linkcode newRequest}). Nothing here can outlive a
 * revoked token, a deleted user or a changed team.
 */
import { type Database, statement } from "./db.ts";

/** Reads no table: about 2 µs. */
const OURS_SQL = "SELECT total_changes() AS ours";
/** Opens a read of the database: 6-20 µs, so read once per request. */
const THEIRS_SQL = "PRAGMA data_version";

/** Entries at most; then they all go (a burst of distinct tokens or names). */
const DEFAULT_MAX_ENTRIES = 10_000;

/** A database's change counters, as one string that differs after any change. */
class ChangeStamp {
  readonly #db: Database;
  /** `data_version` as read since the latest request arrived. */
  #theirs: number | undefined;

  constructor(db: Database) {
    this.#db = db;
  }

  current(): string {
    const { ours } = statement(this.#db, OURS_SQL).get() as { ours: number };
    this.#theirs ??= (statement(this.#db, THEIRS_SQL).get() as { data_version: number })
      .data_version;
    return `${ours}.${this.#theirs}`;
  }

  /** Another connection may have committed since: read `data_version` again when next asked. */
  forgetTheirs(): void {
    this.#theirs = undefined;
  }
}

const stamps = new WeakMap<Database, ChangeStamp>();

function stampOf(db: Database): ChangeStamp {
  let stamp = stamps.get(db);
  if (!stamp) stamps.set(db, stamp = new ChangeStamp(db));
  return stamp;
}

/**
 * A request arrived: what other connections committed before it must show
 * in its answers. Requests already running may see it too, which is as if
 * the commit came a little earlier; none sees a state older than its arrival.
 */
export function newRequest(db: Database): void {
  stamps.get(db)?.forgetTheirs();
}

/** Values by key, computed from the database and dropped when it changes. */
export class WhileUnchanged<V> {
  readonly #stamp: ChangeStamp;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, V>();
  #stamped = "";

  constructor(db: Database, maxEntries = DEFAULT_MAX_ENTRIES) {
    this.#stamp = stampOf(db);
    this.#maxEntries = maxEntries;
  }

  /**
   * The value for `key`: kept from an earlier call while the database is
   * unchanged, else `compute()`d (which must only read). A value that
   * compute throws for is not kept.
   */
  get(key: string, compute: () => V): V {
    const stamp = this.#stamp.current();
    if (stamp !== this.#stamped) {
      this.#entries.clear();
      this.#stamped = stamp;
    }
    const kept = this.#entries.get(key);
    if (kept !== undefined || this.#entries.has(key)) return kept as V;
    const value = compute();
    if (this.#stamp.current() !== stamp) return value; // it wrote after all: keep nothing
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    this.#entries.set(key, value);
    return value;
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
