/**
 * Who is calling? Accepts `Authorization: Basic` (email:password) and
 * `Authorization: Bearer` (API or session token). Every failure looks the same
 * to the client, so responses do not reveal which part was wrong.
 */
import { Buffer } from "node:buffer";
import type { Database } from "./db.ts";
import { HttpError } from "./http.ts";
import { verifyPasswordOrDummy } from "./passwords.ts";
import { clientAddress, rememberCaller } from "./request_info.ts";
import type { SignInLimits } from "./sign_in_limits.ts";
import type { TokenKind, TokenStore } from "./tokens.ts";
import { findUserByEmail, findUserById, type User } from "./users.ts";
import { whileUnchanged } from "./while_unchanged.ts";

export interface AuthContext {
  db: Database;
  tokens: TokenStore;
  /** Limits on failed password sign-ins; none means unlimited. */
  signIns?: SignInLimits;
}

export interface Caller {
  user: User;
  /** How the caller proved its identity. */
  method: "password" | TokenKind;
  /** The API token used directly or behind a session; null for passwords. */
  apiTokenId: number | null;
}

export const AUTHENTICATION_FAILED = "Authentication failed";

export function authenticationFailed(): HttpError {
  return new HttpError(401, AUTHENTICATION_FAILED, { "www-authenticate": 'Basic realm="EDS"' });
}

/** Decodes `Basic base64(email:password)`; null if malformed. The password may contain ':'. */
export function parseBasicCredentials(
  encoded: string,
): { email: string; password: string } | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(encoded, "base64"));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon <= 0) return null;
  return { email: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The caller, or null for a request that carries no credentials at all (what
 * public repositories allow for reads). Credentials that are there but wrong
 * still fail with 401.
 */
export async function authenticateIfPresent(
  request: Request,
  context: AuthContext,
): Promise<Caller | null> {
  if (request.headers.get("authorization") === null) return null;
  return await authenticate(request, context);
}

/** Resolves the caller or throws a 401 HttpError. Direct API token use updates last_used_at. */
export async function authenticate(request: Request, context: AuthContext): Promise<Caller> {
  const caller = await identify(request, context);
  rememberCaller(request, caller);
  return caller;
}

async function identify(request: Request, context: AuthContext): Promise<Caller> {
  const header = request.headers.get("authorization");
  if (!header) throw authenticationFailed();
  const space = header.indexOf(" ");
  const scheme = space < 0 ? header : header.slice(0, space);
  const credentials = space < 0 ? "" : header.slice(space + 1).trim();

  switch (scheme.toLowerCase()) {
    case "basic": {
      const parsed = parseBasicCredentials(credentials);
      if (!parsed) throw authenticationFailed();
      const address = clientAddress(request);
      const wait = context.signIns?.retryAfter(parsed.email, address) ?? 0;
      if (wait > 0) {
        throw new HttpError(429, `Too many failed sign-ins: try again in ${wait} s`, {
          "retry-after": String(wait),
        });
      }
      const user = findUserByEmail(context.db, parsed.email);
      const ok = await verifyPasswordOrDummy(parsed.password, user?.passwordHash);
      if (!user || !ok) {
        context.signIns?.recordFailure(parsed.email, address);
        throw authenticationFailed();
      }
      context.signIns?.recordSuccess(parsed.email);
      return { user, method: "password", apiTokenId: null };
    }
    case "bearer": {
      const now = Date.now();
      const callers = whileUnchanged<BearerCaller | null>(context.db, "bearer callers");
      let found = callers.get(credentials, () => bearerCaller(context, credentials));
      // Kept while nothing changed, but a token may have expired since.
      if (found && found.validUntil <= now) found = bearerCaller(context, credentials);
      if (!found) throw authenticationFailed();
      const { caller } = found;
      if (caller.method === "api" && caller.apiTokenId !== null) {
        context.tokens.markApiTokenUsed(caller.apiTokenId);
      }
      return caller;
    }
    default:
      throw authenticationFailed();
  }
}

interface BearerCaller {
  caller: Caller;
  /** When the token stops working (ms since the epoch). */
  validUntil: number;
}

/** A bearer token's caller, read from the database; null when the token is not valid. */
function bearerCaller(context: AuthContext, token: string): BearerCaller | null {
  const verified = context.tokens.verify(token);
  if (!verified) return null;
  const user = findUserById(context.db, verified.userId);
  if (!user) return null;
  // Shared by the requests that present the same token: nobody may change it.
  const caller = Object.freeze({
    user: Object.freeze(user),
    method: verified.kind,
    apiTokenId: verified.apiTokenId,
  });
  return { caller, validUntil: verified.validUntil };
}
