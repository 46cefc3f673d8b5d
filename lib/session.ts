/**
 * Logging in: exchanging a password or an API token for a session.
 *
 * A {@linkcode Session} is a plain, printable value; the secrets it needs to
 * renew itself live in a module-private WeakMap, so logging a session can
 * never leak a password or token.
 *
 * @module
 */
import { AuthenticationError, HatcherError, HttpError } from "./errors.ts";
import {
  type ApiVersion,
  type ClientOptions,
  createHttpClient,
  type HttpClient,
  readJson,
  type RequestOptions,
  sendRequest,
} from "./http.ts";

/**
 * How to authenticate: a user name and password, or an API token. When both
 * kinds are given, the password is used.
 *
 * @example Credentials from the environment, password first
 * ```ts
 * import type { Credentials } from "@hatcher/hatcher";
 * const credentials: Credentials = {
 *   username: Deno.env.get("HATCHER_USERNAME"),
 *   password: Deno.env.get("HATCHER_PASSWORD"),
 *   token: Deno.env.get("HATCHER_TOKEN"),
 * };
 * ```
 */
export interface Credentials {
  /** User name (an email address) for password authentication. */
  username?: string;
  /** Password of `username`. */
  password?: string;
  /** An API token. */
  token?: string;
}

/**
 * An authenticated connection to a server, returned by {@linkcode login}.
 * It holds no secret that printing it could reveal.
 *
 * @example Say how a session was opened
 * ```ts
 * import { login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * console.log(`${session.url} via ${session.authMethod}`);
 * ```
 */
export interface Session {
  /** The server's root URL, normalised (no trailing slash). */
  readonly url: string;
  /** The API generation in use. */
  readonly apiVersion: ApiVersion;
  /** Which credentials the session was opened with; `anonymous` for none. */
  readonly authMethod: "password" | "token" | "anonymous";
  /** The user name, for password sessions. */
  readonly username: string | undefined;
}

interface SessionState {
  client: HttpClient;
  /** undefined for an anonymous session, which sends no credentials at all. */
  authorization: string | undefined;
  sessionToken: string;
  obtainedAt: number;
  renewal: Promise<void> | undefined;
}

/** Session tokens are renewed after this age, well before the server expires them. */
const RENEW_AFTER_MS = 240_000;

const states = new WeakMap<Session, SessionState>();

/**
 * Opens a session: exchanges the credentials for a session token at
 * `POST {api}/auth/tokens/auth`, so bad credentials fail here, early.
 *
 * @param url The server's root URL, e.g. `https://eds.example.com`.
 * @param credentials `{ username, password }` or `{ token }`; the password wins when both are given.
 * @param options Connection options: `insecure`, `caCerts`, `fetch`, `timeout`, `signal`, `apiVersion`.
 * @returns A session to pass to the other library functions.
 * @throws {TypeError} When the credentials are incomplete or the URL is invalid.
 * @throws {AuthenticationError} When the server refuses the credentials.
 * @throws {ConnectionError} When the server cannot be reached (`TlsError`, `TimeoutError`).
 *
 * @example Log in with an API token from the environment
 * ```ts
 * import { listTokens, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", {
 *   token: Deno.env.get("HATCHER_TOKEN"),
 * });
 * console.log(await listTokens(session));
 * ```
 */
export async function login(
  url: string,
  credentials: Credentials,
  options: ClientOptions = {},
): Promise<Session> {
  const authorization = authorizationFor(credentials);
  const client = createHttpClient(url, options);
  const sessionToken = await exchange(client, authorization);
  const usesPassword = authorization.startsWith("Basic ");
  const session: Session = Object.freeze({
    url: client.serverUrl,
    apiVersion: client.apiVersion,
    authMethod: usesPassword ? "password" : "token",
    username: usesPassword ? credentials.username : undefined,
  });
  states.set(session, {
    client,
    authorization,
    sessionToken,
    obtainedAt: Date.now(),
    renewal: undefined,
  });
  return session;
}

/**
 * A session without credentials, for what a server lets anyone read (the
 * indices, metadata and files of public repositories). Nothing is sent until
 * the first request; anything else answers {@linkcode AuthenticationError}.
 *
 * @param url The server's root URL.
 * @param options Connection options, as for {@linkcode login}.
 * @returns A session that sends no `Authorization` header.
 * @throws {TypeError} When the URL is invalid.
 *
 * @example List a public repository's eggs
 * ```ts
 * import { anonymousSession, listEggs } from "@hatcher/hatcher";
 * const session = anonymousSession("https://eds.example.com");
 * const eggs = await listEggs(session, {
 *   organization: "acme", repository: "free", platform: "rh8-x86_64", pythonTag: "cp311",
 * });
 * ```
 */
