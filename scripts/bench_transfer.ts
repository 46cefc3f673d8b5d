/**
 * Transfer benchmark: hatcher against curl on the same reference server in
 * the same run, so the ratio holds even on a noisy machine.
 *
 * 1. Upload and download of one large egg (default 1 GiB): MB/s for each
 *    tool, the hatcher/curl ratio, and hatcher's peak RSS (GNU time). The
 *    CLI runs as `deno run cli.ts`; the download is also timed with the
 *    linux-x64 binary when `dist/` has one (`deno task build`).
 * 2. Batch upload of many small eggs (default 500) with --jobs 1 and
 *    --jobs 8: the speed-up.
 *
 * Both tools authenticate with the same API token. Each phase (downloads, then
 * uploads, then batches) starts with an untimed warm-up run of each command
 * and alternates the order in its rounds; every run starts after `sync` with
 * the previous downloads removed, so no run pays for another's disk
 * writeback (on these VMs that alone swings a run by 50%). Best and median
 * are reported.
 *
 * Run: `deno task bench:transfer [--size-mb 1024] [--small 500] [--rounds 5]
 * [--baseline OTHER_CHECKOUT/cli.ts] [--baseline-binary OTHER_BUILD/hatcher-linux-x64]
 * [--downloads-only]`
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { writeEgg } from "../tests/helpers/eggs.ts";
import {
  inAlternatingRounds,
  median,
  print,
  printCpuTable,
  type Timed,
  timed,
} from "./bench_helpers.ts";
import { startServer } from "../tests/helpers/server.ts";
import {
  createOrganization,
  createRepository,
  createToken,
  login,
  sha256File,
  uploadEgg,
} from "../mod.ts";

const { values } = parseArgs({
  options: {
    "size-mb": { type: "string", default: "1024" },
    small: { type: "string", default: "500" },
    rounds: { type: "string", default: "5" },
    // Only the large download (no uploads, no batch): quicker A/B runs.
    "downloads-only": { type: "boolean", default: false },
    // Another checkout's cli.ts, e.g. a `git worktree` of an older commit:
    // its downloads race in the same rounds, for a before/after ratio.
    baseline: { type: "string" },
    // Another build of the binary (an older commit's, other build options): it races
    // the binary in the same rounds.
    "baseline-binary": { type: "string" },
  },
});
const sizeBytes = Number(values["size-mb"]) * 1024 * 1024;
const smallCount = Number(values.small);
const rounds = Number(values.rounds);
const root = fileURLToPath(new URL("..", import.meta.url));
const ADMIN = { email: "bench@example.com", password: "bench password" };
const TARGET = ["acme", "bench", "rh7-x86_64"];

const min = (values: number[]) => Math.min(...values);
const percent = (ratio: number) => `${(ratio * 100).toFixed(0)}%`;

/** Named commands that race each other. */
type Contest = [name: string, argv: string[]][];

/** Races the commands in alternating rounds after a warm-up (see inAlternatingRounds). */
async function contest(
  commands: Contest,
  options: { rounds: number; serverPid: number; before?: () => Promise<void> },
): Promise<Record<string, Timed[]>> {
  const results: Record<string, Timed[]> = {};
  await inAlternatingRounds(commands, options.rounds, async ([name, argv], counted) => {
    await options.before?.();
    const result = await timed(argv, options.serverPid);
    if (!counted) return;
    (results[name] ??= []).push(result);
    print(
      `  ${name}: ${result.seconds.toFixed(2)} s (CPU: ${result.userSeconds.toFixed(2)} s user, ` +
        `${result.kernelSeconds.toFixed(2)} s kernel; server ${
          result.serverSeconds.toFixed(2)
        } s)\n`,
    );
  });
  return results;
}

/** Seconds SHA-256 takes over `bytes` in memory: the verification no download can skip. */
function sha256Seconds(bytes: number): number {
  const piece = new Uint8Array(1 << 20).fill(7);
  const hash = createHash("sha256");
  const started = performance.now();
  for (let done = 0; done < bytes; done += piece.length) hash.update(piece);
  hash.digest();
  return (performance.now() - started) / 1000;
}

