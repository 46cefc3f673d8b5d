/**
 * Teams: groups of users that get one permission group (`read-index`, `read`,
 * `upload` or `admin`) on the repositories linked to them.
 *
 * @module
 */
import { compareText, objectList, stringList } from "./answers.ts";
import { NotFoundError } from "./errors.ts";
import { apiPath } from "./http.ts";
import { type Session, sessionJson, sessionSend } from "./session.ts";

/**
 * Permission groups, weakest first; `admin` makes members organization administrators.
 *
 * @example
 * ```ts
 * import { TEAM_GROUPS } from "@hatcher/hatcher";
 * const isGroup = (word: string) => (TEAM_GROUPS as readonly string[]).includes(word);
 * ```
 */
export const TEAM_GROUPS = ["read-index", "read", "upload", "admin"] as const;

/**
 * One of {@linkcode TEAM_GROUPS}.
 *
 * @example
 * ```ts
 * import { type TeamGroup } from "@hatcher/hatcher";
 * const group: TeamGroup = "upload";
 * ```
 */
export type TeamGroup = typeof TEAM_GROUPS[number];

/**
 * A team by organization and name.
 *
 * @example
 * ```ts
 * import { type TeamRef } from "@hatcher/hatcher";
 * const devs: TeamRef = { organization: "acme", team: "devs" };
 * ```
 */
export interface TeamRef {
  /** The owning organization. */
  organization: string;
  /** The team's name. */
  team: string;
}

/**
 * A team as listed by {@linkcode listTeams}.
 *
 * @example
 * ```ts
 * import { type Team } from "@hatcher/hatcher";
 * const admins = (teams: Team[]) => teams.filter((t) => t.group === "admin");
 * ```
 */
export interface Team {
  /** The team's name. */
  name: string;
  /** Its permission group. */
  group: string;
}

/**
 * A team's full description, from {@linkcode getTeam}.
 *
 * @example
 * ```ts
 * import { type TeamMetadata } from "@hatcher/hatcher";
 * const size = (team: TeamMetadata) => team.members.length;
 * ```
 */
export interface TeamMetadata extends Team {
  /** The owning organization. */
  organization: string;
  /** Member emails, sorted. */
  members: string[];
  /** Linked repository names, sorted. */
  repositories: string[];
}

/**
 * Lists an organization's teams, sorted by name.
 *
 * @param session From {@linkcode login}.
 * @param organization The organization's name.
 *
 * @example
 * ```ts
 * import { listTeams, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * for (const team of await listTeams(session, "acme")) console.log(team.name, team.group);
 * ```
 */
export async function listTeams(session: Session, organization: string): Promise<Team[]> {
  const body = await sessionJson(
    session,
    "GET",
    apiPath("admin", "organizations", organization, "teams"),
  );
  return objectList(body, "teams")
    .map((raw) => ({ name: String(raw.name), group: String(raw.group) }))
    .sort((a, b) => compareText(a.name, b.name));
}

/**
 * Creates a team with a permission group.
 *
 * @param session From {@linkcode login}.
 * @param team Organization, team name and group.
 * @throws {HttpError} 400 for an unknown group; {@linkcode ConflictError} for a taken name.
 *
 * @example
 * ```ts
 * import { createTeam, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await createTeam(session, { organization: "acme", team: "devs", group: "upload" });
 * ```
 */
export async function createTeam(
  session: Session,
  team: TeamRef & { group: TeamGroup | string },
): Promise<void> {
  await sessionSend(
    session,
    "POST",
    apiPath("admin", "organizations", team.organization, "teams"),
    {
      json: { name: team.team, group: team.group },
    },
  );
}

/**
 * Deletes a team (its members keep their accounts).
 *
 * @param session From {@linkcode login}.
 * @param team Organization and team name.
 *
 * @example
 * ```ts
 * import { deleteTeam, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await deleteTeam(session, { organization: "acme", team: "devs" });
 * ```
 */
export async function deleteTeam(session: Session, team: TeamRef): Promise<void> {
  await sessionSend(session, "DELETE", teamPath(team));
}

/**
 * Reads a team's group, members and repositories.
 *
 * @param session From {@linkcode login}.
 * @param team Organization and team name.
 *
 * @example
 * ```ts
 * import { getTeam, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const { members } = await getTeam(session, { organization: "acme", team: "devs" });
 * ```
 */
export async function getTeam(session: Session, team: TeamRef): Promise<TeamMetadata> {
  const raw = await sessionJson<Record<string, unknown>>(session, "GET", teamPath(team));
  return {
    name: String(raw.name ?? team.team),
    group: String(raw.group),
    organization: String(raw.organization ?? team.organization),
    members: stringList(raw, "members").sort(compareText),
    repositories: stringList(raw, "repositories").sort(compareText),
  };
}

