/**
 * Server benchmark: this checkout's reference server against another
 * checkout's (`--baseline DIR`, e.g. `git archive HEAD~1 | tar -x -C DIR`),
 * both running at once on loopback and measured in the same rounds, so the
 * ratio holds on a noisy machine. It measures what the HTTP layer costs:
 *
 * 1. Small requests: `wrk` (apt install wrk) on `GET metadata/platforms` with
 *    a session token over `--connections` keep-alive connections for
 *    `--seconds`: requests/s and p50 latency.
 * 2. Large transfers with curl: download of a `--size-mb` egg to /dev/null,
 *    and its upload; wall time and the server's CPU time per run.
 *
 * Each phase has an untimed warm-up of each server, then rounds in
 * alternating order (`sync` before every transfer); medians are reported.
 *
 * Run: `deno run -A scripts/bench_serve.ts --baseline DIR [--connections 32]
 * [--seconds 10] [--rounds 3] [--size-mb 1024] [--server-args "--timed-connections"]`
 * (`--server-args` go to this checkout's server only; `""` compares
 * `Deno.serve` with itself, a check of the bench's noise.)
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createOrganization, createRepository, createToken, login, sha256File } from "../mod.ts";
import { writeEgg } from "../tests/helpers/eggs.ts";
import { type RunningServer, startServer } from "../tests/helpers/server.ts";
import { inAlternatingRounds, median, print, processCpuSeconds, settle } from "./bench_helpers.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    baseline: { type: "string" },
    connections: { type: "string", default: "32" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    "size-mb": { type: "string", default: "1024" },
    // Options for this checkout's server only (the baseline may not know them).
    "server-args": { type: "string", default: "--timed-connections" },
  },
});
if (!values.baseline) throw new Error("--baseline DIR (another checkout of hatcher) is required");
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
if (!(connections >= 1 && connections <= 200) || !(seconds >= 1 && seconds <= 60)) {
  throw new Error("--connections must be 1-200 and --seconds 1-60");
}
const sizeBytes = Number(values["size-mb"]) * 1024 * 1024;
const ADMIN = { email: "bench@example.com", password: "bench password" };

interface Contender {
  name: string;
  server: RunningServer;
  /** An API token (curl) and a session token (wrk: no `last_used` write per request). */
  token: string;
  session: string;
}

async function prepare(
  name: string,
  options: { serverMain?: string; extraArgs?: string[] },
): Promise<Contender> {
  const server = await startServer({ admin: ADMIN, ...options });
  if (!server.url.startsWith("http://127.0.0.1:")) throw new Error("loopback only");
  const admin = await login(server.url, { username: ADMIN.email, password: ADMIN.password });
  await createOrganization(admin, { name: "acme", description: "bench" });
  await createRepository(admin, { organization: "acme", name: "bench", description: "bench" });
  const { token } = await createToken(admin, "bench");
  const reply = await fetch(`${server.url}/api/v1/json/auth/tokens/auth`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  const session = (await reply.json()).token as string;
  return { name, server, token, session };
}

/** A wrk duration such as `3.79ms`, in milliseconds. */
function milliseconds(text: string): number {
  const [, value, unit] = /^([\d.]+)(us|ms|s|m)$/.exec(text) ?? [];
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit ?? ""];
  if (value === undefined || scale === undefined) throw new Error(`wrk duration '${text}'`);
  return Number(value) * scale;
}

