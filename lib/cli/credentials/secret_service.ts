/**
 * The freedesktop Secret Service (GNOME Keyring, KWallet, KeePassXC) on
 * Linux, through libsecret's `secret-tool`, which reads the secret from
 * stdin and prints it on stdout: it never appears on a command line.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  type CredentialStore,
  CredentialStoreError,
  runStoreTool,
  SERVICE,
} from "./credential_store.ts";
import { firstLine, runTool, storeTimeoutMs, type ToolRun } from "./tool.ts";

const NAME = "the Secret Service";
const INSTALL = "install libsecret-tools, or your distribution's libsecret package";

/**
 * Why the Secret Service cannot be reached at all, before running anything:
 * it lives on the desktop session's D-Bus, which SSH sessions, containers
 * and CI jobs usually lack. undefined when a session bus is there.
 */
export function secretServiceUnavailable(
  env: Record<string, string | undefined>,
): string | undefined {
  if (env.DBUS_SESSION_BUS_ADDRESS) return undefined;
  if (env.XDG_RUNTIME_DIR && existsSync(join(env.XDG_RUNTIME_DIR, "bus"))) return undefined;
  return "no D-Bus session bus for the Secret Service (DBUS_SESSION_BUS_ADDRESS is not set)";
}

/** The Secret Service through `secret-tool`. */
export function secretService(): CredentialStore {
  const tool = (args: string[], input?: string) =>
    runStoreTool(
      NAME,
      INSTALL,
      () => runTool("secret-tool", args, { input, timeoutMs: storeTimeoutMs() }),
    );
  const refused = (run: ToolRun) =>
    new CredentialStoreError(`${NAME} refused: ${firstLine(run).replace(/^secret-tool: /, "")}`);
  // secret-tool exits 1 without a word when nothing matches.
  const nothingFound = (run: ToolRun) => run.code === 1 && run.stderr.trim() === "";
  const attributes = (account: string) => ["service", SERVICE, "account", account];
  return {
    kind: "secret-service",
    name: NAME,
    async save(account, secret, label) {
      const run = await tool(["store", `--label=${label}`, ...attributes(account)], secret);
      if (run.code !== 0) throw refused(run);
    },
    async load(account) {
      const run = await tool(["lookup", ...attributes(account)]);
      if (nothingFound(run)) return undefined;
      if (run.code !== 0) throw refused(run);
      return run.stdout.replace(/\n$/, "");
    },
    async remove(account) {
      const run = await tool(["clear", ...attributes(account)]);
      if (run.code !== 0 && !nothingFound(run)) throw refused(run);
    },
  };
}
