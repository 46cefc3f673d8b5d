/**
 * The server's only persistent state: one SQLite file per data directory.
 * WAL mode plus a busy timeout lets `main.ts add-user` write while a server
 * runs on the same directory. The schema evolves through an ordered list of
 * migrations tracked in `PRAGMA user_version`.
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { join } from "node:path";

/** Distinct SQL texts kept prepared; the server has far fewer, IN lists of many lengths aside. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * A connection whose `prepare` returns the same statement for the same SQL
 * text: preparing costs more than running most of this server's queries.
 * Safe because every caller runs a statement to completion (`get`, `all`,
 * `run`) before the same text can be prepared again; one that iterates must
 * not run the same SQL inside its loop.
 */
export class Database extends DatabaseSync {
  readonly #statements = new Map<string, StatementSync>();

  override prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = super.prepare(sql);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        // The oldest first: Map keeps insertion order.
        this.#statements.delete(this.#statements.keys().next().value!);
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

export interface Migration {
  /** Becomes `PRAGMA user_version` once applied; must be 1, 2, 3, ... in order. */
  version: number;
  description: string;
  sql: string;
}

/**
 * Append-only: never edit an applied migration, add a new one instead
 * (runtimes, apps and bundles will each come as new entries).
 * Tables use AUTOINCREMENT where a row id is embedded in a token, so a
 * deleted row's id is never handed out again.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "users, API tokens, sessions, settings",
    sql: `
      CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        is_site_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_site_admin IN (0, 1)),
        created_at TEXT NOT NULL
      );
      CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        UNIQUE (user_id, name)
      );
      CREATE TABLE sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        api_token_id INTEGER REFERENCES api_tokens(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
      CREATE INDEX sessions_user_id ON sessions(user_id);
      CREATE INDEX sessions_api_token_id ON sessions(api_token_id);
      CREATE INDEX sessions_expires_at ON sessions(expires_at);
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: "organizations, repositories, teams and their memberships",
    // Names compare case-sensitively (BINARY); emails stay NOCASE in users.
    // Everything hangs off organizations/users with ON DELETE CASCADE, so
    // deleting a team, repository or user never leaves dangling links.
    sql: `
      CREATE TABLE organizations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      );
      CREATE TABLE org_members (
        org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        PRIMARY KEY (org_id, user_id)
      );
      CREATE INDEX org_members_user_id ON org_members(user_id);
      CREATE TABLE repositories (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        UNIQUE (org_id, name)
      );
      CREATE TABLE teams (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        org_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        group_name TEXT NOT NULL CHECK (group_name IN ('read-index', 'read', 'upload', 'admin')),
        UNIQUE (org_id, name)
      );
      CREATE TABLE team_members (
        team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        PRIMARY KEY (team_id, user_id)
      );
      CREATE INDEX team_members_user_id ON team_members(user_id);
      CREATE TABLE team_repositories (
        team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        PRIMARY KEY (team_id, repository_id)
      );
      CREATE INDEX team_repositories_repository_id ON team_repositories(repository_id);
    `,
  },
  {
    version: 3,
    description: "eggs",
    // One row per egg in a repository and platform; the bytes live in
    // objects/sha256/ (objects.ts), shared by every row with the same sha256.
    // The identity treats a NULL python_tag as 'none' (UNIQUE alone would let
    // NULLs repeat), hence a unique index on the expression.
    sql: `
      CREATE TABLE eggs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        platform TEXT NOT NULL,
        name TEXT NOT NULL,
        egg_basename TEXT NOT NULL,
        version TEXT NOT NULL,
        build INTEGER NOT NULL,
        full_version TEXT NOT NULL,
        python_tag TEXT,
        python TEXT,
        filename TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        md5 TEXT NOT NULL,
        size INTEGER NOT NULL,
        packages TEXT NOT NULL,
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        mtime REAL NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX eggs_identity
        ON eggs(repository_id, platform, name, full_version, COALESCE(python_tag, 'none'));
      CREATE INDEX eggs_sha256 ON eggs(sha256);
    `,
  },
  {
    version: 4,
    description: "okonomiyaki's egg tags; publicly readable repositories",
    // Rows of eggs stored before keep NULL tags: an index falls back on the
    // platform's default ABI for them, as for eggs without a platform.
    sql: `
      ALTER TABLE eggs ADD COLUMN abi_tag TEXT;
      ALTER TABLE eggs ADD COLUMN platform_tag TEXT;
      ALTER TABLE eggs ADD COLUMN platform_abi TEXT;
      ALTER TABLE repositories ADD COLUMN public INTEGER NOT NULL DEFAULT 0
        CHECK (public IN (0, 1));
    `,
  },
  {
    version: 5,
    description: "one table for every kind of artefact (eggs, runtimes, bundles, apps)",
    // Columns every kind has; what only one kind has (an egg's ABI tags and
    // requirements, a runtime's runtime.json, a bundle's document) is in the
    // JSON `metadata`. The identity is kind, platform, name, full version and
    // tag, with NULL tags as 'none' (UNIQUE alone would let NULLs repeat).
    sql: `
      CREATE TABLE artefacts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('egg', 'runtime', 'bundle', 'app')),
        platform TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        build INTEGER,
        full_version TEXT NOT NULL,
        python_tag TEXT,
        filename TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        md5 TEXT NOT NULL,
        size INTEGER NOT NULL,
        metadata TEXT NOT NULL,
        enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
        mtime REAL NOT NULL,
        created_at TEXT NOT NULL
      );
      INSERT INTO artefacts (id, repository_id, kind, platform, name, version, build,
        full_version, python_tag, filename, sha256, md5, size, metadata, enabled, mtime,
        created_at)
      SELECT id, repository_id, 'egg', platform, name, version, build, full_version, python_tag,
        filename, sha256, md5, size,
        json_object('egg_basename', egg_basename, 'python', python, 'abi_tag', abi_tag,
          'platform_tag', platform_tag, 'platform_abi', platform_abi,
          'packages', json(packages)),
        enabled, mtime, created_at
      FROM eggs;
      DROP TABLE eggs;
      CREATE UNIQUE INDEX artefacts_identity ON artefacts(repository_id, kind, platform, name,
        full_version, COALESCE(python_tag, 'none'));
      CREATE INDEX artefacts_sha256 ON artefacts(sha256);
    `,
  },
  {
    version: 6,
    description: "token lineage and expiry, the audit trail",
    // parent_id: the API token whose session created this one; revoking a
    // token cascades to every token and session made with it.
    // audit_log is append-only: triggers refuse every UPDATE and DELETE.
    sql: `
      ALTER TABLE api_tokens ADD COLUMN parent_id INTEGER
        REFERENCES api_tokens(id) ON DELETE CASCADE;
      ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
      CREATE INDEX api_tokens_parent_id ON api_tokens(parent_id);
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        organization TEXT,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        details TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_log_organization ON audit_log(organization, id);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
  {
    version: 7,
    description: "stored index entries; a generation per index that every change bumps",
    // index_entry: the row's entry in its kind's index as JSON text, written at
    // upload (or on the first index build after this migration), so an index
    // is a concatenation. index_generations: triggers bump the generation of
    // a repository, kind and platform in the same transaction as any change
    // of its rows, whatever code makes it, so cached indices (index_cache.ts)
    // are keyed by it and never served stale. Writing index_entry alone
    // changes no index and bumps nothing. No foreign key: cascaded deletes of
    // a repository's rows fire the triggers after the repository is gone.
    sql: `
      ALTER TABLE artefacts ADD COLUMN index_entry TEXT;
      CREATE TABLE index_generations (
        repository_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        platform TEXT NOT NULL,
        generation INTEGER NOT NULL,
        PRIMARY KEY (repository_id, kind, platform)
      ) WITHOUT ROWID;
      CREATE TRIGGER artefacts_insert_changes_index AFTER INSERT ON artefacts BEGIN
        INSERT INTO index_generations VALUES (NEW.repository_id, NEW.kind, NEW.platform, 1)
          ON CONFLICT DO UPDATE SET generation = generation + 1;
      END;
      CREATE TRIGGER artefacts_delete_changes_index AFTER DELETE ON artefacts BEGIN
        INSERT INTO index_generations VALUES (OLD.repository_id, OLD.kind, OLD.platform, 1)
          ON CONFLICT DO UPDATE SET generation = generation + 1;
      END;
      CREATE TRIGGER artefacts_update_changes_index AFTER UPDATE OF repository_id, kind, platform,
        name, version, build, full_version, python_tag, filename, sha256, md5, size, metadata,
        enabled, mtime, created_at ON artefacts BEGIN
        INSERT INTO index_generations VALUES (OLD.repository_id, OLD.kind, OLD.platform, 1)
          ON CONFLICT DO UPDATE SET generation = generation + 1;
        INSERT INTO index_generations VALUES (NEW.repository_id, NEW.kind, NEW.platform, 1)
          ON CONFLICT DO UPDATE SET generation = generation + 1;
      END;
      CREATE TRIGGER repositories_visibility_changes_index AFTER UPDATE OF public ON repositories
      BEGIN
        UPDATE index_generations SET generation = generation + 1 WHERE repository_id = NEW.id;
      END;
      CREATE TRIGGER repositories_delete_drops_generations AFTER DELETE ON repositories BEGIN
        DELETE FROM index_generations WHERE repository_id = OLD.id;
      END;
    `,
  },
];

export const DATABASE_FILE_NAME = "eds.sqlite";
const BUSY_TIMEOUT_MS = 5000;

/** Opens (creating if needed) `dataDir/eds.sqlite` and brings its schema up to date. */
export function openDatabase(
  dataDir: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Database {
  const db = new Database(join(dataDir, DATABASE_FILE_NAME));
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function schemaVersion(db: Database): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number } | undefined;
  return row?.user_version ?? 0;
}

/**
 * Applies each pending migration in its own IMMEDIATE transaction. The version
 * is re-read inside the transaction because another process (a concurrent
 * `add-user`) may have migrated in the meantime.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration #${index} has version ${migration.version}, expected ${index + 1}`,
      );
    }
  });
  const latest = migrations.length;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new Error(
      `database schema version ${current} is newer than this server supports (${latest})`,
    );
  }
  for (const migration of migrations.slice(current)) {
    inTransaction(db, () => {
      if (schemaVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      db.exec(`PRAGMA user_version = ${migration.version}`);
    });
  }
}

/**
 * Runs `work` inside BEGIN IMMEDIATE ... COMMIT. IMMEDIATE takes the write lock
 * up front, so concurrent writers wait on busy_timeout instead of failing.
 */
export function inTransaction<T>(db: Database, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/**
 * Runs `work` inside BEGIN ... COMMIT (deferred): its reads see one snapshot,
 * even while another process writes. `work` must not write.
 */
export function inReadTransaction<T>(db: Database, work: () => T): T {
  db.exec("BEGIN");
  try {
    return work();
  } finally {
    db.exec("COMMIT");
  }
}

export function getSetting(db: Database, key: string): string | undefined {
  const row = db.prepare("SELECT value FROM settings WHERE key = ?").get(key) as
    | { value: string }
    | undefined;
  return row?.value;
}

/** Stores `create()` under `key` unless a value exists already; returns the stored value. */
export function getOrCreateSetting(db: Database, key: string, create: () => string): string {
  const existing = getSetting(db, key);
  if (existing !== undefined) return existing;
  // OR IGNORE: another process may have stored a value since the read above; keep theirs.
  db.prepare("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)").run(key, create());
  const value = getSetting(db, key);
  if (value === undefined) throw new Error(`setting ${key} could not be stored`);
  return value;
}

const statements = new WeakMap<Database, Map<string, StatementSync>>();

/**
 * The prepared statement for `sql`, prepared once per database and reused.
 * A statement prepared per request holds native memory the garbage collector
 * does not see, so under load the server's RSS grew by 170 MB and stayed
 * there (scripts/load_test.ts); reused statements keep it flat.
 */
export function statement(db: Database, sql: string): StatementSync {
  let cache = statements.get(db);
  if (!cache) statements.set(db, cache = new Map());
  let prepared = cache.get(sql);
  if (!prepared) cache.set(sql, prepared = db.prepare(sql));
  return prepared;
}
