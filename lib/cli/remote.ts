/**
 * The two sides of `mirror` and `diff`, each named by a profile or a URL.
 *
 * Which credentials a side uses, first that applies:
 * 1. its own token: `--from-token` / `HATCHER_FROM_TOKEN` for the source,
 *    `--to-token` / `HATCHER_TO_TOKEN` for the target;
 * 2. for a profile name: that profile's token (and its `insecure` and CA);
 * 3. for a URL: the global credentials (`-U`/`-p`, `-t`, their variables);
 * 4. none: an anonymous session, which reads public repositories only.
 * `-k` and `--ca-cert` apply to both sides.
 *
 * @module
 */
import { anonymousSession, login, type Session } from "../../mod.ts";
import { normalizeServerUrl } from "../http.ts";
import { chooseCaCert, readCaCerts } from "./ca_certs.ts";
import type { CommandContext } from "./context.ts";
import { readToken } from "./credentials/profile_token.ts";
import { UsageError } from "./errors.ts";
import { readPassword } from "./prompt.ts";

/** Opens the session of one side: `spec` is a profile name or a server URL. */
export async function openRemote(
  context: CommandContext,
  spec: string,
  sideToken: string | undefined,
): Promise<Session> {
  const { globals } = context;
  // Anything with a dot, colon or slash is a URL (`eds.example.com`, `http://127.0.0.1:8080`);
  // a bare word names a profile, which must exist.
  const isUrl = /[.:/]/.test(spec);
  const profile = isUrl ? undefined : (await context.config()).profiles[spec];
  if (!isUrl && !profile) {
    throw new UsageError(`No profile "${spec}" in ${context.configFile}, and it is not a URL`);
  }
  const url = profile?.url ?? spec;
  try {
    normalizeServerUrl(url);
  } catch (error) {
    throw new UsageError(
      `${spec} is neither a profile nor a server URL: ${(error as Error).message}`,
    );
  }
  const insecure = globals.explicit.has("insecure") ? globals.insecure : profile?.insecure === true;
  const ca = chooseCaCert(globals, url, profile ? { name: spec, ...profile } : undefined);
  const options = {
    insecure,
    caCerts: ca ? await readCaCerts(ca) : undefined,
    apiVersion: globals.apiVersion,
  };
  if (sideToken) return await login(url, { token: sideToken }, options);
  if (profile) {
    const token = await readToken(spec, profile);
    if (token) return await login(url, { token }, options);
  } else if (globals.username) {
    const password = globals.password ?? await readPassword(context.io);
    return await login(url, { username: globals.username, password }, options);
  } else if (globals.token) {
    return await login(url, { token: globals.token }, options);
  }
  return anonymousSession(url, options);
}
