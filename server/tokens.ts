/**
 * API and session tokens. A token is a JWT-shaped string
 * `b64url(header).b64url(payload).b64url(HMAC-SHA256(secret, header.payload))`
 * whose payload names its database row. The database keeps only the SHA-256
 * of the whole token, so a token can be checked but never shown again.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";
import { type Database, getOrCreateSetting, inTransaction, statement } from "./db.ts";
import { isDiskFull } from "./http.ts";

export type TokenKind = "api" | "session";

export interface TokenPayload {
  typ: TokenKind;
  /** Row id in api_tokens or sessions, depending on `typ`. */
  id: number;
  /** Random, so two tokens for the same row never look alike. */
  jti: string;
  /** Sessions only: expiry in seconds since the epoch (JWT NumericDate). */
  exp?: number;
  /** Sessions without a row (id 0, made while the disk was full): the user's id. */
  sub?: number;
  /** Sessions without a row: the API token they were obtained with, 0 for none. */
  api?: number;
}

/** Sessions are short-lived; hatcher refreshes them every 240 s. */
export const SESSION_LIFETIME_MS = 15 * 60 * 1000;

const HEADER_SEGMENT = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString(
  "base64url",
);
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 1024;
const SECRET_SETTING = "token_hmac_secret";

/** The HMAC key, created randomly on the first start and kept in `settings`. */
export function loadTokenSecret(db: Database): Uint8Array {
  const stored = getOrCreateSetting(db, SECRET_SETTING, () => randomBytes(32).toString("base64"));
  return new Uint8Array(Buffer.from(stored, "base64"));
}

function sign(secret: Uint8Array, signingInput: string): Buffer {
  return createHmac("sha256", secret).update(signingInput).digest();
}

export function signToken(secret: Uint8Array, payload: TokenPayload): string {
  const signingInput = `${HEADER_SEGMENT}.${
    Buffer.from(JSON.stringify(payload)).toString("base64url")
  }`;
  return `${signingInput}.${sign(secret, signingInput).toString("base64url")}`;
}

