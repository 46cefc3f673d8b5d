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
import { ApiTokenExistsError } from "../tokens.ts";

const TOKEN_NAME = /^[A-Za-z0-9._-]{1,100}$/;
export const TOKEN_NAME_RULE =
  "Token name must be 1-100 characters of letters, digits, '-', '_' or '.' (and not '.' or '..')";

/** "." and ".." are excluded because URL normalisation would eat them in DELETE paths. */
export function isValidTokenName(name: string): boolean {
  return TOKEN_NAME.test(name) && name !== "." && name !== "..";
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
    }));
    return jsonResponse({ tokens: list });
  });

  router.add("POST", "/auth/tokens/api", async ({ request }) => {
    const caller = await authenticate(request, context);
    const body = await readJson(request);
    const name = body.name;
    if (typeof name !== "string" || !isValidTokenName(name)) {
      throw new HttpError(400, TOKEN_NAME_RULE);
    }
    try {
      return jsonResponse({ name, token: tokens.createApiToken(caller.user.id, name) }, 201);
    } catch (error) {
      if (error instanceof ApiTokenExistsError) throw new HttpError(409, error.message);
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
