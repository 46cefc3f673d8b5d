/**
 * Index benchmark: the reference server's egg index of N eggs next to nginx
 * serving the same bytes from a file, in one run, for each N. Per N it
 * reports, for both: p50 latency of one client at a time, requests/s with
 * 16 connections (wrk), and for the server the p50 of a 304 revalidation,
 * the time of a cold build (the first GET after a change), and its RSS.
 * The repository is filled by inserting rows straight into its database
 * (what uploads would write, index entries included), not by N uploads.
 * Requests carry an API token, as EDM's and hatcher's do.
 *
 * Needs nginx and wrk: installed from Debian (`apt-get install -y nginx-light
 * wrk`) when missing. nginx runs as the current user on 127.0.0.1 with its
 * own temporary configuration, and is stopped at the end.
 *
 * Targets (issue 15): at 10,000 eggs at least 40% of nginx's requests/s and
 * p50 under 10 ms; 304 under 2 ms; at 100,000 a cold build under 2 s and RSS
 * under 400 MB.
 *
 * Run: `deno run -A scripts/bench_index.ts [--sizes 100,1000,10000,100000]
 *   [--duration 5] [--connections 16]`
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { request as httpRequest } from "node:http";
import { parseArgs } from "node:util";
import { createOrganization, createRepository, createToken, login } from "../mod.ts";
import { inTransaction, openDatabase } from "../server/db.ts";
import { EGG_KIND } from "../server/kinds/egg.ts";
import type { Artefact } from "../server/artefacts.ts";
import { median, print } from "./bench_helpers.ts";
import { startServer } from "../tests/helpers/server.ts";

const ADMIN = { email: "bench@example.com", password: "bench password" };
const PLATFORM = "rh7-x86_64";
const INDEX_PATH = `/api/v1/json/indices/acme/dev/${PLATFORM}/cp311/eggs`;
const COLD_SAMPLES = 3;

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "100,1000,10000,100000" },
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "16" },
  },
});
const sizes = values.sizes.split(",").map(Number);
const duration = Number(values.duration);
const connections = Number(values.connections);

/** A failure reported as one line; thrown so servers are stopped on the way out. */
class BenchError extends Error {}

async function run(command: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { code, stdout, stderr } = await new Deno.Command(command, { args }).output();
    const decoder = new TextDecoder();
    return { code, out: decoder.decode(stdout) + decoder.decode(stderr) };
  } catch {
    return { code: -1, out: "" };
  }
}

async function ensureTools(): Promise<void> {
  const nginx = (await run("nginx", ["-v"])).code === 0;
  const wrk = (await run("wrk", ["--version"])).out.includes("wrk");
  if (nginx && wrk) return;
  Deno.stderr.writeSync(
    new TextEncoder().encode("installing nginx-light and wrk from Debian...\n"),
  );
  const update = await run("apt-get", ["update", "-qq"]);
  const install = await run("apt-get", ["install", "-y", "-qq", "nginx-light", "wrk"]);
  if (update.code !== 0 || install.code !== 0) {
    throw new BenchError(`cannot install nginx and wrk: ${install.out.trim().split("\n").pop()}`);
  }
}

