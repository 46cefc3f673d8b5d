/**
 * Artefacts in repositories (eggs, runtimes, bundles, apps): the `artefacts`
 * rows, and the operations that keep them and the object files (objects.ts)
 * consistent. An object file exists while at least one row references its
 * sha256; whoever drops the last reference removes the file. What differs
 * between kinds is described in kinds/; who may do what is decided in
 * permissions.ts.
 */
import { type Database, getSetting, inTransaction, statement } from "./db.ts";
import type { ObjectStore } from "./objects.ts";
import { deleteRepository } from "./repositories.ts";

/** The kinds of artefact, as the `kind` column spells them. */
export type ArtefactKindName = "egg" | "runtime" | "bundle" | "app";

export interface Artefact {
  id: number;
  repositoryId: number;
  kind: ArtefactKindName;
  platform: string;
  /** The identity's name, lower case for eggs (`mkl`); a runtime's implementation; an app's id. */
  name: string;
  /** The upstream version (`1.26.4`), or a runtime's whole version (`3.11.2+2`). */
  version: string;
  /** null for kinds without builds (runtimes carry theirs in the version). */
  build: number | null;
  /** The version in URLs: `1.26.4-1`, `3.11.2+2`. */
  fullVersion: string;
  /** null for artefacts that do not depend on Python (addressed as `none` in URLs). */
  pythonTag: string | null;
  filename: string;
  sha256: string;
  md5: string;
  size: number;
  /** What only this kind has, as its kind module wrote it. */
  metadata: Record<string, unknown>;
  /** Disabled artefacts are stored but left out of the index until re-indexed. */
  enabled: boolean;
  /** Upload time, in whole seconds since the epoch. */
  mtime: number;
  createdAt: string;
}

type ArtefactRow = {
  id: number;
  repository_id: number;
  kind: ArtefactKindName;
  platform: string;
  name: string;
  version: string;
  build: number | null;
  full_version: string;
  python_tag: string | null;
  filename: string;
  sha256: string;
  md5: string;
  size: number;
  metadata: string;
  enabled: number;
  mtime: number;
  created_at: string;
};

/** What identifies an artefact within a repository, kind and platform. */
export interface ArtefactKey {
  /** Compared as stored (kinds lower-case names where their format says so). */
  name: string;
  fullVersion: string;
  pythonTag: string | null;
}

/** A new artefact to store: its file in a temporary directory, already hashed and checked. */
export interface NewArtefact {
  path: string;
  filename: string;
  name: string;
  version: string;
  build: number | null;
  fullVersion: string;
  pythonTag: string | null;
  metadata: Record<string, unknown>;
  sha256: string;
  md5: string;
  size: number;
}

export class ArtefactConflictError extends Error {
  constructor(filename: string) {
    super(`A file called ${filename} has already been uploaded with different content`);
    this.name = "ArtefactConflictError";
  }
}

export class ArtefactNotFoundError extends Error {
  readonly key: ArtefactKey;

  constructor(key: ArtefactKey) {
    super(`No '${key.name}-${key.fullVersion}' (${key.pythonTag ?? "none"})`);
    this.name = "ArtefactNotFoundError";
    this.key = key;
  }
}

/** `none` (in URLs and some metadata) and null both mean "does not depend on Python". */
export function normalizePythonTag(tag: string | null | undefined): string | null {
  return tag === undefined || tag === null || tag === "none" ? null : tag;
}

function toArtefact(row: ArtefactRow): Artefact {
  return {
    id: row.id,
    repositoryId: row.repository_id,
    kind: row.kind,
    platform: row.platform,
    name: row.name,
    version: row.version,
    build: row.build,
    fullVersion: row.full_version,
    pythonTag: row.python_tag,
    filename: row.filename,
    sha256: row.sha256,
    md5: row.md5,
    size: row.size,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    enabled: row.enabled === 1,
    mtime: row.mtime,
    createdAt: row.created_at,
  };
}

/** Where one kind's artefacts of one repository and platform live. */
export interface ArtefactPlace {
  repositoryId: number;
  kind: ArtefactKindName;
  platform: string;
}

export function findArtefact(
  db: Database,
  place: ArtefactPlace,
  key: ArtefactKey,
): Artefact | undefined {
  // Same expression as the artefacts_identity index, so the lookup uses it.
  const row = db.prepare(
    "SELECT * FROM artefacts WHERE repository_id = ? AND kind = ? AND platform = ? AND name = ? " +
      "AND full_version = ? AND COALESCE(python_tag, 'none') = ?",
  ).get(
    place.repositoryId,
    place.kind,
    place.platform,
    key.name,
    key.fullVersion,
    key.pythonTag ?? "none",
  ) as ArtefactRow | undefined;
  return row ? toArtefact(row) : undefined;
}