/**
 * Lists a team's members (emails), sorted.
 *
 * @example
 * ```ts
 * import { listTeamMembers, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * console.log(await listTeamMembers(session, { organization: "acme", team: "devs" }));
 * ```
 */
export async function listTeamMembers(session: Session, team: TeamRef): Promise<string[]> {
  const body = await sessionJson(session, "GET", `${teamPath(team)}/members`);
  return stringList(body, "members").sort(compareText);
}

/**
 * Adds a user of the organization to a team (idempotent).
 *
 * @example
 * ```ts
 * import { addTeamMember, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await addTeamMember(session, { organization: "acme", team: "devs", email: "alice@acme.test" });
 * ```
 */
export async function addTeamMember(
  session: Session,
  member: TeamRef & { email: string },
): Promise<void> {
  await sessionSend(session, "PUT", memberPath(member));
}

/**
 * Removes a user from a team.
 *
 * @example
 * ```ts
 * import { login, removeTeamMember } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await removeTeamMember(session, { organization: "acme", team: "devs", email: "alice@acme.test" });
 * ```
 */
export async function removeTeamMember(
  session: Session,
  member: TeamRef & { email: string },
): Promise<void> {
  await sessionSend(session, "DELETE", memberPath(member));
}

/**
 * Tells whether a user is a member of a team.
 *
 * @returns `true` or `false`.
 * @throws {NotFoundError} When the team itself does not exist or is not visible.
 *
 * @example
 * ```ts
 * import { isTeamMember, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * if (await isTeamMember(session, { organization: "acme", team: "devs", email: "alice@acme.test" })) {
 *   console.log("member");
 * }
 * ```
 */
export async function isTeamMember(
  session: Session,
  member: TeamRef & { email: string },
): Promise<boolean> {
  return await existsInTeam(session, member, memberPath(member));
}

/**
 * Lists the repositories linked to a team, sorted.
 *
 * @example
 * ```ts
 * import { listTeamRepositories, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * console.log(await listTeamRepositories(session, { organization: "acme", team: "devs" }));
 * ```
 */
export async function listTeamRepositories(session: Session, team: TeamRef): Promise<string[]> {
  const body = await sessionJson(session, "GET", `${teamPath(team)}/repositories`);
  return stringList(body, "repositories").sort(compareText);
}

/**
 * Gives a team its group's access to a repository of the same organization.
 *
 * @example
 * ```ts
 * import { addTeamRepository, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await addTeamRepository(session, { organization: "acme", team: "devs", repository: "dev" });
 * ```
 */
export async function addTeamRepository(
  session: Session,
  link: TeamRef & { repository: string },
): Promise<void> {
  await sessionSend(session, "PUT", repositoryPath(link));
}

/**
 * Takes a repository away from a team.
 *
 * @example
 * ```ts
 * import { login, removeTeamRepository } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await removeTeamRepository(session, { organization: "acme", team: "devs", repository: "dev" });
 * ```
 */
export async function removeTeamRepository(
  session: Session,
  link: TeamRef & { repository: string },
): Promise<void> {
  await sessionSend(session, "DELETE", repositoryPath(link));
}

/**
 * Tells whether a team has access to a repository.
 *
 * @returns `true` or `false`.
 * @throws {NotFoundError} When the team itself does not exist or is not visible.
 *
 * @example
 * ```ts
 * import { login, teamHasRepository } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * console.log(await teamHasRepository(session, { organization: "acme", team: "devs", repository: "dev" }));
 * ```
 */
export async function teamHasRepository(
  session: Session,
  link: TeamRef & { repository: string },
): Promise<boolean> {
  return await existsInTeam(session, link, repositoryPath(link));
}

function teamPath(team: TeamRef): string {
  return apiPath("admin", "teams", team.organization, team.team);
}

function memberPath(member: TeamRef & { email: string }): string {
  return `${teamPath(member)}/members/${encodeURIComponent(member.email)}`;
}

function repositoryPath(link: TeamRef & { repository: string }): string {
  return `${teamPath(link)}/repositories/${encodeURIComponent(link.repository)}`;
}

/**
 * The server answers a "no" with 404, the same as for a missing team; a
 * second request tells the two apart, so a typo in the team name is an error
 * rather than a silent "no".
 */
async function existsInTeam(session: Session, team: TeamRef, path: string): Promise<boolean> {
  try {
    await sessionSend(session, "GET", path);
    return true;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    await sessionSend(session, "GET", teamPath(team));
    return false;
  }
}
