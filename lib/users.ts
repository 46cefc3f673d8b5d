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
  /** The password; when absent the server generates a strong one. */
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
  /** The password the server generated, shown this once; absent when one was given. */
  generatedPassword?: string;
}

/**
 * Creates a user in an organization.
 *
 * @param session From {@linkcode login}.
 * @param user Organization, email, and optionally password and teams.
 * @returns The email, and the generated password when none was given.
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
  const body = await sessionJson<{ email?: unknown; password?: unknown }>(
    session,
    "POST",
    apiPath("admin", "organizations", user.organization, "users"),
    { json: { email: user.email, password: user.password, teams: user.teams } },
  );
  const created: CreatedUser = { email: typeof body.email === "string" ? body.email : user.email };
  if (user.password === undefined && typeof body.password === "string") {
    created.generatedPassword = body.password;
  }
  return created;
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
