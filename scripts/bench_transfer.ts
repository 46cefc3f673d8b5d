/**
 * Transfer benchmark: hatcher against curl on the same reference server in
 * the same run, so the ratio holds even on a noisy machine.
 *
 * 1. Upload and download of one large egg (default 1 GiB): MB/s for each
 *    tool, the hatcher/curl ratio, and hatcher's peak RSS (GNU time).
 * 2. Batch upload of many small eggs (default 500) with --jobs 1 and
 *    --jobs 8: the speed-up.
 *
 * Both tools authenticate with the same API token, and every timed run starts
 * after `sync` with the previous output removed, so neither pays for the
 * other's disk writeback (on these VMs that alone swings a run by 50%).
 *
 * Run: `deno task bench:transfer [--size-mb 1024] [--small 500] [--rounds 3]`
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { writeEgg } from "../tests/helpers/eggs.ts";
import { startServer } from "../tests/helpers/server.ts";
import { createOrganization, createRepository, createToken, login, sha256File } from "../mod.ts";

const { values } = parseArgs({
  options: {
    "size-mb": { type: "string", default: "1024" },
    small: { type: "string", default: "500" },
    rounds: { type: "string", default: "3" },
  },
});
const sizeBytes = Number(values["size-mb"]) * 1024 * 1024;
const smallCount = Number(values.small);
const rounds = Number(values.rounds);
const root = fileURLToPath(new URL("..", import.meta.url));
const encoder = new TextEncoder();
const print = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
const ADMIN = { email: "bench@example.com", password: "bench password" };
const TARGET = ["acme", "bench", "rh7-x86_64"];

interface Timed {
  seconds: number;
  peakRssKb?: number;
}

/** Flushes dirty pages, so the next run does not pay for the last one's writes. */
async function settle(): Promise<void> {
  await new Deno.Command("sync").output();
}

/** Runs a command under GNU time; fails loudly on a non-zero exit. */
async function timed(argv: string[]): Promise<Timed> {
  await settle();
  const report = await Deno.makeTempFile();
  const started = performance.now();
  const { code, stderr } = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M", "-o", report, ...argv],
    stdout: "null",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    throw new Error(`${argv.slice(0, 4).join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
  }
  const peakRssKb = Number((await Deno.readTextFile(report)).trim().split("\n").at(-1));
  await Deno.remove(report);
  return { seconds, peakRssKb };
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
  const results: Record<string, Timed[]> = {
    "hatcher upload": [],
    "curl upload": [],
    "hatcher download": [],
    "curl download": [],
  };
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so neither tool always gets the warm cache.
    const uploads = [
      ["hatcher upload", [...hatcher, "eggs", "upload", "--force", ...TARGET, big]],
      ["curl upload", curlUpload],
    ] as const;
    for (const [name, argv] of round % 2 ? [...uploads].reverse() : uploads) {
      results[name]!.push(await timed([...argv]));
      print(`  ${name}: ${results[name]!.at(-1)!.seconds.toFixed(2)} s\n`);
    }
    const downloads = [
      ["hatcher download", [
        ...hatcher,
        "eggs",
        "download",
        "acme",
        "bench",
        "rh7-x86_64",
        "cp311",
        "big",
        "1.0-1",
        join(work, "h.egg"),
      ]],
      ["curl download", [
        "curl",
        "-sS",
        "--fail",
        "-H",
        bearer,
        "-o",
        join(work, "c.egg"),
        dataUrl,
      ]],
    ] as const;
    for (const [name, argv] of round % 2 ? [...downloads].reverse() : downloads) {
      for (const output of ["h.egg", "c.egg"]) {
        await Deno.remove(join(work, output)).catch(() => {});
      }
      results[name]!.push(await timed([...argv]));
      print(`  ${name}: ${results[name]!.at(-1)!.seconds.toFixed(2)} s\n`);
    }
  }
  const best = (name: string) => Math.min(...results[name]!.map((r) => r.seconds));
  const rate = (seconds: number) => size / seconds / 1e6;
  print(`\nLarge egg: ${(size / 1e6).toFixed(0)} MB, best of ${rounds} rounds\n`);
  print(
    "| transfer | hatcher MB/s | curl MB/s | hatcher / curl | hatcher peak RSS |\n|---|---|---|---|---|\n",
  );
  for (const kind of ["upload", "download"]) {
    const h = rate(best(`hatcher ${kind}`));
    const c = rate(best(`curl ${kind}`));
    const rss = Math.max(...results[`hatcher ${kind}`]!.map((r) => r.peakRssKb ?? 0)) / 1024;
    print(
      `| ${kind} | ${h.toFixed(0)} | ${c.toFixed(0)} | ${(h / c * 100).toFixed(0)}% | ${
        rss.toFixed(0)
      } MB |\n`,
    );
  }

  if (smallCount === 0) Deno.exit(0);
  print(`\nBuilding ${smallCount} small eggs...\n`);
  const smallDir = join(work, "small");
  await Deno.mkdir(smallDir);
  const smallEggs: string[] = [];
  for (let i = 0; i < smallCount; i++) {
    smallEggs.push(await writeEgg(smallDir, { name: `small${i}`, version: "1.0" }));
  }
  const batch: Record<string, number[]> = { "1": [], "8": [] };
  for (let round = 0; round < rounds; round++) {
    for (const jobs of round % 2 ? ["8", "1"] : ["1", "8"]) {
      const result = await timed([
        ...hatcher,
        "eggs",
        "batch-upload",
        "--force",
        "--jobs",
        jobs,
        ...TARGET,
        ...smallEggs,
      ]);
      batch[jobs]!.push(result.seconds);
    }
  }
  const one = Math.min(...batch["1"]!);
  const eight = Math.min(...batch["8"]!);
  print(`\nBatch upload of ${smallCount} small eggs, best of ${rounds}\n`);
  print("| --jobs | seconds | eggs/s |\n|---|---|---|\n");
  print(`| 1 | ${one.toFixed(2)} | ${(smallCount / one).toFixed(0)} |\n`);
  print(`| 8 | ${eight.toFixed(2)} | ${(smallCount / eight).toFixed(0)} |\n`);
  print(`\nSpeed-up of --jobs 8 over --jobs 1: ${(one / eight).toFixed(2)}x\n`);
} finally {
  await Deno.remove(work, { recursive: true });
}
