/**
 * Entry point of the reference EDS server.
 *
 *   deno run -A server/main.ts --data-dir DIR [--host H] [--port P]
 *       [--tls-cert F --tls-key F] [--admin EMAIL] [--max-upload-bytes N] [--quiet]
 *       [--timed-connections (with --header-timeout, --keep-alive-timeout, --max-connections)]
 *       [limits: see LIMIT_OPTIONS and docs/server-limits.md]
 *   deno run -A server/main.ts add-user --data-dir DIR EMAIL [--site-admin] [--org NAME] < password
 *
 * Exit codes: 0 success / clean shutdown, 1 runtime failure, 2 bad usage.
 */
import { parseArgs } from "node:util";
import {
  createApp,
  DEFAULT_BODY_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_UPLOADS,
  type Logger,
} from "./app.ts";
import { secureDataDir } from "./data_dir.ts";
import { type Database, inTransaction, openDatabase } from "./db.ts";
import { DEFAULT_MAX_UPLOAD_BYTES } from "./artefact_upload.ts";
import { removeOrphanObjects } from "./artefacts.ts";
import { DEFAULT_DISABLED_TTL_MS, startHousekeeping } from "./housekeeping.ts";
import { DEFAULT_SIGN_IN_LIMITS } from "./sign_in_limits.ts";
import { DEFAULT_MAX_API_TOKENS_PER_USER } from "./tokens.ts";
import { ObjectStore } from "./objects.ts";
import {
  DEFAULT_HEADER_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  type Server,
  startHttpServer,
} from "./serve.ts";
import { addOrganizationMember, findOrganization } from "./organizations.ts";
import { hashPassword } from "./passwords.ts";
import { ensureSiteAdmin, insertUser, isPlausibleEmail, UserExistsError } from "./users.ts";

/** Limits (docs/server-limits.md): each a positive whole number, with its default. */
const LIMIT_OPTIONS = {
  "max-auth-failures-per-account": DEFAULT_SIGN_IN_LIMITS.perAccount,
  "max-auth-failures-per-address": DEFAULT_SIGN_IN_LIMITS.perAddress,
  "auth-failure-window": DEFAULT_SIGN_IN_LIMITS.windowMs / 1000,
  "max-concurrent-uploads": DEFAULT_MAX_CONCURRENT_UPLOADS,
  "body-idle-timeout": DEFAULT_BODY_IDLE_TIMEOUT_MS / 1000,
  "header-timeout": DEFAULT_HEADER_TIMEOUT_MS / 1000,
  "keep-alive-timeout": DEFAULT_KEEP_ALIVE_TIMEOUT_MS / 1000,
  "max-connections": DEFAULT_MAX_CONNECTIONS,
  "max-api-tokens-per-user": DEFAULT_MAX_API_TOKENS_PER_USER,
  "disabled-ttl": DEFAULT_DISABLED_TTL_MS / 1000,
} as const;
type LimitName = keyof typeof LIMIT_OPTIONS;

const USAGE = "usage: main.ts --data-dir DIR [--host H] [--port P] [--tls-cert F --tls-key F] " +
  "[--admin EMAIL] [--max-upload-bytes N] [--quiet] [--timed-connections] " +
  Object.keys(LIMIT_OPTIONS).map((name) => `[--${name} N]`).join(" ") + " | " +
  "main.ts add-user --data-dir DIR EMAIL [--site-admin] [--org NAME]";
const SHUTDOWN_GRACE_MS = 5000;

/** A problem the user can fix by changing the command line; exits 2. */
class UsageError extends Error {}

/** A failure while doing the work; exits 1 unless told otherwise. */
class CommandError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
}

function printOut(line: string): void {
  writeAll(Deno.stdout, line + "\n");
}

function printErr(line: string): void {
  writeAll(Deno.stderr, line + "\n");
}

/** parseArgs errors are one line already; rethrow them as usage errors (exit 2). */
function usageErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got '${text}'`);
  }
  return port;
}

function parsePositive(option: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${option} must be a positive whole number, got '${text}'`);
  }
  return value;
}

function parseByteCount(option: string, text: string): number {
  const bytes = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(bytes) || bytes < 1) {
    throw new UsageError(`${option} must be a positive number of bytes, got '${text}'`);
  }
  return bytes;
}

