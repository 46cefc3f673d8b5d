/**
 * The shared corpus of real Enthought artefacts (`../shared/corpus` from the
 * project's root, see its README) and what okonomiyaki reads from each
 * (`expected.json`). Tests read the files in place. In CI the corpus must be
 * there; elsewhere a test without it is skipped with a message.
 */
import { join } from "node:path";
import { REPO_ROOT } from "./server.ts";

export const CORPUS_DIR: string = join(REPO_ROOT, "..", "shared", "corpus");

/** okonomiyaki's reading of one corpus egg. */
export interface ExpectedEgg {
  file: string;
  sha256: string;
  bytes: number;
  okonomiyaki: "read" | "refused";
  reason?: string;
  metadata_version?: string;
  name?: string;
  egg_basename?: string;
  full_version?: string;
  upstream_version?: string;
  build?: number;
  platform?: string | null;
  python?: string | null;
  python_tag?: string | null;
  abi_tag?: string | null;
  platform_tag?: string | null;
  platform_abi?: string | null;
  packages?: string[];
}

/** okonomiyaki's reading of one corpus runtime. */
export interface ExpectedRuntime {
  file: string;
  sha256: string;
  okonomiyaki: "read" | "refused";
  reason?: string;
  implementation?: string;
  version?: string;
  language_version?: string;
  platform?: string;
  abi?: string;
  python_tag?: string | null;
  build_revision?: string;
  executable?: string;
}

export interface Corpus {
  dir: string;
  eggs: ExpectedEgg[];
  runtimes: ExpectedRuntime[];
}

/**
 * The corpus, or undefined (after printing why) when it is absent outside CI.
 * In CI (`CI` set) a missing corpus throws, so the test fails.
 */
export async function loadCorpus(): Promise<Corpus | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(CORPUS_DIR, "expected.json"));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    const message = `the corpus is missing: ${CORPUS_DIR}/expected.json`;
    if (Deno.env.get("CI")) throw new Error(`${message} (required in CI)`);
    // deno-lint-ignore no-console -- the skip must say why, once per test file.
    console.warn(`skipped: ${message}`);
    return undefined;
  }
  const parsed = JSON.parse(text) as { eggs: ExpectedEgg[]; runtimes: ExpectedRuntime[] };
  return { dir: CORPUS_DIR, eggs: parsed.eggs, runtimes: parsed.runtimes };
}
