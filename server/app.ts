/**
 * Wires the database, token store and routes into one request handler, so the
 * same app runs under `main.ts` and could run in-process in tests. Around the
 * routes it applies what every request shares: cross-origin refusal, the cap
 * on concurrent uploads, the idle timeout of request bodies, error answers,
 * the audit trail and the request log.
 */
import { join } from "node:path";
import { auditEntryFor, recordAudit } from "./audit.ts";
import type { Database } from "./db.ts";
import { errorResponse, HttpError, isDiskFull, Router, toErrorResponse } from "./http.ts";
import { IndexCache, useIndexCache } from "./index_cache.ts";
import {
  auditNoteOf,
  callerOf,
  jsonBodyOf,
  matchedRoute,
  setClientAddress,
} from "./request_info.ts";
import { registerAuditRoutes } from "./routes/admin_audit.ts";
import { registerOrganizationRoutes } from "./routes/admin_organizations.ts";
import { registerTeamRoutes } from "./routes/admin_teams.ts";
import { registerUserRoutes } from "./routes/admin_users.ts";
import { registerAuthTokenRoutes } from "./routes/auth_tokens.ts";
import { ARTEFACT_KINDS } from "./kinds/registry.ts";
import { registerArtefactRoutes } from "./routes/artefacts.ts";
import { registerMetadataRoutes } from "./routes/metadata.ts";
import type { ObjectStore } from "./objects.ts";
import { DiskReserve } from "./reserve.ts";
import { DEFAULT_SIGN_IN_LIMITS, type SignInLimitOptions, SignInLimits } from "./sign_in_limits.ts";
import { DEFAULT_MAX_API_TOKENS_PER_USER, loadTokenSecret, TokenStore } from "./tokens.ts";
import { newRequest } from "./while_unchanged.ts";

export interface Logger {
  /** Per-request lines; main.ts silences these with --quiet. */
  info(line: string): void;
  /** Unexpected failures; always worth seeing. */
  error(line: string): void;
}

/** Uploads received at once, at most; more answer 503 with Retry-After. */
export const DEFAULT_MAX_CONCURRENT_UPLOADS = 8;
/** A request body that sends nothing for this long is abandoned (408). */
export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 30_000;

export interface AppOptions {
  db: Database;
  log: Logger;
  /** Artefact files; main.ts prepares it (empties tmp) before the app starts. */
  objects: ObjectStore;
  /** Largest accepted artefact file, in bytes. */
  maxUploadBytes: number;
  /** Failed password sign-ins allowed per account and per address. */
  signInLimits?: SignInLimitOptions;
  maxConcurrentUploads?: number;
  bodyIdleTimeoutMs?: number;
  maxApiTokensPerUser?: number;
}

/** What the connection layer (server/serve.ts) passes beside the request. */
export interface ConnectionInfo {
  remoteAddr: Deno.Addr;
}

export type App = (request: Request, info?: ConnectionInfo) => Promise<Response>;

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Upload endpoints of every artefact kind end in `/upload`. */
function isUpload(request: Request, pathname: string): boolean {
  return request.method === "POST" && pathname.endsWith("/upload");
}

/**
 * A browser sends `Origin` (and `Sec-Fetch-Site`) with a cross-site request;
 * hatcher, curl and scripts send neither. A page elsewhere must not be able
 * to use a browser's cached credentials to change anything here.
 */
function isCrossOrigin(request: Request, url: URL): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return true;
  const origin = request.headers.get("origin");
  return origin !== null && origin !== url.origin;
}

/**
 * The body, failing with a 408 when no bytes arrive for `idleMs`: a client
 * that stalls mid-upload releases its connection and its temporary file.
 */
function idleLimited(body: ReadableStream<Uint8Array>, idleMs: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new HttpError(408, `No request data for ${idleMs / 1000} s: giving up`)),
          idleMs,
        );
      });
      try {
        const { done, value } = await Promise.race([reader.read(), stalled]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        await reader.cancel().catch(() => {});
        controller.error(error);
      } finally {
        clearTimeout(timer);
      }
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => {});
    },
  });
}

