/**
 * Teams: a named group of organization members with one access group, linked
 * to some of the organization's repositories. Storage only; permissions.ts
 * turns teams into rights.
 */
import { type Database, inTransaction, statement } from "./db.ts";

/** Ordered from weakest to strongest; a higher group includes every lower one. */
export const TEAM_GROUPS = ["read-index", "read", "upload", "admin"] as const;
export type TeamGroup = typeof TEAM_GROUPS[number];

export function isTeamGroup(value: unknown): value is TeamGroup {
  return typeof value === "string" && (TEAM_GROUPS as readonly string[]).includes(value);
}

export interface Team {
  id: number;
  orgId: number;
  name: string;
  group: TeamGroup;
}

type TeamRow = {
  id: number;
  org_id: number;
  name: string;
  group_name: TeamGroup;
};

export class TeamExistsError extends Error {
  constructor(orgName: string, name: string) {
    super(`Team '${name}' already exists in organization '${orgName}'`);
    this.name = "TeamExistsError";
  }
}

function toTeam(row: TeamRow): Team {
  return { id: row.id, orgId: row.org_id, name: row.name, group: row.group_name };
}

export function findTeam(db: Database, orgId: number, name: string): Team | undefined {
  const row = statement(db, "SELECT * FROM teams WHERE org_id = ? AND name = ?").get(orgId, name) as
    | TeamRow
    | undefined;
  return row ? toTeam(row) : undefined;
}

export function listTeams(db: Database, orgId: number): Team[] {
  const rows = statement(db, "SELECT * FROM teams WHERE org_id = ? ORDER BY name").all(
    orgId,
  ) as TeamRow[];
  return rows.map(toTeam);
}

export function createTeam(
  db: Database,
  orgId: number,
  orgName: string,
  name: string,
  group: TeamGroup,
): Team {
  return inTransaction(db, () => {
    if (findTeam(db, orgId, name)) throw new TeamExistsError(orgName, name);
    statement(db, "INSERT INTO teams (org_id, name, group_name) VALUES (?, ?, ?)").run(
      orgId,
      name,
      group,
    );
    return findTeam(db, orgId, name)!;
  });
}

/** Memberships and repository links cascade. */
export function deleteTeam(db: Database, teamId: number): void {
  statement(db, "DELETE FROM teams WHERE id = ?").run(teamId);
}

/** Member emails as stored, in code-unit order (BINARY, not the column's NOCASE). */
export function listTeamMembers(db: Database, teamId: number): string[] {
  const rows = statement(
    db,
    "SELECT u.email FROM users u JOIN team_members m ON m.user_id = u.id " +
      "WHERE m.team_id = ? ORDER BY u.email COLLATE BINARY",
  ).all(teamId) as Array<{ email: string }>;
  return rows.map((row) => row.email);
}

export function isTeamMember(db: Database, teamId: number, userId: number): boolean {
  return statement(db, "SELECT 1 FROM team_members WHERE team_id = ? AND user_id = ?")
    .get(teamId, userId) !== undefined;
}

/** Idempotent. */
export function addTeamMember(db: Database, teamId: number, userId: number): void {
  statement(db, "INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?, ?)").run(
    teamId,
    userId,
  );
}

/** Returns false if the user was not a member. */
export function removeTeamMember(db: Database, teamId: number, userId: number): boolean {
  return statement(db, "DELETE FROM team_members WHERE team_id = ? AND user_id = ?")
    .run(teamId, userId).changes > 0;
}

/** Names of the linked repositories (all in the team's organization), sorted. */
export function listTeamRepositories(db: Database, teamId: number): string[] {
  const rows = statement(
    db,
    "SELECT r.name FROM repositories r JOIN team_repositories l ON l.repository_id = r.id " +
      "WHERE l.team_id = ? ORDER BY r.name",
  ).all(teamId) as Array<{ name: string }>;
  return rows.map((row) => row.name);
}

export function isTeamRepository(db: Database, teamId: number, repositoryId: number): boolean {
  return statement(db, "SELECT 1 FROM team_repositories WHERE team_id = ? AND repository_id = ?")
    .get(teamId, repositoryId) !== undefined;
}

/** Idempotent. */
export function addTeamRepository(db: Database, teamId: number, repositoryId: number): void {
  statement(db, "INSERT OR IGNORE INTO team_repositories (team_id, repository_id) VALUES (?, ?)")
    .run(teamId, repositoryId);
}

/** Returns false if the repository was not linked. */
export function removeTeamRepository(db: Database, teamId: number, repositoryId: number): boolean {
  return statement(db, "DELETE FROM team_repositories WHERE team_id = ? AND repository_id = ?")
    .run(teamId, repositoryId).changes > 0;
}

/** Resolves team names in one organization; returns the names that do not exist. */
export function resolveTeams(
  db: Database,
  orgId: number,
  names: readonly string[],
): { teams: Team[]; missing: string[] } {
  const teams: Team[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const team = findTeam(db, orgId, name);
    if (team) teams.push(team);
    else missing.push(name);
  }
  return { teams, missing };
}
