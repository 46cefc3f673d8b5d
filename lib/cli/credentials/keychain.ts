/**
 * The macOS Keychain through `/usr/bin/security`. `add-generic-password`
 * takes the secret only as `-w SECRET`, which every process can read in
 * `ps`, so the command goes to `security -i` on stdin instead: the
 * interactive mode reads one command per line and splits it with its own
 * quoting (double quotes, backslash escapes), and exits with the command's
 * status. Reading back prints the secret on stdout.
 *
 * @module
 */
import {
  type CredentialStore,
  CredentialStoreError,
  runStoreTool,
  SERVICE,
} from "./credential_store.ts";
import { firstLine, runTool, storeTimeoutMs, type ToolRun } from "./tool.ts";

const NAME = "the macOS Keychain";
const SECURITY = "/usr/bin/security";
/** security's "The specified item could not be found in the keychain." */
const NOT_FOUND = 44;
/** security -i reads lines of at most 4096 bytes. */
const MAX_LINE = 4000;

/** One argument for `security -i`'s line splitter: quoted, with `\` and `"` escaped. */
export function quoteForSecurity(value: string): string {
  if (/[\r\n\0]/.test(value)) {
    throw new CredentialStoreError(`${NAME} cannot take a value with a line break`);
  }
  return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}

/** The line `security -i` runs to store a secret (the secret never reaches argv). */
export function addPasswordLine(account: string, secret: string, label: string): string {
  const line = [
    "add-generic-password",
    "-U",
    "-s",
    quoteForSecurity(SERVICE),
    "-a",
    quoteForSecurity(account),
    "-l",
    quoteForSecurity(label),
    "-w",
    quoteForSecurity(secret),
  ].join(" ");
  if (line.length > MAX_LINE) throw new CredentialStoreError(`${NAME}: the secret is too long`);
  return `${line}\n`;
}

/** The login Keychain through `security`. */
export function keychain(): CredentialStore {
  const tool = (args: string[], input?: string) =>
    runStoreTool(
      NAME,
      "it ships with macOS",
      () => runTool(SECURITY, args, { input, timeoutMs: storeTimeoutMs() }),
    );
  const refused = (run: ToolRun) =>
    new CredentialStoreError(`${NAME} refused: ${firstLine(run).replace(/^security: /, "")}`);
  const item = (account: string) => ["-s", SERVICE, "-a", account];
  return {
    kind: "keychain",
    name: NAME,
    async save(account, secret, label) {
      const run = await tool(["-i"], addPasswordLine(account, secret, label));
      if (run.code !== 0) throw refused(run);
    },
    async load(account) {
      const run = await tool(["find-generic-password", ...item(account), "-w"]);
      if (run.code === NOT_FOUND) return undefined;
      if (run.code !== 0) throw refused(run);
      return run.stdout.replace(/\n$/, "");
    },
    async remove(account) {
      const run = await tool(["delete-generic-password", ...item(account)]);
      if (run.code !== 0 && run.code !== NOT_FOUND) throw refused(run);
    },
  };
}