/** Returns the payload if the token is well-formed and signed with `secret`, else null. */
export function readSignedPayload(secret: Uint8Array, token: string): TokenPayload | null {
  if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return null;
  const [header, payloadSegment, signature] = token.split(".") as [string, string, string];
  if (header !== HEADER_SEGMENT) return null;
  const expected = sign(secret, `${header}.${payloadSegment}`);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;

  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(payloadSegment, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (typeof payload !== "object" || payload === null) return null;
  const { typ, id, jti, exp, sub, api } = payload as Record<string, unknown>;
  if (typ !== "api" && typ !== "session") return null;
  const isId = (value: unknown, min: number) =>
    typeof value === "number" && Number.isSafeInteger(value) && value >= min;
  if (!isId(id, typ === "session" ? 0 : 1)) return null;
  if (typeof jti !== "string") return null;
  if (typ === "api") return { typ, id: id as number, jti };
  if (typeof exp !== "number") return null;
  if (id !== 0) return { typ, id: id as number, jti, exp };
  if (!isId(sub, 1) || !isId(api, 0)) return null;
  return { typ, id: 0, jti, exp, sub: sub as number, api: api as number };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function newJti(): string {
  return randomBytes(24).toString("base64url");
}

export interface ApiTokenInfo {
  id: number;
  name: string;
  created: string;
  lastUsed: string | null;
  /** When the token stops working; null for a token that never expires. */
  expires: string | null;
}

/** A user's API tokens, at most; `--max-api-tokens-per-user` changes it. */
export const DEFAULT_MAX_API_TOKENS_PER_USER = 100;

/** What a valid token proves: who the caller is and which API token (if any) it stems from. */
export interface VerifiedToken {
  kind: TokenKind;
  userId: number;
  /** The API token itself, or the one a session was obtained with; null for password sessions. */
  apiTokenId: number | null;
  /** When the token stops working, in ms since the epoch (Infinity for never). */
  validUntil: number;
}

export class ApiTokenExistsError extends Error {
  constructor(name: string) {
    super(`An API token named '${name}' already exists`);
    this.name = "ApiTokenExistsError";
  }
}

export class ApiTokenLimitError extends Error {
  constructor(limit: number) {
    super(`A user may have at most ${limit} API tokens: delete one first`);
    this.name = "ApiTokenLimitError";
  }
}

/** How an API token comes to be: who made it with what, and for how long. */
export interface NewApiToken {
  /** The API token behind the caller's session, if any: revoking it revokes this one. */
  parentId?: number | null;
  /** Expiry; none means the token never expires. */
  expiresAt?: Date | null;
}

/** How stale an API token's `last_used` may be. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Issues, lists, revokes and verifies tokens stored in one database. */
export class TokenStore {
  readonly #db: Database;
  readonly #secret: Uint8Array;
  readonly #maxPerUser: number;
  /** When this process last wrote each API token's last_used_at. */
  readonly #lastMarked = new Map<number, number>();

  constructor(db: Database, secret: Uint8Array, maxPerUser = DEFAULT_MAX_API_TOKENS_PER_USER) {
    this.#db = db;
    this.#secret = secret;
    this.#maxPerUser = maxPerUser;
  }

  /** Returns the new token; this is the only time its value exists outside the client. */
  createApiToken(
    userId: number,
    name: string,
    options: NewApiToken = {},
    now = new Date(),
  ): string {
    return inTransaction(this.#db, () => {
      const taken = statement(this.#db, "SELECT 1 FROM api_tokens WHERE user_id = ? AND name = ?")
        .get(userId, name);
      if (taken) throw new ApiTokenExistsError(name);
      const { count } = statement(
        this.#db,
        "SELECT COUNT(*) AS count FROM api_tokens WHERE user_id = ?",
      ).get(userId) as { count: number };
      if (count >= this.#maxPerUser) throw new ApiTokenLimitError(this.#maxPerUser);
      // The token embeds the row id, so insert first and store the hash right after.
      const { lastInsertRowid } = statement(
        this.#db,
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, parent_id, expires_at) " +
          "VALUES (?, ?, '', ?, ?, ?)",
      ).run(
        userId,
        name,
        now.toISOString(),
        options.parentId ?? null,
        options.expiresAt?.toISOString() ?? null,
      );
      const id = Number(lastInsertRowid);
      const token = signToken(this.#secret, { typ: "api", id, jti: newJti() });
      statement(this.#db, "UPDATE api_tokens SET token_hash = ? WHERE id = ?").run(
        hashToken(token),
        id,
      );
      return token;
    });
  }

  listApiTokens(userId: number): ApiTokenInfo[] {
    const rows = statement(
      this.#db,
      "SELECT id, name, created_at, last_used_at, expires_at FROM api_tokens WHERE user_id = ? " +
        "ORDER BY name",
    ).all(userId) as Array<{
      id: number;
      name: string;
      created_at: string;
      last_used_at: string | null;
      expires_at: string | null;
    }>;
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      created: row.created_at,
      lastUsed: row.last_used_at,
      expires: row.expires_at,
    }));
  }

  /**
   * Deleting cascades to the sessions obtained with the token and to the API
   * tokens made with those sessions, and theirs in turn. Returns false if none matched.
   */
  deleteApiToken(userId: number, name: string): boolean {
    const result = statement(this.#db, "DELETE FROM api_tokens WHERE user_id = ? AND name = ?")
      .run(userId, name);
    return result.changes > 0;
  }

  /**
   * Best effort: a full disk must not turn a read into an error. Written at
   * most once a minute per token: a write per request would cost more than
   * the request, and would empty the server's caches of who is calling
   * (while_unchanged.ts) every time.
   */
  markApiTokenUsed(apiTokenId: number, now = new Date()): void {
    const last = this.#lastMarked.get(apiTokenId);
    if (last !== undefined && now.getTime() - last < LAST_USED_RESOLUTION_MS) return;
    if (this.#lastMarked.size >= 10_000) this.#lastMarked.clear();
    this.#lastMarked.set(apiTokenId, now.getTime());
    try {
      statement(this.#db, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?").run(
        now.toISOString(),
        apiTokenId,
      );
    } catch {
      /* SQLITE_FULL, or the database busy for longer than the timeout */
    }
  }

  /**
   * A session token for the user. On a full disk no row can be written, so
   * the session lives in the signed token alone (id 0): reads and deletes
   * must keep working, so that space can be freed. Such a session still ends
   * when its API token or its user is deleted, and after SESSION_LIFETIME_MS.
   */
  createSession(userId: number, apiTokenId: number | null, now = new Date()): string {
    try {
      return this.#createStoredSession(userId, apiTokenId, now);
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      const expires = now.getTime() + SESSION_LIFETIME_MS;
      return signToken(this.#secret, {
        typ: "session",
        id: 0,
        jti: newJti(),
        exp: Math.floor(expires / 1000),
        sub: userId,
        api: apiTokenId ?? 0,
      });
    }
  }

  #createStoredSession(userId: number, apiTokenId: number | null, now: Date): string {
    const expires = new Date(now.getTime() + SESSION_LIFETIME_MS);
    return inTransaction(this.#db, () => {
      // Opportunistic cleanup keeps the tables from growing with dead sessions and tokens.
      statement(this.#db, "DELETE FROM sessions WHERE expires_at < ?").run(now.toISOString());
      statement(this.#db, "DELETE FROM api_tokens WHERE expires_at < ?").run(now.toISOString());
      const { lastInsertRowid } = statement(
        this.#db,
        "INSERT INTO sessions (user_id, api_token_id, token_hash, created_at, expires_at) " +
          "VALUES (?, ?, '', ?, ?)",
      ).run(userId, apiTokenId, now.toISOString(), expires.toISOString());
      const id = Number(lastInsertRowid);
      const token = signToken(this.#secret, {
        typ: "session",
        id,
        jti: newJti(),
        exp: Math.floor(expires.getTime() / 1000),
      });
      statement(this.#db, "UPDATE sessions SET token_hash = ? WHERE id = ?").run(
        hashToken(token),
        id,
      );
      return token;
    });
  }

  /** Full check: signature, payload, row still present, stored hash, and session expiry. */
  verify(token: string, now = new Date()): VerifiedToken | null {
    const payload = readSignedPayload(this.#secret, token);
    if (!payload) return null;
    const tokenHash = hashToken(token);
    if (payload.typ === "api") {
      const row = statement(
        this.#db,
        "SELECT user_id, token_hash, expires_at FROM api_tokens WHERE id = ?",
      ).get(payload.id) as
        | { user_id: number; token_hash: string; expires_at: string | null }
        | undefined;
      if (!row || !sameHash(row.token_hash, tokenHash)) return null;
      const validUntil = row.expires_at === null ? Infinity : Date.parse(row.expires_at);
      if (validUntil <= now.getTime()) return null;
      return { kind: "api", userId: row.user_id, apiTokenId: payload.id, validUntil };
    }
    if ((payload.exp ?? 0) * 1000 <= now.getTime()) return null;
    if (payload.id === 0) return this.#verifyRowless(payload, now);
    // A session lives no longer than the API token it was obtained with.
    const row = statement(
      this.#db,
      "SELECT s.user_id, s.api_token_id, s.token_hash, s.expires_at, t.expires_at AS token_expires " +
        "FROM sessions s LEFT JOIN api_tokens t ON t.id = s.api_token_id WHERE s.id = ?",
    ).get(payload.id) as
      | {
        user_id: number;
        api_token_id: number | null;
        token_hash: string;
        expires_at: string;
        token_expires: string | null;
      }
      | undefined;
    if (!row || !sameHash(row.token_hash, tokenHash)) return null;
    const validUntil = Math.min(
      (payload.exp ?? 0) * 1000,
      Date.parse(row.expires_at),
      row.token_expires === null ? Infinity : Date.parse(row.token_expires),
    );
    if (validUntil <= now.getTime()) return null;
    return { kind: "session", userId: row.user_id, apiTokenId: row.api_token_id, validUntil };
  }

  /** A session without a row: valid while its user and its API token (if any) are. */
  #verifyRowless(payload: TokenPayload, now: Date): VerifiedToken | null {
    const user = statement(this.#db, "SELECT 1 FROM users WHERE id = ?").get(payload.sub!);
    if (!user) return null;
    const exp = (payload.exp ?? 0) * 1000;
    if (payload.api === 0) {
      return { kind: "session", userId: payload.sub!, apiTokenId: null, validUntil: exp };
    }
    const token = statement(
      this.#db,
      "SELECT expires_at FROM api_tokens WHERE id = ? AND user_id = ?",
    ).get(payload.api!, payload.sub!) as { expires_at: string | null } | undefined;
    if (!token) return null;
    const validUntil = Math.min(
      exp,
      token.expires_at === null ? Infinity : Date.parse(token.expires_at),
    );
    if (validUntil <= now.getTime()) return null;
    return { kind: "session", userId: payload.sub!, apiTokenId: payload.api!, validUntil };
  }
}
