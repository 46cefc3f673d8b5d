/**
 * EDS admin endpoints for an organization's user accounts (protocol notes
 * §4.3). Accounts are created inside an organization and deleted when they
 * leave their last one; see docs/permissions.md.
 */
import { randomBytes } from "node:crypto";
import { type AuthContext, authenticate } from "../auth.ts";
import { HttpError, jsonResponse, noContent, readJson, type Router } from "../http.ts";
import {
  createOrganizationUser,
  isOrganizationMember,
  joinOrganization,
  removeOrganizationUser,
} from "../organizations.ts";
import { hashPassword } from "../passwords.ts";
import { noOrganizationUser, noTeam, requireOrganizationAdmin } from "../permissions.ts";
import { resolveTeams } from "../teams.ts";
import { findUserByEmail, UserExistsError } from "../users.ts";
import { isValidObjectName, requireEmail, requirePassword } from "../validation.ts";

/** 18 random bytes = 24 base64url characters (144 bits). */
function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}

function requireTeamNames(teams: unknown): string[] {
  if (teams === undefined || teams === null) return [];
  if (!Array.isArray(teams) || !teams.every((name) => typeof name === "string")) {
    throw new HttpError(400, "Teams must be a list of team names");
  }
  return [...new Set(teams as string[])];
}

export function registerUserRoutes(router: Router, context: AuthContext): void {
  const { db } = context;

  router.add("POST", "/admin/organizations/:org/users", async ({ request, params }) => {
    const { user: caller } = await authenticate(request, context);
    const org = requireOrganizationAdmin(db, caller, params.org!);
    const body = await readJson(request);
    const email = requireEmail(body.email);
    const given = body.password === undefined || body.password === null
      ? undefined
      : requirePassword(body.password);
    const teamNames = requireTeamNames(body.teams);
    // Names that break the naming rule cannot exist: report them like missing teams.
    const { teams, missing } = resolveTeams(db, org.id, teamNames.filter(isValidObjectName));
    const unknown = teamNames.find((name) => !isValidObjectName(name)) ?? missing[0];
    if (unknown !== undefined) throw noTeam(org.name, unknown);
    const existing = findUserByEmail(db, email);
    if (existing) {
      if (isOrganizationMember(db, org.id, existing.id)) {
        throw new HttpError(409, `User '${email}' already exists`);
      }
      // An account of another organization joins this one, answered like a
      // new account: whether an email exists elsewhere is not this admin's
      // to learn. Its password stays its own.
      joinOrganization(db, org.id, existing.id, teams.map((team) => team.id));
      return jsonResponse({ email }, 201);
    }

    const password = given ?? generatePassword();
    // Hash outside the transaction: scrypt must not hold the write lock.
    const passwordHash = await hashPassword(password);
    let created;
    try {
      created = createOrganizationUser(
        db,
        org.id,
        email,
        passwordHash,
        teams.map((team) => team.id),
      );
    } catch (error) {
      if (error instanceof UserExistsError) throw new HttpError(409, error.message);
      throw error;
    }
    // The password is shown only when the server chose it: this is its only chance.
    return jsonResponse(
      given === undefined ? { email: created.email, password } : { email: created.email },
      201,
    );
  });

  router.add("DELETE", "/admin/users/:org/:email", async ({ request, params }) => {
    const { user: caller } = await authenticate(request, context);
    const org = requireOrganizationAdmin(db, caller, params.org!);
    const email = params.email!;
    const user = findUserByEmail(db, email);
    if (!user || !isOrganizationMember(db, org.id, user.id)) {
      throw noOrganizationUser(org.name, email);
    }
    removeOrganizationUser(db, org.id, user);
    return noContent();
  });
}
