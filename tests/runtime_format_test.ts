/**
 * Runtime file names and `enthought/runtime.json`, checked as okonomiyaki
 * checks v1 runtimes, on runtimes each test writes (hostile archives
 * included). The real runtimes of the corpus are in corpus_runtimes_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  InvalidRuntimeError,
  parseRuntimeFilename,
  readRuntimeMetadata,
} from "../lib/formats/runtime.ts";
import { deflatedEntry, writeRawZip, zipBombEntry } from "./helpers/eggs.ts";
import { assertRefused } from "./helpers/artefacts.ts";
import { withTempDir } from "./helpers/files.ts";
import { juliaRuntimeJson, runtimeJson, writeRuntime } from "./helpers/runtimes.ts";

const MB = 1024 * 1024;
const CPYTHON = "cpython-3.11.2+2-rh8_x86_64-gnu.runtime";

/** Runs `body`, which must throw an InvalidRuntimeError whose message matches `pattern`. */
function assertInvalidRuntime(
  body: () => Promise<unknown>,
  pattern: RegExp,
  file?: string,
): Promise<InvalidRuntimeError> {
  return assertRefused(body, InvalidRuntimeError, pattern, file);
}

/** Writes a runtime whose runtime.json is the CPython one with `overrides`, named `fileName`. */
async function readWith(
  dir: string,
  overrides: Record<string, unknown>,
  fileName = CPYTHON,
): Promise<unknown> {
  const path = await writeRuntime(dir, runtimeJson(overrides), { fileName });
  return await readRuntimeMetadata(path);
}

// --- file names -------------------------------------------------------------

Deno.test("parseRuntimeFilename() splits implementation, version, platform and ABI", () => {
  assert.deepEqual(parseRuntimeFilename(CPYTHON), {
    implementation: "cpython",
    version: "3.11.2+2",
    platform: "rh8-x86_64",
    abi: "gnu",
  });
  assert.deepEqual(parseRuntimeFilename("julia-0.3.11+1-win_x86_64-mingw.runtime"), {
    implementation: "julia",
    version: "0.3.11+1",
    platform: "win-x86_64",
    abi: "mingw",
  });
  assert.equal(parseRuntimeFilename("pypy-2.6.0+1-rh5_64-none.runtime").abi, null);
  assert.equal(parseRuntimeFilename("pypy-2.6.0+1-rh5_64-none.runtime").platform, "rh5-x86_64");
});