export function findArtefactById(db: Database, id: number): Artefact | undefined {
  const row = db.prepare("SELECT * FROM artefacts WHERE id = ?").get(id) as ArtefactRow | undefined;
  return row ? toArtefact(row) : undefined;
}

/**
 * The artefacts of a place whose `column` (name or python_tag) and full
 * version match, for addresses that leave the rest of the identity out (a v1
 * runtime is addressed by implementation and version, a v0 one by tag and
 * version).
 */
export function findArtefactsBy(
  db: Database,
  place: ArtefactPlace,
  column: "name" | "python_tag",
  value: string | null,
  fullVersion: string,
): Artefact[] {
  const rows = db.prepare(
    "SELECT * FROM artefacts WHERE repository_id = ? AND kind = ? AND platform = ? " +
      `AND COALESCE(${column}, 'none') = ? AND full_version = ? ORDER BY id`,
  ).all(
    place.repositoryId,
    place.kind,
    place.platform,
    value ?? "none",
    fullVersion,
  ) as ArtefactRow[];
  return rows.map(toArtefact);
}

/** What an index keyed by file name needs of one enabled artefact: its stored entry. */
export interface IndexRow {
  id: number;
  filename: string;
  /** The kind's index entry as JSON text; null for rows stored before entries were. */
  entry: string | null;
}

/** What a nested index needs besides: the keys it nests entries under. */
export interface VersionedIndexRow extends IndexRow {
  name: string;
  version: string;
  build: number | null;
  pythonTag: string | null;
}

/**
 * How an index orders its rows: by file name (eggs, whose index is keyed by
 * it), or by name and full version (nested indices, which also need those
 * columns). Either way, when `pythonTags` are given, rows of a more specific
 * tag (earlier in the list, then untagged) come first among equals.
 */
export type IndexOrder = "filename" | "version";

/**
 * The enabled artefacts an index serves, as rows in index order, only the
 * columns it needs, one at a time (no array of them all). With
 * `pythonTags`, only those with a tag in the list or no tag at all; without,
 * all of them. SQLite compares file names byte by byte in UTF-8, which for
 * the names formats accept is JavaScript's order. The caller must finish (or
 * break out of) the iteration before running anything else on the database.
 */
export function listIndexRows(
  db: Database,
  place: ArtefactPlace,
  pythonTags: readonly string[] | undefined,
  order: "filename",
): IterableIterator<IndexRow>;
export function listIndexRows(
  db: Database,
  place: ArtefactPlace,
  pythonTags: readonly string[] | undefined,
  order: "version",
): IterableIterator<VersionedIndexRow>;
export function listIndexRows(
  db: Database,
  place: ArtefactPlace,
  pythonTags: readonly string[] | undefined,
  order: IndexOrder,
): IterableIterator<IndexRow> {
  const tags = pythonTags ?? [];
  const rank = pythonTags === undefined
    ? ""
    : `CASE python_tag ${
      tags.map((_, i) => `WHEN ? THEN ${i}`).join(" ")
    } ELSE ${tags.length} END, `;
  const filter = pythonTags === undefined
    ? ""
    : `AND (python_tag IS NULL OR python_tag IN (${tags.map(() => "?").join(", ") || "NULL"})) `;
  const columns = order === "filename"
    ? "id, filename, index_entry AS entry"
    : "id, filename, index_entry AS entry, name, version, build, python_tag AS pythonTag";
  const sql = `SELECT ${columns} FROM artefacts ` +
    "WHERE repository_id = ? AND kind = ? AND platform = ? AND enabled = 1 " + filter +
    `ORDER BY ${order === "filename" ? "filename, " : ""}${rank}name, full_version, id`;
  return statement(db, sql).iterate(
    place.repositoryId,
    place.kind,
    place.platform,
    ...tags,
    ...tags,
  ) as IterableIterator<IndexRow>;
}

/**
 * The generation of a place's indices: triggers (db.ts, migration 6) bump it
 * in the same transaction as any change of its rows or of the repository's
 * visibility. 0 for a place that never held anything.
 */
export function indexGeneration(db: Database, place: ArtefactPlace): number {
  const row = statement(
    db,
    "SELECT generation FROM index_generations WHERE repository_id = ? AND kind = ? AND platform = ?",
  ).get(place.repositoryId, place.kind, place.platform) as { generation: number } | undefined;
  return row?.generation ?? 0;
}