async function wrk(contender: Contender): Promise<{ requestsPerSecond: number; p50Ms: number }> {
  const url = `${contender.server.url}/api/v1/json/metadata/platforms`;
  const { code, stdout, stderr } = await new Deno.Command("wrk", {
    args: [
      "-t2",
      `-c${connections}`,
      `-d${seconds}s`,
      "--latency",
      "-H",
      `Authorization: Bearer ${contender.session}`,
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0) throw new Error(`wrk failed: ${new TextDecoder().decode(stderr)}`);
  // Any answer but 200 would make the comparison meaningless.
  if (/Non-2xx or 3xx responses|Socket errors/.test(text)) throw new Error(`wrk: ${text}`);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(text)?.[1];
  const p50 = /^\s+50%\s+(\S+)$/m.exec(text)?.[1];
  if (rate === undefined || p50 === undefined) throw new Error(`wrk output: ${text}`);
  return { requestsPerSecond: Number(rate), p50Ms: milliseconds(p50) };
}

/** Runs curl to completion after `sync`: wall seconds and the server's CPU seconds meanwhile. */
async function curl(args: string[], server: RunningServer) {
  await settle();
  const cpuBefore = await processCpuSeconds(server.pid);
  const started = performance.now();
  const { code, stderr } = await new Deno.Command("curl", {
    args: ["-sS", "--fail", "-o", "/dev/null", ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  const wall = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`curl failed: ${new TextDecoder().decode(stderr)}`);
  return { wall, cpu: await processCpuSeconds(server.pid) - cpuBefore };
}

const work = await Deno.makeTempDir({ prefix: "hatcher-bench-serve-" });
const contenders: Contender[] = [];
try {
  const serverArgs = values["server-args"].split(" ").filter((arg) => arg !== "");
  contenders.push(await prepare("this checkout", { extraArgs: serverArgs }));
  contenders.push(
    await prepare("baseline", { serverMain: join(resolve(values.baseline), "server", "main.ts") }),
  );

  print(`wrk: ${connections} keep-alive connections for ${seconds} s, ${rounds} rounds\n`);
  const small: Record<string, { requestsPerSecond: number; p50Ms: number }[]> = {};
  await inAlternatingRounds(contenders, rounds, async (contender, counted) => {
    const result = await wrk(contender);
    if (!counted) return;
    (small[contender.name] ??= []).push(result);
    print(
      `  ${contender.name}: ${result.requestsPerSecond.toFixed(0)} requests/s, ` +
        `p50 ${result.p50Ms.toFixed(2)} ms\n`,
    );
  });

  print(`Building a ${values["size-mb"]} MiB egg...\n`);
  const egg = await writeEgg(work, { name: "big", version: "1.0" }, { payloadBytes: sizeBytes });
  const size = (await Deno.stat(egg)).size;
  const sha256 = await sha256File(egg);
  const api = (contender: Contender) => `${contender.server.url}/api/v1/json/data/acme/bench`;
  const bearer = (contender: Contender) => ["-H", `Authorization: Bearer ${contender.token}`];
  const upload = (contender: Contender) =>
    curl([
      ...bearer(contender),
      "-F",
      `data={"sha256":"${sha256}"};type=application/json`,
      "-F",
      `file=@${egg}`,
      `${api(contender)}/rh7-x86_64/eggs/upload?overwrite=True&enabled=True`,
    ], contender.server);
  const download = (contender: Contender) =>
    curl(
      [...bearer(contender), `${api(contender)}/rh7-x86_64/cp311/eggs/big/1.0-1`],
      contender.server,
    );
  for (const contender of contenders) await upload(contender);

  const transfers: Record<string, { wall: number; cpu: number }[]> = {};
  for (const [kind, run] of [["download", download], ["upload", upload]] as const) {
    print(`${kind}s of ${(size / 1e6).toFixed(0)} MB, ${rounds} rounds\n`);
    await inAlternatingRounds(contenders, rounds, async (contender, counted) => {
      const result = await run(contender);
      if (!counted) return;
      (transfers[`${contender.name} ${kind}`] ??= []).push(result);
      print(
        `  ${contender.name}: ${result.wall.toFixed(2)} s (server CPU ${
          result.cpu.toFixed(2)
        } s)\n`,
      );
    });
  }

  const [mine, base] = contenders.map((c) => c.name) as [string, string];
  const ratio = (a: number, b: number) => `${(a / b * 100).toFixed(0)}%`;
  const smallMedian = (name: string, key: "requestsPerSecond" | "p50Ms") =>
    median(small[name]!.map((r) => r[key]));
  print(`\nMedians (${rounds} rounds); "ratio" is this checkout / baseline\n`);
  print("| measure | this checkout | baseline | ratio |\n|---|---|---|---|\n");
  for (
    const [label, key, digits] of [["requests/s", "requestsPerSecond", 0], [
      "p50 ms",
      "p50Ms",
      2,
    ]] as const
  ) {
    const [a, b] = [smallMedian(mine, key), smallMedian(base, key)];
    print(`| ${label} | ${a.toFixed(digits)} | ${b.toFixed(digits)} | ${ratio(a, b)} |\n`);
  }
  for (const kind of ["download", "upload"]) {
    const rate = (name: string) =>
      size / median(transfers[`${name} ${kind}`]!.map((r) => r.wall)) / 1e6;
    const cpu = (name: string) => median(transfers[`${name} ${kind}`]!.map((r) => r.cpu));
    print(
      `| ${kind} MB/s | ${rate(mine).toFixed(0)} | ${rate(base).toFixed(0)} | ${
        ratio(rate(mine), rate(base))
      } |\n`,
    );
    print(
      `| ${kind} server CPU s | ${cpu(mine).toFixed(2)} | ${cpu(base).toFixed(2)} | ${
        ratio(cpu(mine), cpu(base))
      } |\n`,
    );
  }
} finally {
  for (const contender of contenders) await contender.server.stop();
  await Deno.remove(work, { recursive: true });
}
