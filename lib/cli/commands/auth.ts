/**
 * `hatcher login`, `logout` and `whoami`: a stored API token per profile.
 *
 * @module
 */
import { hostname } from "node:os";
import { ConflictError, createToken, getCurrentUser, login, revokeToken } from "../../../mod.ts";
import { AuthenticationError } from "../../errors.ts";
import { normalizeServerUrl } from "../../http.ts";
import { chooseCaCert, profileCaCert, readCaCerts } from "../ca_certs.ts";
import { type Config, DEFAULT_PROFILE, writeConfig } from "../config.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { UsageError } from "../errors.ts";
import { readPassword } from "../prompt.ts";
import { type CommandResult, runAction } from "../result.ts";

/**
 * `login`: asks for the password, creates an API token named after this
 * host and stores it (with the URL) in the profile.
 */
export async function loginCommand(context: CommandContext): Promise<CommandResult> {
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
  const updated: Config = {
    profiles: {
      ...config.profiles,
      [profileName]: {
        url: normalizeServerUrl(url),
        insecure,
        caCert: profileCaCert(ca, sameServer ? previous : undefined),
        token: created.token,
        tokenName: created.name,
        username: globals.username,
      },
    },
  };
  await writeConfig(context.configFile, updated);
  return {
    data: {
      url: session.url,
      username: globals.username,
      tokenName: created.name,
      profile: profileName,
    },
    text: `Logged in to ${session.url} as ${globals.username}; token '${created.name}' ` +
      `saved in profile "${profileName}" (${context.configFile})\n`,
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
  if (!profile?.token || !profile.url) {
    throw new UsageError(`Not logged in: profile "${profileName}" holds no token`);
  }
  let note = "token revoked";
  try {
    const ca = chooseCaCert(context.globals, profile.url, { name: profileName, ...profile });
    const session = await login(profile.url, { token: profile.token }, {
      insecure: profile.insecure ?? false,
      caCerts: ca ? await readCaCerts(ca) : undefined,
      apiVersion: context.globals.apiVersion,
    });
    if (profile.tokenName) await revokeToken(session, profile.tokenName);
  } catch (error) {
    // Already revoked or expired: there is nothing left to revoke.
    if (!(error instanceof AuthenticationError)) throw error;
    note = "the server no longer accepted the token";
  }
  const { token: _token, tokenName, username: _username, ...kept } = profile;
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
    .description("Create an API token with your password and store it in the profile")
    .action(runAction((context) => loginCommand(context)));
  program.command("logout").description("Revoke the profile's API token and forget it")
    .action(runAction((context) => logoutCommand(context)));
  program.command("whoami").description("Show the server, your user and how you authenticate")
    .action(runAction((context) => whoamiCommand(context)));
}