export function anonymousSession(url: string, options: ClientOptions = {}): Session {
  const client = createHttpClient(url, options);
  const session: Session = Object.freeze({
    url: client.serverUrl,
    apiVersion: client.apiVersion,
    authMethod: "anonymous",
    username: undefined,
  });
  states.set(session, {
    client,
    authorization: undefined,
    sessionToken: "",
    obtainedAt: Number.POSITIVE_INFINITY,
    renewal: undefined,
  });
  return session;
}

function authorizationFor(credentials: Credentials): string {
  const { username, password, token } = credentials;
  if (password !== undefined && !username) {
    throw new TypeError("A password was given without a username");
  }
  if (username) {
    if (password === undefined) throw new TypeError(`No password given for "${username}"`);
    const pair = new TextEncoder().encode(`${username}:${password}`);
    return `Basic ${btoa(String.fromCharCode(...pair))}`;
  }
  if (token) return `Bearer ${token}`;
  throw new TypeError("No credentials given: pass a username and password, or a token");
}

async function exchange(client: HttpClient, authorization: string): Promise<string> {
  let body: { token?: unknown };
  try {
    const response = await sendRequest(client, "POST", "auth/tokens/auth", { authorization });
    body = await readJson<{ token?: unknown }>(response);
  } catch (error) {
    throw notAnEds(client, error) ?? error;
  }
  if (typeof body?.token !== "string" || body.token === "") {
    throw new HatcherError("The server did not return a session token");
  }
  return body.token;
}

/**
 * The login request is the first one: a 404, 405 or 501, or an answer that
 * is not JSON, means the URL does not point at an EDS server (a wrong port,
 * another web server, a path too many).
 */
function notAnEds(client: HttpClient, error: unknown): HatcherError | undefined {
  const status = error instanceof HttpError ? error.status : undefined;
  const notJson = !(error instanceof HttpError) && error instanceof HatcherError &&
    error.message.startsWith("Invalid JSON");
  if (status !== 404 && status !== 405 && status !== 501 && !notJson) return undefined;
  const path = new URL(client.serverUrl).pathname;
  const hint = path === "/" ? "" : `; is ${path} part of the server's address?`;
  return new HatcherError(
    `${client.serverUrl}/ does not answer like an EDS server ` +
      `(no /api/v${client.apiVersion}/json)${hint}`,
    { cause: error },
  );
}

/**
 * Sends an authenticated request for a session (internal to the library).
 * The session token is renewed first when it is old.
 */
export async function sessionRequest(
  session: Session,
  method: string,
  path: string,
  options: Omit<RequestOptions, "authorization"> = {},
): Promise<Response> {
  const state = states.get(session);
  if (!state) throw new TypeError("Not a session returned by login()");
  if (state.authorization === undefined) {
    return await sendRequest(state.client, method, path, options);
  }
  if (Date.now() - state.obtainedAt > RENEW_AFTER_MS) await renew(state);
  try {
    return await sendRequest(state.client, method, path, {
      ...options,
      authorization: `Bearer ${state.sessionToken}`,
    });
  } catch (error) {
    // The server may have dropped the session early (restart, expiry): renew
    // once, but only where resending is harmless.
    if (!(error instanceof AuthenticationError) || options.body instanceof ReadableStream) {
      throw error;
    }
    await renew(state);
    return await sendRequest(state.client, method, path, {
      ...options,
      authorization: `Bearer ${state.sessionToken}`,
    });
  }
}

function renew(state: SessionState): Promise<void> {
  state.renewal ??= exchange(state.client, state.authorization!).then((token) => {
    state.sessionToken = token;
    state.obtainedAt = Date.now();
  }).finally(() => state.renewal = undefined);
  return state.renewal;
}

/** Sends an authenticated request and parses its JSON answer (internal). */
export async function sessionJson<T>(
  session: Session,
  method: string,
  path: string,
  options: Omit<RequestOptions, "authorization"> = {},
): Promise<T> {
  return await readJson<T>(await sessionRequest(session, method, path, options));
}

/** Sends an authenticated request whose answer body is not needed (internal). */
export async function sessionSend(
  session: Session,
  method: string,
  path: string,
  options: Omit<RequestOptions, "authorization"> = {},
): Promise<void> {
  const response = await sessionRequest(session, method, path, options);
  await response.body?.cancel();
}