/** The artefacts of a place whose index entry is not stored yet (rows from before migration 6). */
export function listArtefactsWithoutIndexEntry(db: Database, place: ArtefactPlace): Artefact[] {
  const rows = statement(
    db,
    "SELECT * FROM artefacts WHERE repository_id = ? AND kind = ? AND platform = ? " +
      "AND index_entry IS NULL",
  ).all(place.repositoryId, place.kind, place.platform) as ArtefactRow[];
  return rows.map(toArtefact);
}

/** Stores index entries; this changes no index, so it bumps no generation. */
export function storeIndexEntries(db: Database, entries: ReadonlyMap<number, string>): void {
  if (entries.size === 0) return;
  inTransaction(db, () => {
    const store = db.prepare("UPDATE artefacts SET index_entry = ? WHERE id = ?");
    for (const [id, entry] of entries) store.run(entry, id);
  });
}

/**
 * Forgets a kind's stored index entries when their format changed since they
 * were written (`format` is the kind's current one), so they are written anew.
 */
export function resetIndexEntriesUnlessFormat(
  db: Database,
  kind: ArtefactKindName,
  format: number,
): void {
  const key = `index_entry_format.${kind}`;
  if (getSetting(db, key) === String(format)) return;
  inTransaction(db, () => {
    db.prepare("UPDATE artefacts SET index_entry = NULL WHERE kind = ?").run(kind);
    db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)").run(
      key,
      String(format),
    );
  });
}

function isReferenced(db: Database, sha256: string): boolean {
  return db.prepare("SELECT 1 FROM artefacts WHERE sha256 = ? LIMIT 1").get(sha256) !== undefined;
}

/** Removes the object file unless a row still references it. */
function releaseObject(db: Database, objects: ObjectStore, sha256: string): void {
  // In a write transaction, so no other process can add a reference in between.
  inTransaction(db, () => {
    if (!isReferenced(db, sha256)) objects.removeSync(sha256);
  });
}

export type StoreOutcome = "created" | "replaced" | "unchanged";

/**
 * Stores an uploaded artefact: moves its file into the object store and
 * writes its row in one transaction. One with the same identity and sha256
 * is left as is (`enabled` can only switch it on; its file is refreshed with
 * the verified upload); with another sha256 it is a conflict unless
 * `overwrite`, which replaces it and frees the old object.
 */
export function storeArtefact(
  db: Database,
  objects: ObjectStore,
  place: ArtefactPlace,
  artefact: NewArtefact,
  options: {
    overwrite: boolean;
    enabled: boolean;
    /** The kind's index entry of the stored artefact, as JSON text (kinds/kind.ts). */
    indexEntry(artefact: Artefact): string;
  },
): { artefact: Artefact; outcome: StoreOutcome } {
  const key: ArtefactKey = {
    name: artefact.name,
    fullVersion: artefact.fullVersion,
    pythonTag: artefact.pythonTag,
  };
  let moved = false;
  let released: string | undefined;
  let result: { artefact: Artefact; outcome: StoreOutcome };
  try {
    result = inTransaction(db, () => {
      const existing = findArtefact(db, place, key);
      if (existing && !options.overwrite && existing.sha256 !== artefact.sha256) {
        throw new ArtefactConflictError(artefact.filename);
      }
      objects.adoptSync(artefact.path, artefact.sha256);
      moved = true;
      if (existing && existing.sha256 === artefact.sha256) {
        if (options.enabled && !existing.enabled) {
          db.prepare("UPDATE artefacts SET enabled = 1 WHERE id = ?").run(existing.id);
        }
        return { artefact: findArtefact(db, place, key)!, outcome: "unchanged" as const };
      }
      const values = [
        artefact.version,
        artefact.build,
        artefact.filename,
        artefact.sha256,
        artefact.md5,
        artefact.size,
        JSON.stringify(artefact.metadata),
        options.enabled ? 1 : 0,
        // Whole seconds, as real EDS indices show them.
        Math.floor(Date.now() / 1000),
      ];
      if (existing) {
        db.prepare(
          "UPDATE artefacts SET version = ?, build = ?, filename = ?, sha256 = ?, md5 = ?, " +
            "size = ?, metadata = ?, enabled = ?, mtime = ? WHERE id = ?",
        ).run(...values, existing.id);
        released = existing.sha256;
      } else {
        db.prepare(
          "INSERT INTO artefacts (version, build, filename, sha256, md5, size, metadata, enabled, " +
            "mtime, repository_id, kind, platform, name, full_version, python_tag, created_at) " +
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ).run(
          ...values,
          place.repositoryId,
          place.kind,
          place.platform,
          key.name,
          key.fullVersion,
          key.pythonTag,
          new Date().toISOString(),
        );
      }
      const outcome: StoreOutcome = existing ? "replaced" : "created";
      const stored = findArtefact(db, place, key)!;
      db.prepare("UPDATE artefacts SET index_entry = ? WHERE id = ?")
        .run(options.indexEntry(stored), stored.id);
      return { artefact: stored, outcome };
    });
  } catch (error) {
    // The rollback dropped the row; the moved file must not outlive it.
    if (moved) releaseObject(db, objects, artefact.sha256);
    throw error;
  }
  if (released !== undefined) releaseObject(db, objects, released);
  return result;
}

