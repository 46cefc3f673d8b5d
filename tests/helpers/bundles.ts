/**
 * Test bundles: EDM bundle JSON of formats 1.0 and 2.0 (fields as in the
 * protocol notes, section 7), written as `<name>-<version>-<build>.bundle`.
 */
import { join } from "node:path";

const DIGEST = "a".repeat(64);

/** A format 1.0 bundle of CPython 3.11.2+2 on rh8_x86_64 with numpy and six. */
export function bundleV1(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    metadata_version: "1.0",
    repositories: { packages: ["enthought/free", "acme/dev"], runtimes: ["enthought/free"] },
    runtime: {
      implementation: "cpython",
      platform: "rh8_x86_64",
      abi: "gnu",
      version: "3.11.2+2",
    },
    requirements: [
      { name: "numpy", version: "1.26.4" },
      { name: "six", version: "1.16.0" },
    ],
    modifiers: { allow_any: [], allow_newer: ["six"], allow_older: [] },
    mark: [{ name: "numpy", state: "manual" }, { name: "six", state: "auto" }],
    ...overrides,
  };
}

/** A format 2.0 bundle: the 1.0 one with pinned repositories, digests and full versions. */
export function bundleV2(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return bundleV1({
    metadata_version: "2.0",
    runtime: {
      implementation: "cpython",
      platform: "rh5_x86_64",
      version: "3.6.0+3",
      platform_abi: "gnu",
      repository: "enthought/free",
      sha256: DIGEST,
    },
    requirements: [
      { name: "numpy", version: "1.26.4-1", repository: "enthought/free", sha256: DIGEST },
      { name: "six", version: "1.16.0-3", repository: "acme/dev", sha256: DIGEST },
    ],
    ...overrides,
  });
}

/** Writes `json` (or `text`) as `fileName` in `dir` and returns its path. */
export async function writeBundle(
  dir: string,
  fileName: string,
  json: Record<string, unknown> | string,
): Promise<string> {
  const path = join(dir, fileName);
  await Deno.writeTextFile(path, typeof json === "string" ? json : JSON.stringify(json, null, 2));
  return path;
}
