/**
 * The real Enthought runtimes of the shared corpus, read by the library:
 * every field agrees with what okonomiyaki reads from the same file, and
 * every runtime okonomiyaki refuses (the two `.invalid` files, the R
 * runtime) is refused with one line naming the file.
 *
 * Where hatcher is stricter than okonomiyaki (the file name must agree with
 * runtime.json, the Python tag with the interpreter, the platform must be an
 * EDS one): no corpus runtime is affected; runtime_format_test.ts covers the
 * rules on runtimes it writes.
 */
import assert from "node:assert/strict";
import { copyFile } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  InvalidRuntimeError,
  readRuntimeMetadata,
  type RuntimeMetadata,
  sha256File,
} from "../mod.ts";
import { type ExpectedRuntime, loadCorpus } from "./helpers/corpus.ts";
import { withTempDir } from "./helpers/files.ts";

const corpus = await loadCorpus();

/** The fields of expected.json, from hatcher's reading. */
function asExpected(metadata: RuntimeMetadata) {
  return {
    implementation: metadata.implementation,
    version: metadata.version,
    language_version: metadata.languageVersion,
    platform: metadata.runtimePlatform,
    abi: metadata.abi,
    python_tag: metadata.pythonTag,
    build_revision: metadata.buildRevision,
    executable: metadata.executable,
  };
}

/** The same fields as okonomiyaki read them. */
function okonomiyakiFields(runtime: ExpectedRuntime): Record<string, unknown> {
  const keys = Object.keys(asExpected({} as RuntimeMetadata)) as (keyof ExpectedRuntime)[];
  return Object.fromEntries(keys.map((key) => [key, runtime[key]]));
}

Deno.test({
  name: "every corpus runtime reads as okonomiyaki reads it, or is refused where it is refused",
  ignore: corpus === undefined,
  async fn() {
    const { dir, runtimes } = corpus!;
    assert.ok(runtimes.length >= 47, `${runtimes.length} runtimes in expected.json`);
    const platforms = new Set<string>();
    for (const runtime of runtimes) {
      const path = join(dir, runtime.file);
      assert.equal(await sha256File(path), runtime.sha256, `${runtime.file} is the file read`);
      if (runtime.okonomiyaki === "read") {
        const metadata = await readRuntimeMetadata(path);
        assert.deepEqual(asExpected(metadata), okonomiyakiFields(runtime), runtime.file);
        // The EDS name of the same platform, and the document itself for the server.
        assert.equal(metadata.platform, runtime.platform!.replace("_", "-"), runtime.file);
        assert.equal(metadata.raw.platform, runtime.platform, runtime.file);
        platforms.add(metadata.platform);
      } else {
        await assert.rejects(
          readRuntimeMetadata(path),
          (error: unknown) =>
            error instanceof InvalidRuntimeError && error.file === basename(runtime.file) &&
            error.message.includes(`"${basename(runtime.file)}"`) && !error.message.includes("\n"),
          runtime.file,
        );
      }
    }
    assert.ok(platforms.size >= 10, `${platforms.size} platforms read`);
  },
});

Deno.test({
  name: "the corpus's refused runtimes are refused for their content too, as okonomiyaki says",
  ignore: corpus === undefined,
  async fn() {
    // okonomiyaki refuses the `.invalid` files first for their extension; under a
    // `.runtime` name their metadata is still refused (a missing metadata_version,
    // a missing abi), and the R runtime for its implementation.
    const expected: Record<string, RegExp> = {
      "cpython-2.7.9+2-rh5_x86_64-gnu.runtime.invalid": /"metadata_version" is missing/,
      "cpython-2.7.10+1-rh5_x86_64-gnu.runtime.invalid": /"abi", "build_revision", "python_tag"/,
      "r-3.0.0+1-rh5_x86_64-gnu.runtime": /unsupported implementation "r"/,
    };
    const { dir, runtimes } = corpus!;
    const refused = runtimes.filter((runtime) => runtime.okonomiyaki === "refused");
    assert.deepEqual(
      refused.map((runtime) => basename(runtime.file)).sort(),
      Object.keys(expected).sort(),
    );
    await withTempDir(async (temp) => {
      for (const runtime of refused) {
        const name = basename(runtime.file);
        const renamed = join(temp, name.replace(/\.invalid$/, ""));
        await copyFile(join(dir, runtime.file), renamed);
        await assert.rejects(
          readRuntimeMetadata(renamed),
          (error: unknown) =>
            error instanceof InvalidRuntimeError && expected[name]!.test(error.message),
          name,
        );
      }
    });
  },
});
