/**
 * The one module that talks HTTP: it joins URLs, sets the `User-Agent` and
 * `Authorization` headers, applies timeouts, refuses redirects and turns
 * failures into the typed errors of `errors.ts`.
 *
 * @module
 */
import {
  AuthenticationError,
  ConflictError,
  ConnectionError,
  HatcherError,
  HttpError,
  type HttpErrorDetails,
  NotFoundError,
  PermissionDeniedError,
  ServerError,
  TimeoutError,
  TlsError,
} from "./errors.ts";
import { createNodeFetch } from "./node_fetch.ts";
import { VERSION } from "./version.ts";

/**
 * Generation of the server's REST API: `/api/v0/json` or `/api/v1/json`.
 *
 * @example Talk to a legacy server
 * ```ts
 * import { type ApiVersion, login } from "@hatcher/hatcher";
 * const apiVersion: ApiVersion = 0;
 * await login("http://127.0.0.1:8080", { token: "<api token>" }, { apiVersion });
 * ```
 */
export type ApiVersion = 0 | 1;

/**
 * Connection options shared by every library function that opens a session.
 *
 * @example A trusted server with a self-signed certificate, 10 s timeout
 * ```ts
 * import { type ClientOptions, login } from "@hatcher/hatcher";
 * const options: ClientOptions = { insecure: true, timeout: 10_000 };
 * await login("https://eds.internal:8443", { token: "<api token>" }, options);
 * ```
 */
export interface ClientOptions {
  /**
   * Skip TLS certificate verification (for a trusted server with a self-signed
   * or mismatched certificate).
   * @default {false}
   */
  insecure?: boolean;
  /**
   * PEM certificates of certificate authorities to trust besides the
   * built-in ones, e.g. a company CA that signed the server's certificate:
   * each a `-----BEGIN CERTIFICATE-----` block (one string may hold several).
   * Used for every request: listings, logins, uploads and downloads.
   */
  caCerts?: readonly string[];
  /**
   * The `fetch` to send every request with, e.g. a test double or a
   * proxy-aware one. An injected fetch decides about certificates itself, so
   * `insecure` and `caCerts` do not apply to it.
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
  /**
   * Milliseconds to wait for the response headers of each request; while an
   * upload is being sent, the longest pause between two chunks. Long
   * transfers are not limited by it, stalled ones are.
   * @default {30000}
   */
  timeout?: number;
  /** Cancels every request of the session when aborted. */
  signal?: AbortSignal;
  /**
   * Server API generation.
   * @default {1}
   */
  apiVersion?: ApiVersion;
  /**
   * `User-Agent` header.
   * @default {"hatcher/<version>"}
   */
  userAgent?: string;
  /**
   * How many times a GET (listing, metadata, download) is retried after a
   * connection failure, a timeout or a 502/503/504, with exponential backoff.
   * Other methods are never retried: their effect would be unknown.
   * @default {3}
   */
  retries?: number;
  /**
   * The first backoff delay in milliseconds; it doubles on each retry.
   * @default {500}
   */
  retryDelay?: number;
}

/** A resolved connection: where to send requests and how. */
export interface HttpClient {
  /** Server root URL without a trailing slash, e.g. `https://eds.example.com`. */
  readonly serverUrl: string;
  /** The API root, e.g. `https://eds.example.com/api/v1/json`. */
  readonly apiRoot: string;
  readonly apiVersion: ApiVersion;
  readonly fetch: typeof fetch;
  /** The fetch for requests with a streamed body (uploads). */
  readonly streamFetch: typeof fetch;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  readonly userAgent: string;
  readonly retries: number;
  readonly retryDelay: number;
}