/** nginx on 127.0.0.1:port serving `root`, with everything it writes under `dir`. */
async function startNginx(dir: string, root: string): Promise<{ port: number; stop(): void }> {
  const port = freePort();
  const config = join(dir, "nginx.conf");
  await Deno.writeTextFile(
    config,
    `worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  types { application/json json; }
  server { listen 127.0.0.1:${port}; root ${root}; }
}
`,
  );
  const child = new Deno.Command("nginx", {
    args: ["-c", config, "-p", dir],
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let tries = 0; tries < 100; tries++) {
    try {
      (await fetch(`http://127.0.0.1:${port}/missing`)).body?.cancel();
      return { port, stop: () => child.kill("SIGQUIT") };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  child.kill("SIGKILL");
  throw new BenchError(`nginx did not start; see ${dir}/error.log`);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
}

function toMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!match) throw new BenchError(`cannot read wrk latency '${text}'`);
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
}

async function wrk(
  url: string,
  headers: string[],
  threads: number,
  conns: number,
  seconds: number,
) {
  const args = ["--latency", `-t${threads}`, `-c${conns}`, `-d${seconds}s`];
  for (const header of headers) args.push("-H", header);
  const { code, out } = await run("wrk", [...args, url]);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p50 = /\s50%\s+([\d.]+\w+)/.exec(out);
  if (code !== 0 || !rps || !p50) throw new BenchError(`wrk failed: ${out.trim()}`);
  if (/Non-2xx or 3xx responses/.test(out)) throw new BenchError(`wrk saw errors: ${out.trim()}`);
  return { requestsPerSecond: Number(rps[1]), p50Ms: toMs(p50[1]!) } satisfies WrkResult;
}

/** Resident and peak memory of a process, in MB. */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** An egg row as an upload of it would store, index entry included. */
function eggRow(repositoryId: number, i: number) {
  const tag = i % 10 === 0 ? "py311" : i % 25 === 0 ? null : "cp311";
  const name = `package${String(i).padStart(6, "0")}`;
  const version = `${1 + i % 7}.${i % 13}.${i % 5}`;
  const build = 1 + i % 3;
  const metadata = {
    egg_basename: name,
    python: tag === null ? null : "3.11",
    abi_tag: tag === "cp311" ? "cp311" : null,
    platform_tag: "linux_x86_64",
    platform_abi: i % 2 ? "gnu" : null,
    packages: [`numpy 1.26.${i % 4}-1`, `mkl 2023.1.0-${1 + i % 2}`, "six 1.16.0-1"],
  };
  const sha256 = createHash("sha256").update(String(i)).digest("hex");
  const artefact: Artefact = {
    id: 0,
    repositoryId,
    kind: "egg",
    platform: PLATFORM,
    name,
    version,
    build,
    fullVersion: `${version}-${build}`,
    pythonTag: tag,
    filename: `${name}-${version}-${build}.egg`,
    sha256,
    md5: sha256.slice(0, 32),
    size: 10_000 + i,
    metadata,
    enabled: true,
    mtime: 1_700_000_000 + i,
    createdAt: new Date().toISOString(),
  };
  return { artefact, entry: EGG_KIND.indexEntry(artefact) };
}

function fillRepository(dataDir: string, count: number): void {
  const db = openDatabase(dataDir);
  try {
    const { id } = db.prepare("SELECT id FROM repositories WHERE name = 'dev'").get() as {
      id: number;
    };
    inTransaction(db, () => {
      const insert = db.prepare(
        "INSERT INTO artefacts (repository_id, kind, platform, name, version, build, " +
          "full_version, python_tag, filename, sha256, md5, size, metadata, enabled, mtime, " +
          "created_at, index_entry) VALUES (?, 'egg', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
      );
      for (let i = 0; i < count; i++) {
        const { artefact: a, entry } = eggRow(id, i);
        insert.run(
          a.repositoryId,
          a.platform,
          a.name,
          a.version,
          a.build,
          a.fullVersion,
          a.pythonTag,
          a.filename,
          a.sha256,
          a.md5,
          a.size,
          JSON.stringify(a.metadata),
          a.mtime,
          a.createdAt,
          entry,
        );
      }
    });
  } finally {
    db.close();
  }
}

/** Changes one row as an upload would (its mtime), so the next GET builds the index anew. */
function touchRepository(dataDir: string): void {
  const db = openDatabase(dataDir);
  try {
    db.prepare("UPDATE artefacts SET mtime = mtime + 1 WHERE id = (SELECT MIN(id) FROM artefacts)")
      .run();
  } finally {
    db.close();
  }
}

/** The size of the gzip body on the wire (fetch would decode it; node:http does not). */
function gzipSize(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { headers: { ...headers, "accept-encoding": "gzip" } },
      (r) => {
        let size = 0;
        r.on("data", (chunk: Uint8Array) => size += chunk.length);
        r.on(
          "end",
          () =>
            r.headers["content-encoding"] === "gzip"
              ? resolve(size)
              : reject(new BenchError("the server did not gzip the index")),
        );
        r.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end();
  });
}