Deno.test("parseRuntimeFilename() refuses names that are not runtime names", () => {
  const cases: [string, RegExp][] = [
    [
      "cpython-2.7.10+1-rh5_x86_64-gnu.runtime.invalid",
      /: the extension must be "\.runtime", expected "<implementation>-<version>-<platform>-<abi>\.runtime"$/,
    ],
    ["cpython-3.11.2+2", /: the extension must be "\.runtime"/],
    ["cpython-3.11.2+2-gnu.runtime", /: expected "<implementation>-/],
    ["cpython.runtime", /: expected "<implementation>-/],
    ["r-3.0.0+1-rh5_x86_64-gnu.runtime", /: unsupported implementation "r" \(hatcher reads/],
    ["CPython-3.11.2+2-rh8_x86_64-gnu.runtime", /unsupported implementation "CPython"/],
    ["cpython-3.11.2~2-rh8_x86_64-gnu.runtime", /"3\.11\.2~2" is not a runtime version/],
    ["cpython-..-rh8_x86_64-gnu.runtime", /"\.\." is not a runtime version/],
    ["cpython-3.11.2+2-sparc_64-gnu.runtime", /"sparc_64" is not an EDS platform/],
    ["cpython-3.11.2+2-rh7_arm64-gnu.runtime", /"rh7_arm64" is not an EDS platform/],
    ["cpython-3.11.2+2-rh8_x86_64-..runtime", /"\." is not an ABI/],
    ["cpython-3.11.2+2-rh8_x86_64-g\u0000nu.runtime", /is not an ABI/],
  ];
  for (const [name, pattern] of cases) {
    assert.throws(
      () => parseRuntimeFilename(name),
      (error: unknown) =>
        error instanceof InvalidRuntimeError && error.file === name &&
        error.message.startsWith(`Invalid runtime file name "${name}"`) &&
        pattern.test(error.message),
      name,
    );
  }
});

// --- reading ----------------------------------------------------------------

Deno.test("readRuntimeMetadata() reads a CPython runtime", async () => {
  await withTempDir(async (dir) => {
    const path = await writeRuntime(dir);
    const metadata = await readRuntimeMetadata(path);
    assert.deepEqual({ ...metadata, raw: undefined }, {
      implementation: "cpython",
      version: "3.11.2+2",
      languageVersion: "3.11.2",
      platform: "rh8-x86_64",
      runtimePlatform: "rh8_x86_64",
      abi: "gnu",
      pythonTag: "cp311",
      buildRevision: "2.1.0-dev570",
      executable: "${prefix}/bin/python",
      metadataVersion: "1.0",
      raw: undefined,
    });
    assert.deepEqual(metadata.raw, runtimeJson());
  });
});

Deno.test("readRuntimeMetadata() reads a Julia runtime, which has no Python keys", async () => {
  await withTempDir(async (dir) => {
    const metadata = await readRuntimeMetadata(await writeRuntime(dir, juliaRuntimeJson()));
    assert.equal(metadata.implementation, "julia");
    assert.equal(metadata.platform, "win-x86_64");
    assert.equal(metadata.pythonTag, null);
    assert.equal(metadata.abi, "mingw");
  });
});

Deno.test("readRuntimeMetadata() reads a PyPy runtime: its tag follows the language version", async () => {
  await withTempDir(async (dir) => {
    const json = runtimeJson({
      implementation: "pypy",
      version: "2.6.0+1",
      language_version: "2.7.9",
      platform: "rh5_x86_64",
      python_tag: "pp27",
    });
    const metadata = await readRuntimeMetadata(await writeRuntime(dir, json));
    assert.equal(metadata.pythonTag, "pp27");
    assert.equal(metadata.platform, "rh5-x86_64");
  });
});

Deno.test("readRuntimeMetadata() accepts an empty build revision and the 'none' ABI", async () => {
  await withTempDir(async (dir) => {
    const json = runtimeJson({ build_revision: "", abi: "" });
    const path = await writeRuntime(dir, json, {
      fileName: "cpython-3.11.2+2-rh8_x86_64-none.runtime",
    });
    const metadata = await readRuntimeMetadata(path);
    assert.equal(metadata.buildRevision, "");
    assert.equal(metadata.abi, "");
  });
});

Deno.test("readRuntimeMetadata() refuses a runtime without enthought/runtime.json", async () => {
  await withTempDir(async (dir) => {
    const path = await writeRuntime(dir, runtimeJson(), { omitMetadata: true });
    await assertInvalidRuntime(
      () => readRuntimeMetadata(path),
      new RegExp(
        `^Invalid runtime "${
          CPYTHON.replaceAll("+", "\\+")
        }": enthought/runtime\\.json is missing$`,
      ),
      CPYTHON,
    );
  });
});

Deno.test("readRuntimeMetadata() refuses a file that is not a zip archive", async () => {
  await withTempDir(async (dir) => {
    for (const content of ["#!/bin/sh\n".repeat(100), ""]) {
      const path = join(dir, CPYTHON);
      await Deno.writeTextFile(path, content);
      await assertInvalidRuntime(
        () => readRuntimeMetadata(path),
        /^Invalid runtime "cpython-3\.11\.2\+2-rh8_x86_64-gnu\.runtime": not a valid zip archive \(.+\)$/,
      );
    }
  });
});

Deno.test("readRuntimeMetadata() names a runtime it cannot read", async () => {
  await assertInvalidRuntime(
    () => readRuntimeMetadata(`/nonexistent/${CPYTHON}`),
    /^Cannot read runtime "cpython-3\.11\.2\+2-rh8_x86_64-gnu\.runtime": no such file$/,
  );
});

Deno.test("readRuntimeMetadata() refuses runtime.json that is not a JSON object", async () => {
  await withTempDir(async (dir) => {
    const cases: [string, RegExp][] = [
      ['{"metadata_version": "1.0",', /: enthought\/runtime\.json is not valid JSON \(.+\)$/],
      ['["metadata_version"]', /: enthought\/runtime\.json is not a JSON object$/],
      ["null", /: enthought\/runtime\.json is not a JSON object$/],
    ];
    for (const [metadataText, pattern] of cases) {
      const path = await writeRuntime(dir, runtimeJson(), { metadataText });
      await assertInvalidRuntime(() => readRuntimeMetadata(path), pattern);
    }
    const latin1 = await writeRuntime(dir, runtimeJson(), { metadataText: "{}" });
    await Deno.writeFile(
      latin1,
      (await Deno.readFile(latin1)).map((byte) => byte === 0x7b ? 0xff : byte),
    );
    await assert.rejects(() => readRuntimeMetadata(latin1), InvalidRuntimeError);
  });
});

Deno.test("readRuntimeMetadata() refuses missing keys, naming them, as okonomiyaki's schema does", async () => {
  await withTempDir(async (dir) => {
    await assertInvalidRuntime(
      () => readWith(dir, { metadata_version: undefined }),
      /: "metadata_version" is missing in enthought\/runtime\.json$/,
    );
    await assertInvalidRuntime(
      () => readWith(dir, { implementation: undefined }),
      /: "implementation" is missing in enthought\/runtime\.json$/,
    );
    await assertInvalidRuntime(
      () => readWith(dir, { abi: undefined }),
      /: "abi" is missing in enthought\/runtime\.json \(required for cpython runtimes\)$/,
    );
    await assertInvalidRuntime(
      () => readWith(dir, { python_tag: undefined, site_packages: undefined, paths: undefined }),
      /: "site_packages", "python_tag", "paths" are missing in enthought\/runtime\.json/,
    );
  });
});

Deno.test("readRuntimeMetadata() refuses keys of the wrong type", async () => {
  await withTempDir(async (dir) => {
    await assertInvalidRuntime(
      () => readWith(dir, { build_revision: 570 }),
      /: "build_revision" in enthought\/runtime\.json must be a string$/,
    );
    await assertInvalidRuntime(
      () => readWith(dir, { paths: "${prefix}/bin" }),
      /: "paths" in enthought\/runtime\.json must be a list of strings$/,
    );
    await assertInvalidRuntime(
      () => readWith(dir, { post_install: [["${executable}"]] }),
      /: "post_install" in enthought\/runtime\.json must be a list of strings$/,
    );
  });
});

Deno.test("readRuntimeMetadata() reads metadata 1.0 only, and cpython, pypy and julia only", async () => {
  await withTempDir(async (dir) => {
    for (const version of ["2.0", "1.1", 1]) {
      await assertInvalidRuntime(
        () => readWith(dir, { metadata_version: version }),
        /: unsupported metadata_version .+ in enthought\/runtime\.json: hatcher reads runtime metadata 1\.0$/,
      );
    }
    // An R runtime named as a CPython one: refused for what runtime.json says.
    await assertInvalidRuntime(
      () => readWith(dir, { implementation: "r" }),
      /: unsupported implementation "r" \(hatcher reads cpython, pypy and julia runtimes, as okonomiyaki does\) in enthought\/runtime\.json$/,
    );
  });
});

Deno.test("readRuntimeMetadata() refuses bad versions, platforms and Python tags", async () => {
  await withTempDir(async (dir) => {
    await assertInvalidRuntime(
      () => readWith(dir, { language_version: "three" }),
      /: "language_version" 'three' in enthought\/runtime\.json is not a runtime version$/,
    );
    await assertInvalidRuntime(
      () => readWith(dir, { platform: "linux_x86_64" }),
      /: "platform" 'linux_x86_64' in enthought\/runtime\.json is not an EDS platform$/,
    );
    await assertInvalidRuntime(
      () => readWith(dir, { python_tag: "py3" }),
      /: "python_tag" = 'py3' is not a valid Python tag$/,
    );
    // hatcher, unlike okonomiyaki, wants the tag to agree with the interpreter it names.
    await assertInvalidRuntime(
      () => readWith(dir, { python_tag: "cp27" }),
      /: "python_tag" 'cp27' in enthought\/runtime\.json does not agree with cpython 3\.11\.2 \(expected 'cp311'\)$/,
    );
    await assertInvalidRuntime(
      () => readWith(dir, { python_tag: "pp311" }),
      /does not agree with cpython 3\.11\.2/,
    );
  });
});

Deno.test("readRuntimeMetadata() refuses platforms okonomiyaki knows no build for", async () => {
  await withTempDir(async (dir) => {
    // okonomiyaki's platform tables have no macOS x86 from 3.11 on, no arm64 for 3.8-3.10.
    await assertInvalidRuntime(
      () => readWith(dir, { platform: "osx_x86" }, "cpython-3.11.2+2-osx_x86-darwin.runtime"),
      /: no osx-x86 build of version 3\.11\.2\+2 is known to okonomiyaki in enthought\/runtime\.json$/,
    );
    const json = runtimeJson({
      version: "3.8.8+1",
      language_version: "3.8.8",
      platform: "win_arm64",
      abi: "msvc2019",
      python_tag: "cp38",
    });
    const path = await writeRuntime(dir, json);
    await assertInvalidRuntime(
      () => readRuntimeMetadata(path),
      /no win-arm64 build of version 3\.8\.8\+1/,
    );
  });
});

Deno.test("readRuntimeMetadata() refuses a file name that disagrees with runtime.json", async () => {
  await withTempDir(async (dir) => {
    const cases: [string, RegExp][] = [
      [
        "cpython-3.11.2+3-rh8_x86_64-gnu.runtime",
        /: version "3\.11\.2\+2" in enthought\/runtime\.json does not match the file name \("3\.11\.2\+3"\)$/,
      ],
      [
        "pypy-3.11.2+2-rh8_x86_64-gnu.runtime",
        /: implementation "cpython" in enthought\/runtime\.json does not match the file name \("pypy"\)$/,
      ],
      [
        "cpython-3.11.2+2-rh7_x86_64-gnu.runtime",
        /: platform "rh8_x86_64" in enthought\/runtime\.json does not match the file name \("rh7-x86_64"\)$/,
      ],
      [
        "cpython-3.11.2+2-rh8_x86_64-none.runtime",
        /: abi "gnu" in enthought\/runtime\.json does not match the file name \("none"\)$/,
      ],
    ];
    for (const [fileName, pattern] of cases) {
      const path = await writeRuntime(dir, runtimeJson(), { fileName });
      await assertInvalidRuntime(() => readRuntimeMetadata(path), pattern, fileName);
    }
  });
});

Deno.test("readRuntimeMetadata() refuses a zip bomb fast and without allocating it", async () => {
  await withTempDir(async (dir) => {
    for (const declaredSize of [undefined, 300]) {
      const bomb = await zipBombEntry("enthought/runtime.json", {
        inflatedBytes: 64 * MB,
        declaredSize,
      });
      const path = await writeRawZip(join(dir, CPYTHON), [
        deflatedEntry("bin/python", "#!/bin/sh\n"),
        bomb,
      ]);
      const rssBefore = Deno.memoryUsage().rss;
      const started = performance.now();
      await assertInvalidRuntime(
        () => readRuntimeMetadata(path),
        /: enthought\/runtime\.json (is larger|inflates to more) than 65536 bytes$/,
      );
      assert.ok(performance.now() - started < 2000, "refused within 2 s");
      assert.ok(Deno.memoryUsage().rss - rssBefore < 100 * MB, "less than 100 MB more memory");
    }
  });
});

Deno.test("readRuntimeMetadata() refuses an entry that climbs out with ..", async () => {
  await withTempDir(async (dir) => {
    const path = await writeRawZip(join(dir, CPYTHON), [
      deflatedEntry("enthought/runtime.json", JSON.stringify(runtimeJson())),
      deflatedEntry("../../bin/python", "#!/bin/sh\n"),
    ]);
    await assertInvalidRuntime(
      () => readRuntimeMetadata(path),
      /: unsafe path "\.\.\/\.\.\/bin\/python" in the archive$/,
    );
  });
});

Deno.test("readRuntimeMetadata() honours its limits and rejects bad ones", async () => {
  await withTempDir(async (dir) => {
    const path = await writeRuntime(dir);
    await assertInvalidRuntime(
      () => readRuntimeMetadata(path, { maxMetadataBytes: 100 }),
      /: enthought\/runtime\.json is larger than 100 bytes$/,
    );
    await assertInvalidRuntime(
      () => readRuntimeMetadata(path, { maxEntries: 2 }),
      /: the archive has more than 2 entries$/,
    );
    for (const options of [{ maxMetadataBytes: 0 }, { maxEntries: 1.5 }]) {
      await assert.rejects(() => readRuntimeMetadata(path, options), RangeError);
    }
  });
});

Deno.test("readRuntimeMetadata() reads a 200 MB runtime quickly in constant memory", async () => {
  await withTempDir(async (dir) => {
    const path = await writeRuntime(dir, runtimeJson(), { payloadBytes: 200 * MB });
    assert.ok((await Deno.stat(path)).size > 200 * MB);
    const rssBefore = Deno.memoryUsage().rss;
    const started = performance.now();
    const metadata = await readRuntimeMetadata(path);
    const elapsed = performance.now() - started;
    assert.equal(metadata.version, "3.11.2+2");
    assert.ok(elapsed < 500, `took ${elapsed.toFixed(0)} ms`);
    assert.ok(Deno.memoryUsage().rss - rssBefore < 50 * MB, "no more than 50 MB more memory");
  });
});
