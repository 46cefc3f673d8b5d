/**
 * What every command gets: the IO and the global options, with the session
 * built lazily, so `--help`, `--version` and usage errors never touch the
 * network or prompt.
 *
 * @module
 */
import { type ApiVersion, type Credentials, login, type Session } from "../../mod.ts";
import { normalizeServerUrl } from "../http.ts";
import { UsageError } from "./errors.ts";
import type { IO } from "./io.ts";
import { readPassword } from "./prompt.ts";

/** The global options, after command line and environment are merged. */
export interface GlobalOptions {
  url?: string;
  insecure: boolean;
  username?: string;
  password?: string;
  token?: string;
  debug: boolean;
  apiVersion: ApiVersion;
  /** Print the command's result as one JSON document. */
  json: boolean;
  /** Draw no context header or progress bar. */
  quiet: boolean;
}

/** How a command reaches the server. */
export interface CommandContext {
  readonly io: IO;
  readonly globals: GlobalOptions;
  /** Logs in on first use (prompting for a password if needed); then memoised. */
  session(): Promise<Session>;
}

/** The credentials to log in with; password authentication beats a token. */
export type AuthChoice =
  | { kind: "password"; username: string; password: string | undefined }
  | { kind: "token"; token: string };

/**
 * Chooses how to authenticate from the merged options. A username selects
 * password authentication even when a token is also given (from anywhere).
 */
export function chooseAuth(globals: GlobalOptions): AuthChoice {
  if (globals.password !== undefined && !globals.username) {
    throw new UsageError("Password provided with no username: pass --username (-U) as well");
  }
  if (globals.username) {
    return { kind: "password", username: globals.username, password: globals.password };
  }
  if (globals.token) return { kind: "token", token: globals.token };
  throw new UsageError(
    "Not logged in: pass --token (or HATCHER_TOKEN), or --username (or HATCHER_USERNAME)",
  );
}

/** Builds the context of one CLI invocation. */
export function createContext(io: IO, globals: GlobalOptions): CommandContext {
  let session: Promise<Session> | undefined;
  return {
    io,
    globals,
    session: () => session ??= openSession(io, globals),
  };
}

async function openSession(io: IO, globals: GlobalOptions): Promise<Session> {
  if (!globals.url) {
    throw new UsageError("No server URL: pass --url (-u) or set HATCHER_URL");
  }
  try {
    normalizeServerUrl(globals.url);
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (from --url or HATCHER_URL)`);
  }
  const auth = chooseAuth(globals);
  const credentials: Credentials = auth.kind === "password"
    ? { username: auth.username, password: auth.password ?? await readPassword(io) }
    : { token: auth.token };
  return await login(globals.url, credentials, {
    insecure: globals.insecure,
    apiVersion: globals.apiVersion,
  });
}
