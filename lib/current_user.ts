/**
 * Who the session belongs to.
 *
 * @module
 */
import { text } from "./answers.ts";
import { type Session, sessionJson } from "./session.ts";

/**
 * The logged-in user, from {@linkcode getCurrentUser}.
 *
 * @example
 * ```ts
 * import type { CurrentUser } from "@hatcher/hatcher";
 * const greet = (user: CurrentUser) => `hello ${user.email}${user.siteAdmin ? " (admin)" : ""}`;
 * ```
 */
export interface CurrentUser {
  /** The user's email (user name). */
  email: string;
  /** Whether the user is a site administrator. */
  siteAdmin: boolean;
  /** The organizations the user belongs to, sorted. */
  organizations: string[];
}

/**
 * Asks the server who the session's user is (useful with a bare API token).
 *
 * @example
 * ```ts
 * import { getCurrentUser, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * console.log((await getCurrentUser(session)).email);
 * ```
 */
export async function getCurrentUser(session: Session): Promise<CurrentUser> {
  const body = await sessionJson<Record<string, unknown>>(session, "GET", "metadata/user");
  return {
    email: text(body, "email"),
    siteAdmin: body.is_site_admin === true,
    organizations: Array.isArray(body.organizations) ? body.organizations.map(String).sort() : [],
  };
}
