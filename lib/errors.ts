/**
 * Typed errors thrown by the hatcher library. Every error a caller is meant to
 * catch derives from {@linkcode HatcherError}; HTTP failures carry the status,
 * method, URL and the server's own `{"error": ...}` text.
 *
 * Messages never contain a password or a token: URLs are stripped of user info
 * and request headers are never quoted.
 *
 * @module
 */

/**
 * Base class of every error the library throws on purpose.
 *
 * @example Tell hatcher errors from programming errors
 * ```ts
 * import { HatcherError, listTokens, login } from "@hatcher/hatcher";
 * try {
 *   const session = await login("http://127.0.0.1:8080", { token: "bad" });
 *   await listTokens(session);
 * } catch (error) {
 *   if (!(error instanceof HatcherError)) throw error;
 *   console.error(error.message);
 * }
 * ```
 */
export class HatcherError extends Error {
  /** Creates an error with a message and an optional cause. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HatcherError";
  }
}

/**
 * What an {@linkcode HttpError} knows about the failed request.
 *
 * @example Log a failure without secrets
 * ```ts
 * import { HttpError, type HttpErrorDetails } from "@hatcher/hatcher";
 * function describe(error: HttpError): HttpErrorDetails {
 *   const { status, method, url, serverMessage } = error;
 *   return { status, method, url, serverMessage };
 * }
 * ```
 */
export interface HttpErrorDetails {
  /** HTTP status code of the response. */
  status: number;
  /** Request method, e.g. `GET`. */
  method: string;
  /** Request URL, without user info. */
  url: string;
  /** The server's `{"error": ...}` text, when it sent one. */
  serverMessage?: string | undefined;
}

/**
 * The server answered with an error status. Subclasses name the common cases.
 *
 * @example Inspect a failed request
 * ```ts
 * import { HttpError, login } from "@hatcher/hatcher";
 * try {
 *   await login("http://127.0.0.1:8080", { username: "a@b.c", password: "wrong" });
 * } catch (error) {
 *   if (error instanceof HttpError) console.error(error.status, error.url);
 * }
 * ```
 */
export class HttpError extends HatcherError {
  /** HTTP status code of the response. */
  readonly status: number;
  /** Request method. */
  readonly method: string;
  /** Request URL, without user info. */
  readonly url: string;
  /** The server's `{"error": ...}` text, when it sent one. */
  readonly serverMessage: string | undefined;

