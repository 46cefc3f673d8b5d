/**
 * Builds the standalone `hatcher` binaries into `dist/`:
 *
 * 1. `deno bundle cli.ts` → `dist/hatcher.mjs` (ESM, npm packages inlined), then
 *    checks that it prints the version under both `node` and `deno run`;
 * 2. `bun build --compile --minify --bytecode --compile-jit-policy=N` of that
 *    bundle for each target →
 *    `dist/hatcher-<os>-<arch>[.exe]` (retried without `--bytecode` if bun
 *    refuses it for a target), running the one that matches this machine (and
 *    linux-arm64 under qemu-user where it is installed);
 * 3. `dist/SHA256SUMS` (`cd dist && sha256sum -c SHA256SUMS`), written last.
 *
 * Earlier outputs are removed first, so `dist/` holds exactly this build.
 * Bun comes from `tools/node_modules` (`npm ci --prefix tools`); bun downloads
 * the runtime of each cross target from the npm registry once (into ~/.bun).
 *
 * Run: `deno task build [--targets linux-x64,darwin-arm64,...]`
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { VERSION } from "../lib/version.ts";

/** Every target, as `<os>-<arch>` (bun's target is `bun-<os>-<arch>`). */
export const TARGETS = [
  "linux-x64",
  "linux-arm64",
  "darwin-x64",
  "darwin-arm64",
  "windows-x64",
] as const;
export type Target = typeof TARGETS[number];