/**
 * Where the CPU goes, as medians per run: the client's own CPU time, the
 * server's meanwhile, and the wall time no run can beat with both on this
 * machine's cores, (client + server CPU) / cores. When a run takes about
 * that long it is CPU-bound: only less CPU per byte makes it faster.
 */
function printCpuBudget(results: Record<string, Timed[]>, size: number): void {
  const floors = printCpuTable(results);
  const curlWall = median(results["curl download"]!.map((r) => r.seconds));
  print(
    `\nSHA-256 of ${(size / 1e6).toFixed(0)} MB in memory: ${sha256Seconds(size).toFixed(2)} s. ` +
      `At its CPU floor, hatcher's download would reach ${
        percent(curlWall / floors["hatcher download"]!)
      } of curl's median rate.\n`,
  );
}

const work = await Deno.makeTempDir({ prefix: "hatcher-bench-" });
await using server = await startServer({ admin: ADMIN });
try {
  const session = await login(server.url, { username: ADMIN.email, password: ADMIN.password });
  await createOrganization(session, { name: "acme", description: "bench" });
  await createRepository(session, { organization: "acme", name: "bench", description: "bench" });
  // One API token for both tools: the timings hold no password hashing.
  const { token } = await createToken(session, "bench");
  const bearer = `Authorization: Bearer ${token}`;
  const hatcher = [
    Deno.execPath(),
    "run",
    "-A",
    "--quiet",
    join(root, "cli.ts"),
    "-u",
    server.url,
    "-t",
    token,
  ];

  print(`Building a ${values["size-mb"]} MiB egg...\n`);
  const big = await writeEgg(work, { name: "big", version: "1.0" }, { payloadBytes: sizeBytes });
  const size = (await Deno.stat(big)).size;
  const sha256 = await sha256File(big);
  const api = `${server.url}/api/v1/json`;
  const curlUpload = [
    "curl",
    "-sS",
    "--fail",
    "-o",
    "/dev/null",
    "-H",
    bearer,
    "-F",
    `data={"sha256":"${sha256}"};type=application/json`,
    "-F",
    `file=@${big}`,
    `${api}/data/acme/bench/rh7-x86_64/eggs/upload?overwrite=True&enabled=True`,
  ];
  const dataUrl = `${api}/data/acme/bench/rh7-x86_64/cp311/eggs/big/1.0-1`;
  const uploads: Contest = [
    ["hatcher upload", [...hatcher, "eggs", "upload", "--force", ...TARGET, big]],
    ["curl upload", curlUpload],
  ];
  const download = ["eggs", "download", "acme", "bench", "rh7-x86_64", "cp311", "big", "1.0-1"];
  const downloads: Contest = [
    ["hatcher download", [...hatcher, ...download, join(work, "h.egg")]],
    ["curl download", ["curl", "-sS", "--fail", "-H", bearer, "-o", join(work, "c.egg"), dataUrl]],
  ];
  // The prebuilt binary too, when `deno task build` has made one for this machine.
  const binary = join(root, "dist", "hatcher-linux-x64");
  const hasBinary = Deno.build.os === "linux" && Deno.build.arch === "x86_64" &&
    await Deno.stat(binary).then(() => true, () => false);
  /** A build of the binary racing in both phases; its download is saved as `output`. */
  const raceBinary = (name: string, file: string, output: string) => {
    const login = [file, "-u", server.url, "-t", token];
    downloads.push([`${name} download`, [...login, ...download, join(work, output)]]);
    uploads.push([`${name} upload`, [...login, "eggs", "upload", "--force", ...TARGET, big]]);
  };
  if (hasBinary) raceBinary("binary", binary, "b.egg");
  if (values.baseline) {
    const baseline = [...hatcher.slice(0, 4), values.baseline, ...hatcher.slice(5)];
    downloads.push(["baseline download", [...baseline, ...download, join(work, "old.egg")]]);
    uploads.push(["baseline upload", [...baseline, "eggs", "upload", "--force", ...TARGET, big]]);
  }
  const baselineBinary = values["baseline-binary"];
  if (baselineBinary) raceBinary("baseline-binary", baselineBinary, "ob.egg");
  const removeDownloads = async () => {
    for (const output of ["h.egg", "c.egg", "b.egg", "old.egg", "ob.egg"]) {
      await Deno.remove(join(work, output)).catch(() => {});
    }
  };
  // Downloads, then uploads, each phase after its own warm-up.
  await uploadEgg(
    session,
    { organization: "acme", repository: "bench", platform: TARGET[2]! },
    big,
  );
  const results = {
    ...await contest(downloads, { rounds, serverPid: server.pid, before: removeDownloads }),
    ...values["downloads-only"] ? {} : await contest(uploads, { rounds, serverPid: server.pid }),
  };
  const seconds = (name: string) => results[name]!.map((r) => r.seconds);
  const rate = (time: number) => size / time / 1e6;
  print(`\nLarge egg: ${(size / 1e6).toFixed(0)} MB, ${rounds} rounds after a warm-up\n`);
  print(
    "| transfer | hatcher MB/s (best / median) | curl MB/s (best / median) | hatcher / curl (best / median) | hatcher peak RSS |\n" +
      "|---|---|---|---|---|\n",
  );
  const rows: [label: string, tool: string, kind: string][] = [
    ["download", "hatcher", "download"],
  ];
  if (!values["downloads-only"]) rows.unshift(["upload", "hatcher", "upload"]);
  if (hasBinary && !values["downloads-only"]) {
    rows.splice(1, 0, ["upload, binary", "binary", "upload"]);
  }
  if (hasBinary) rows.push(["download, binary", "binary", "download"]);
  if (values.baseline && !values["downloads-only"]) {
    rows.splice(rows.findIndex(([label]) => label === "download"), 0, [
      "upload, baseline",
      "baseline",
      "upload",
    ]);
  }
  if (values.baseline) rows.push(["download, baseline", "baseline", "download"]);
  if (baselineBinary) {
    if (!values["downloads-only"]) {
      rows.splice(rows.findIndex(([label]) => label === "download"), 0, [
        "upload, baseline binary",
        "baseline-binary",
        "upload",
      ]);
    }
    rows.push(["download, baseline binary", "baseline-binary", "download"]);
  }
  for (const [label, tool, kind] of rows) {
    const h = seconds(`${tool} ${kind}`);
    const c = seconds(`curl ${kind}`);
    const [hBest, hMedian, cBest, cMedian] = [min(h), median(h), min(c), median(c)].map(rate);
    const rss = Math.max(...results[`${tool} ${kind}`]!.map((r) => r.peakRssKb)) / 1024;
    print(
      `| ${label} | ${hBest!.toFixed(0)} / ${hMedian!.toFixed(0)} | ${cBest!.toFixed(0)} / ${
        cMedian!.toFixed(0)
      } | ${percent(hBest! / cBest!)} / ${percent(hMedian! / cMedian!)} | ${rss.toFixed(0)} MB |\n`,
    );
  }
  printCpuBudget(results, size);

  if (smallCount > 0 && !values["downloads-only"]) {
    print(`\nBuilding ${smallCount} small eggs...\n`);
    const smallDir = join(work, "small");
    await Deno.mkdir(smallDir);
    const smallEggs: string[] = [];
    for (let i = 0; i < smallCount; i++) {
      smallEggs.push(await writeEgg(smallDir, { name: `small${i}`, version: "1.0" }));
    }
    const batch = (jobs: string): Contest[number] => [
      `--jobs ${jobs}`,
      [...hatcher, "eggs", "batch-upload", "--force", "--jobs", jobs, ...TARGET, ...smallEggs],
    ];
    const batches = await contest([batch("1"), batch("8")], { rounds, serverPid: server.pid });
    const one = min(batches["--jobs 1"]!.map((r) => r.seconds));
    const eight = min(batches["--jobs 8"]!.map((r) => r.seconds));
    print(`\nBatch upload of ${smallCount} small eggs, best of ${rounds}\n`);
    print("| --jobs | seconds | eggs/s |\n|---|---|---|\n");
    print(`| 1 | ${one.toFixed(2)} | ${(smallCount / one).toFixed(0)} |\n`);
    print(`| 8 | ${eight.toFixed(2)} | ${(smallCount / eight).toFixed(0)} |\n`);
    print(`\nSpeed-up of --jobs 8 over --jobs 1: ${(one / eight).toFixed(2)}x\n`);
  }
} finally {
  await Deno.remove(work, { recursive: true });
}
