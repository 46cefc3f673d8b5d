/**
 * EDS admin endpoints for teams: creation, metadata, members and linked
 * repositories (protocol notes §4.3). All need organization administrator
 * rights (permissions.ts); PUT and DELETE of links answer 204.
 */
import { type AuthContext, authenticate } from "../auth.ts";
import type { Database } from "../db.ts";
import { HttpError, jsonResponse, noContent, readJson, type Router } from "../http.ts";
import { isOrganizationMember, type Organization } from "../organizations.ts";
import {
  noOrganizationUser,
  noRepository,
  noTeam,
  requireOrganizationAdmin,
} from "../permissions.ts";
import { findRepository } from "../repositories.ts";
import {
  addTeamMember,
  addTeamRepository,
  createTeam,
  deleteTeam,
  findTeam,
  isTeamGroup,
  isTeamMember,
  isTeamRepository,
  listTeamMembers,
  listTeamRepositories,
  listTeams,
  removeTeamMember,
  removeTeamRepository,
  type Team,
  TEAM_GROUPS,
  TeamExistsError,
} from "../teams.ts";
import { findUserByEmail, type User } from "../users.ts";
import { requireObjectName } from "../validation.ts";

const GROUP_RULE = `Team group must be one of: ${TEAM_GROUPS.join(", ")}`;

export function registerTeamRoutes(router: Router, context: AuthContext): void {
  const { db } = context;

  /** Authenticates, checks org admin rights, then finds the team (404 if missing). */
  async function administeredTeam(
    request: Request,
    params: Record<string, string>,
  ): Promise<{ org: Organization; team: Team }> {
    const { user } = await authenticate(request, context);
    const org = requireOrganizationAdmin(db, user, params.org!);
    const team = findTeam(db, org.id, params.team!);
    if (!team) throw noTeam(org.name, params.team!);
    return { org, team };
  }

  router.add("GET", "/admin/organizations/:org/teams", async ({ request, params }) => {
    const { user } = await authenticate(request, context);
    const org = requireOrganizationAdmin(db, user, params.org!);
    const teams = listTeams(db, org.id).map((team) => ({ name: team.name, group: team.group }));
    return jsonResponse({ teams });
  });

  router.add("POST", "/admin/organizations/:org/teams", async ({ request, params }) => {
    const { user } = await authenticate(request, context);
    const org = requireOrganizationAdmin(db, user, params.org!);
    const body = await readJson(request);
    const name = requireObjectName("Team", body.name);
    if (!isTeamGroup(body.group)) throw new HttpError(400, GROUP_RULE);
    try {
      const team = createTeam(db, org.id, org.name, name, body.group);
      return jsonResponse({ name: team.name, group: team.group }, 201);
    } catch (error) {
      if (error instanceof TeamExistsError) throw new HttpError(409, error.message);
      throw error;
    }
  });

  router.add("GET", "/admin/teams/:org/:team", async ({ request, params }) => {
    const { org, team } = await administeredTeam(request, params);
    return jsonResponse({
      name: team.name,
      group: team.group,
      organization: org.name,
      members: listTeamMembers(db, team.id),
      repositories: listTeamRepositories(db, team.id),
    });
  });

  router.add("DELETE", "/admin/teams/:org/:team", async ({ request, params }) => {
    const { team } = await administeredTeam(request, params);
    deleteTeam(db, team.id);
    return noContent();
  });

  // ---- Repositories linked to a team ----

  router.add("GET", "/admin/teams/:org/:team/repositories", async ({ request, params }) => {
    const { team } = await administeredTeam(request, params);
    return jsonResponse({ repositories: listTeamRepositories(db, team.id) });
  });

  router.add("PUT", "/admin/teams/:org/:team/repositories/:repo", async ({ request, params }) => {
    const { org, team } = await administeredTeam(request, params);
    const repository = findRepository(db, org.id, params.repo!);
    if (!repository) throw noRepository(org.name, params.repo!);
    addTeamRepository(db, team.id, repository.id);
    return noContent();
  });

  router.add("GET", "/admin/teams/:org/:team/repositories/:repo", async ({ request, params }) => {
    const { org, team } = await administeredTeam(request, params);
    requireLinkedRepository(db, org, team, params.repo!);
    return jsonResponse({ access: true });
  });

  router.add(
    "DELETE",
    "/admin/teams/:org/:team/repositories/:repo",
    async ({ request, params }) => {
      const { org, team } = await administeredTeam(request, params);
      const repositoryId = requireLinkedRepository(db, org, team, params.repo!);
      removeTeamRepository(db, team.id, repositoryId);
      return noContent();
    },
  );

  // ---- Team members ----

  router.add("GET", "/admin/teams/:org/:team/members", async ({ request, params }) => {
    const { team } = await administeredTeam(request, params);
    return jsonResponse({ members: listTeamMembers(db, team.id) });
  });

  router.add("PUT", "/admin/teams/:org/:team/members/:email", async ({ request, params }) => {
    const { org, team } = await administeredTeam(request, params);
    const email = params.email!;
    const user = findUserByEmail(db, email);
    // Teams only hold members of their organization; anyone else is "no such user" here.
    if (!user || !isOrganizationMember(db, org.id, user.id)) {
      throw noOrganizationUser(org.name, email);
    }
    addTeamMember(db, team.id, user.id);
    return noContent();
  });

  router.add("GET", "/admin/teams/:org/:team/members/:email", async ({ request, params }) => {
    const { team } = await administeredTeam(request, params);
    requireTeamMember(db, team, params.email!);
    return jsonResponse({ member: true });
  });

  router.add("DELETE", "/admin/teams/:org/:team/members/:email", async ({ request, params }) => {
    const { team } = await administeredTeam(request, params);
    const user = requireTeamMember(db, team, params.email!);
    removeTeamMember(db, team.id, user.id);
    return noContent();
  });
}

/** The repository's id if the team is linked to it; 404 otherwise (also when it does not exist). */
function requireLinkedRepository(db: Database, org: Organization, team: Team, name: string) {
  const repository = findRepository(db, org.id, name);
  if (!repository || !isTeamRepository(db, team.id, repository.id)) {
    throw new HttpError(404, `Team '${team.name}' has no access to '${name}'`);
  }
  return repository.id;
}

function requireTeamMember(db: Database, team: Team, email: string): User {
  const user = findUserByEmail(db, email);
  if (!user || !isTeamMember(db, team.id, user.id)) {
    throw new HttpError(404, `User '${email}' is not a member of team '${team.name}'`);
  }
  return user;
}
