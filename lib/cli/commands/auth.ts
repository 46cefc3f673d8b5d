/**
 * `hatcher login`, `logout` and `whoami`: a stored API token per profile,
 * in the operating system's credential store where one works.
 *
 * @module
 */
import { hostname } from "node:os";
import { ConflictError, createToken, getCurrentUser, login, revokeToken } from "../../../mod.ts";
import { AuthenticationError } from "../../errors.ts";
import { normalizeServerUrl } from "../../http.ts";
import { chooseCaCert, profileCaCert, readCaCerts } from "../ca_certs.ts";
import { type Config, DEFAULT_PROFILE, writeConfig } from "../config.ts";
import {
  readToken,
  removeStoredToken,
  saveToken,
  StoredTokenMissingError,
} from "../credentials/profile_token.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { UsageError } from "../errors.ts";
import { readPassword } from "../prompt.ts";
import { type CommandResult, runAction } from "../result.ts";

/** The options of `login`. */
export interface LoginOptions {
  /** Keep the token in the config file even where a credential store works. */
  insecureStorage?: boolean;
}

/**
 * `login`: asks for the password, creates an API token named after this
 * host and stores it in the credential store (or the config file), the
 * profile keeping the URL and where the token is.
 */
export async function loginCommand(
  context: CommandContext,
  options: LoginOptions = {},
): Promise<CommandResult> {
  const { globals, io } = context;
  const config = await context.config();
  const profileName = globals.profile ?? DEFAULT_PROFILE;
  const previous = config.profiles[profileName];
  const url = globals.url ?? previous?.url;
  if (!url) throw new UsageError("No server URL: pass --url (-u) or set HATCHER_URL");
  if (!globals.username) {
    throw new UsageError(
      "hatcher login needs a user name: pass --username (-U) or set HATCHER_USERNAME",
    );
  }
  const insecure = globals.explicit.has("insecure")
    ? globals.insecure
    : previous?.insecure ?? false;
  const sameServer = previous?.url !== undefined && sameUrl(url, previous.url);
  const ca = chooseCaCert(
    globals,
    url,
    sameServer ? { name: profileName, caCert: previous?.caCert } : undefined,
  );
  const caCerts = ca ? await readCaCerts(ca) : undefined;
  const password = globals.password ?? await readPassword(io);
  const session = await login(url, { username: globals.username, password }, {
    insecure,
    caCerts,
    apiVersion: globals.apiVersion,
  });
  const created = await createUniqueToken(session, `hatcher-${hostname()}`);
  // The store first, then the reference to it: a store that fails leaves the token in the file.
  const saved = await saveToken(created.token, {
    label: `hatcher API token for ${globals.username} on ${session.url} (profile "${profileName}")`,
    insecureStorage: options.insecureStorage === true,
  });
  if (saved.fallback) {
    io.stderr.write(
      `Note: the API token is kept in the config file ${context.configFile} (mode 0600), ` +
        `not in a credential store: ${saved.fallback}\n`,
    );
  }
  const updated: Config = {
    profiles: {
      ...config.profiles,
      [profileName]: {
        url: normalizeServerUrl(url),
        insecure,
        caCert: profileCaCert(ca, sameServer ? previous : undefined),
        ...saved.fields,
        tokenName: created.name,
        username: globals.username,
      },
    },
  };
  try {
    await writeConfig(context.configFile, updated);
  } catch (error) {
    await removeStoredToken(updated.profiles[profileName]);
    throw error;
  }
  // The profile's previous token, replaced now, is no use in the store.
  const leftover = await removeStoredToken(previous);
  if (leftover) io.stderr.write(`Note: ${leftover}\n`);
  return {
    data: {
      url: session.url,
      username: globals.username,
      tokenName: created.name,
      tokenStorage: saved.storage,
      profile: profileName,
    },
    text: `Logged in to ${session.url} as ${globals.username}; token '${created.name}' ` +
      `saved in ${saved.storage === "file" ? "" : `${saved.where}, `}profile "${profileName}" ` +
      `(${context.configFile})\n`,
  };
}

