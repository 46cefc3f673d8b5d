/**
 * Benchmark of export, import and mirror between two reference servers on
 * loopback (bounded: one repository, fixed sizes, each command once per
 * round). A repository of `--eggs` small eggs plus `--runtimes` runtimes:
 *
 * - first `export` with `--jobs 4` and with `--jobs 1` (side by side, into
 *   fresh directories, alternating);
 * - a second `export` into the same directory (nothing to download);
 * - `import` into an empty server, then again (nothing to upload);
 * - `mirror` into another empty server, then again.
 *
 * For each: wall time, artefacts per second, the CLI's peak RSS (GNU time),
 * and the data requests the servers logged (downloads and uploads counted
 * from their request logs). Usage:
 *
 *   deno run -A scripts/bench_sync.ts [--eggs 1000] [--runtimes 3] [--rounds 3]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import {
  createOrganization,
  createRepository,
  createToken,
  login,
  uploadEgg,
  uploadRuntime,
} from "../mod.ts";
import { writeEgg } from "../tests/helpers/eggs.ts";
import { runtimeJson, writeRuntime } from "../tests/helpers/runtimes.ts";
import { type RunningServer, startServer } from "../tests/helpers/server.ts";
import {
  inAlternatingRounds,
  median,
  print,
  printCpuTable,
  type Timed,
  timed,
} from "./bench_helpers.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    eggs: { type: "string", default: "1000" },
    runtimes: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
  },
});
const eggCount = Number(values.eggs);
const runtimeCount = Number(values.runtimes);
const rounds = Number(values.rounds);
const root = fileURLToPath(new URL("..", import.meta.url));
const ADMIN = { email: "bench@example.com", password: "bench password" };
// The linux binary when it is built (`deno task build`): it starts in ~20 ms, so the
// numbers show the work rather than `deno run`'s start-up.
const binary = join(root, "dist", "hatcher-linux-x64");
const useBinary = await Deno.stat(binary).then(() => true, () => false);
const cli = (args: string[]) =>
  useBinary ? [binary, ...args] : [Deno.execPath(), "run", "-A", join(root, "cli.ts"), ...args];

async function server(): Promise<{ server: RunningServer; token: string }> {
  const started = await startServer({ admin: ADMIN, logRequests: true });
  const session = await login(started.url, { username: ADMIN.email, password: ADMIN.password });
  await createOrganization(session, { name: "acme", description: "bench" });
  return { server: started, token: (await createToken(session, "bench")).token };
}

/** Requests in a server's log since `from`: all of them, and the data ones (downloads, uploads). */
function requestsSince(server: RunningServer, from: number): { data: number; all: number } {
  const lines = server.stderrText().slice(from).split("\n").filter((line) =>
    /^[A-Z]+ \/api\//.test(line)
  );
  return {
    data:
      lines.filter((line) =>
        /^GET \/api\/v1\/json\/data\/|^POST \/api\/v1\/json\/data\/.*\/upload /.test(line)
      ).length,
    all: lines.length,
  };
}

/** Requests of both servers, added up. */
function bothSides(
  a: { data: number; all: number },
  b: { data: number; all: number },
): { data: number; all: number } {
  return { data: a.data + b.data, all: a.all + b.all };
}