/** Per-request options of {@linkcode sendRequest}. */
export interface RequestOptions {
  /** A JSON body; sets `Content-Type: application/json`. */
  json?: unknown;
  /** A raw body (e.g. a streamed multipart upload). */
  body?: BodyInit;
  /** Query parameters; `undefined` values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** The value of the `Authorization` header. */
  authorization?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Checks and normalises a server URL: `https://` is assumed when no scheme is
 * given, user info and a trailing slash are removed.
 *
 * @throws {TypeError} When the URL is empty, unparsable or not http(s).
 */
export function normalizeServerUrl(url: string): string {
  const trimmed = url.trim();
  if (trimmed === "") throw new TypeError("The server URL is empty");
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new TypeError(`Invalid server URL "${trimmed}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TypeError(`Unsupported URL scheme "${parsed.protocol}" in "${sanitizeUrl(trimmed)}"`);
  }
  if (API_PATH.test(parsed.pathname)) {
    const root = `${parsed.origin}${parsed.pathname.replace(API_PATH, "")}`;
    throw new TypeError(
      `The server URL "${sanitizeUrl(trimmed)}" includes the API path: give the server's root, ` +
        `"${root}"`,
    );
  }
  parsed.username = "";
  parsed.password = "";
  parsed.search = "";
  parsed.hash = "";
  return parsed.href.replace(/\/+$/, "");
}

/** `/api/v1/json` (or v0) at the end of a URL: the API root, not the server's. */
const API_PATH = /\/api\/v\d+\/json\/*$/;

/** Removes user info from a URL so it can go into a message. */
export function sanitizeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.href;
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//");
  }
}

/** Builds the client a session uses for all its requests. */
export function createHttpClient(url: string, options: ClientOptions = {}): HttpClient {
  const serverUrl = normalizeServerUrl(url);
  const apiVersion = options.apiVersion ?? 1;
  if (apiVersion !== 0 && apiVersion !== 1) {
    throw new RangeError(`Unsupported API version "${apiVersion}": use 0 or 1`);
  }
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  if (!(timeout > 0)) throw new RangeError(`Invalid timeout "${timeout}": must be positive`);
  const retries = options.retries ?? 3;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RangeError(`Invalid retries "${retries}": must be a whole number, 0 or more`);
  }
  // An injected fetch is used for everything. Otherwise: node:http(s) where
  // the runtime's fetch falls short (TLS settings per client, streamed uploads).
  const caCerts = options.caCerts?.length ? options.caCerts : undefined;
  const nodeFetch = options.fetch
    ? undefined
    : createNodeFetch({ verifyTls: !options.insecure, caCerts });
  const customTls = serverUrl.startsWith("https:") && (options.insecure || caCerts);
  const plainFetch = options.fetch ?? (customTls ? nodeFetch! : globalThis.fetch);
  return {
    serverUrl,
    apiRoot: `${serverUrl}/api/v${apiVersion}/json`,
    apiVersion,
    fetch: plainFetch,
    streamFetch: options.fetch ?? nodeFetch!,
    timeout,
    signal: options.signal,
    userAgent: options.userAgent ?? `hatcher/${VERSION}`,
    retries,
    retryDelay: options.retryDelay ?? 500,
  };
}

/**
 * Joins path segments under the API root, percent-encoding each one. A
 * segment that is empty, `.` or `..` is refused: a URL would resolve it away
 * and the request would go to another endpoint (names a hostile server sends
 * must not steer requests, e.g. a mirror's uploads).
 */
export function apiPath(...segments: string[]): string {
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === "..") {
      throw new HatcherError(`Refusing the name ${JSON.stringify(segment)} in a request path`);
    }
  }
  return segments.map((segment) => encodeURIComponent(segment)).join("/");
}

/** Statuses of a gateway or an overloaded server, worth another try. */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);
const MAX_RETRY_DELAY_MS = 10_000;

/**
 * Sends one request to `{apiRoot}/{path}` and returns the response when its
 * status is 2xx; otherwise throws the matching typed error. GET requests are
 * retried with exponential backoff on connection failures and 502/503/504.
 */