async function readFileArg(option: string, path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new UsageError(`cannot read ${option} file '${path}': ${(error as Error).message}`);
  }
}

/** Opens the database after making the directory private (reporting what had to be tightened). */
function openDataDir(dataDir: string): Promise<Database> {
  try {
    for (const change of secureDataDir(dataDir)) printErr(change);
    return Promise.resolve(openDatabase(dataDir));
  } catch (error) {
    throw new CommandError(`cannot open data directory '${dataDir}': ${(error as Error).message}`);
  }
}

/** URLs need brackets around IPv6 literals. */
function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

async function serve(args: string[]): Promise<void> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "8080" },
        "data-dir": { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        admin: { type: "string" },
        "max-upload-bytes": { type: "string", default: String(DEFAULT_MAX_UPLOAD_BYTES) },
        quiet: { type: "boolean", default: false },
        "timed-connections": { type: "boolean", default: false },
        ...Object.fromEntries(
          Object.entries(LIMIT_OPTIONS).map((
            [name, value],
          ) => [name, { type: "string" as const, default: String(value) }]),
        ),
      },
    })
  );
  const limit = (name: LimitName) =>
    parsePositive(`--${name}`, String((values as Record<string, unknown>)[name]));
  // Every limit checked before anything is opened: a bad one is a usage error.
  for (const name of Object.keys(LIMIT_OPTIONS) as LimitName[]) limit(name);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const dataDir = values["data-dir"];
  if (!dataDir) throw new UsageError("--data-dir is required");
  const port = parsePort(values.port);
  const maxUploadBytes = parseByteCount("--max-upload-bytes", values["max-upload-bytes"]);
  const host = values.host;
  if (Boolean(values["tls-cert"]) !== Boolean(values["tls-key"])) {
    throw new UsageError("--tls-cert and --tls-key must be given together");
  }
  const tls = values["tls-cert"] && values["tls-key"]
    ? {
      cert: await readFileArg("--tls-cert", values["tls-cert"]),
      key: await readFileArg("--tls-key", values["tls-key"]),
    }
    : undefined;
  const adminEmail = values.admin;
  if (adminEmail !== undefined && !isPlausibleEmail(adminEmail)) {
    throw new UsageError(`--admin needs an email address, got '${adminEmail}'`);
  }

  const db = await openDataDir(dataDir);
  try {
    if (adminEmail !== undefined) {
      await ensureSiteAdmin(db, adminEmail, () => {
        const password = Deno.env.get("EDS_ADMIN_PASSWORD");
        if (!password) {
          throw new CommandError(
            `EDS_ADMIN_PASSWORD must be set to create the site administrator ${adminEmail}`,
            2,
          );
        }
        return password;
      });
    }

    const log: Logger = {
      info: values.quiet ? () => {} : printErr,
      error: printErr,
    };
    const objects = new ObjectStore(dataDir);
    try {
      // Leftovers of a previous process: unfinished uploads, and files whose rows are gone.
      objects.resetTemporary();
      removeOrphanObjects(db, objects);
    } catch (error) {
      throw new CommandError(`cannot prepare '${dataDir}': ${(error as Error).message}`);
    }
    const shutdown = new AbortController();
    startHousekeeping(db, objects, {
      disabledTtlMs: limit("disabled-ttl") * 1000,
      log: printErr,
      signal: shutdown.signal,
    });
    const app = createApp({
      db,
      log,
      objects,
      maxUploadBytes,
      signInLimits: {
        perAccount: limit("max-auth-failures-per-account"),
        perAddress: limit("max-auth-failures-per-address"),
        windowMs: limit("auth-failure-window") * 1000,
      },
      maxConcurrentUploads: limit("max-concurrent-uploads"),
      bodyIdleTimeoutMs: limit("body-idle-timeout") * 1000,
      maxApiTokensPerUser: limit("max-api-tokens-per-user"),
    });
    const scheme = tls ? "https" : "http";
    // Listen for signals before announcing readiness, so a signal sent right
    // after the ready line cannot kill the process with 130/143.
    const stopOnSignal = () => shutdown.abort();
    Deno.addSignalListener("SIGINT", stopOnSignal);
    Deno.addSignalListener("SIGTERM", stopOnSignal);
    let server: Server;
    try {
      server = startHttpServer({
        timedConnections: values["timed-connections"],
        hostname: host,
        port,
        ...tls,
        headerTimeoutMs: limit("header-timeout") * 1000,
        keepAliveTimeoutMs: limit("keep-alive-timeout") * 1000,
        maxConnections: limit("max-connections"),
        onListen: (addr) => printOut(`Listening on ${scheme}://${urlHost(host)}:${addr.port}/`),
        onError: printErr,
      }, app);
    } catch (error) {
      throw new CommandError(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
    }
    await new Promise((resolve) => shutdown.signal.addEventListener("abort", resolve));
    // Finish in-flight requests, but do not wait forever on a stuck client.
    await Promise.race([server.shutdown(), delay(SHUTDOWN_GRACE_MS)]);
    Deno.removeSignalListener("SIGINT", stopOnSignal);
    Deno.removeSignalListener("SIGTERM", stopOnSignal);
  } finally {
    db.close();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    Deno.unrefTimer(timer);
  });
}