/** The file name of a target's binary inside `dist/`. */
export function binaryName(target: Target): string {
  return `hatcher-${target}${target.startsWith("windows-") ? ".exe" : ""}`;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(ROOT, "dist");
const BUNDLE = "hatcher.mjs";
const SUMS = "SHA256SUMS";
const BUN = join(ROOT, "tools", "node_modules", ".bin", "bun");
const encoder = new TextEncoder();
const decoder = new TextDecoder();

class BuildError extends Error {}

interface Built {
  file: string;
  seconds: number;
  note: string;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(command: string, args: string[], cwd = ROOT): Promise<RunResult> {
  let child;
  try {
    // The environment is inherited on purpose: bun downloads cross-target
    // runtimes and needs the machine's CA settings (NODE_EXTRA_CA_CERTS...).
    child = new Deno.Command(command, { args, cwd, stdout: "piped", stderr: "piped" });
  } catch (error) {
    throw new BuildError(`cannot run ${command}: ${(error as Error).message}`);
  }
  try {
    const { code, stdout, stderr } = await child.output();
    return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new BuildError(`${command} not found`);
    throw error;
  }
}

/** The last meaningful line a failed tool printed, without colour codes. */
function lastLine(result: RunResult): string {
  // deno-lint-ignore no-control-regex
  const text = (result.stderr + "\n" + result.stdout).replace(/\x1b\[[0-9;]*m/g, "");
  const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
  return lines.at(-1) ?? "(no output)";
}

function progress(text: string): void {
  Deno.stderr.writeSync(encoder.encode(`${text}\n`));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Removes the outputs of earlier builds (only ours: hatcher*, SHA256SUMS). */
async function cleanDist(): Promise<void> {
  await Deno.mkdir(DIST, { recursive: true });
  for await (const entry of Deno.readDir(DIST)) {
    if (entry.isFile && (entry.name.startsWith("hatcher") || entry.name.startsWith(SUMS))) {
      await Deno.remove(join(DIST, entry.name));
    }
  }
}

/** Checks that `argv` prints `hatcher VERSION`, from `/` so nothing of the repo helps. */
async function expectVersion(label: string, command: string, args: string[]): Promise<void> {
  const result = await run(command, [...args, "--version"], "/");
  const want = `hatcher ${VERSION}`;
  if (result.code !== 0 || result.stdout.trim() !== want) {
    throw new BuildError(
      `${label} --version gave exit ${result.code} and "${result.stdout.trim()}", ` +
        `expected "${want}": ${lastLine(result)}`,
    );
  }
}

async function bundle(): Promise<Built> {
  const started = performance.now();
  const out = join(DIST, BUNDLE);
  const result = await run(Deno.execPath(), ["bundle", "--quiet", "-o", out, "cli.ts"]);
  if (result.code !== 0) throw new BuildError(`deno bundle cli.ts failed: ${lastLine(result)}`);
  const seconds = (performance.now() - started) / 1000;
  await expectVersion(`node dist/${BUNDLE}`, "node", [out]);
  await expectVersion(`deno run -A dist/${BUNDLE}`, Deno.execPath(), [
    "run",
    "-A",
    "--no-config",
    out,
  ]);
  return { file: BUNDLE, seconds, note: "deno bundle; checked with node and deno" };
}

/** This machine's target, if it is one of ours (its binary is run after the build). */
function hostTarget(): Target | undefined {
  const os = Deno.build.os === "windows" ? "windows" : Deno.build.os;
  const arch = { x86_64: "x64", aarch64: "arm64" }[Deno.build.arch];
  const target = `${os}-${arch}`;
  return (TARGETS as readonly string[]).includes(target) ? target as Target : undefined;
}

/** Debian's aarch64 C library (libc6-arm64-cross), which the arm64 binary links against. */
const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";

/** qemu-user and the aarch64 C library are installed (`.ci/run` installs them). */
async function hasQemuArm64(): Promise<boolean> {
  if (!(await exists(join(ARM64_SYSROOT, "lib", "ld-linux-aarch64.so.1")))) return false;
  try {
    return (await run("qemu-aarch64-static", ["--version"])).code === 0;
  } catch {
    return false;
  }
}

/**
 * How many times more reluctant than usual the binary's JIT is to compile.
 * A command is short: at the usual thresholds the JIT compiles code that runs
 * a few hundred times (one per index request of an export) and is done before
 * the compiled code pays back. Measured with a second export of 1,000 eggs
 * (about 210 index requests): 10 cut the CPU time by a quarter and the time
 * by 6%; long transfers, whose hot loops still reach the JIT, kept their
 * speed (docs/benchmarks.md).
 */
export const JIT_POLICY = 10;

async function compile(target: Target): Promise<Built> {
  const file = binaryName(target);
  const base = [
    "build",
    "--compile",
    "--minify",
    `--compile-jit-policy=${JIT_POLICY}`,
    join(DIST, BUNDLE),
    `--target=bun-${target}`,
    "--outfile",
    join(DIST, file),
  ];
  const started = performance.now();
  let result = await run(BUN, [...base, "--bytecode"]);
  let note = "bytecode";
  if (result.code !== 0) {
    // Not every bun version supports --bytecode for every target: fall back.
    const why = lastLine(result);
    progress(`  ${file}: --bytecode failed (${why}), building without it`);
    result = await run(BUN, base);
    note = `no bytecode (${why})`;
  }
  if (result.code !== 0) {
    throw new BuildError(`bun build --target=bun-${target} failed: ${lastLine(result)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  if (target === hostTarget()) {
    await expectVersion(`dist/${file}`, join(DIST, file), []);
    note += "; ran --version";
  } else if (target === "linux-arm64" && hostTarget() === "linux-x64" && await hasQemuArm64()) {
    await expectVersion(`dist/${file} under qemu`, "qemu-aarch64-static", [
      "-L",
      ARM64_SYSROOT,
      join(DIST, file),
    ]);
    note += "; ran --version under qemu";
  }
  return { file, seconds, note };
}

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/** Writes SHA256SUMS (sha256sum's text format) atomically. */
async function writeSums(files: string[]): Promise<void> {
  let text = "";
  for (const file of files) text += `${await sha256(join(DIST, file))}  ${file}\n`;
  const partial = join(DIST, `${SUMS}.partial`);
  await Deno.writeTextFile(partial, text);
  await Deno.rename(partial, join(DIST, SUMS));
}

function formatSize(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} KB`;
}

async function table(built: Built[]): Promise<string> {
  const rows = [["file", "size", "seconds", "note"]];
  for (const { file, seconds, note } of built) {
    const { size } = await Deno.stat(join(DIST, file));
    rows.push([`dist/${file}`, formatSize(size), seconds.toFixed(1), note]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd())
    .join("\n") + "\n";
}

function parseTargets(args: string[]): Target[] {
  const { values } = parseArgs({ args, options: { targets: { type: "string" } } });
  if (values.targets === undefined) return [...TARGETS];
  const wanted = values.targets.split(",").map((name) => name.trim()).filter(Boolean);
  for (const name of wanted) {
    if (!(TARGETS as readonly string[]).includes(name)) {
      throw new BuildError(`unknown target "${name}" (known: ${TARGETS.join(", ")})`);
    }
  }
  if (wanted.length === 0) throw new BuildError("--targets is empty");
  return TARGETS.filter((target) => wanted.includes(target));
}

async function build(args: string[]): Promise<void> {
  let targets: Target[];
  try {
    targets = parseTargets(args);
  } catch (error) {
    if (error instanceof BuildError) throw error;
    throw new BuildError(`${(error as Error).message} (usage: build.ts [--targets a,b,...])`);
  }
  if (!(await exists(BUN))) {
    throw new BuildError(
      `bun is not installed (${BUN} is missing): run \`npm ci --prefix tools\` first`,
    );
  }
  await cleanDist();
  progress(`bundling cli.ts -> dist/${BUNDLE}`);
  const built = [await bundle()];
  for (const target of targets) {
    progress(`compiling dist/${binaryName(target)}`);
    built.push(await compile(target));
  }
  const started = performance.now();
  await writeSums(built.map(({ file }) => file));
  built.push({ file: SUMS, seconds: (performance.now() - started) / 1000, note: "" });
  Deno.stdout.writeSync(encoder.encode(await table(built)));
}

if (import.meta.main) {
  try {
    await build(Deno.args);
  } catch (error) {
    const message = error instanceof BuildError ? error.message : String(error);
    Deno.stderr.writeSync(encoder.encode(`build failed: ${message.split("\n")[0]}\n`));
    Deno.exit(1);
  }
}