export async function sendRequest(
  client: HttpClient,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Response> {
  const retries = method === "GET" || method === "HEAD" ? client.retries : 0;
  for (let attempt = 0;; attempt++) {
    try {
      return await sendOnce(client, method, path, options);
    } catch (error) {
      const delay = retryDelay(error, attempt, retries, client.retryDelay);
      if (delay === undefined) throw error;
      await sleep(delay, client.signal);
    }
  }
}

/** Milliseconds to wait before the next attempt, or undefined to give up. */
function retryDelay(
  error: unknown,
  attempt: number,
  retries: number,
  baseDelay: number,
): number | undefined {
  if (attempt >= retries) return undefined;
  const retryable = (error instanceof ConnectionError && !(error instanceof TlsError)) ||
    (error instanceof ServerError && RETRYABLE_STATUSES.has(error.status));
  if (!retryable) return undefined;
  const backoff = baseDelay * 2 ** attempt;
  // Jitter spreads the retries of many parallel transfers apart.
  return Math.min(MAX_RETRY_DELAY_MS, backoff * (0.75 + Math.random() * 0.5));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const id = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(id);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

async function sendOnce(
  client: HttpClient,
  method: string,
  path: string,
  options: RequestOptions,
): Promise<Response> {
  const url = new URL(`${client.apiRoot}/${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = {
    "user-agent": client.userAgent,
    accept: "application/json",
    ...options.headers,
  };
  if (options.authorization) headers.authorization = options.authorization;
  let body = options.body;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  }

  const displayUrl = sanitizeUrl(url.href);
  const timer = new AbortController();
  let timeoutId = setTimeout(() => timer.abort(), client.timeout);
  if (body instanceof ReadableStream) {
    // While an upload is sent, the timeout measures stalls, not the whole transfer.
    body = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          clearTimeout(timeoutId);
          timeoutId = setTimeout(() => timer.abort(), client.timeout);
          controller.enqueue(chunk);
        },
      }),
    );
  }
  const signal = client.signal ? AbortSignal.any([client.signal, timer.signal]) : timer.signal;
  let response: Response;
  try {
    const send = body instanceof ReadableStream ? client.streamFetch : client.fetch;
    response = await send(url, {
      method,
      headers,
      body,
      signal,
      // Redirects are refused, not followed: following one could send the
      // credentials to another host or replay an upload.
      redirect: "manual",
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    });
  } catch (error) {
    if (client.signal?.aborted) throw client.signal.reason;
    if (timer.signal.aborted) throw new TimeoutError(displayUrl, client.timeout, { cause: error });
    throw classifyFetchFailure(error, displayUrl);
  } finally {
    clearTimeout(timeoutId);
  }
  if (response.ok) return response;
  throw await errorFromResponse(response, method, displayUrl);
}

/** Reads a JSON response body, failing clearly when it is not JSON. */
export async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new HatcherError(
      `Invalid JSON in the response from ${sanitizeUrl(response.url) || "the server"}`,
    );
  }
}

async function errorFromResponse(
  response: Response,
  method: string,
  url: string,
): Promise<HatcherError> {
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    const location = response.headers.get("location");
    return new HatcherError(
      `The server redirected ${method} ${url} to ${
        location ? sanitizeUrl(location) : "elsewhere"
      }` +
        "; use the final address as the server URL",
    );
  }
  const details: HttpErrorDetails = {
    status: response.status,
    method,
    url,
    serverMessage: await readServerMessage(response),
  };
  switch (response.status) {
    case 401:
      return new AuthenticationError(details);
    case 403:
      return new PermissionDeniedError(details);
    case 404:
      return new NotFoundError(details);
    case 409:
      return new ConflictError(details);
  }
  return response.status >= 500 ? new ServerError(details) : new HttpError(details);
}

/** The `error` text of a `{"error": ...}` body, or a short plain-text body. */
async function readServerMessage(response: Response): Promise<string | undefined> {
  let text: string;
  try {
    text = (await response.text()).trim();
  } catch {
    return undefined;
  }
  if (text === "") return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      return String((parsed as { error: unknown }).error);
    }
  } catch {
    // Not JSON: a proxy's HTML or text page. Keep it only if it is one short line.
  }
  return text.length <= 200 && !text.includes("\n") && !text.startsWith("<") ? text : undefined;
}

const TLS_FAILURE =
  /certificate|self[- ]signed|UnknownIssuer|CERT_|NotValidForName|handshake|\btls\b|\bssl\b/i;

/** Turns a rejected `fetch` into a TLS or connection error naming the URL. */
function classifyFetchFailure(error: unknown, url: string): HatcherError {
  const reasons: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    reasons.push(typeof code === "string" ? `${current.message} [${code}]` : current.message);
  }
  const reason = innermostReason(reasons);
  const mismatch = schemeMismatch(reasons.join(" "), url);
  if (mismatch) return new ConnectionError(mismatch, url, { cause: error });
  if (reasons.some((text) => TLS_FAILURE.test(text))) {
    return new TlsError(url, reason, { cause: error });
  }
  return new ConnectionError(`Cannot connect to ${url}: ${reason}`, url, { cause: error });
}

/** A TLS client that got a plain-HTTP answer, in rustls', OpenSSL's and BoringSSL's words. */
const PLAIN_HTTP_ANSWER =
  /InvalidContentType|wrong version number|WRONG_VERSION_NUMBER|Does the server speak TLS|packet length too long/i;
/** A plain-HTTP client that got a TLS answer (hyper, llhttp); Bun only sees the reset. */
const TLS_ANSWER = /invalid HTTP version|Expected HTTP\/|HPE_INVALID_CONSTANT/i;
const RESET = /ECONNRESET|closed unexpectedly|socket hang up/i;

/** The likely cause when the URL's scheme does not match what the port speaks. */
function schemeMismatch(reasons: string, url: string): string | undefined {
  const { protocol, host } = new URL(url);
  if (protocol === "https:" && PLAIN_HTTP_ANSWER.test(reasons)) {
    return `https://${host}/ answered without TLS: if it is a plain-HTTP server, ` +
      `use http://${host} as the server URL (https:// is assumed without a scheme)`;
  }
  if (protocol === "http:" && TLS_ANSWER.test(reasons)) {
    return `http://${host}/ answered in TLS, not plain HTTP: use https://${host} as the server URL`;
  }
  if (protocol === "http:" && RESET.test(reasons)) {
    return `Cannot connect to ${url}: the connection was reset ` +
      `(if the server speaks TLS on this port, use https://${host})`;
  }
  return undefined;
}

/** Plain words for the TLS failures of rustls (Deno) and OpenSSL (Node, Bun). */
const TLS_REASONS: [RegExp, string][] = [
  [/CaUsedAsEndEntity|self[- ]signed|DEPTH_ZERO/i, "self-signed certificate"],
  [
    /UnknownIssuer|UNABLE_TO_GET_ISSUER|unable to (get|verify)/i,
    "certificate issuer is not trusted",
  ],
  [/NotValidForName|ALTNAME|hostname|Hostname/i, "certificate is not valid for this host name"],
  [/Expired|CERT_HAS_EXPIRED/i, "certificate has expired"],
];

/** The most specific part of a chain like "fetch failed" → "...: Connection refused". */
function innermostReason(reasons: string[]): string {
  const all = reasons.join(" ");
  for (const [pattern, words] of TLS_REASONS) if (pattern.test(all)) return words;
  // Bun: "The socket connection was closed unexpectedly. For more information, pass ..."
  const last = (reasons.at(-1) ?? "unknown error").replace(/\s*For more information, pass .*$/, "");
  // Deno: "error sending request for url (...): client error (Connect): tcp connect error: ..."
  const parts = last.split(/\): |: /);
  return (parts.at(-1) ?? last).trim() || last;
}
