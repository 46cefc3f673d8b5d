/**
 * Runs the reference EDS server (server/main.ts) as a real child process for
 * end-to-end tests, and creates users through its `add-user` command.
 */
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export interface StartServerOptions {
  dataDir?: string;
  admin?: { email: string; password: string };
  tlsCert?: string;
  tlsKey?: string;
  /** Extra: keep the per-request log (the server runs with --quiet otherwise). */
  logRequests?: boolean;
  /** Extra: more server options, e.g. `["--max-upload-bytes", "1000"]`. */
  extraArgs?: string[];
  /** Extra: another checkout's `server/main.ts` (benchmarks race two servers). */
  serverMain?: string;
}

export interface RunningServer extends AsyncDisposable {
  /** e.g. "http://127.0.0.1:41234", no trailing slash. */
  url: string;
  dataDir: string;
  port: number;
  /** The server's process id (benchmarks read its CPU time from /proc). */
  pid: number;
  /** SIGTERM, waits for exit, throws unless the exit code is 0. Safe to call twice. */
  stop(): Promise<void>;
  /** Extra: everything the server wrote to stderr so far. */
  stderrText(): string;
}

/** Absolute path of the repository, without a trailing slash. */
export const REPO_ROOT: string = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const SERVER_MAIN = join(REPO_ROOT, "server", "main.ts");
const READY_TIMEOUT_MS = 20_000;
const READY_LINE = /^Listening on (https?):\/\/(.+):(\d+)\/$/;

/** Collects a byte stream as text in the background. */
function collectText(stream: ReadableStream<Uint8Array>): { text(): string; done: Promise<void> } {
  let text = "";
  const done = stream.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (text += chunk) }),
  ).catch(() => {});
  return { text: () => text, done };
}

/** Reads lines until one matches READY_LINE; drains the rest in the background. */
async function waitForReadyLine(
  stdout: ReadableStream<Uint8Array>,
): Promise<{ match: RegExpMatchArray | null; drained: Promise<void> }> {
  const reader = stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (true) {
    const newline = buffered.indexOf("\n");
    if (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const match = line.match(READY_LINE);
      if (match) {
        const drained = (async () => {
          while (!(await reader.read()).done) { /* discard */ }
        })().catch(() => {});
        return { match, drained };
      }
      continue;
    }
    const { done, value } = await reader.read();
    if (done) return { match: null, drained: Promise.resolve() };
    buffered += value;
  }
}

export async function startServer(opts: StartServerOptions = {}): Promise<RunningServer> {
  const ownsDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "eds-test-" });
  const main = opts.serverMain ?? SERVER_MAIN;
  const args = ["run", "-A", main, "--port", "0", "--data-dir", dataDir];
  if (!opts.logRequests) args.push("--quiet");
  if (opts.admin) args.push("--admin", opts.admin.email);
  if (opts.tlsCert) args.push("--tls-cert", opts.tlsCert);
  if (opts.tlsKey) args.push("--tls-key", opts.tlsKey);
  if (opts.extraArgs) args.push(...opts.extraArgs);
  const env: Record<string, string> = opts.admin ? { EDS_ADMIN_PASSWORD: opts.admin.password } : {};

  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: dirname(dirname(main)),
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = collectText(child.stderr);
  const removeOwnedDir = async () => {
    if (ownsDataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), READY_TIMEOUT_MS);
  });
  const ready = waitForReadyLine(child.stdout);
  const outcome = await Promise.race([ready, timeout]);
  clearTimeout(timer);

  if (outcome === "timeout" || outcome.match === null) {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    const status = await child.status;
    await stderr.done;
    await (await ready).drained;
    await removeOwnedDir();
    const why = outcome === "timeout"
      ? `no ready line within ${READY_TIMEOUT_MS} ms`
      : `exited with code ${status.code} before the ready line`;
    throw new Error(`server did not start (${why}); stderr:\n${stderr.text()}`);
  }

  const [, scheme, host, portText] = outcome.match;
  const port = Number(portText);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already exited */ }
      const status = await child.status;
      await Promise.all([stderr.done, outcome.drained]);
      await removeOwnedDir();
      if (status.code !== 0) {
        throw new Error(`server exited with code ${status.code}; stderr:\n${stderr.text()}`);
      }
    })();
    return stopped;
  };
  return {
    url: `${scheme}://${host}:${port}`,
    dataDir,
    port,
    pid: child.pid,
    stop,
    stderrText: stderr.text,
    [Symbol.asyncDispose]: stop,
  };
}

/** Creates a user with `main.ts add-user`, password on stdin; throws with stderr on failure. */
export async function addUser(
  dataDir: string,
  email: string,
  password: string,
  opts: { siteAdmin?: boolean; org?: string } = {},
): Promise<void> {
  const args = ["run", "-A", SERVER_MAIN, "add-user", "--data-dir", dataDir, email];
  if (opts.siteAdmin) args.push("--site-admin");
  // Extra: makes the new user a member of an existing organization.
  if (opts.org !== undefined) args.push("--org", opts.org);
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO_ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(password + "\n"));
  await writer.close();
  const { code, stderr } = await child.output();
  if (code !== 0) {
    throw new Error(
      `add-user ${email} failed with code ${code}: ${new TextDecoder().decode(stderr).trim()}`,
    );
  }
}