const work = await Deno.makeTempDir({ prefix: "hatcher-bench-sync-" });
const source = await server();
const targets: Array<{ server: RunningServer; token: string }> = [];
try {
  print(`Filling the source: ${eggCount} eggs, ${runtimeCount} runtimes...\n`);
  const session = await login(source.server.url, { token: source.token });
  await createRepository(session, { organization: "acme", name: "dev", description: "bench" });
  const files = join(work, "files");
  await Deno.mkdir(files);
  const target = { organization: "acme", repository: "dev", platform: "rh7-x86_64" };
  for (let index = 0; index < eggCount; index++) {
    const egg = await writeEgg(files, { name: `pkg${index}`, version: "1.0" });
    await uploadEgg(session, target, egg, { verify: false });
    await Deno.remove(egg);
  }
  for (let index = 0; index < runtimeCount; index++) {
    const runtime = await writeRuntime(files, runtimeJson({ version: `3.11.2+${index + 1}` }), {
      payloadBytes: 5_000_000,
    });
    await uploadRuntime(session, { organization: "acme", repository: "dev" }, runtime);
  }
  const artefacts = eggCount + runtimeCount;
  const from = ["-u", source.server.url, "-t", source.token, "-q"];

  const results = new Map<string, { runs: Timed[]; data: number[]; all: number[] }>();
  const record = (name: string, run: Timed, requests: { data: number; all: number }) => {
    const entry = results.get(name) ?? { runs: [], data: [], all: [] };
    entry.runs.push(run);
    entry.data.push(requests.data);
    entry.all.push(requests.all);
    results.set(name, entry);
  };

  // First exports, --jobs 4 against --jobs 1, into fresh directories.
  let fresh = 0;
  let exported = "";
  await inAlternatingRounds(["4", "1"], rounds, async (jobs, counted) => {
    const dir = join(work, `export-${fresh++}`);
    const logged = source.server.stderrText().length;
    const run = await timed(cli([...from, "export", "--jobs", jobs, dir]), source.server.pid);
    if (counted) record(`first export, --jobs ${jobs}`, run, requestsSince(source.server, logged));
    if (jobs === "1") await Deno.remove(dir, { recursive: true });
    else {
      if (exported) await Deno.remove(exported, { recursive: true });
      exported = dir;
    }
  });
  for (let round = 0; round < rounds; round++) {
    const logged = source.server.stderrText().length;
    const run = await timed(cli([...from, "export", exported]), source.server.pid);
    record("second export (nothing new)", run, requestsSince(source.server, logged));
  }

  // Import into an empty server, then again; mirror into another, then again.
  for (let round = 0; round < rounds; round++) {
    const into = await server();
    targets.push(into);
    const to = ["-u", into.server.url, "-t", into.token, "-q"];
    let logged = into.server.stderrText().length;
    record(
      "import into an empty server",
      await timed(cli([...to, "import", "--create-missing", exported]), into.server.pid),
      requestsSince(into.server, logged),
    );
    logged = into.server.stderrText().length;
    record(
      "second import (nothing new)",
      await timed(cli([...to, "import", exported]), into.server.pid),
      requestsSince(into.server, logged),
    );
    const mirrorTarget = await server();
    targets.push(mirrorTarget);
    const sides = [
      "-q",
      "mirror",
      "--from",
      source.server.url,
      "--to",
      mirrorTarget.server.url,
      "--from-token",
      source.token,
      "--to-token",
      mirrorTarget.token,
      "--create-missing",
    ];
    let sourceLogged = source.server.stderrText().length;
    logged = mirrorTarget.server.stderrText().length;
    const first = await timed(cli(sides), mirrorTarget.server.pid);
    record(
      "mirror into an empty server",
      first,
      bothSides(
        requestsSince(source.server, sourceLogged),
        requestsSince(mirrorTarget.server, logged),
      ),
    );
    sourceLogged = source.server.stderrText().length;
    logged = mirrorTarget.server.stderrText().length;
    const second = await timed(cli(sides), mirrorTarget.server.pid);
    record(
      "second mirror (nothing new)",
      second,
      bothSides(
        requestsSince(source.server, sourceLogged),
        requestsSince(mirrorTarget.server, logged),
      ),
    );
    for (const done of targets.splice(0)) await done.server[Symbol.asyncDispose]();
  }

  print(
    `\n${artefacts} artefacts (${eggCount} eggs, ${runtimeCount} runtimes of 5 MB), ` +
      `${rounds} rounds, medians; the CLI as ${
        useBinary ? "the linux binary" : "deno run cli.ts"
      }:\n\n` +
      "| run | seconds | artefacts/s | data requests | all requests | peak RSS |\n" +
      "|---|---|---|---|---|---|\n",
  );
  for (const [name, { runs, data, all }] of results) {
    const seconds = median(runs.map((run) => run.seconds));
    const rss = Math.max(...runs.map((run) => run.peakRssKb)) / 1024;
    print(
      `| ${name} | ${seconds.toFixed(2)} | ${(artefacts / seconds).toFixed(0)} | ` +
        `${median(data)} | ${median(all)} | ${rss.toFixed(0)} MB |\n`,
    );
  }
  // The server's CPU is the one the run talked to (the target's for import and mirror).
  const floors = printCpuTable(
    Object.fromEntries([...results].map(([name, { runs }]) => [name, runs])),
  );
  const jobs4 = median(results.get("first export, --jobs 4")!.runs.map((run) => run.seconds));
  const jobs1 = median(results.get("first export, --jobs 1")!.runs.map((run) => run.seconds));
  print(
    `\n--jobs 4 / --jobs 1 export speed-up: ${(jobs1 / jobs4).toFixed(2)}x ` +
      `(at most ${(jobs1 / floors["first export, --jobs 4"]!).toFixed(2)}x: ` +
      "--jobs 1's time over --jobs 4's CPU floor)\n",
  );
  for (
    const [first, second] of [
      ["first export, --jobs 4", "second export (nothing new)"],
      ["import into an empty server", "second import (nothing new)"],
      ["mirror into an empty server", "second mirror (nothing new)"],
    ] as const
  ) {
    const a = median(results.get(first)!.runs.map((run) => run.seconds));
    const b = median(results.get(second)!.runs.map((run) => run.seconds));
    print(`${second}: ${((b / a) * 100).toFixed(0)}% of "${first}"\n`);
  }
} finally {
  for (const done of targets) await done.server[Symbol.asyncDispose]();
  await source.server[Symbol.asyncDispose]();
  await Deno.remove(work, { recursive: true });
}
