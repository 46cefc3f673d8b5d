/**
 * The permission model (docs/permissions.md), in one place: every route asks
 * here who may see and who may change organizations, repositories and teams.
 *
 * Two rules shape every answer:
 * - what a caller cannot see is "missing": the 404 message is the same as for
 *   an object that does not exist, so existence never leaks;
 * - what a caller can see but not change gets a 403 naming the missing right.
 */
import { authenticationFailed } from "./auth.ts";
import { type Database, statement } from "./db.ts";
import { HttpError } from "./http.ts";
import {
  findOrganization,
  isOrganizationMember,
  listAllOrganizations,
  listMemberOrganizations,
  type Organization,
} from "./organizations.ts";
import {
  findRepository,
  findRepositoryById,
  fullRepositoryName,
  listAllRepositories,
  type Repository,
} from "./repositories.ts";
import { TEAM_GROUPS, type TeamGroup } from "./teams.ts";
import type { User } from "./users.ts";
import { whileUnchanged } from "./while_unchanged.ts";

/** Effective access to a repository: the team groups, `admin` meaning organization administrator. */
export type Access = TeamGroup;

/** The names EDS v1 uses for each access level in `metadata/user/repositories`. */
export const ACCESS_NAMES: Readonly<Record<Access, string>> = {
  "read-index": "read_index",
  read: "read_repository",
  upload: "upload_repository",
  admin: "organization_administrator",
};

export function accessRank(access: Access): number {
  return TEAM_GROUPS.indexOf(access);
}

export function hasAccess(access: Access | null, needed: Access): boolean {
  return access !== null && accessRank(access) >= accessRank(needed);
}

// ---- Messages: one per object kind, shared by "missing" and "hidden". ----

export function noOrganization(name: string): HttpError {
  return new HttpError(404, `No organization '${name}'`);
}

export function noRepository(orgName: string, name: string): HttpError {
  return new HttpError(404, `No repository '${orgName}/${name}'`);
}

export function noTeam(orgName: string, name: string): HttpError {
  return new HttpError(404, `No team '${name}' in organization '${orgName}'`);
}

export function noOrganizationUser(orgName: string, email: string): HttpError {
  return new HttpError(404, `No user '${email}' in organization '${orgName}'`);
}

// ---- Questions ----

/** Site administrators, and members of one of the organization's `admin` teams. */
export function isOrganizationAdmin(db: Database, user: User, orgId: number): boolean {
  if (user.isSiteAdmin) return true;
  return statement(
    db,
    "SELECT 1 FROM team_members m JOIN teams t ON t.id = m.team_id " +
      "WHERE m.user_id = ? AND t.org_id = ? AND t.group_name = 'admin' LIMIT 1",
  ).get(user.id, orgId) !== undefined;
}

export function canSeeOrganization(db: Database, user: User, org: Organization): boolean {
  return user.isSiteAdmin || isOrganizationMember(db, org.id, user.id);
}

/** The strongest group among the caller's teams linked to the repository; null = no access. */
export function repositoryAccess(db: Database, user: User, repository: Repository): Access | null {
  if (isOrganizationAdmin(db, user, repository.orgId)) return "admin";
  const rows = statement(
    db,
    "SELECT t.group_name FROM team_members m JOIN teams t ON t.id = m.team_id " +
      "JOIN team_repositories l ON l.team_id = t.id WHERE m.user_id = ? AND l.repository_id = ?",
  ).all(user.id, repository.id) as Array<{ group_name: Access }>;
  return strongest(rows.map((row) => row.group_name));
}

function strongest(groups: Access[]): Access | null {
  let best: Access | null = null;
  for (const group of groups) if (!hasAccess(best, group)) best = group;
  return best;
}

/** Organizations the caller can see, sorted by name. */
export function visibleOrganizations(db: Database, user: User): Organization[] {
  return user.isSiteAdmin ? listAllOrganizations(db) : listMemberOrganizations(db, user.id);
}

