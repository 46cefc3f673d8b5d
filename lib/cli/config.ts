/**
 * The config file: named profiles (`url`, `insecure`, `caCert`, `token` or
 * `tokenRef`), kept in the platform's config directory, written atomically
 * with mode 0600 because it may hold tokens. A file that cannot be read or parsed is an error that names
 * it, and is never overwritten behind the user's back.
 *
 * @module
 */
import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { isStoreKind, type StoreKind } from "./credentials/credential_store.ts";

/** Where in the operating system's credential store a profile's token is. */
export interface TokenRef {
  store: StoreKind;
  /** The account name under the service `hatcher`. */
  account: string;
}

/** One named server profile. */
export interface Profile {
  /** Server root URL. */
  url?: string;
  /** Skip TLS verification for this server. */
  insecure?: boolean;
  /** A PEM file of certificate authorities to trust for this server (absolute path). */
  caCert?: string;
  /** The API token `hatcher login` created, when it is kept in this file. */
  token?: string;
  /** Where the token is instead, when a credential store keeps it. */
  tokenRef?: TokenRef;
  /** Its name on the server, so `logout` can revoke it. */
  tokenName?: string;
  /** Who logged in, shown by `whoami`. */
  username?: string;
}

/** The whole file. */
export interface Config {
  profiles: Record<string, Profile>;
}

/** The profile used when none is named. */
export const DEFAULT_PROFILE = "default";

/** A config file that exists but cannot be used; names the file. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * Where the config lives: `$HATCHER_CONFIG_DIR`, else the platform's config
 * directory (`$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application
 * Support` on macOS, `%APPDATA%` on Windows), in a `hatcher` folder.
 */
export function configPath(env: Record<string, string | undefined> = process.env): string {
  if (env.HATCHER_CONFIG_DIR) return join(env.HATCHER_CONFIG_DIR, "config.json");
  let base: string;
  if (process.platform === "win32") {
    base = env.APPDATA ?? join(homedir(), "AppData", "Roaming");
  } else if (process.platform === "darwin") {
    base = join(homedir(), "Library", "Application Support");
  } else {
    base = env.XDG_CONFIG_HOME || join(env.HOME ?? homedir(), ".config");
  }
  return join(base, "hatcher", "config.json");
}

/** Reads the config; a missing file is an empty config. */
export async function readConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return { profiles: {} };
    throw new ConfigError(`Cannot read the config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`The config file ${path} is not valid JSON: fix or remove it`);
  }
  const profiles = (parsed as { profiles?: unknown })?.profiles;
  if (typeof profiles !== "object" || profiles === null || Array.isArray(profiles)) {
    throw new ConfigError(`The config file ${path} has no "profiles" object: fix or remove it`);
  }
  for (const [name, profile] of Object.entries(profiles)) {
    if (!isProfile(profile)) {
      throw new ConfigError(
        `The config file ${path} has an invalid profile "${name}": fix or remove it`,
      );
    }
  }
  return { profiles: profiles as Record<string, Profile> };
}

function isProfile(value: unknown): value is Profile {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const profile = value as Record<string, unknown>;
  const optionalString = (key: string) =>
    profile[key] === undefined || typeof profile[key] === "string";
  return optionalString("url") && optionalString("token") && optionalString("tokenName") &&
    optionalString("caCert") &&
    optionalString("username") &&
    (profile.insecure === undefined || typeof profile.insecure === "boolean") &&
    (profile.tokenRef === undefined || isTokenRef(profile.tokenRef));
}

function isTokenRef(value: unknown): value is TokenRef {
  const ref = value as Partial<TokenRef> | null;
  return typeof ref === "object" && ref !== null && isStoreKind(ref.store) &&
    typeof ref.account === "string" && ref.account !== "";
}

/**
 * Writes the config atomically: a temporary file (mode 0600) in the same
 * directory, flushed, then renamed over the old one, so a crash leaves
 * either the old or the new file, never half of one.
 */
export async function writeConfig(path: string, config: Config): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  const file = await open(temporary, "w", 0o600);
  try {
    await file.writeFile(`${JSON.stringify(config, null, 2)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
