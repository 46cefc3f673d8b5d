/**
 * HTTP plumbing shared by every route: the error type handlers throw, JSON
 * response helpers, a size-capped JSON body reader and a tiny path router
 * that serves the same routes under both EDS API roots.
 */
import { setJsonBody, setMatchedRoute } from "./request_info.ts";

/** Thrown by handlers to answer with `{"error": message}` and a given status. */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.headers = headers;
  }
}

export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Every error body in this server has the EDS shape `{"error": "..."}`. */
export function errorResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return jsonResponse({ error: message }, status, headers);
}

/**
 * A stored ISO time (`2014-10-20T17:30:07.956Z`) as the EDS writes times:
 * UTC without a zone suffix, microseconds (`2014-10-20T17:30:07.956000`).
 */
export function edsTimestamp(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(iso);
  return match ? `${match[1]}.${(match[2] ?? "").padEnd(6, "0")}` : iso;
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

export const DEFAULT_JSON_LIMIT_BYTES = 64 * 1024;

/**
 * Reads a JSON object body. The body is streamed and abandoned as soon as it
 * passes `limitBytes`, so a huge upload cannot exhaust memory.
 */
export async function readJson(
  request: Request,
  limitBytes = DEFAULT_JSON_LIMIT_BYTES,
): Promise<Record<string, unknown>> {
  // A form or text/plain body is what a cross-site page can send without asking.
  if (!isJsonContentType(request.headers.get("content-type"))) {
    throw new HttpError(415, "Request body must be JSON, sent as Content-Type: application/json");
  }
  const tooLarge = () => new HttpError(413, `Request body too large (limit ${limitBytes} bytes)`);
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge();

  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body) {
    const reader = request.body.getReader();
    while (true) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        // The client hung up or stalled mid-body: its fault, not the server's.
        if (error instanceof HttpError) throw error;
        throw new HttpError(400, "Request body ended before its announced length");
      }
      const { done, value } = read;
      if (done) break;
      total += value.byteLength;
      if (total > limitBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, "Request body is not valid UTF-8");
  }
  if (text.trim() === "") throw new HttpError(400, "Request body must be a JSON object");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, "Request body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, "Request body must be a JSON object");
  }
  setJsonBody(request, parsed as Record<string, unknown>);
  return parsed as Record<string, unknown>;
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
export function isJsonContentType(header: string | null): boolean {
  return header !== null && header.split(";")[0]!.trim().toLowerCase() === "application/json";
}

/** A Map, not an object literal: `?force=constructor` must not hit Object.prototype. */
const FLAG_VALUES: ReadonlyMap<string, boolean> = new Map([
  ["True", true],
  ["true", true],
  ["1", true],
  ["False", false],
  ["false", false],
  ["0", false],
]);

/**
 * Reads a boolean query parameter. hatcher sends Python's `True`/`False`;
 * `true`/`false`/`1`/`0` are accepted too. Anything else is a 400.
 */
export function queryFlag(url: URL, name: string, defaultValue = false): boolean {
  const value = url.searchParams.get(name);
  if (value === null) return defaultValue;
  const flag = FLAG_VALUES.get(value);
  if (flag === undefined) {
    throw new HttpError(
      400,
      `Query parameter '${name}' must be one of True, False, true, false, 1, 0`,
    );
  }
  return flag;
}

/** The EDS API generation a request came in on; routes may answer differently per version. */
export type ApiVersion = 0 | 1;

const API_ROOTS: ReadonlyArray<readonly [string, ApiVersion]> = [
  ["/api/v0/json", 0],
  ["/api/v1/json", 1],
];

export interface RouteContext {
  request: Request;
  url: URL;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
  apiVersion: ApiVersion;
}

export type RouteHandler = (context: RouteContext) => Response | Promise<Response>;

interface Route {
  method: string;
  /** The pattern as registered, e.g. `/admin/teams/:org/:team` (the audit trail names routes by it). */
  pathname: string;
  /** The pattern's segments: literal text, or `:name` for one non-empty segment. */
  segments: readonly string[];
  handler: RouteHandler;
}

/**
 * The path parameters (still percent-encoded) if `path` matches `segments`,
 * as URLPattern matches these patterns, at a small fraction of its cost
 * (which was half of a cached index request's time).
 */
function matchSegments(
  segments: readonly string[],
  path: readonly string[],
): Record<string, string> | undefined {
  if (segments.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const given = path[i]!;
    if (segment.startsWith(":")) {
      if (given === "") return undefined;
      params[segment.slice(1)] = given;
    } else if (segment !== given) {
      return undefined;
    }
  }
  return params;
}

/**
 * Routes are registered relative to the API root (e.g. "/auth/tokens/api/:name");
 * the router strips `/api/v0/json` or `/api/v1/json` first. Unknown paths raise
 * 404, known paths with another method raise 405 with an Allow header.
 */
