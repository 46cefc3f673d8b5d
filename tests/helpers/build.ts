/**
 * Builds `dist/` (scripts/build.ts, every target) at most once per test run,
 * and not at all when `dist/SHA256SUMS` (written last by the build) is newer
 * than every file that goes into the build and lists every expected output.
 */
import { join } from "node:path";
import { binaryName, type Target, TARGETS } from "../../scripts/build.ts";
import { REPO_ROOT } from "./server.ts";

export { binaryName, type Target, TARGETS };

export const DIST = join(REPO_ROOT, "dist");
export const BUNDLE_PATH = join(DIST, "hatcher.mjs");
export const SUMS_PATH = join(DIST, "SHA256SUMS");

/** Absolute path of a target's binary in `dist/`. */
export function binaryPath(target: Target): string {
  return join(DIST, binaryName(target));
}

/** Every file the build writes besides SHA256SUMS. */
export function expectedOutputs(): string[] {
  return ["hatcher.mjs", ...TARGETS.map(binaryName)];
}

/** What goes into dist/: the shipped sources, the build script, the pinned tools. */
const INPUT_DIRS = ["lib"];
const INPUT_FILES = [
  "cli.ts",
  "mod.ts",
  "deno.json",
  "deno.lock",
  "scripts/build.ts",
  "tools/package-lock.json",
];

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* tsFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** True when dist/ holds a complete build newer than all of its inputs. */
export async function distIsFresh(): Promise<boolean> {
  const built = await mtime(SUMS_PATH);
  if (built === undefined) return false;
  const listed = (await Deno.readTextFile(SUMS_PATH)).split("\n").filter(Boolean)
    .map((line) => line.slice(66));
  for (const file of expectedOutputs()) {
    if (!listed.includes(file) || (await mtime(join(DIST, file))) === undefined) return false;
  }
  const inputs = INPUT_FILES.map((file) => join(REPO_ROOT, file));
  for (const dir of INPUT_DIRS) {
    for await (const path of tsFiles(join(REPO_ROOT, dir))) inputs.push(path);
  }
  for (const path of inputs) {
    const changed = await mtime(path);
    if (changed !== undefined && changed >= built) return false;
  }
  return true;
}

let building: Promise<void> | undefined;

/** Runs `deno run -A scripts/build.ts` unless dist/ is fresh; once per process. */
export function ensureBuilt(): Promise<void> {
  building ??= (async () => {
    if (await distIsFresh()) return;
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(REPO_ROOT, "scripts", "build.ts")],
      cwd: REPO_ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      const decoder = new TextDecoder();
      throw new Error(
        `scripts/build.ts exited with ${code}:\n${decoder.decode(stdout)}${decoder.decode(stderr)}`,
      );
    }
  })();
  return building;
}