async function timedGet(url: string, headers: Record<string, string>) {
  const started = performance.now();
  const response = await fetch(url, { headers });
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.status !== 200) throw new BenchError(`GET ${url}: ${response.status}`);
  return { ms: performance.now() - started, bytes, etag: response.headers.get("etag") };
}

interface Row {
  eggs: number;
  jsonBytes: number;
  gzipBytes: number;
  server: WrkResult & { p50SingleMs: number };
  nginx: WrkResult & { p50SingleMs: number };
  notModifiedP50Ms: number;
  coldMs: number;
  builtRssMb: number;
  rssMb: number;
  peakMb: number;
  /** `hatcher eggs list` (the linux binary) and `curl` fetching the same index, medians. */
  list?: { hatcherMs: number; curlMs: number };
}

const BINARY = join(import.meta.dirname!, "..", "dist", "hatcher-linux-x64");
const LIST_RUNS = 11;

/**
 * The whole `hatcher eggs list` command (the binary: start-up, request,
 * parsing, the table) against `curl` fetching the same index, alternating,
 * output to /dev/null: medians of LIST_RUNS each. Undefined without a build.
 */
async function listAgainstCurl(
  serverUrl: string,
  token: string,
): Promise<{ hatcherMs: number; curlMs: number } | undefined> {
  if (!await Deno.stat(BINARY).then(() => true, () => false)) return undefined;
  const commands = {
    hatcher: [
      BINARY,
      "-u",
      serverUrl,
      "-t",
      token,
      "eggs",
      "list",
      "acme",
      "dev",
      PLATFORM,
      "cp311",
    ],
    curl: [
      "curl",
      "-sf",
      "-o",
      "/dev/null",
      "-H",
      `Authorization: Bearer ${token}`,
      `${serverUrl}${INDEX_PATH}`,
    ],
  };
  const times: Record<keyof typeof commands, number[]> = { hatcher: [], curl: [] };
  for (let run = 0; run <= LIST_RUNS; run++) {
    for (const name of run % 2 ? ["curl", "hatcher"] as const : ["hatcher", "curl"] as const) {
      const [command, ...args] = commands[name];
      const start = performance.now();
      const { code } = await new Deno.Command(command!, { args, stdout: "null", stderr: "null" })
        .output();
      if (code !== 0) throw new BenchError(`${name} failed listing the index`);
      if (run > 0) times[name].push(performance.now() - start); // run 0 warms up
    }
  }
  return { hatcherMs: median(times.hatcher), curlMs: median(times.curl) };
}

