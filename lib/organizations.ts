/**
 * Organizations: the top level of an EDS, owning repositories, users and teams.
 *
 * @module
 */
import { compareText, stringList } from "./answers.ts";
import { type Session, sessionJson, sessionSend } from "./session.ts";

/**
 * What {@linkcode createOrganization} needs.
 *
 * @example
 * ```ts
 * import { type NewOrganization } from "@hatcher/hatcher";
 * const acme: NewOrganization = { name: "acme", description: "ACME Corp" };
 * ```
 */
export interface NewOrganization {
  /** Letters, digits, `-`, `_`, `.`; starts with a letter or digit. */
  name: string;
  /** Free text shown to administrators. */
  description: string;
}

/**
 * Lists the organizations the user can see (all of them for a site
 * administrator), sorted.
 *
 * @param session From {@linkcode login}.
 * @returns Organization names.
 *
 * @example
 * ```ts
 * import { listOrganizations, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * for (const name of await listOrganizations(session)) console.log(name);
 * ```
 */
export async function listOrganizations(session: Session): Promise<string[]> {
  const body = await sessionJson(session, "GET", "admin/organizations");
  return stringList(body, "organizations").sort(compareText);
}

/**
 * Creates an organization (site administrators only).
 *
 * @param session From {@linkcode login}.
 * @param organization Its name and description.
 * @throws {PermissionDeniedError} When the user is not a site administrator.
 * @throws {ConflictError} When the name is taken.
 *
 * @example
 * ```ts
 * import { createOrganization, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { username: "admin@example.com", password: "pw" });
 * await createOrganization(session, { name: "acme", description: "ACME Corp" });
 * ```
 */
export async function createOrganization(
  session: Session,
  organization: NewOrganization,
): Promise<void> {
  await sessionSend(session, "POST", "admin/organizations", {
    json: { name: organization.name, description: organization.description },
  });
}
