/**
 * The second line after `Authentication failed` on a terminal: where the
 * credentials came from and what to do, never the secret itself.
 *
 * @module
 */
import type { GlobalOptions } from "./context.ts";

/** Says which option, variable or profile supplied the rejected credentials. */
export function authenticationHint(globals: GlobalOptions, configFile: string): string {
  if (globals.username) {
    const user = globals.sources.username === "env" ? "HATCHER_USERNAME" : "--username (-U)";
    const password = globals.password === undefined
      ? "the prompt"
      : globals.sources.password === "env"
      ? "HATCHER_PASSWORD"
      : "--password (-p)";
    return `The user name came from ${user} and the password from ${password}: check both ` +
      "(with a user name, no token is used)";
  }
  if (globals.token) {
    const token = globals.sources.token === "env" ? "HATCHER_TOKEN" : "--token (-t)";
    return `The API token came from ${token}: it may be mistyped, revoked or expired; ` +
      "create another, or run `hatcher login`";
  }
  const profile = globals.profile ?? "default";
  return `The API token came from profile "${profile}" in ${configFile}: it may have been ` +
    "revoked; run `hatcher login` again";
}