export class Router {
  readonly #routes: Route[] = [];
  /** The routes a path of this shape may match, in order (see #candidates). */
  #byShape: Map<string, readonly Route[]> | undefined;

  add(method: string, pathname: string, handler: RouteHandler): this {
    const segments = pathname.split("/");
    if (segments.some((segment) => /[*?+(){}]/.test(segment))) {
      throw new Error(`route pattern ${pathname}: only literal and :name segments are supported`);
    }
    this.#routes.push({ method: method.toUpperCase(), pathname, segments, handler });
    this.#byShape = undefined;
    return this;
  }

  /** `url`: the request's, when the caller has parsed it already. */
  async handle(request: Request, url = new URL(request.url)): Promise<Response> {
    const located = splitApiRoot(url.pathname);
    if (!located) throw new HttpError(404, "Not found");

    // HEAD is answered by the GET handler with the body dropped.
    const lookupMethod = request.method === "HEAD" ? "GET" : request.method;
    const path = located.path.split("/");
    const candidates = this.#candidates(path);
    for (const route of candidates) {
      if (route.method !== lookupMethod) continue;
      const match = matchSegments(route.segments, path);
      if (!match) continue;
      const params: Record<string, string> = {};
      for (const [key, value] of Object.entries(match)) params[key] = safeDecode(value);
      setMatchedRoute(request, { pattern: route.pathname, params });
      const response = await route.handler({
        request,
        url,
        params,
        apiVersion: located.version,
      });
      if (request.method !== "HEAD") return response;
      await response.body?.cancel();
      return new Response(null, { status: response.status, headers: response.headers });
    }
    const allowed = new Set(
      candidates.filter((route) => matchSegments(route.segments, path)).map((route) =>
        route.method
      ),
    );
    if (allowed.size === 0) throw new HttpError(404, "Not found");
    if (allowed.has("GET")) allowed.add("HEAD");
    const allow = [...allowed].sort().join(", ");
    throw new HttpError(405, `Method ${request.method} not allowed (allowed: ${allow})`, {
      allow,
    });
  }

  /**
   * The routes with as many segments as `path` and the same first one (or a
   * parameter there), in the order they were added: a few, not all seventy
   * (trying each was a fifth of a cached index request's time).
   */
  #candidates(path: readonly string[]): readonly Route[] {
    if (!this.#byShape) {
      this.#byShape = new Map();
      for (const { segments } of this.#routes) {
        const key = shapeKey(segments.length, segments[1] ?? "");
        if (this.#byShape.has(key)) continue;
        this.#byShape.set(
          key,
          this.#routes.filter((route) =>
            route.segments.length === segments.length &&
            (route.segments[1] === segments[1] || route.segments[1]?.startsWith(":"))
          ),
        );
      }
    }
    const first = path[1] ?? "";
    return this.#byShape.get(shapeKey(path.length, first)) ??
      // Only routes with a parameter first can match a first segment no route names.
      (first === "" ? [] : this.#byShape.get(shapeKey(path.length, `:`)) ?? []);
  }
}

function shapeKey(length: number, first: string): string {
  return `${length} ${first.startsWith(":") ? ":" : first}`;
}

function splitApiRoot(pathname: string): { version: ApiVersion; path: string } | null {
  for (const [root, version] of API_ROOTS) {
    if (pathname.startsWith(root + "/")) return { version, path: pathname.slice(root.length) };
  }
  return null;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Turns anything a handler threw into a JSON error response. Unexpected errors
 * are reported through `logError` and hidden from the client as a plain 500.
 */
export function toErrorResponse(error: unknown, logError: (message: string) => void): Response {
  if (error instanceof HttpError) {
    return errorResponse(error.status, error.message, error.headers);
  }
  if (isDiskFull(error)) {
    logError(`disk full: ${error instanceof Error ? error.message : String(error)}`);
    return errorResponse(507, "The server's disk is full: nothing was stored");
  }
  if (isForeignKeyFailure(error)) {
    // What the request referred to (a repository, a team) went away while it ran.
    return errorResponse(
      409,
      "What this request refers to was deleted while it ran; nothing was stored",
    );
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  logError(`internal error: ${detail}`);
  return errorResponse(500, "Internal server error");
}

/** SQLite's SQLITE_FULL, or ENOSPC/EDQUOT from the file system. */
export function isDiskFull(error: unknown): boolean {
  const { errcode, code, message } = (error ?? {}) as Record<string, unknown>;
  return errcode === 13 || code === "ENOSPC" || code === "EDQUOT" ||
    (typeof message === "string" &&
      /database or disk is full|No space left on device|os error 28\b/.test(message));
}

function isForeignKeyFailure(error: unknown): boolean {
  const { message } = (error ?? {}) as Record<string, unknown>;
  return typeof message === "string" && message.includes("FOREIGN KEY constraint failed");
}
