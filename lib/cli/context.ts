/**
 * What every command gets: the IO, the global options, and the connection
 * settings resolved lazily, so `--help`, `--version` and usage errors never
 * read the config file, touch the network or prompt.
 *
 * Precedence, per setting: command-line option > `HATCHER_*` variable >
 * profile in the config file > nothing. Password authentication beats a
 * token wherever each comes from.
 *
 * @module
 */
import {
  anonymousSession,
  type ApiVersion,
  type Credentials,
  login,
  type Session,
} from "../../mod.ts";
import { normalizeServerUrl } from "../http.ts";
import { chooseCaCert, readCaCerts } from "./ca_certs.ts";
import { type Config, configPath, DEFAULT_PROFILE, type Profile, readConfig } from "./config.ts";
import { readToken, tokenStoreName } from "./credentials/profile_token.ts";
import { UsageError } from "./errors.ts";
import type { IO } from "./io.ts";
import { readPassword } from "./prompt.ts";

/** The global options, after command line and environment are merged. */
export interface GlobalOptions {
  url?: string;
  insecure: boolean;
  /** `--ca-cert` or `HATCHER_CA_CERT`: a PEM file of extra trusted authorities. */
  caCert?: string;
  username?: string;
  password?: string;
  token?: string;
  debug: boolean;
  apiVersion: ApiVersion;
  /** Print the command's result as one JSON document. */
  json: boolean;
  /** Draw no context header or progress bar. */
  quiet: boolean;
  /** The profile named by `--profile` or `HATCHER_PROFILE`, if any. */
  profile?: string;
  /** Options given on the command line or in the environment (not defaults). */
  explicit: ReadonlySet<"url" | "insecure" | "token">;
  /** Where each explicit option came from, for `whoami`. */
  sources: Readonly<Record<string, "cli" | "env">>;
}

/** The credentials to log in with; password authentication beats a token. */
export type AuthChoice =
  | { kind: "password"; username: string; password: string | undefined; source: string }
  | { kind: "token"; token: string; source: string };

/** Where to connect and how, once options, environment and profile are merged. */
export interface ConnectionSettings {
  url: string;
  insecure: boolean;
  /** Extra trusted certificate authorities (PEM), if any. */
  caCerts: string[] | undefined;
  /** undefined when no credentials are given anywhere. */
  auth: AuthChoice | undefined;
  /** The profile that supplied something, if any. */
  profileName: string;
  profile: Profile | undefined;
}

/** How a command reaches the server. */
export interface CommandContext {
  readonly io: IO;
  readonly globals: GlobalOptions;
  /** The config file's path (not read until needed). */
  readonly configFile: string;
  /** Reads the config file once. */
  config(): Promise<Config>;
  /** Merges options, environment and profile; usage errors for what is missing. */
  settings(): Promise<ConnectionSettings>;
  /** Logs in on first use (prompting for a password if needed); then memoised. */
  session(): Promise<Session>;
  /**
   * As session(), for commands that only read repository content: with no
   * credentials anywhere, an anonymous session (public repositories need none).
   */
  readSession(): Promise<Session>;
}

/**
 * Chooses how to authenticate. A username selects password authentication
 * even when a token is also given (from anywhere); undefined when there are
 * no credentials at all.
 */
export function chooseAuth(
  globals: GlobalOptions,
  profile?: { name: string; token?: string; store?: string },
): AuthChoice | undefined {
  if (globals.password !== undefined && !globals.username) {
    throw new UsageError("Password provided with no username: pass --username (-U) as well");
  }
  if (globals.username) {
    const source = globals.sources.username === "env" ? "HATCHER_USERNAME" : "--username";
    return { kind: "password", username: globals.username, password: globals.password, source };
  }
  if (globals.token) {
    const source = globals.sources.token === "env" ? "HATCHER_TOKEN" : "--token";
    return { kind: "token", token: globals.token, source };
  }
  if (profile?.token) {
    const kept = profile.store ? `, kept in ${profile.store}` : "";
    return { kind: "token", token: profile.token, source: `profile "${profile.name}"${kept}` };
  }
  return undefined;
}

/** The usage error of a command that needs credentials and has none. */
export function notLoggedIn(): UsageError {
  return new UsageError(
    "Not logged in: pass --token (or HATCHER_TOKEN), or --username (or HATCHER_USERNAME), " +
      "or run `hatcher login`",
  );
}

/** Builds the context of one CLI invocation. */
export function createContext(io: IO, globals: GlobalOptions): CommandContext {
  let config: Promise<Config> | undefined;
  let settings: Promise<ConnectionSettings> | undefined;
  let session: Promise<Session> | undefined;
  const context: CommandContext = {
    io,
    globals,
    configFile: configPath(),
    config: () => config ??= readConfig(context.configFile),
    settings: () => settings ??= resolveSettings(context),
    session: () => session ??= openSession(context, false),
    readSession: () => session ??= openSession(context, true),
  };
  return context;
}

async function resolveSettings(context: CommandContext): Promise<ConnectionSettings> {
  const { globals } = context;
  const profileName = globals.profile ?? DEFAULT_PROFILE;
  // The config file is read only when the command line and environment leave
  // something open, so a broken file cannot break fully specified calls.
  const needsProfile = !globals.url || (!globals.username && !globals.token) ||
    globals.profile !== undefined;
  let profile: Profile | undefined;
  if (needsProfile) {
    profile = (await context.config()).profiles[profileName];
    if (!profile && globals.profile !== undefined) {
      throw new UsageError(`No profile "${profileName}" in ${context.configFile}`);
    }
  }
  const url = globals.url ?? profile?.url;
  if (!url) {
    throw new UsageError("No server URL: pass --url (-u) or set HATCHER_URL");
  }
  try {
    normalizeServerUrl(url);
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (from --url or HATCHER_URL)`);
  }
  // A profile's settings belong to the profile's server: never send its token elsewhere.
  const applies = profile !== undefined && (!globals.url || sameServer(globals.url, profile.url));
  const insecure = globals.explicit.has("insecure")
    ? globals.insecure
    : applies && profile?.insecure === true;
  // Only a token that will be used is read: from a credential store, that runs a tool.
  const usesProfileToken = applies && !globals.username && !globals.token;
  const profileToken = usesProfileToken && profile
    ? {
      name: profileName,
      token: await readToken(profileName, profile),
      store: tokenStoreName(profile),
    }
    : undefined;
  const auth = chooseAuth(globals, profileToken);
  const ca = chooseCaCert(globals, url, applies ? { name: profileName, ...profile } : undefined);
  const caCerts = ca ? await readCaCerts(ca) : undefined;
  return { url, insecure, caCerts, auth, profileName, profile };
}

function sameServer(a: string, b: string | undefined): boolean {
  if (!b) return false;
  try {
    return normalizeServerUrl(a) === normalizeServerUrl(b);
  } catch {
    return false;
  }
}

async function openSession(context: CommandContext, anonymous: boolean): Promise<Session> {
  const { url, insecure, caCerts, auth } = await context.settings();
  if (auth === undefined) {
    if (!anonymous) throw notLoggedIn();
    return anonymousSession(url, { insecure, caCerts, apiVersion: context.globals.apiVersion });
  }
  const credentials: Credentials = auth.kind === "password"
    ? { username: auth.username, password: auth.password ?? await readPassword(context.io) }
    : { token: auth.token };
  return await login(url, credentials, {
    insecure,
    caCerts,
    apiVersion: context.globals.apiVersion,
  });
}
