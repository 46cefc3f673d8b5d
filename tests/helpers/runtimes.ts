/**
 * Test runtimes: real zip archives written with zip.js holding
 * `enthought/runtime.json` and a small tree, laid out as Enthought's
 * runtimes are (see the corpus). Hostile archives reuse the raw zip writer
 * of eggs.ts.
 */
import { join } from "node:path";
import { zip } from "../../lib/deps.ts";
import { randomPayload } from "./eggs.ts";

/** The runtime.json of CPython 3.11.2+2 for RedHat 8 on x86_64, as real ones are. */
export function runtimeJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    metadata_version: "1.0",
    implementation: "cpython",
    version: "3.11.2+2",
    language_version: "3.11.2",
    platform: "rh8_x86_64",
    abi: "gnu",
    build_revision: "2.1.0-dev570",
    executable: "${prefix}/bin/python",
    paths: ["${prefix}/bin"],
    post_install: ["${executable}", "${prefix}/lib/python3.11/custom_tools/fix-scripts.py"],
    scriptsdir: "${prefix}/bin",
    site_packages: "${prefix}/lib/python3.11/site-packages",
    python_tag: "cp311",
    ...overrides,
  };
}

/** The runtime.json of Julia 0.3.11+1 for Windows x86_64 (no Python keys). */
export function juliaRuntimeJson(): Record<string, unknown> {
  return {
    metadata_version: "1.0",
    implementation: "julia",
    version: "0.3.11+1",
    language_version: "0.3.11",
    platform: "win_x86_64",
    abi: "mingw",
    build_revision: "483dbf5279",
    executable: "${prefix}\\bin\\julia.exe",
    paths: ["${prefix}\\bin"],
    post_install: [],
  };
}

/** The file name okonomiyaki gives a runtime.json. */
export function runtimeFileName(json: Record<string, unknown>): string {
  return `${json.implementation}-${json.version}-${json.platform}-${json.abi || "none"}.runtime`;
}

/** Options of {@linkcode writeRuntime}. */
export interface WriteRuntimeOptions {
  /** File name; defaults to the one the metadata implies. */
  fileName?: string;
  /** Exact text of `enthought/runtime.json`, instead of the JSON. */
  metadataText?: string;
  /** Leave `enthought/runtime.json` out. */
  omitMetadata?: boolean;
  /** Size of a stored random payload entry, streamed (200 MB works in constant memory). */
  payloadBytes?: number;
}

/**
 * Writes a runtime (a zip written by zip.js) into `dir` and returns its path.
 * It holds `bin/python`, `enthought/runtime.json` and `lib/python3.11/os.py`.
 */
export async function writeRuntime(
  dir: string,
  json: Record<string, unknown> = runtimeJson(),
  options: WriteRuntimeOptions = {},
): Promise<string> {
  const path = join(dir, options.fileName ?? runtimeFileName(json));
  const file = await Deno.open(path, { create: true, write: true, truncate: true });
  const writer = new zip.ZipWriter(file.writable, { useWebWorkers: false });
  try {
    await writer.add("bin/python", new zip.TextReader("#!/bin/sh\n"));
    if (!options.omitMetadata) {
      const text = options.metadataText ?? JSON.stringify(json, null, 4);
      await writer.add("enthought/runtime.json", new zip.TextReader(text));
    }
    await writer.add("lib/python3.11/os.py", new zip.TextReader("# os\n"));
    if (options.payloadBytes !== undefined) {
      await writer.add("lib/libpython3.11.so", randomPayload(options.payloadBytes), { level: 0 });
    }
  } finally {
    await writer.close();
  }
  return path;
}