export function createApp(options: AppOptions): App {
  const { db, log, objects, maxUploadBytes } = options;
  const maxUploads = options.maxConcurrentUploads ?? DEFAULT_MAX_CONCURRENT_UPLOADS;
  const idleMs = options.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS;
  const tokens = new TokenStore(
    db,
    loadTokenSecret(db),
    options.maxApiTokensPerUser ?? DEFAULT_MAX_API_TOKENS_PER_USER,
  );
  const signIns = new SignInLimits(options.signInLimits ?? DEFAULT_SIGN_IN_LIMITS);
  const router = new Router();
  const context = { db, tokens, objects, maxUploadBytes, signIns };
  registerAuthTokenRoutes(router, context);
  registerOrganizationRoutes(router, context);
  registerTeamRoutes(router, context);
  registerUserRoutes(router, context);
  registerMetadataRoutes(router, context);
  for (const kind of ARTEFACT_KINDS) registerArtefactRoutes(router, context, kind);
  registerAuditRoutes(router, context);
  // Large indices are kept in files (kept_bytes.ts), of this process only.
  useIndexCache(db, new IndexCache({ fileDir: join(objects.dataDir, "index-cache") }));
  const reserve = new DiskReserve(objects.dataDir);
  reserve.ensure();
  let uploads = 0;

  /** The router, with one more try for a delete that found the disk full: the reserve is freed. */
  async function route(request: Request, url: URL): Promise<Response> {
    try {
      return await router.handle(request, url);
    } catch (error) {
      if (!isDiskFull(error) || !reserve.release()) throw error;
      log.error("the disk is full: released the reserve so that deletes can free space");
      if (request.method !== "DELETE") throw error;
      return await router.handle(request, url);
    }
  }

  async function respond(request: Request, url: URL): Promise<Response> {
    if (STATE_CHANGING.has(request.method) && isCrossOrigin(request, url)) {
      return errorResponse(403, "Cross-origin requests may not change anything on this server");
    }
    if (!isUpload(request, url.pathname)) return await route(request, url);
    if (!reserve.ensure()) {
      return errorResponse(507, "The server's disk is full: nothing was stored");
    }
    if (uploads >= maxUploads) {
      return errorResponse(503, `The server is receiving ${maxUploads} uploads: try again soon`, {
        "retry-after": "5",
      });
    }
    uploads++;
    try {
      return await route(request, url);
    } finally {
      uploads--;
    }
  }

  return async (incoming, info) => {
    const started = performance.now();
    newRequest(db);
    // A new request around the body (not `new Request(incoming)`: that would
    // carry over the signal, which Deno.serve warns about).
    const request = incoming.body
      ? new Request(incoming.url, {
        method: incoming.method,
        headers: incoming.headers,
        body: idleLimited(incoming.body, idleMs),
        duplex: "half",
      } as RequestInit)
      : incoming;
    if (info && "hostname" in info.remoteAddr) setClientAddress(request, info.remoteAddr.hostname);
    const url = new URL(request.url);
    let response: Response;
    try {
      response = await respond(request, url);
    } catch (error) {
      response = toErrorResponse(error, (line) => log.error(line));
    }
    audit(request, response.status);
    // Only method, path (no query) and status: never headers or bodies, which carry secrets.
    const elapsed = (performance.now() - started).toFixed(1);
    log.info(`${request.method} ${url.pathname} ${response.status} ${elapsed}ms`);
    return response;
  };

  function audit(request: Request, status: number): void {
    const entry = auditEntryFor(
      request.method,
      status,
      matchedRoute(request),
      callerOf(request),
      auditNoteOf(request),
      jsonBodyOf(request),
    );
    if (!entry) return;
    try {
      recordAudit(db, entry);
    } catch (error) {
      // The change is made; a full disk must not turn it into an error.
      log.error(`audit entry lost (${entry.action} ${entry.target}): ${(error as Error).message}`);
    }
  }
}
