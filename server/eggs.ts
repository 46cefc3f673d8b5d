/**
 * Eggs in repositories: the `eggs` rows, and the operations that keep them
 * and the object files (objects.ts) consistent. An object file exists while
 * at least one row references its sha256; whoever drops the last reference
 * removes the file. Who may do what is decided in permissions.ts.
 */
import { type Database, inTransaction } from "./db.ts";
import type { ObjectStore } from "./objects.ts";
import { deleteRepository } from "./repositories.ts";

export interface Egg {
  id: number;
  repositoryId: number;
  platform: string;
  /** The metadata name, lower case (`mkl`). */
  name: string;
  /** The name as spelled in the file name (`MKL`). */
  eggBasename: string;
  version: string;
  build: number;
  fullVersion: string;
  /** null for eggs that do not depend on Python (addressed as `none` in URLs). */
  pythonTag: string | null;
  python: string | null;
  abiTag: string | null;
  platformTag: string | null;
  /** null for eggs without a platform (and rows stored before the column existed). */
  platformAbi: string | null;
  filename: string;
  sha256: string;
  md5: string;
  size: number;
  packages: string[];
  /** Disabled eggs are stored but left out of the index until re-indexed. */
  enabled: boolean;
  /** Upload time, in seconds since the epoch. */
  mtime: number;
  createdAt: string;
}

type EggRow = {
  id: number;
  repository_id: number;
  platform: string;
  name: string;
  egg_basename: string;
  version: string;
  build: number;
  full_version: string;
  python_tag: string | null;
  python: string | null;
  abi_tag: string | null;
  platform_tag: string | null;
  platform_abi: string | null;
  filename: string;
  sha256: string;
  md5: string;
  size: number;
  packages: string;
  enabled: number;
  mtime: number;
  created_at: string;
};

/** What identifies an egg within a repository and platform. */
export interface EggKey {
  /** Compared in lower case. */
  name: string;
  fullVersion: string;
  pythonTag: string | null;
}

/** A new egg to store: its file in a temporary directory, already hashed and checked. */
export interface NewEgg {
  path: string;
  filename: string;
  eggBasename: string;
  name: string;
  version: string;
  build: number;
  fullVersion: string;
  pythonTag: string | null;
  python: string | null;
  abiTag: string | null;
  platformTag: string | null;
  platformAbi: string | null;
  packages: string[];
  sha256: string;
  md5: string;
  size: number;
}

export class EggConflictError extends Error {
  constructor(filename: string) {
    super(`A file called ${filename} has already been uploaded with different content`);
    this.name = "EggConflictError";
  }
}

export class EggNotFoundError extends Error {
  readonly key: EggKey;

  constructor(key: EggKey) {
    super(`No egg '${key.name}-${key.fullVersion}' (${key.pythonTag ?? "none"})`);
    this.name = "EggNotFoundError";
    this.key = key;
  }
}

/** `none` (in URLs and some metadata) and null both mean "does not depend on Python". */
export function normalizePythonTag(tag: string | null | undefined): string | null {
  return tag === undefined || tag === null || tag === "none" ? null : tag;
}

function toEgg(row: EggRow): Egg {
  return {
    id: row.id,
    repositoryId: row.repository_id,
    platform: row.platform,
    name: row.name,
    eggBasename: row.egg_basename,
    version: row.version,
    build: row.build,
    fullVersion: row.full_version,
    pythonTag: row.python_tag,
    python: row.python,
    abiTag: row.abi_tag,
    platformTag: row.platform_tag,
    platformAbi: row.platform_abi,
    filename: row.filename,
    sha256: row.sha256,
    md5: row.md5,
    size: row.size,
    packages: JSON.parse(row.packages) as string[],
    enabled: row.enabled === 1,
    mtime: row.mtime,
    createdAt: row.created_at,
  };
}

export function findEgg(
  db: Database,
  repositoryId: number,
  platform: string,
  key: EggKey,
): Egg | undefined {
  // Same expression as the eggs_identity index, so the lookup uses it.
  const row = db.prepare(
    "SELECT * FROM eggs WHERE repository_id = ? AND platform = ? AND name = ? " +
      "AND full_version = ? AND COALESCE(python_tag, 'none') = ?",
  ).get(
    repositoryId,
    platform,
    key.name.toLowerCase(),
    key.fullVersion,
    key.pythonTag ?? "none",
  ) as EggRow | undefined;
  return row ? toEgg(row) : undefined;
}

/**
 * The enabled eggs an index serves: those with a tag in `pythonTags` or no
 * tag at all, ordered so that the more specific tag (earlier in the list,
 * then untagged) comes first.
 */
export function listIndexEggs(
  db: Database,
  repositoryId: number,
  platform: string,
  pythonTags: readonly string[],
): Egg[] {
  const placeholders = pythonTags.map(() => "?").join(", ");
  const rows = db.prepare(
    "SELECT * FROM eggs WHERE repository_id = ? AND platform = ? AND enabled = 1 " +
      `AND (python_tag IS NULL OR python_tag IN (${placeholders || "NULL"})) ` +
      "ORDER BY name, full_version, id",
  ).all(repositoryId, platform, ...pythonTags) as EggRow[];
  const rank = (egg: Egg) =>
    egg.pythonTag === null ? pythonTags.length : pythonTags.indexOf(egg.pythonTag);
  return rows.map(toEgg).sort((a, b) => rank(a) - rank(b));
}

