/**
 * The server's audit trail: who changed users, teams, tokens, repositories
 * and artefacts, oldest first. Administrators only.
 *
 * @module
 */
import { objectList } from "./answers.ts";
import { apiPath } from "./http.ts";
import { type Session, sessionJson } from "./session.ts";

/**
 * One entry of the audit trail.
 *
 * @example Who overwrote eggs
 * ```ts
 * import { type AuditEntry, listAuditEntries, type Session } from "@hatcher/hatcher";
 * declare const session: Session;
 * const overwrites: AuditEntry[] = (await listAuditEntries(session, { organization: "acme" }))
 *   .filter((entry) => entry.action === "egg.overwrite");
 * ```
 */
export interface AuditEntry {
  /** When (ISO 8601). */
  at: string;
  /** Who, and how they signed in, e.g. `alice@acme.test (api token)`. */
  actor: string;
  /** The organization concerned; `null` for a user's own tokens. */
  organization: string | null;
  /** What, e.g. `team.member.add`, `egg.upload`, `egg.overwrite`, `token.create`. */
  action: string;
  /** On what, e.g. `acme/dev/rh7-x86_64/numpy-1.26.4-1.egg`. */
  target: string;
  /** Further facts the server kept (the status, an artefact's SHA-256). */
  details: Record<string, unknown>;
}

/**
 * Options of {@linkcode listAuditEntries}.
 *
 * @example
 * ```ts
 * import { type ListAuditOptions } from "@hatcher/hatcher";
 * const options: ListAuditOptions = { organization: "acme", limit: 100 };
 * ```
 */
export interface ListAuditOptions {
  /** One organization's entries (its administrators); all entries without it (site administrators). */
  organization?: string;
  /** The newest this many entries. @default {1000} */
  limit?: number;
}

/**
 * Reads the audit trail, oldest entry first.
 *
 * @throws {NotFoundError} When the organization does not exist or the user administers none.
 * @throws {PermissionDeniedError} When a user who is not a site administrator asks for all entries.
 *
 * @example
 * ```ts
 * import { listAuditEntries, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * for (const entry of await listAuditEntries(session, { organization: "acme" })) {
 *   console.log(entry.at, entry.actor, entry.action, entry.target);
 * }
 * ```
 */
export async function listAuditEntries(
  session: Session,
  options: ListAuditOptions = {},
): Promise<AuditEntry[]> {
  const path = options.organization === undefined
    ? "admin/audit"
    : apiPath("admin", "organizations", options.organization, "audit");
  const query = options.limit === undefined ? undefined : { limit: String(options.limit) };
  const body = await sessionJson(session, "GET", path, { query });
  return objectList(body, "entries").map((raw) => ({
    at: String(raw.at),
    actor: String(raw.actor),
    organization: typeof raw.organization === "string" ? raw.organization : null,
    action: String(raw.action),
    target: String(raw.target),
    details: typeof raw.details === "object" && raw.details !== null
      ? raw.details as Record<string, unknown>
      : {},
  }));
}
