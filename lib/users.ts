/**
 * Users of an organization: create and delete (organization administrators).
 *
 * @module
 */
import { apiPath } from "./http.ts";
import { type Session, sessionJson, sessionSend } from "./session.ts";

/**
 * What {@linkcode createUser} needs.
 *
 * @example
 * ```ts
 * import { type NewUser } from "@hatcher/hatcher";
 * const alice: NewUser = { organization: "acme", email: "alice@acme.test", teams: ["devs"] };
 * ```
 */
export interface NewUser {
  /** The organization the user joins. */
  organization: string;
  /** The user's email, also their user name. */
  email: string;
  /** The password; when absent a strong one is generated here and returned. */
  password?: string;
  /** Teams of the organization to add the user to. */
  teams?: string[];
}

/**
 * The answer of {@linkcode createUser}.
 *
 * @example
 * ```ts
 * import { type CreatedUser } from "@hatcher/hatcher";
 * function announce(user: CreatedUser): string {
 *   return user.generatedPassword ? `${user.email}: ${user.generatedPassword}` : user.email;
 * }
 * ```
 */
export interface CreatedUser {
  /** The user's email. */
  email: string;
  /**
   * The password generated for the user, to hand over once; absent when one
   * was given. An email that already has an account in another organization
   * joins this one with its own password, and this one does not apply: the
   * server answers both alike, so that nobody learns of accounts elsewhere.
   */
  generatedPassword?: string;
}

/**
 * Creates a user in an organization.
 *
 * @param session From {@linkcode login}.
 * @param user Organization, email, and optionally password and teams.
 * @returns The email, and the generated password when none was given.
 * Generating it here (not on the server) keeps the server's answer the same
 * for a new account and for one that exists in another organization.
 * @throws {ConflictError} When a user with that email exists.
 *
 * @example Create a user and hand over the generated password
 * ```ts
 * import { createUser, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const { generatedPassword } = await createUser(session, { organization: "acme", email: "alice@acme.test" });
 * ```
 */
export async function createUser(session: Session, user: NewUser): Promise<CreatedUser> {
  const generated = user.password === undefined ? generatePassword() : undefined;
  const body = await sessionJson<{ email?: unknown }>(
    session,
    "POST",
    apiPath("admin", "organizations", user.organization, "users"),
    { json: { email: user.email, password: user.password ?? generated, teams: user.teams } },
  );
  const created: CreatedUser = { email: typeof body.email === "string" ? body.email : user.email };
  if (generated !== undefined) created.generatedPassword = generated;
  return created;
}

/** 24 characters from 18 random bytes (base64url): 144 bits. */
function generatePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}

/**
 * Removes a user from an organization; the account goes too when it belongs
 * to no other organization.
 *
 * @param session From {@linkcode login}.
 * @param user The organization and the user's email.
 * @throws {NotFoundError} When the user is not in the organization.
 *
 * @example
 * ```ts
 * import { deleteUser, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await deleteUser(session, { organization: "acme", email: "alice@acme.test" });
 * ```
 */
export async function deleteUser(
  session: Session,
  user: { organization: string; email: string },
): Promise<void> {
  await sessionSend(session, "DELETE", apiPath("admin", "users", user.organization, user.email));
}
