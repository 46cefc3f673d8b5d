/**
 * Raw HTTP against the reference server, for the server's own tests: calls
 * as a given user (Basic exchanged once for a cached session token), and
 * assertions on `{"error": ...}` replies.
 */
import assert from "node:assert/strict";
import type { RunningServer } from "./server.ts";

export const V1 = "/api/v1/json";
export const V0 = "/api/v0/json";

export interface Credentials {
  email: string;
  password: string;
}

export interface Reply {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
}

export interface CallOptions {
  /** Who calls; `null` sends no credentials. Defaults to the caller's default user. */
  as?: Credentials | null;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  /** The API root. @default {V1} */
  root?: string;
}

export function basic(user: Credentials): string {
  return "Basic " + btoa(`${user.email}:${user.password}`);
}

/**
 * Basic auth costs one scrypt hash (~70 ms) per request, so each user's Basic
 * credentials are exchanged once for a session token, reused per server.
 */
const sessions = new Map<string, string>();

export async function authorization(server: RunningServer, user: Credentials): Promise<string> {
  const key = `${server.url} ${user.email} ${user.password}`;
  const cached = sessions.get(key);
  if (cached) return cached;
  const response = await fetch(`${server.url}${V1}/auth/tokens/auth`, {
    method: "POST",
    headers: { authorization: basic(user) },
  });
  const body = await response.json();
  // Failed logins fall back to Basic, so the request itself shows the 401.
  if (response.status !== 200) return basic(user);
  const header = `Bearer ${body.token}`;
  sessions.set(key, header);
  return header;
}

/** A `call(server, method, path, options)` that acts as `defaultUser` unless told otherwise. */
export function makeCall(defaultUser: Credentials) {
  return async function call(
    server: RunningServer,
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<Reply> {
    const headers = new Headers(options.headers);
    const as = options.as === undefined ? defaultUser : options.as;
    if (as) headers.set("authorization", await authorization(server, as));
    let body = options.body;
    if (options.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(options.json);
    }
    const response = await fetch(`${server.url}${options.root ?? V1}${path}`, {
      method,
      headers,
      body,
    });
    const text = await response.text();
    const isJson = response.headers.get("content-type")?.startsWith("application/json");
    return {
      status: response.status,
      headers: response.headers,
      body: text === "" ? null : isJson ? JSON.parse(text) : text,
    };
  };
}

export function expectStatus(reply: Reply, status: number, body?: unknown): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  if (body !== undefined) assert.deepEqual(reply.body, body);
}

export function expectError(reply: Reply, status: number, message: string | RegExp): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.deepEqual(Object.keys(reply.body ?? {}), ["error"]);
  if (typeof message === "string") assert.equal(reply.body.error, message);
  else assert.match(reply.body.error, message);
}