/** Deletes one artefact and, if nothing else uses it, its file. */
export function deleteArtefact(db: Database, objects: ObjectStore, artefact: Artefact): void {
  inTransaction(db, () => db.prepare("DELETE FROM artefacts WHERE id = ?").run(artefact.id));
  releaseObject(db, objects, artefact.sha256);
}

/**
 * Enables the listed artefacts, all or nothing: one missing throws
 * ArtefactNotFoundError and changes nothing. Returns how many distinct ones
 * were listed. The keys are matched in one query and enabled in one
 * statement, whatever their number: a long list costs milliseconds, not a
 * lookup each.
 */
export function enableArtefacts(
  db: Database,
  place: ArtefactPlace,
  keys: readonly ArtefactKey[],
): number {
  const distinct = new Map<string, ArtefactKey>();
  for (const key of keys) {
    distinct.set(JSON.stringify([key.name, key.fullVersion, key.pythonTag ?? "none"]), key);
  }
  const wanted = JSON.stringify([...distinct.keys()].map((text) => JSON.parse(text)));
  return inTransaction(db, () => {
    // CROSS JOIN keeps the keys outside, each looked up in artefacts_identity: with a
    // plain JOIN SQLite walked the place's rows and every key for each (1,000 eggs: 450 ms).
    const found = statement(
      db,
      "SELECT a.id, a.name, a.full_version, COALESCE(a.python_tag, 'none') AS tag " +
        "FROM json_each(?) AS k CROSS JOIN artefacts AS a ON a.repository_id = ? AND a.kind = ? " +
        "AND a.platform = ? AND a.name = json_extract(k.value, '$[0]') " +
        "AND a.full_version = json_extract(k.value, '$[1]') " +
        "AND COALESCE(a.python_tag, 'none') = json_extract(k.value, '$[2]')",
    ).all(wanted, place.repositoryId, place.kind, place.platform) as Array<
      { id: number; name: string; full_version: string; tag: string }
    >;
    if (found.length < distinct.size) {
      const present = new Set(
        found.map((row) => JSON.stringify([row.name, row.full_version, row.tag])),
      );
      const absent = [...distinct].find(([text]) => !present.has(text))!;
      throw new ArtefactNotFoundError(absent[1]);
    }
    statement(db, "UPDATE artefacts SET enabled = 1 WHERE id IN (SELECT value FROM json_each(?))")
      .run(JSON.stringify(found.map((row) => row.id)));
    return distinct.size;
  });
}

/** How many artefacts of any kind the repository holds; non-zero makes deletion need `force`. */
export function repositoryContentCount(db: Database, repositoryId: number): number {
  const row = db.prepare("SELECT COUNT(*) AS n FROM artefacts WHERE repository_id = ?")
    .get(repositoryId) as { n: number };
  return row.n;
}

/** Deletes a repository with its artefacts (rows cascade), then the files no other repository uses. */
export function deleteRepositoryWithArtefacts(
  db: Database,
  objects: ObjectStore,
  repositoryId: number,
): void {
  const digests = inTransaction(db, () => {
    const rows = db.prepare("SELECT DISTINCT sha256 FROM artefacts WHERE repository_id = ?")
      .all(repositoryId) as Array<{ sha256: string }>;
    deleteRepository(db, repositoryId);
    return rows.map((row) => row.sha256);
  });
  for (const sha256 of digests) releaseObject(db, objects, sha256);
}

/**
 * Startup only: removes object files no row references, left behind when a
 * process died between a database change and the matching file change.
 * Returns how many were removed.
 */
export function removeOrphanObjects(db: Database, objects: ObjectStore): number {
  return inTransaction(db, () => {
    // One query and a set difference, not a query per file.
    const rows = db.prepare("SELECT DISTINCT sha256 FROM artefacts").all() as Array<
      { sha256: string }
    >;
    const referenced = new Set(rows.map((row) => row.sha256));
    let removed = 0;
    for (const sha256 of objects.listSync()) {
      if (referenced.has(sha256)) continue;
      objects.removeSync(sha256);
      removed++;
    }
    return removed;
  });
}
