/**
 * What the server learns about a request besides its URL, headers and body:
 * the client's address (from the connection), who the caller turned out to
 * be (from authenticate), and what a handler wants the audit trail to say.
 * Kept beside the request, so handlers and the app can share them without
 * threading extra arguments through every route.
 */
import type { Caller } from "./auth.ts";

/** What a handler adds to its request's audit entry. */
export interface AuditNote {
  /** Replaces the action derived from the route (e.g. `egg.overwrite`). */
  action?: string;
  /** Replaces the target derived from the path (e.g. the file name). */
  target?: string;
  /** Extra facts worth keeping (e.g. a SHA-256). */
  details?: Record<string, unknown>;
  /** Nothing changed: no entry at all. */
  skip?: boolean;
}

/** The route a request was dispatched to. */
export interface MatchedRoute {
  /** The registered path, relative to the API root, e.g. `/admin/teams/:org/:team`. */
  pattern: string;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
}

interface RequestInfo {
  route?: MatchedRoute;
  clientAddress?: string;
  jsonBody?: Record<string, unknown>;
  caller?: Caller;
  audit?: AuditNote;
}

const infos = new WeakMap<Request, RequestInfo>();

function infoOf(request: Request): RequestInfo {
  let info = infos.get(request);
  if (!info) infos.set(request, info = {});
  return info;
}

export function setClientAddress(request: Request, address: string): void {
  infoOf(request).clientAddress = address;
}

/** The peer's IP address; undefined when the app runs without a connection (in-process). */
export function clientAddress(request: Request): string | undefined {
  return infos.get(request)?.clientAddress;
}

export function rememberCaller(request: Request, caller: Caller): void {
  infoOf(request).caller = caller;
}

export function callerOf(request: Request): Caller | undefined {
  return infos.get(request)?.caller;
}

/** Called by a handler that knows better than the route what it did. */
export function noteAudit(request: Request, note: AuditNote): void {
  const info = infoOf(request);
  info.audit = { ...info.audit, ...note };
}

export function auditNoteOf(request: Request): AuditNote | undefined {
  return infos.get(request)?.audit;
}

export function setMatchedRoute(request: Request, route: MatchedRoute): void {
  infoOf(request).route = route;
}

export function matchedRoute(request: Request): MatchedRoute | undefined {
  return infos.get(request)?.route;
}

export function setJsonBody(request: Request, body: Record<string, unknown>): void {
  infoOf(request).jsonBody = body;
}

/** The JSON object the handler read from the body, if any. */
export function jsonBodyOf(request: Request): Record<string, unknown> | undefined {
  return infos.get(request)?.jsonBody;
}
