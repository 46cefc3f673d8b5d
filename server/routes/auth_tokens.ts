/**
 * EDS token endpoints (protocol notes §4.2-4.3): session exchange and the
 * caller's own API tokens. A user only ever sees or deletes their own tokens;
 * anyone else's look exactly like tokens that do not exist.
 */
import { type AuthContext, authenticate } from "../auth.ts";
import {
  edsTimestamp,
  HttpError,
  jsonResponse,
  noContent,
  readJson,
  type Router,
} from "../http.ts";
import { ApiTokenExistsError, ApiTokenLimitError } from "../tokens.ts";
import { requireTokenName } from "../validation.ts";

/** Ten years, in seconds: the longest expiry a token may be given. */
const MAX_EXPIRES_IN_SECONDS = 10 * 365 * 24 * 3600;

/** Optional `expires_in`: whole seconds from now. */
function requireExpiry(value: unknown, now: Date): Date | null {
  if (value === undefined || value === null) return null;
  if (
    !Number.isSafeInteger(value) || (value as number) < 1 ||
    (value as number) > MAX_EXPIRES_IN_SECONDS
  ) {
    throw new HttpError(
      400,
      `expires_in must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN_SECONDS}`,
    );
  }
  return new Date(now.getTime() + (value as number) * 1000);
}

export function registerAuthTokenRoutes(router: Router, context: AuthContext): void {
  const { tokens } = context;

  router.add("POST", "/auth/tokens/auth", async ({ request }) => {
    const caller = await authenticate(request, context);
    return jsonResponse({ token: tokens.createSession(caller.user.id, caller.apiTokenId) });
  });

  router.add("GET", "/auth/tokens/api", async ({ request }) => {
    const caller = await authenticate(request, context);
    const list = tokens.listApiTokens(caller.user.id).map((token) => ({
      name: token.name,
      created: edsTimestamp(token.created),
      last_used: token.lastUsed === null ? null : edsTimestamp(token.lastUsed),
      // Only tokens that expire say so: the EDS shape is unchanged otherwise.
      ...(token.expires === null ? {} : { expires: edsTimestamp(token.expires) }),
    }));
    return jsonResponse({ tokens: list });
  });

  router.add("POST", "/auth/tokens/api", async ({ request }) => {
    const caller = await authenticate(request, context);
    const body = await readJson(request);
    const name = requireTokenName(body.name);
    const expiresAt = requireExpiry(body.expires_in, new Date());
    try {
      // Made with another API token (through its session): revoked with it.
      const token = tokens.createApiToken(caller.user.id, name, {
        parentId: caller.apiTokenId,
        expiresAt,
      });
      return jsonResponse(
        expiresAt ? { name, token, expires: expiresAt.toISOString() } : { name, token },
        201,
      );
    } catch (error) {
      if (error instanceof ApiTokenExistsError) throw new HttpError(409, error.message);
      if (error instanceof ApiTokenLimitError) throw new HttpError(409, error.message);
      throw error;
    }
  });

  // hatcher appends ?force=False; there is nothing to force, so the query is ignored.
  router.add("DELETE", "/auth/tokens/api/:name", async ({ request, params }) => {
    const caller = await authenticate(request, context);
    const name = params.name ?? "";
    if (!tokens.deleteApiToken(caller.user.id, name)) {
      throw new HttpError(404, `No API token named '${name}'`);
    }
    return noContent();
  });
}
