/**
 * Runs the real `hatcher` CLI (`deno run cli.ts`) as a subprocess, with a
 * clean environment, for end-to-end tests.
 */
import { join } from "node:path";
import { REPO_ROOT } from "./server.ts";

export const CLI_PATH = join(REPO_ROOT, "cli.ts");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Environment on top of the minimal one (PATH, HOME, DENO_DIR, NO_COLOR). */
  env?: Record<string, string>;
  /** Text piped to stdin; stdin is closed (empty) when not given. */
  stdin?: string;
  /** Working directory. @default the current one */
  cwd?: string;
  /** Kill the process after this many ms (it must never hang). @default 30000 */
  timeoutMs?: number;
}

const PASSED_THROUGH = [
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NPM_CONFIG_REGISTRY",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
];

/** The environment every CLI run starts from: nothing of the developer's. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: "/nonexistent",
    NO_COLOR: "1",
  };
  // The machine's trust store and proxy settings: Deno may still fetch npm
  // metadata (e.g. for `deno run <url>`, which has no lockfile).
  for (const name of PASSED_THROUGH) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const denoDir = Deno.env.get("DENO_DIR");
  if (denoDir) env.DENO_DIR = denoDir;
  else env.DENO_DIR = join(Deno.env.get("HOME") ?? "/root", ".cache", "deno");
  return env;
}

/** The command line that runs `hatcher ARGS` from the working tree. */
export function cliCommand(args: string[]): string[] {
  const config = `--config=${join(REPO_ROOT, "deno.json")}`;
  return [Deno.execPath(), "run", "-A", "--quiet", config, CLI_PATH, ...args];
}

/** Runs `hatcher ARGS` and collects its exit code and output. */
export async function runCli(args: string[], options: RunCliOptions = {}): Promise<CliRun> {
  return await runProcess(cliCommand(args), options);
}

/** Runs any command with the clean environment; used for `deno run <url>` too. */
export async function runProcess(argv: string[], options: RunCliOptions = {}): Promise<CliRun> {
  const [command, ...args] = argv;
  const child = new Deno.Command(command!, {
    args,
    env: { ...baseEnv(), ...options.env },
    clearEnv: true,
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, options.timeoutMs ?? 30_000);
  const { code, stdout, stderr } = await child.output();
  clearTimeout(timer);
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/**
 * Runs `hatcher ARGS` on a pseudo-terminal (util-linux `script`), typing
 * `input` into it once `waitFor` is shown (then each of `answers`, in
 * order, once its text is shown after the previous one). Returns everything
 * the terminal displayed.
 */
export async function runCliOnTty(
  args: string[],
  options: {
    env?: Record<string, string>;
    input?: string;
    waitFor?: string;
    answers?: { waitFor: string; input: string }[];
  } = {},
): Promise<{ code: number; screen: string }> {
  const quoted = cliCommand(args).map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(" ");
  const child = new Deno.Command("script", {
    args: ["-qefc", quoted, "/dev/null"],
    env: { ...baseEnv(), ...options.env, TERM: "xterm" },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let screen = "";
  const writer = child.stdin.getWriter();
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const answers = [
    ...(options.waitFor ? [{ waitFor: options.waitFor, input: options.input ?? "" }] : []),
    ...options.answers ?? [],
  ];
  let seenUpTo = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    screen += value;
    const next = answers[0];
    const at = next ? screen.indexOf(next.waitFor, seenUpTo) : -1;
    if (next && at >= 0) {
      answers.shift();
      seenUpTo = at + next.waitFor.length;
      await writer.write(new TextEncoder().encode(next.input));
    }
  }
  clearTimeout(timer);
  await writer.close().catch(() => {});
  const { code } = await child.status;
  await child.stderr.cancel();
  return { code, screen };
}