async function measure(eggs: number): Promise<Row> {
  const work = await Deno.makeTempDir({ prefix: "bench-index-" });
  try {
    await using server = await startServer({ admin: ADMIN, dataDir: join(work, "data") });
    const root = await login(server.url, { username: ADMIN.email, password: ADMIN.password });
    await createOrganization(root, { name: "acme", description: "" });
    await createRepository(root, { organization: "acme", name: "dev", description: "" });
    const { token } = await createToken(root, "bench");
    fillRepository(server.dataDir, eggs);

    const url = `${server.url}${INDEX_PATH}`;
    const auth = { authorization: `Bearer ${token}` };
    const colds: number[] = [];
    let document: Uint8Array = new Uint8Array();
    let etag = "";
    for (let sample = 0; sample < COLD_SAMPLES; sample++) {
      if (sample > 0) touchRepository(server.dataDir);
      const cold = await timedGet(url, auth);
      colds.push(cold.ms);
      document = cold.bytes;
      etag = cold.etag ?? "";
    }
    const warm: number[] = [];
    for (let sample = 0; sample < COLD_SAMPLES; sample++) warm.push((await timedGet(url, auth)).ms);
    const built = await memoryOf(server.pid);
    const gzipBytes = await gzipSize(url, auth);
    if (Object.keys(JSON.parse(new TextDecoder().decode(document))).length !== eggs) {
      throw new BenchError(`the index of ${eggs} eggs does not list them all`);
    }

    const site = join(work, "site");
    // nginx's workers may run as another user (nobody): let them in.
    await Deno.chmod(work, 0o755);
    await Deno.mkdir(join(site, "index"), { recursive: true });
    await Deno.writeFile(join(site, "index", "eggs.json"), document);
    const nginx = await startNginx(work, site);
    try {
      const nginxUrl = `http://127.0.0.1:${nginx.port}/index/eggs.json`;
      const served = await timedGet(nginxUrl, {});
      if (served.bytes.length !== document.length) throw new BenchError("nginx serves other bytes");

      const header = [`Authorization: Bearer ${token}`];
      const seconds = Math.max(2, Math.round(duration / 2));
      // One client at a time for latency; wrk's C client adds least of its own.
      const serverSingle = await wrk(url, header, 1, 1, seconds);
      const nginxSingle = await wrk(nginxUrl, [], 1, 1, seconds);
      const notModified = await wrk(url, [...header, `If-None-Match: ${etag}`], 1, 1, seconds);
      const serverLoad = await wrk(url, header, 2, connections, duration);
      const nginxLoad = await wrk(nginxUrl, [], 2, connections, duration);
      const memory = await memoryOf(server.pid);
      const list = await listAgainstCurl(server.url, token);
      return {
        list,
        eggs,
        jsonBytes: document.length,
        gzipBytes,
        server: { ...serverLoad, p50SingleMs: serverSingle.p50Ms },
        nginx: { ...nginxLoad, p50SingleMs: nginxSingle.p50Ms },
        notModifiedP50Ms: notModified.p50Ms,
        // The first GET after a change also sends the document: the build is what it adds.
        coldMs: median(colds) - median(warm),
        builtRssMb: built.rss,
        rssMb: memory.rss,
        peakMb: memory.peak,
      };
    } finally {
      nginx.stop();
    }
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

function size(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(0)} KB`;
}

const ms = (value: number) => value < 10 ? value.toFixed(2) : value.toFixed(0);
const whole = (value: number) => Math.round(value).toLocaleString("en-US");

async function main(): Promise<void> {
  await ensureTools();
  const rows: Row[] = [];
  for (const eggs of sizes) {
    Deno.stderr.writeSync(new TextEncoder().encode(`measuring ${eggs} eggs...\n`));
    rows.push(await measure(eggs));
  }
  print(
    "| eggs | JSON (gzip) | server p50 | nginx p50 | server req/s | nginx req/s | ratio | " +
      "304 p50 | cold build | RSS built | RSS after load (peak) |\n" +
      "|---|---|---|---|---|---|---|---|---|---|---|\n",
  );
  for (const row of rows) {
    const ratio = row.server.requestsPerSecond / row.nginx.requestsPerSecond;
    print(
      `| ${whole(row.eggs)} | ${size(row.jsonBytes)} (${size(row.gzipBytes)}) | ` +
        `${ms(row.server.p50SingleMs)} ms | ${ms(row.nginx.p50SingleMs)} ms | ` +
        `${whole(row.server.requestsPerSecond)} | ${whole(row.nginx.requestsPerSecond)} | ` +
        `${(ratio * 100).toFixed(0)}% | ${ms(row.notModifiedP50Ms)} ms | ` +
        `${ms(Math.max(0, row.coldMs))} ms | ${row.builtRssMb.toFixed(0)} MB | ` +
        `${row.rssMb.toFixed(0)} MB (${row.peakMb.toFixed(0)} MB) |\n`,
    );
  }
  for (const row of rows) {
    if (row.list === undefined) continue;
    print(
      `\n${whole(row.eggs)} eggs: \`hatcher eggs list\` (linux binary) ${
        ms(row.list.hatcherMs)
      } ms, ` +
        `curl ${ms(row.list.curlMs)} ms: ${(row.list.hatcherMs / row.list.curlMs).toFixed(2)}x`,
    );
  }
  print(
    `\n\np50: one connection (wrk -c1); req/s: wrk -t2 -c${connections} -d${duration}s; ` +
      `cold build: median first GET after a change minus median GET after it ` +
      `(${COLD_SAMPLES} samples each, one client); RSS built: after those.\n`,
  );
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    Deno.stderr.writeSync(new TextEncoder().encode(`bench_index: ${message}\n`));
    Deno.exit(1);
  }
}
