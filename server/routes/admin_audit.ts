/**
 * The audit trail, for administrators: an organization's entries for its
 * administrators, everything for site administrators. See server/audit.ts.
 */
import { listAudit } from "../audit.ts";
import { type AuthContext, authenticate } from "../auth.ts";
import { HttpError, jsonResponse, type Router } from "../http.ts";
import { requireOrganizationAdmin, requireSiteAdmin } from "../permissions.ts";

const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;

function requireLimit(url: URL): number {
  const text = url.searchParams.get("limit");
  if (text === null) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_LIMIT) {
    throw new HttpError(400, `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

export function registerAuditRoutes(router: Router, context: AuthContext): void {
  const { db } = context;

  router.add("GET", "/admin/audit", async ({ request, url }) => {
    const { user } = await authenticate(request, context);
    requireSiteAdmin(user, "read the whole audit trail");
    return jsonResponse({ entries: listAudit(db, { limit: requireLimit(url) }) });
  });

  router.add("GET", "/admin/organizations/:org/audit", async ({ request, url, params }) => {
    const { user } = await authenticate(request, context);
    const org = requireOrganizationAdmin(db, user, params.org!);
    const entries = listAudit(db, { organization: org.name, limit: requireLimit(url) });
    return jsonResponse({ entries });
  });
}