function isReferenced(db: Database, sha256: string): boolean {
  return db.prepare("SELECT 1 FROM eggs WHERE sha256 = ? LIMIT 1").get(sha256) !== undefined;
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
 * Stores an uploaded egg: moves its file into the object store and writes
 * its row in one transaction. An egg with the same identity and sha256 is
 * left as is (`enabled` can only switch it on; its file is refreshed with the
 * verified upload); with another sha256 it is a conflict unless `overwrite`,
 * which replaces it and frees the old object.
 */
export function storeEgg(
  db: Database,
  objects: ObjectStore,
  repositoryId: number,
  platform: string,
  egg: NewEgg,
  options: { overwrite: boolean; enabled: boolean },
): { egg: Egg; outcome: StoreOutcome } {
  const key: EggKey = { name: egg.name, fullVersion: egg.fullVersion, pythonTag: egg.pythonTag };
  let moved = false;
  let released: string | undefined;
  let result: { egg: Egg; outcome: StoreOutcome };
  try {
    result = inTransaction(db, () => {
      const existing = findEgg(db, repositoryId, platform, key);
      if (existing && !options.overwrite && existing.sha256 !== egg.sha256) {
        throw new EggConflictError(egg.filename);
      }
      objects.adoptSync(egg.path, egg.sha256);
      moved = true;
      if (existing && existing.sha256 === egg.sha256) {
        if (options.enabled && !existing.enabled) {
          db.prepare("UPDATE eggs SET enabled = 1 WHERE id = ?").run(existing.id);
        }
        return { egg: findEgg(db, repositoryId, platform, key)!, outcome: "unchanged" as const };
      }
      const values = [
        egg.eggBasename,
        egg.version,
        egg.build,
        egg.python,
        egg.abiTag,
        egg.platformTag,
        egg.platformAbi,
        egg.filename,
        egg.sha256,
        egg.md5,
        egg.size,
        JSON.stringify(egg.packages),
        options.enabled ? 1 : 0,
        // Whole seconds, as real EDS indices show them.
        Math.floor(Date.now() / 1000),
      ];
      if (existing) {
        db.prepare(
          "UPDATE eggs SET egg_basename = ?, version = ?, build = ?, python = ?, abi_tag = ?, " +
            "platform_tag = ?, platform_abi = ?, filename = ?, sha256 = ?, md5 = ?, size = ?, " +
            "packages = ?, enabled = ?, mtime = ? WHERE id = ?",
        ).run(...values, existing.id);
        released = existing.sha256;
      } else {
        db.prepare(
          "INSERT INTO eggs (egg_basename, version, build, python, abi_tag, platform_tag, " +
            "platform_abi, filename, sha256, md5, size, packages, enabled, mtime, repository_id, " +
            "platform, name, full_version, python_tag, created_at) " +
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ).run(
          ...values,
          repositoryId,
          platform,
          key.name.toLowerCase(),
          key.fullVersion,
          key.pythonTag,
          new Date().toISOString(),
        );
      }
      const outcome: StoreOutcome = existing ? "replaced" : "created";
      return { egg: findEgg(db, repositoryId, platform, key)!, outcome };
    });
  } catch (error) {
    // The rollback dropped the row; the moved file must not outlive it.
    if (moved) releaseObject(db, objects, egg.sha256);
    throw error;
  }
  if (released !== undefined) releaseObject(db, objects, released);
  return result;
}

/** Deletes one egg and, if nothing else uses it, its file. Returns false if there was none. */
export function deleteEgg(
  db: Database,
  objects: ObjectStore,
  repositoryId: number,
  platform: string,
  key: EggKey,
): boolean {
  const deleted = inTransaction(db, () => {
    const egg = findEgg(db, repositoryId, platform, key);
    if (egg) db.prepare("DELETE FROM eggs WHERE id = ?").run(egg.id);
    return egg;
  });
  if (deleted) releaseObject(db, objects, deleted.sha256);
  return deleted !== undefined;
}

/**
 * Enables the listed eggs, all or nothing: one missing egg throws
 * EggNotFoundError and changes nothing. Returns how many distinct eggs were listed.
 */
export function enableEggs(
  db: Database,
  repositoryId: number,
  platform: string,
  keys: readonly EggKey[],
): number {
  return inTransaction(db, () => {
    const ids = new Set<number>();
    for (const key of keys) {
      const egg = findEgg(db, repositoryId, platform, key);
      if (!egg) throw new EggNotFoundError(key);
      ids.add(egg.id);
    }
    const enable = db.prepare("UPDATE eggs SET enabled = 1 WHERE id = ?");
    for (const id of ids) enable.run(id);
    return ids.size;
  });
}

/** Deletes a repository with its eggs (rows cascade), then the files no other repository uses. */
export function deleteRepositoryWithEggs(
  db: Database,
  objects: ObjectStore,
  repositoryId: number,
): void {
  const digests = inTransaction(db, () => {
    const rows = db.prepare("SELECT DISTINCT sha256 FROM eggs WHERE repository_id = ?")
      .all(repositoryId) as Array<{ sha256: string }>;
    deleteRepository(db, repositoryId);
    return rows.map((row) => row.sha256);
  });
  for (const sha256 of digests) releaseObject(db, objects, sha256);
}

/**
 * Startup only: removes object files no row references, left behind when a
 * process died between a database change and the matching file change.
 * Returns how many were removed. Other kinds of content (runtimes, apps)
 * that store objects must be counted in isReferenced first.
 */
export function removeOrphanObjects(db: Database, objects: ObjectStore): number {
  return inTransaction(db, () => {
    let removed = 0;
    for (const sha256 of objects.listSync()) {
      if (isReferenced(db, sha256)) continue;
      objects.removeSync(sha256);
      removed++;
    }
    return removed;
  });
}
