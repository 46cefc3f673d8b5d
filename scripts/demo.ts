/**
 * The main job: starts the reference server on a throwaway data dir and walks
 * through the quick start with the real `hatcher` CLI, printing each command
 * and its output. Exits non-zero if any step does not behave as documented.
 *
 * Run: `deno task demo`
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const encoder = new TextEncoder();
const print = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
const USER = "user@example.com";
const PASSWORD = crypto.randomUUID();

interface Step {
  shown: string;
  args: string[];
  env?: Record<string, string>;
  stdin?: string;
  expectCode: number;
}

async function startServer(dataDir: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(root, "server/main.ts"),
      "--port",
      "0",
      "--quiet",
      "--data-dir",
      dataDir,
      "--admin",
      USER,
    ],
    env: { EDS_ADMIN_PASSWORD: PASSWORD },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (!buffered.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error("the server exited before it was ready");
    buffered += value;
  }
  const url = buffered.match(/^Listening on (\S+?)\/?$/m)?.[1];
  if (!url) throw new Error(`unexpected server output: ${buffered}`);
  return { child, url, reader };
}

async function hatcher(step: Step, url: string): Promise<string> {
  print(`\n$ ${step.shown}\n`);
  if (step.stdin !== undefined) print("Password: (read from stdin)\n");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", join(root, "cli.ts"), ...step.args],
    env: { HATCHER_URL: url, NO_COLOR: "1", ...step.env },
    stdin: step.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (step.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(encoder.encode(step.stdin));
    await writer.close();
  }
  const output = await child.output();
  const stdout = new TextDecoder().decode(output.stdout);
  print(stdout + new TextDecoder().decode(output.stderr));
  if (output.code !== step.expectCode) {
    throw new Error(`"${step.shown}" exited with ${output.code}, expected ${step.expectCode}`);
  }
  return stdout;
}

const dataDir = await Deno.makeTempDir({ prefix: "hatcher-demo-" });
const server = await startServer(dataDir);
try {
  print(`Reference EDS server at ${server.url} (data in ${dataDir}), admin ${USER}\n`);
  print(`$ export HATCHER_URL=${server.url}\n`);
  const created = await hatcher({
    shown: `hatcher -U ${USER} api-tokens create user-laptop-token`,
    args: ["-U", USER, "api-tokens", "create", "user-laptop-token"],
    stdin: `${PASSWORD}\n`,
    expectCode: 0,
  }, server.url);
  const token = created.match(/'(.+)'/)?.[1];
  if (!token) throw new Error("no token in the output");
  await hatcher({
    shown: "hatcher --token <token-data> api-tokens list",
    args: ["--token", token, "api-tokens", "list"],
    expectCode: 0,
  }, server.url);
  print("\n$ export HATCHER_TOKEN=<token-data>");
  await hatcher({
    shown: "hatcher api-tokens delete user-laptop-token",
    args: ["api-tokens", "delete", "user-laptop-token"],
    env: { HATCHER_TOKEN: token },
    expectCode: 0,
  }, server.url);
  await hatcher({
    shown: "hatcher --token <token-data> api-tokens list",
    args: ["--token", token, "api-tokens", "list"],
    expectCode: 1,
  }, server.url);
  print("\nThe quick start behaved as documented.\n");
} finally {
  server.child.kill("SIGTERM");
  await server.reader.cancel();
  await server.child.status;
  await Deno.remove(dataDir, { recursive: true });
}
