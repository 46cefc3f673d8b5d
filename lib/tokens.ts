/**
 * API tokens: create, list and revoke the tokens of the logged-in user.
 *
 * @module
 */
import { compareText, objectList, text } from "./answers.ts";
import { apiPath } from "./http.ts";
import { type Session, sessionJson, sessionSend } from "./session.ts";

/**
 * An API token as listed by the server: metadata only, never the secret.
 *
 * @example Tokens not used for 90 days
 * ```ts
 * import { type ApiToken, listTokens, type Session } from "@hatcher/hatcher";
 * declare const session: Session;
 * const cutoff = Date.now() - 90 * 86_400_000;
 * // EDS times are UTC without a zone suffix: add one before parsing.
 * const stale: ApiToken[] = (await listTokens(session))
 *   .filter((t) => Date.parse(`${t.lastUsed ?? t.created}Z`) < cutoff);
 * ```
 */
export interface ApiToken {
  /** The token's name, unique per user. */
  name: string;
  /** When it was created, as the server sent it: ISO 8601 in UTC without a zone (`2014-10-20T17:30:07.956240`). */
  created: string;
  /** When it was last used, or `null` when never. */
  lastUsed: string | null;
  /** When it stops working (ISO 8601); absent for a token that never expires. */
  expires?: string;
}

/**
 * A newly created API token, the only time its secret is shown.
 *
 * @example Keep the secret, print only the name
 * ```ts
 * import { type CreatedApiToken, createToken, type Session } from "@hatcher/hatcher";
 * declare const session: Session;
 * const created: CreatedApiToken = await createToken(session, "ci");
 * await Deno.writeTextFile("ci-token.txt", created.token, { mode: 0o600 });
 * console.log(`created ${created.name}`);
 * ```
 */
export interface CreatedApiToken {
  /** The token's name. */
  name: string;
  /** The secret token; the server keeps only a hash of it. */
  token: string;
  /** When it stops working (ISO 8601); absent for a token that never expires. */
  expires?: string;
}

/**
 * Options of {@linkcode createToken}.
 *
 * @example A token for a month
 * ```ts
 * import { type CreateTokenOptions } from "@hatcher/hatcher";
 * const options: CreateTokenOptions = { expiresIn: 30 * 86_400 };
 * ```
 */
export interface CreateTokenOptions {
  /** Seconds until the token stops working; without it, it works until revoked. */
  expiresIn?: number;
}

/**
 * Creates an API token for the session's user.
 *
 * @param session From {@linkcode login}.
 * @param name A name unique among the user's tokens.
 * @param options `expiresIn`: seconds until the token stops working.
 * @returns The token's name and secret; store the secret, it cannot be shown again.
 * @throws {ConflictError} When the user already has a token with that name, or
 *   as many tokens as the server allows.
 *
 * @example Create a token for a CI job
 * ```ts
 * import { createToken, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", {
 *   username: "user@example.com",
 *   password: "s3cret",
 * });
 * const { token } = await createToken(session, "ci-token");
 * ```
 */
export async function createToken(
  session: Session,
  name: string,
  options: CreateTokenOptions = {},
): Promise<CreatedApiToken> {
  if (name.trim() === "") throw new TypeError("The token name is empty");
  const { expiresIn } = options;
  if (expiresIn !== undefined && (!Number.isSafeInteger(expiresIn) || expiresIn < 1)) {
    throw new RangeError(`expiresIn must be a whole number of seconds, got ${expiresIn}`);
  }
  const json = expiresIn === undefined ? { name } : { name, expires_in: expiresIn };
  const body = await sessionJson<Record<string, unknown>>(session, "POST", "auth/tokens/api", {
    json,
  });
  return { name: text(body, "name"), token: text(body, "token"), ...expiry(body) };
}

/** `{ expires }` when the token document has one; nothing for a token that never expires. */
function expiry(raw: Record<string, unknown>): { expires?: string } {
  return raw.expires === null || raw.expires === undefined ? {} : { expires: String(raw.expires) };
}

/**
 * Lists the session user's API tokens, sorted by name.
 *
 * @param session From {@linkcode login}.
 * @returns Token metadata; never the secrets.
 *
 * @example Find tokens that were never used
 * ```ts
 * import { listTokens, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const unused = (await listTokens(session)).filter((t) => t.lastUsed === null);
 * ```
 */
export async function listTokens(session: Session): Promise<ApiToken[]> {
  const body = await sessionJson(session, "GET", "auth/tokens/api");
  return objectList(body, "tokens").map((raw) => ({
    name: String(raw.name),
    created: String(raw.created),
    lastUsed: raw.last_used === null || raw.last_used === undefined ? null : String(raw.last_used),
    ...expiry(raw),
  })).sort((a, b) => compareText(a.name, b.name));
}

/**
 * Revokes (deletes) one of the session user's API tokens. It is refused by
 * the server at once, including sessions opened with it.
 *
 * @param session From {@linkcode login}.
 * @param name The token's name.
 * @throws {NotFoundError} When the user has no token with that name.
 *
 * @example Rotate a token
 * ```ts
 * import { createToken, login, revokeToken } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<old token>" });
 * const fresh = await createToken(session, "ci-token-2");
 * await revokeToken(session, "ci-token");
 * ```
 */
export async function revokeToken(session: Session, name: string): Promise<void> {
  if (name === "") throw new TypeError("The token name is empty");
  await sessionSend(session, "DELETE", apiPath("auth", "tokens", "api", name), {
    query: { force: "False" },
  });
}