  /** Creates the error; the message defaults to the server's text. */
  constructor(details: HttpErrorDetails, message?: string) {
    super(
      message ?? details.serverMessage ??
        `${details.method} ${details.url} failed with HTTP ${details.status}`,
    );
    this.name = "HttpError";
    this.status = details.status;
    this.method = details.method;
    this.url = details.url;
    this.serverMessage = details.serverMessage;
  }
}

/**
 * HTTP 401: the password, token or session was refused (wrong, revoked or expired).
 *
 * @example Ask for new credentials
 * ```ts
 * import { AuthenticationError, login } from "@hatcher/hatcher";
 * try {
 *   await login("http://127.0.0.1:8080", { token: "revoked" });
 * } catch (error) {
 *   if (error instanceof AuthenticationError) console.error("log in again");
 * }
 * ```
 */
export class AuthenticationError extends HttpError {
  /** Creates the error; the message is always `Authentication failed`. */
  constructor(details: HttpErrorDetails) {
    super(details, "Authentication failed");
    this.name = "AuthenticationError";
  }
}

/**
 * HTTP 403: authenticated, but not allowed to do this.
 *
 * @example
 * ```ts
 * import { PermissionDeniedError } from "@hatcher/hatcher";
 * const error: unknown = new Error();
 * if (error instanceof PermissionDeniedError) console.error(error.message);
 * ```
 */
export class PermissionDeniedError extends HttpError {
  /** Creates the error from the server's text, or `Permission denied`. */
  constructor(details: HttpErrorDetails) {
    super(details, details.serverMessage ?? "Permission denied");
    this.name = "PermissionDeniedError";
  }
}

/**
 * HTTP 404: the object does not exist, or the caller may not see it (the server
 * does not reveal which).
 *
 * @example
 * ```ts
 * import { NotFoundError, revokeToken, type Session } from "@hatcher/hatcher";
 * declare const session: Session;
 * try {
 *   await revokeToken(session, "no-such-token");
 * } catch (error) {
 *   if (!(error instanceof NotFoundError)) throw error;
 * }
 * ```
 */
export class NotFoundError extends HttpError {
  /** Creates the error from the server's text, or a generic one. */
  constructor(details: HttpErrorDetails) {
    super(
      details,
      details.serverMessage && details.serverMessage !== "Not Found"
        ? details.serverMessage
        : "Not found: invalid request or insufficient permissions",
    );
    this.name = "NotFoundError";
  }
}

/**
 * HTTP 409: the object already exists (for example a duplicate token name).
 *
 * @example
 * ```ts
 * import { ConflictError, createToken, type Session } from "@hatcher/hatcher";
 * declare const session: Session;
 * try {
 *   await createToken(session, "laptop");
 * } catch (error) {
 *   if (error instanceof ConflictError) console.error("pick another name");
 * }
 * ```
 */
export class ConflictError extends HttpError {
  /** Creates the error from the server's text, or `Conflict`. */
  constructor(details: HttpErrorDetails) {
    super(details, details.serverMessage ?? "Conflict");
    this.name = "ConflictError";
  }
}

/**
 * HTTP 5xx: the server failed. The message includes the server's own text.
 *
 * @example
 * ```ts
 * import { ServerError } from "@hatcher/hatcher";
 * const error: unknown = new Error();
 * if (error instanceof ServerError) console.error(error.status);
 * ```
 */
export class ServerError extends HttpError {
  /** Creates the error, naming the status and the server's text. */
  constructor(details: HttpErrorDetails) {
    super(
      details,
      `Server error (HTTP ${details.status})` +
        (details.serverMessage ? `: ${details.serverMessage}` : ""),
    );
    this.name = "ServerError";
  }
}

/**
 * The server could not be reached: connection refused, DNS failure, reset or
 * timeout. The message names the URL.
 *
 * @example
 * ```ts
 * import { ConnectionError, login } from "@hatcher/hatcher";
 * try {
 *   await login("http://127.0.0.1:1", { token: "t" });
 * } catch (error) {
 *   if (error instanceof ConnectionError) console.error(error.url);
 * }
 * ```
 */
export class ConnectionError extends HatcherError {
  /** The URL that could not be reached, without user info. */
  readonly url: string;
  /** Creates the error for a URL. */
  constructor(message: string, url: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionError";
    this.url = url;
  }
}

/**
 * No response arrived within the timeout.
 *
 * @example
 * ```ts
 * import { login, TimeoutError } from "@hatcher/hatcher";
 * try {
 *   await login("http://127.0.0.1:8080", { token: "t" }, { timeout: 1 });
 * } catch (error) {
 *   if (error instanceof TimeoutError) console.error("server too slow");
 * }
 * ```
 */
export class TimeoutError extends ConnectionError {
  /** Creates the error for a URL and the timeout that expired. */
  constructor(url: string, timeoutMs: number, options?: ErrorOptions) {
    super(`No response from ${url} within ${timeoutMs / 1000} s`, url, options);
    this.name = "TimeoutError";
  }
}

/**
 * The server's TLS certificate could not be verified (self-signed, expired,
 * wrong host name). The message names the URL and says how to skip
 * verification.
 *
 * @example
 * ```ts
 * import { login, TlsError } from "@hatcher/hatcher";
 * try {
 *   await login("https://127.0.0.1:8443", { token: "t" });
 * } catch (error) {
 *   if (error instanceof TlsError) {
 *     await login("https://127.0.0.1:8443", { token: "t" }, { insecure: true });
 *   }
 * }
 * ```
 */
export class TlsError extends ConnectionError {
  /** Creates the error for a URL and the TLS library's reason. */
  constructor(url: string, reason: string, options?: ErrorOptions) {
    super(
      `TLS certificate verification failed for ${url} (${reason}). ` +
        "If your organization's certificate authority signed it, pass that CA with " +
        "`--ca-cert FILE` (library: `caCerts`); to connect insecurely, pass the `--insecure` " +
        "flag (library: `insecure: true`)",
      url,
      options,
    );
    this.name = "TlsError";
  }
}

/**
 * Two copies of a file that should be the same differ: the server already has
 * an egg of that name with other content, or a download does not match the
 * server's checksum.
 *
 * @example Tell an accidental rebuild from a real failure
 * ```ts
 * import { ChecksumMismatchError, type Session, uploadEgg } from "@hatcher/hatcher";
 * declare const session: Session;
 * const target = { organization: "acme", repository: "dev", platform: "rh7-x86_64" };
 * try {
 *   await uploadEgg(session, target, "dist/numpy-1.26.4-1.egg");
 * } catch (error) {
 *   if (error instanceof ChecksumMismatchError) console.error(error.expected, error.actual);
 * }
 * ```
 */
export class ChecksumMismatchError extends HatcherError {
  /** The file concerned (its name, or a local path). */
  readonly file: string;
  /** The SHA-256 the server has or announced. */
  readonly expected: string;
  /** The SHA-256 of the local or received bytes. */
  readonly actual: string;

  /** Creates the error with a message that names both checksums. */
  constructor(message: string, details: { file: string; expected: string; actual: string }) {
    super(`${message} (server sha256 ${details.expected}, local sha256 ${details.actual})`);
    this.name = "ChecksumMismatchError";
    this.file = details.file;
    this.expected = details.expected;
    this.actual = details.actual;
  }
}

/**
 * A download was refused before a byte was written, because it would put a
 * file where it does not belong: the server named the file something other
 * than the artefact's own name (a dotfile, a path, another artefact), or the
 * local file or its `.partial` is a symbolic link.
 *
 * @example
 * ```ts
 * import { downloadEgg, login, UnsafeFileError } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const egg = {
 *   organization: "acme", repository: "dev", platform: "rh7-x86_64", pythonTag: "cp311",
 *   name: "numpy", version: "1.26.4-1",
 * };
 * try {
 *   await downloadEgg(session, egg);
 * } catch (error) {
 *   if (error instanceof UnsafeFileError) console.error(error.path);
 * }
 * ```
 */
export class UnsafeFileError extends HatcherError {
  /** The file name or local path concerned. */
  readonly path: string;
  /** Why: the server's file name, or a symbolic link on the local side. */
  readonly reason: "file-name" | "symlink";

  /** Creates the error; the message says what was refused. */
  constructor(message: string, details: { path: string; reason: "file-name" | "symlink" }) {
    super(message);
    this.name = "UnsafeFileError";
    this.path = details.path;
    this.reason = details.reason;
  }
}