function sameUrl(a: string, b: string): boolean {
  try {
    return normalizeServerUrl(a) === normalizeServerUrl(b);
  } catch {
    return false;
  }
}

async function createUniqueToken(session: Awaited<ReturnType<typeof login>>, base: string) {
  const safeBase = base.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 90);
  for (let attempt = 1;; attempt++) {
    try {
      return await createToken(session, attempt === 1 ? safeBase : `${safeBase}-${attempt}`);
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= 20) throw error;
    }
  }
}

/** `logout`: revokes the profile's token on the server and forgets it. */
export async function logoutCommand(context: CommandContext): Promise<CommandResult> {
  const config = await context.config();
  const profileName = context.globals.profile ?? DEFAULT_PROFILE;
  const profile = config.profiles[profileName];
  if (!(profile?.token || profile?.tokenRef) || !profile.url) {
    throw new UsageError(`Not logged in: profile "${profileName}" holds no token`);
  }
  let note = "token revoked";
  try {
    const token = await readToken(profileName, profile);
    const ca = chooseCaCert(context.globals, profile.url, { name: profileName, ...profile });
    const session = await login(profile.url, { token: token! }, {
      insecure: profile.insecure ?? false,
      caCerts: ca ? await readCaCerts(ca) : undefined,
      apiVersion: context.globals.apiVersion,
    });
    if (profile.tokenName) await revokeToken(session, profile.tokenName);
  } catch (error) {
    if (error instanceof StoredTokenMissingError) {
      // Nothing to send: the token can only be revoked by name, with other credentials.
      note = `the token was no longer in the credential store; revoke '${profile.tokenName}' ` +
        "with `hatcher api-tokens delete` if it is still listed";
    } else if (error instanceof AuthenticationError) {
      // Already revoked or expired: there is nothing left to revoke.
      note = "the server no longer accepted the token";
    } else {
      throw error;
    }
  }
  const notRemoved = await removeStoredToken(profile);
  if (notRemoved) context.io.stderr.write(`Note: ${notRemoved}\n`);
  const { token: _token, tokenRef: _ref, tokenName, username: _username, ...kept } = profile;
  await writeConfig(context.configFile, {
    profiles: { ...config.profiles, [profileName]: kept },
  });
  return {
    data: { url: profile.url, profile: profileName, tokenName: tokenName ?? null },
    text: `Logged out of ${profile.url} (${note}; profile "${profileName}" forgot it)\n`,
  };
}

/** `whoami`: the server, the user, and how this invocation authenticates. */
export async function whoamiCommand(context: CommandContext): Promise<CommandResult> {
  const session = await context.session();
  const settings = await context.settings();
  const user = await getCurrentUser(session);
  const how = settings.auth!.kind === "password"
    ? `password (user from ${settings.auth!.source})`
    : `API token from ${settings.auth!.source}`;
  const data = {
    url: session.url,
    user: user.email,
    siteAdmin: user.siteAdmin,
    organizations: user.organizations,
    authentication: how,
  };
  const role = user.siteAdmin ? " (site administrator)" : "";
  return {
    data,
    text: `Server: ${session.url}\nUser: ${user.email}${role}\nAuthenticated with: ${how}\n`,
  };
}

/** Adds `login`, `logout` and `whoami` to the program. */
export function registerAuth(program: Command): void {
  program.command("login")
    .description(
      "Create an API token; keep it in the credential store or config file",
    )
    .option(
      "--insecure-storage",
      "keep the token in the config file (mode 0600) even where a credential store works",
    )
    .action(runAction((context, options: LoginOptions) => loginCommand(context, options)));
  program.command("logout").description("Revoke the profile's API token and forget it")
    .action(runAction((context) => logoutCommand(context)));
  program.command("whoami").description("Show the server, your user and how you authenticate")
    .action(runAction((context) => whoamiCommand(context)));
}
