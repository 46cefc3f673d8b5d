/**
 * Load test of the reference server, bounded and on loopback only: 50
 * concurrent clients read the egg index and the token list for 20 s while
 * eggs are uploaded one after another. Prints requests/s and p50/p99
 * latency per endpoint, and the server's RSS: cold, then after a 20 s warm-up
 * load (the heap and buffers grow once), at the end of the measured load and
 * after 10 s of rest; exits 1 when RSS does not come back within 20% of
 * where the measured load started, or a request failed.
 *
 * Run: `deno run -A scripts/load_test.ts [--seconds 20] [--connections 50] [--warm-up 20]`
 */
import { parseArgs } from "node:util";
import { createToken, login, uploadEgg } from "../mod.ts";
import { writeEgg } from "../tests/helpers/eggs.ts";
import { PASSWORD, startEggWorld, USERS } from "../tests/helpers/world.ts";
import { median, print } from "./bench_helpers.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "20" },
    connections: { type: "string", default: "50" },
    "warm-up": { type: "string", default: "20" },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
if (!(seconds > 0 && seconds <= 120) || !(connections > 0 && connections <= 200)) {
  throw new Error("--seconds must be 1-120 and --connections 1-200");
}
const REST_MS = 10_000;
const WARM_UP_MS = Number(values["warm-up"]) * 1000;

/** The server's resident set, in MB, from /proc. */
function rssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

const work = await Deno.makeTempDir({ prefix: "hatcher-load-" });
await using server = await startEggWorld();
if (!server.url.startsWith("http://127.0.0.1:")) throw new Error("loopback only");
try {
  const uploader = await login(server.url, { username: USERS.uploader, password: PASSWORD });
  const reader = await login(server.url, { username: USERS.reader, password: PASSWORD });
  const readerToken = (await createToken(reader, "load-test")).token;
  const target = { organization: "acme", repository: "dev", platform: "rh7-x86_64" };
  // An index worth reading: 50 eggs.
  const eggs: string[] = [];
  for (let i = 0; i < 250; i++) {
    eggs.push(
      await writeEgg(work, { name: `load${i}`, version: "1.0" }, { payloadBytes: 200_000 }),
    );
  }
  for (const egg of eggs.slice(0, 50)) await uploadEgg(uploader, target, egg);

  const base = `${server.url}/api/v1/json`;
  const session = (await (await fetch(`${base}/auth/tokens/auth`, {
    method: "POST",
    headers: { authorization: `Bearer ${readerToken}` },
  })).json()).token as string;
  const endpoints = {
    index: { url: `${base}/indices/acme/dev/rh7-x86_64/cp311/eggs`, auth: `Bearer ${session}` },
    // The API token itself: every request also records its last use.
    tokens: { url: `${base}/auth/tokens/api`, auth: `Bearer ${readerToken}` },
  };
  const latencies: Record<keyof typeof endpoints, number[]> = { index: [], tokens: [] };

  let failures = 0;
  let uploads = 0;
  const pending = eggs.slice(50);
  /** `connections` clients on the two endpoints and one uploader, for `ms`. */
  const load = async (ms: number, latencies?: Record<keyof typeof endpoints, number[]>) => {
    const deadline = performance.now() + ms;
    const uploading = (async () => {
      while (performance.now() < deadline && pending.length > 0) {
        await uploadEgg(uploader, target, pending.shift()!);
        uploads++;
      }
    })();
    const clients = Array.from({ length: connections }, async (_, i) => {
      const name = names[i % names.length]!;
      const { url, auth } = endpoints[name];
      while (performance.now() < deadline) {
        const started = performance.now();
        const response = await fetch(url, { headers: { authorization: auth } });
        await response.arrayBuffer();
        if (response.status !== 200) failures++;
        latencies?.[name].push(performance.now() - started);
      }
    });
    await Promise.all([...clients, uploading]);
  };
  const names = Object.keys(endpoints) as (keyof typeof endpoints)[];
  const rest = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  // A cold server grows its heap and buffers once, on its first load; the
  // question is whether a load leaves more behind, so measure after a first one.
  await rest(2000);
  const cold = rssMb(server.pid);
  await load(WARM_UP_MS);
  await rest(REST_MS);
  const before = rssMb(server.pid);
  uploads = 0;
  await load(seconds * 1000, latencies);
  const atEnd = rssMb(server.pid);
  await rest(REST_MS);
  const after = rssMb(server.pid);
  print(
    `${connections} connections for ${seconds} s on loopback, ${uploads} uploads of 200 KB eggs meanwhile\n`,
  );
  print("endpoint | requests/s | p50 ms | p99 ms | median ms\n");
  for (const name of names) {
    const values = latencies[name];
    print(
      `${name} | ${(values.length / seconds).toFixed(0)} | ${
        percentile(values, 0.5).toFixed(1)
      } | ` +
        `${percentile(values, 0.99).toFixed(1)} | ${median(values).toFixed(1)}\n`,
    );
  }
  print(`failed requests: ${failures}\n`);
  print(`server RSS: ${cold.toFixed(0)} MB cold, before any load\n`);
  print(
    `server RSS: ${before.toFixed(0)} MB after a ${WARM_UP_MS / 1000} s warm-up load and ${
      REST_MS / 1000
    } s of rest, ` +
      `${atEnd.toFixed(0)} MB at the end, ` +
      `${after.toFixed(0)} MB after ${REST_MS / 1000} s (${
        ((after / before - 1) * 100).toFixed(0)
      }%)\n`,
  );
  if (after > before * 1.2 || failures > 0) {
    print("FAIL: RSS did not come back within 20%, or requests failed\n");
    Deno.exitCode = 1;
  }
} finally {
  await Deno.remove(work, { recursive: true });
}