/** Every repository the caller has any access to, with that access, sorted by `org/repo`. */
export function accessibleRepositories(
  db: Database,
  user: User,
): Array<{ repository: Repository; access: Access }> {
  if (user.isSiteAdmin) {
    return listAllRepositories(db).map((repository) => ({ repository, access: "admin" }));
  }
  // Direct team links, plus every repository of an organization the user administers.
  const rows = statement(
    db,
    "SELECT l.repository_id AS id, t.group_name AS access FROM team_members m " +
      "JOIN teams t ON t.id = m.team_id JOIN team_repositories l ON l.team_id = t.id " +
      "WHERE m.user_id = ? " +
      "UNION ALL " +
      "SELECT r.id AS id, 'admin' AS access FROM team_members m " +
      "JOIN teams t ON t.id = m.team_id AND t.group_name = 'admin' " +
      "JOIN repositories r ON r.org_id = t.org_id WHERE m.user_id = ?",
  ).all(user.id, user.id) as Array<{ id: number; access: Access }>;
  const best = new Map<number, Access>();
  for (const row of rows) {
    const current = best.get(row.id) ?? null;
    if (!hasAccess(current, row.access)) best.set(row.id, row.access);
  }
  const result: Array<{ repository: Repository; access: Access }> = [];
  for (const [id, access] of best) {
    const repository = findRepositoryById(db, id);
    if (repository) result.push({ repository, access });
  }
  const key = (item: { repository: Repository }) => fullRepositoryName(item.repository);
  return result.sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

// ---- Guards: return the object or throw the right HttpError. ----

export function requireSiteAdmin(user: User, action: string): void {
  if (!user.isSiteAdmin) throw new HttpError(403, `Only site administrators can ${action}`);
}

/** 404 unless the organization exists and the caller can see it. */
export function requireVisibleOrganization(db: Database, user: User, name: string): Organization {
  const org = findOrganization(db, name);
  if (!org || !canSeeOrganization(db, user, org)) throw noOrganization(name);
  return org;
}

/**
 * For every organization-scoped admin operation: 404 if the caller cannot see
 * the organization, else 403 unless they administer it. The 403 comes before
 * any lookup inside the organization, so members learn nothing about objects
 * they could not see anyway.
 */
export function requireOrganizationAdmin(db: Database, user: User, name: string): Organization {
  const org = requireVisibleOrganization(db, user, name);
  if (!isOrganizationAdmin(db, user, org.id)) {
    throw new HttpError(403, `Administrator rights on organization '${name}' are required`);
  }
  return org;
}

/**
 * For repository content operations: 404 unless the repository exists and the
 * caller has some access to it, 403 if that access is below `needed`.
 * A public repository gives everyone `read`, also callers without
 * credentials (`user` null); for them anything else, and every private
 * repository, answers 401 exactly as an unauthenticated request always did.
 * Artefacts use requireArtefactAccess, which picks the level from ARTEFACT_ACCESS.
 */
export function requireRepositoryAccess(
  db: Database,
  user: User | null,
  orgName: string,
  repoName: string,
  needed: Access,
): { repository: Repository; access: Access } {
  const granted = whileUnchanged<Granted>(db, "repository access").get(
    `${user?.id ?? "anonymous"}\0${orgName}\0${repoName}`,
    () => grantedAccess(db, user, orgName, repoName),
  );
  if (user === null) {
    if (!granted || !hasAccess(granted.access, needed)) throw authenticationFailed();
    return granted;
  }
  if (!granted) throw noRepository(orgName, repoName);
  if (!hasAccess(granted.access, needed)) {
    throw new HttpError(
      403,
      `Access '${needed}' to repository '${orgName}/${repoName}' is required (you have '${granted.access}')`,
    );
  }
  return granted;
}

/** A repository the caller can see, with their access to it; null for none. */
type Granted = Readonly<{ repository: Repository; access: Access }> | null;

/**
 * What `user` (null: a caller without credentials) may do in a repository.
 * Every request asks, so the answer is kept while the database is unchanged
 * (while_unchanged.ts), frozen because requests share it.
 */
function grantedAccess(
  db: Database,
  user: User | null,
  orgName: string,
  repoName: string,
): Granted {
  const org = findOrganization(db, orgName);
  const found = org ? findRepository(db, org.id, repoName) : undefined;
  if (user === null) {
    return found?.public
      ? Object.freeze({ repository: Object.freeze(found), access: PUBLIC_ACCESS })
      : null;
  }
  const repository = found && (found.public || canSeeOrganization(db, user, org!))
    ? found
    : undefined;
  const access = repository ? effectiveAccess(db, user, repository) : null;
  if (!repository || access === null) return null;
  return Object.freeze({ repository: Object.freeze(repository), access });
}

/** What a public repository grants everyone: its indices, metadata and files. */
export const PUBLIC_ACCESS: Access = "read";

/** The caller's team access, raised to PUBLIC_ACCESS on a public repository. */
function effectiveAccess(db: Database, user: User, repository: Repository): Access | null {
  const access = repositoryAccess(db, user, repository);
  return repository.public ? strongest([PUBLIC_ACCESS, ...(access ? [access] : [])]) : access;
}

export type ArtefactAction = "list" | "metadata" | "download" | "upload" | "delete" | "re-index";

/**
 * The access each artefact operation needs, for every kind (docs/permissions.md,
 * "Artefacts"). Deleting one needs `upload`, not `admin`: whoever may replace
 * it with overwrite may as well remove it, and hatcher's `eggs delete` is an
 * uploader's tool.
 */
export const ARTEFACT_ACCESS: Readonly<Record<ArtefactAction, Access>> = {
  list: "read-index",
  metadata: "read-index",
  download: "read",
  upload: "upload",
  delete: "upload",
  "re-index": "upload",
};

/** requireRepositoryAccess with the level an artefact operation needs. */
export function requireArtefactAccess(
  db: Database,
  user: User | null,
  orgName: string,
  repoName: string,
  action: ArtefactAction,
): Repository {
  return requireRepositoryAccess(db, user, orgName, repoName, ARTEFACT_ACCESS[action]).repository;
}
