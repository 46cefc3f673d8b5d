/**
 * Repositories (`org/repo`): storage only. Who may read or change them is
 * decided in permissions.ts.
 */
import { type Database, inTransaction, statement } from "./db.ts";

export interface Repository {
  id: number;
  orgId: number;
  /** Name of the owning organization, so `org/repo` can be printed without another query. */
  orgName: string;
  name: string;
  description: string;
  /** Anyone, even without credentials, may read its indices, metadata and files. */
  public: boolean;
  createdAt: string;
}

type RepositoryRow = {
  id: number;
  org_id: number;
  org_name: string;
  name: string;
  description: string;
  public: number;
  created_at: string;
};

export class RepositoryExistsError extends Error {
  constructor(orgName: string, name: string) {
    super(`Repository '${orgName}/${name}' already exists`);
    this.name = "RepositoryExistsError";
  }
}

const SELECT_REPOSITORY = "SELECT r.*, o.name AS org_name FROM repositories r " +
  "JOIN organizations o ON o.id = r.org_id";

function toRepository(row: RepositoryRow): Repository {
  return {
    id: row.id,
    orgId: row.org_id,
    orgName: row.org_name,
    name: row.name,
    description: row.description,
    public: row.public === 1,
    createdAt: row.created_at,
  };
}

export function fullRepositoryName(repository: Repository): string {
  return `${repository.orgName}/${repository.name}`;
}

export function findRepository(db: Database, orgId: number, name: string): Repository | undefined {
  const row = statement(db, `${SELECT_REPOSITORY} WHERE r.org_id = ? AND r.name = ?`)
    .get(orgId, name) as RepositoryRow | undefined;
  return row ? toRepository(row) : undefined;
}

export function findRepositoryById(db: Database, id: number): Repository | undefined {
  const row = statement(db, `${SELECT_REPOSITORY} WHERE r.id = ?`).get(id) as
    | RepositoryRow
    | undefined;
  return row ? toRepository(row) : undefined;
}

export function listRepositories(db: Database, orgId: number): Repository[] {
  const rows = statement(db, `${SELECT_REPOSITORY} WHERE r.org_id = ? ORDER BY r.name`)
    .all(orgId) as RepositoryRow[];
  return rows.map(toRepository);
}

export function listAllRepositories(db: Database): Repository[] {
  const rows = statement(db, `${SELECT_REPOSITORY} ORDER BY o.name, r.name`)
    .all() as RepositoryRow[];
  return rows.map(toRepository);
}

export function createRepository(
  db: Database,
  orgId: number,
  orgName: string,
  name: string,
  description: string,
  options: { public?: boolean } = {},
): Repository {
  return inTransaction(db, () => {
    if (findRepository(db, orgId, name)) throw new RepositoryExistsError(orgName, name);
    statement(
      db,
      "INSERT INTO repositories (org_id, name, description, public, created_at) " +
        "VALUES (?, ?, ?, ?, ?)",
    ).run(orgId, name, description, options.public ? 1 : 0, new Date().toISOString());
    return findRepository(db, orgId, name)!;
  });
}

/** Changes what `changes` names: the description, and whether anyone may read the repository. */
export function updateRepository(
  db: Database,
  repositoryId: number,
  changes: { description?: string; public?: boolean },
): void {
  if (changes.description !== undefined) {
    statement(db, "UPDATE repositories SET description = ? WHERE id = ?")
      .run(changes.description, repositoryId);
  }
  if (changes.public !== undefined) {
    statement(db, "UPDATE repositories SET public = ? WHERE id = ?")
      .run(changes.public ? 1 : 0, repositoryId);
  }
}

/**
 * Deletes the repository row; team links and artefact rows cascade. Files
 * stored outside the database are not touched here: use
 * deleteRepositoryWithArtefacts (artefacts.ts), which also removes the files
 * nothing else references.
 */
export function deleteRepository(db: Database, repositoryId: number): void {
  statement(db, "DELETE FROM repositories WHERE id = ?").run(repositoryId);
}
