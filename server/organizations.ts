/**
 * Organizations and their members: storage only. Who may read or change them
 * is decided in permissions.ts.
 */
import { type Database, inTransaction, statement } from "./db.ts";
import { addTeamMember } from "./teams.ts";
import { deleteUser, insertUser, type User } from "./users.ts";

export interface Organization {
  id: number;
  name: string;
  description: string;
  createdAt: string;
}

// A type alias, not an interface: node:sqlite rows cast only to index-compatible types.
type OrganizationRow = {
  id: number;
  name: string;
  description: string;
  created_at: string;
};

export class OrganizationExistsError extends Error {
  constructor(name: string) {
    super(`Organization '${name}' already exists`);
    this.name = "OrganizationExistsError";
  }
}

function toOrganization(row: OrganizationRow): Organization {
  return { id: row.id, name: row.name, description: row.description, createdAt: row.created_at };
}

export function findOrganization(db: Database, name: string): Organization | undefined {
  const row = statement(db, "SELECT * FROM organizations WHERE name = ?").get(name) as
    | OrganizationRow
    | undefined;
  return row ? toOrganization(row) : undefined;
}

export function listAllOrganizations(db: Database): Organization[] {
  const rows = statement(db, "SELECT * FROM organizations ORDER BY name")
    .all() as OrganizationRow[];
  return rows.map(toOrganization);
}

/** The organizations `userId` is a member of, by name. */
export function listMemberOrganizations(db: Database, userId: number): Organization[] {
  const rows = statement(
    db,
    "SELECT o.* FROM organizations o JOIN org_members m ON m.org_id = o.id " +
      "WHERE m.user_id = ? ORDER BY o.name",
  ).all(userId) as OrganizationRow[];
  return rows.map(toOrganization);
}

export function createOrganization(db: Database, name: string, description: string): Organization {
  return inTransaction(db, () => {
    if (findOrganization(db, name)) throw new OrganizationExistsError(name);
    statement(db, "INSERT INTO organizations (name, description, created_at) VALUES (?, ?, ?)")
      .run(name, description, new Date().toISOString());
    return findOrganization(db, name)!;
  });
}

export function isOrganizationMember(db: Database, orgId: number, userId: number): boolean {
  return statement(db, "SELECT 1 FROM org_members WHERE org_id = ? AND user_id = ?")
    .get(orgId, userId) !== undefined;
}

/** Idempotent. */
export function addOrganizationMember(db: Database, orgId: number, userId: number): void {
  statement(db, "INSERT OR IGNORE INTO org_members (org_id, user_id) VALUES (?, ?)").run(
    orgId,
    userId,
  );
}

/**
 * Creates an account that belongs to `org` and, optionally, some of its teams,
 * all or nothing. The password must be hashed beforehand (see insertUser).
 */
export function createOrganizationUser(
  db: Database,
  orgId: number,
  email: string,
  passwordHash: string,
  teamIds: readonly number[],
): User {
  return inTransaction(db, () => {
    const user = insertUser(db, email, passwordHash);
    addOrganizationMember(db, orgId, user.id);
    for (const teamId of teamIds) addTeamMember(db, teamId, user.id);
    return user;
  });
}

/** Makes an existing account a member of `org` and of some of its teams, all or nothing. */
export function joinOrganization(
  db: Database,
  orgId: number,
  userId: number,
  teamIds: readonly number[],
): void {
  inTransaction(db, () => {
    addOrganizationMember(db, orgId, userId);
    for (const teamId of teamIds) addTeamMember(db, teamId, userId);
  });
}

/**
 * Takes `user` out of the organization and all its teams. An account left in
 * no organization is useless to anyone but a site administrator, so it is
 * deleted (tokens and sessions cascade) unless the user is one.
 * Returns whether the account was deleted.
 */
export function removeOrganizationUser(db: Database, orgId: number, user: User): boolean {
  return inTransaction(db, () => {
    statement(
      db,
      "DELETE FROM team_members WHERE user_id = ? AND team_id IN (SELECT id FROM teams WHERE org_id = ?)",
    ).run(user.id, orgId);
    statement(db, "DELETE FROM org_members WHERE org_id = ? AND user_id = ?").run(orgId, user.id);
    const elsewhere = statement(db, "SELECT 1 FROM org_members WHERE user_id = ? LIMIT 1")
      .get(user.id);
    if (elsewhere || user.isSiteAdmin) return false;
    deleteUser(db, user.id);
    return true;
  });
}
