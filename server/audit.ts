/**
 * The audit trail: who changed what, in an append-only table (the schema's
 * triggers refuse every UPDATE and DELETE of `audit_log`). The app records
 * one entry per successful state-changing request, named after its route,
 * so every kind of artefact, present and future, is covered without code of
 * its own; a handler may refine its entry with `noteAudit` (an upload that
 * overwrote another egg, the file name it stored).
 */
import type { Caller } from "./auth.ts";
import { type Database, statement } from "./db.ts";
import type { AuditNote, MatchedRoute } from "./request_info.ts";

export interface AuditEntry {
  id: number;
  at: string;
  /** The caller's email, and how they signed in. */
  actor: string;
  /** The organization concerned; null for a user's own tokens. */
  organization: string | null;
  /** e.g. `team.member.add`, `egg.upload`, `egg.overwrite`. */
  action: string;
  /** What was acted on, e.g. `acme/devs/alice@acme.test`. */
  target: string;
  details: Record<string, unknown>;
}

/** Readable names of the routes that change something (method and registered path). */
const ACTIONS: ReadonlyMap<string, string> = new Map([
  ["POST /admin/organizations", "organization.create"],
  ["POST /admin/organizations/:org/repositories", "repository.create"],
  ["DELETE /admin/repositories/:org/:repo", "repository.delete"],
  ["POST /admin/organizations/:org/teams", "team.create"],
  ["DELETE /admin/teams/:org/:team", "team.delete"],
  ["PUT /admin/teams/:org/:team/repositories/:repo", "team.repository.add"],
  ["DELETE /admin/teams/:org/:team/repositories/:repo", "team.repository.remove"],
  ["PUT /admin/teams/:org/:team/members/:email", "team.member.add"],
  ["DELETE /admin/teams/:org/:team/members/:email", "team.member.remove"],
  ["POST /admin/organizations/:org/users", "user.create"],
  ["DELETE /admin/users/:org/:email", "user.delete"],
  ["POST /auth/tokens/api", "token.create"],
  ["DELETE /auth/tokens/api/:name", "token.delete"],
  ["POST /data/:org/:repo/:platform/eggs/upload", "egg.upload"],
  ["DELETE /data/:org/:repo/:platform/:tag/eggs/:name/:version", "egg.delete"],
  ["POST /data/:org/:repo/:platform/eggs/re-index", "egg.reindex"],
]);

/** Requests that change nothing worth recording: a session exchange. */
const NOT_AUDITED = new Set(["POST /auth/tokens/auth"]);

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** How the caller signed in, for the actor column. */
function actorOf(caller: Caller): string {
  const how = caller.method === "password" ? "password" : `${caller.method} token`;
  return `${caller.user.email} (${how})`;
}

/**
 * The entry for a finished request, or null when there is nothing to record
 * (a read, a failure, a session exchange, a handler that changed nothing).
 */
export function auditEntryFor(
  method: string,
  status: number,
  route: MatchedRoute | undefined,
  caller: Caller | undefined,
  note: AuditNote | undefined,
  body: Record<string, unknown> | undefined,
): Omit<AuditEntry, "id" | "at"> | null {
  if (!STATE_CHANGING.has(method) || status >= 400 || !route || !caller || note?.skip) return null;
  const key = `${method} ${route.pattern}`;
  if (NOT_AUDITED.has(key)) return null;
  const { org, ...rest } = route.params;
  // What was created is named in the body; what was changed, in the path.
  const created = typeof body?.name === "string"
    ? body.name
    : typeof body?.email === "string"
    ? body.email
    : undefined;
  const target = note?.target ??
    [org, ...Object.values(rest), ...(created === undefined ? [] : [created])]
      .filter((part) => part !== undefined).join("/");
  return {
    actor: actorOf(caller),
    organization: org ?? (key === "POST /admin/organizations" ? created ?? null : null),
    action: note?.action ?? ACTIONS.get(key) ?? key,
    target,
    details: { status, ...note?.details },
  };
}

export function recordAudit(db: Database, entry: Omit<AuditEntry, "id" | "at">): void {
  statement(
    db,
    "INSERT INTO audit_log (at, actor, organization, action, target, details) " +
      "VALUES (?, ?, ?, ?, ?, ?)",
  ).run(
    new Date().toISOString(),
    entry.actor,
    entry.organization,
    entry.action,
    entry.target,
    JSON.stringify(entry.details),
  );
}

/** The newest `limit` entries, oldest first; one organization's, or all (site administrators). */
export function listAudit(
  db: Database,
  options: { organization?: string; limit: number },
): AuditEntry[] {
  const rows =
    (options.organization === undefined
      ? statement(db, "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?").all(options.limit)
      : statement(db, "SELECT * FROM audit_log WHERE organization = ? ORDER BY id DESC LIMIT ?")
        .all(options.organization, options.limit)) as Array<
        Omit<AuditEntry, "details"> & { details: string }
      >;
  return rows.reverse().map((row) => ({
    id: row.id,
    at: row.at,
    actor: row.actor,
    organization: row.organization,
    action: row.action,
    target: row.target,
    details: JSON.parse(row.details),
  }));
}

/**
 * The audit note of an artefact upload: an overwrite is told apart from a
 * first upload, and an upload that changed nothing is not recorded.
 */
export function uploadAudit(
  kind: string,
  outcome: "created" | "replaced" | "unchanged",
  where: string,
  artefact: { filename: string; sha256: string },
): AuditNote {
  if (outcome === "unchanged") return { skip: true };
  return {
    action: `${kind}.${outcome === "replaced" ? "overwrite" : "upload"}`,
    target: `${where}/${artefact.filename}`,
    details: { sha256: artefact.sha256 },
  };
}
