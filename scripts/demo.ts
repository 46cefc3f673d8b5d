/**
 * The main job: starts the reference server on a throwaway data dir and walks
 * through the quick start with the real `hatcher` CLI, printing each command
 * and its output; then, with the shared corpus of real Enthought files beside
 * the project, a small site: an organization, a public repository, real eggs
 * and a real runtime uploaded, listed (also without credentials), exported
 * and compared. Exits non-zero if any step does not behave as documented.
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

const CORPUS = join(root, "..", "shared", "corpus");

/** A small site from real files: what a site administrator and a CI pipeline do. */
async function site(url: string): Promise<void> {
  const eggs = join(CORPUS, "eggs", "rh7_x86_64", "cp38");
  const runtime = join(CORPUS, "runtimes", "cpython-3.8.8+1-rh7_x86_64-gnu.runtime");
  if (!await Deno.stat(eggs).then(() => true, () => false)) {
    print(`\n(The corpus of real files is not at ${CORPUS}: the site walk-through is skipped.)\n`);
    return;
  }
  print("\nA site with real Enthought files (../shared/corpus):\n");
  const created = await hatcher({
    shown: `hatcher -U ${USER} api-tokens create ci`,
    args: ["-U", USER, "api-tokens", "create", "ci"],
    stdin: `${PASSWORD}\n`,
    expectCode: 0,
  }, url);
  const token = created.match(/'(.+)'/)?.[1]!;
  const env = { HATCHER_TOKEN: token };
  const files = [...Deno.readDirSync(eggs)].map((entry) => join(eggs, entry.name)).sort();
  const work = await Deno.makeTempDir({ prefix: "hatcher-demo-export-" });
  try {
    const steps: Step[] = [
      {
        shown: 'hatcher organizations create acme "ACME Corp"',
        args: ["organizations", "create", "acme", "ACME Corp"],
        env,
        expectCode: 0,
      },
      {
        shown: 'hatcher repositories create acme free "free eggs" --public',
        args: ["repositories", "create", "acme", "free", "free eggs", "--public"],
        env,
        expectCode: 0,
      },
      {
        shown: "hatcher eggs batch-upload acme free rh7-x86_64 .../rh7_x86_64/cp38/*.egg",
        args: ["eggs", "batch-upload", "acme", "free", "rh7-x86_64", ...files],
        env,
        expectCode: 0,
      },
      {
        shown: "hatcher runtimes upload acme free cpython-3.8.8+1-rh7_x86_64-gnu.runtime",
        args: ["runtimes", "upload", "acme", "free", runtime],
        env,
        expectCode: 0,
      },
      {
        shown:
          "hatcher eggs list acme free rh7-x86_64 cp38     # no credentials: a public repository",
        args: ["eggs", "list", "acme", "free", "rh7-x86_64", "cp38"],
        expectCode: 0,
      },
      {
        shown: "hatcher runtimes list acme free rh7-x86_64",
        args: ["runtimes", "list", "acme", "free", "rh7-x86_64"],
        env,
        expectCode: 0,
      },
      {
        shown: "hatcher export -r acme/free export/",
        args: ["export", "-r", "acme/free", join(work, "export")],
        env,
        expectCode: 0,
      },
      {
        shown: "hatcher diff export/ $HATCHER_URL                # exit 0: they agree",
        args: ["diff", "-r", "acme/free", "--to-token", token, join(work, "export"), url],
        expectCode: 0,
      },
    ];
    for (const step of steps) await hatcher(step, url);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
  print("\nThe site behaved as documented.\n");
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
  await site(server.url);
} finally {
  server.child.kill("SIGTERM");
  await server.reader.cancel();
  await server.child.status;
  await Deno.remove(dataDir, { recursive: true });
}