/** Reads one line from a pipe; resolves null if stdin ends before any character arrives. */
async function readFirstLine(stream: ReadableStream<Uint8Array>): Promise<string | null> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let sawData = false;
  try {
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      sawData = true;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (!sawData) return null;
  return text.split("\n", 1)[0]!.replace(/\r$/, "");
}

/** Interactive use: read a password from the terminal without echoing it. */
async function promptPassword(): Promise<string> {
  writeAll(Deno.stderr, "Password: ");
  Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buffer = new Uint8Array(64);
  try {
    outer: while (true) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) break;
      for (const byte of buffer.subarray(0, n)) {
        if (byte === 0x0d || byte === 0x0a) break outer;
        if (byte === 0x03) throw new CommandError("interrupted", 130);
        if (byte === 0x7f || byte === 0x08) bytes.pop();
        else bytes.push(byte);
      }
    }
  } finally {
    Deno.stdin.setRaw(false);
    writeAll(Deno.stderr, "\n");
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

async function addUser(args: string[]): Promise<void> {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        "data-dir": { type: "string" },
        "site-admin": { type: "boolean", default: false },
        org: { type: "string" },
      },
    })
  );
  const dataDir = values["data-dir"];
  if (!dataDir) throw new UsageError("add-user: --data-dir is required");
  if (positionals.length !== 1) throw new UsageError("add-user: expected exactly one EMAIL");
  const email = positionals[0]!;
  if (!isPlausibleEmail(email)) throw new UsageError(`add-user: invalid email address '${email}'`);

  const password = Deno.stdin.isTerminal()
    ? await promptPassword()
    : await readFirstLine(Deno.stdin.readable);
  if (password === null) {
    throw new UsageError("add-user: no password on stdin (pipe it in as the first line)");
  }
  if (password === "") throw new UsageError("add-user: the password must not be empty");

  const orgName = values.org;
  const db = await openDataDir(dataDir);
  try {
    const passwordHash = await hashPassword(password);
    // One transaction: a missing organization must not leave an orphan account behind.
    inTransaction(db, () => {
      const org = orgName === undefined ? undefined : findOrganization(db, orgName);
      if (orgName !== undefined && !org) {
        throw new CommandError(`add-user: no organization '${orgName}'`);
      }
      const user = insertUser(db, email, passwordHash, { siteAdmin: values["site-admin"] });
      if (org) addOrganizationMember(db, org.id, user.id);
    });
  } catch (error) {
    if (error instanceof UserExistsError) throw new CommandError(`add-user: ${error.message}`);
    throw error;
  } finally {
    db.close();
  }
  const where = orgName === undefined ? "" : ` in organization ${orgName}`;
  printErr(`Created ${values["site-admin"] ? "site administrator" : "user"} ${email}${where}`);
}

export async function main(args: string[]): Promise<number> {
  try {
    if (args.includes("--help") || args.includes("-h")) {
      printOut(USAGE);
      return 0;
    }
    if (args[0] === "add-user") await addUser(args.slice(1));
    else await serve(args);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      printErr(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof CommandError) {
      printErr(`error: ${error.message}`);
      return error.exitCode;
    }
    printErr(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
