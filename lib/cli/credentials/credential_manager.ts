/**
 * The Windows Credential Manager, through Windows PowerShell 5.1 (part of
 * every Windows since 10) and the WinRT `PasswordVault`, which, unlike
 * `cmdkey`, can read a secret back without a native module. The script goes
 * in as `-EncodedCommand` (it holds no secret); the secret goes in on stdin.
 * The secrets appear in Credential Manager under "Web Credentials",
 * resource `hatcher`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { join } from "node:path";
import process from "node:process";
import {
  type CredentialStore,
  CredentialStoreError,
  runStoreTool,
  SERVICE,
} from "./credential_store.ts";
import { firstLine, runTool, storeTimeoutMs, type ToolRun } from "./tool.ts";

const NAME = "the Windows Credential Manager";
/** What the lookup script exits with when the vault has no such credential. */
const NOT_FOUND = 3;

/** A PowerShell single-quoted string literal. */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The PowerShell script for one operation on `account`'s credential. */
export function vaultScript(operation: "save" | "load" | "remove", account: string): string {
  const find = `$vault.Retrieve(${literal(SERVICE)}, ${literal(account)})`;
  const body = {
    save: "$secret = [Console]::In.ReadToEnd()\n" +
      "$old = Find-Credential; if ($old) { $vault.Remove($old) }\n" +
      "$vault.Add((New-Object Windows.Security.Credentials.PasswordCredential -ArgumentList " +
      `${literal(SERVICE)}, ${literal(account)}, $secret))`,
    load: `$found = Find-Credential; if (-not $found) { exit ${NOT_FOUND} }\n` +
      "$found.RetrievePassword(); [Console]::Out.Write($found.Password)",
    remove: "$found = Find-Credential; if ($found) { $vault.Remove($found) }",
  }[operation];
  return [
    "$ErrorActionPreference = 'Stop'",
    "$null = [Windows.Security.Credentials.PasswordVault, Windows.Security.Credentials, " +
    "ContentType = WindowsRuntime]",
    "$vault = New-Object Windows.Security.Credentials.PasswordVault",
    // Retrieve throws "Element not found" (0x80070490) for a missing credential.
    "function Find-Credential {",
    `  try { return ${find} } catch {`,
    "    for ($e = $_.Exception; $e; $e = $e.InnerException) {",
    "      if ($e.HResult -eq -2147023728) { return $null } }",
    "    throw } }",
    body,
    "exit 0",
    "",
  ].join("\n");
}

function powershell(): string {
  const root = process.env.SystemRoot;
  return root
    ? join(root, "System32", "WindowsPowerShell", "v1.0", "powershell.exe")
    : "powershell.exe";
}

/** The Credential Manager through Windows PowerShell. */
export function credentialManager(): CredentialStore {
  const tool = (operation: "save" | "load" | "remove", account: string, input?: string) =>
    runStoreTool(NAME, "Windows PowerShell 5.1 is needed", () =>
      runTool(powershell(), [
        "-NoLogo",
        "-NoProfile",
        "-NonInteractive",
        "-ExecutionPolicy",
        "Bypass",
        "-EncodedCommand",
        Buffer.from(vaultScript(operation, account), "utf16le").toString("base64"),
      ], { input, timeoutMs: storeTimeoutMs() }));
  const refused = (run: ToolRun) => new CredentialStoreError(`${NAME} refused: ${firstLine(run)}`);
  return {
    kind: "credential-manager",
    name: NAME,
    async save(account, secret) {
      const run = await tool("save", account, secret);
      if (run.code !== 0) throw refused(run);
    },
    async load(account) {
      const run = await tool("load", account);
      if (run.code === NOT_FOUND) return undefined;
      if (run.code !== 0) throw refused(run);
      return run.stdout;
    },
    async remove(account) {
      const run = await tool("remove", account);
      if (run.code !== 0) throw refused(run);
    },
  };
}
