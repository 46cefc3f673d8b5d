/**
 * EDM bundle files of formats 1.0 and 2.0, written by each test: the file
 * name rule, the runtime block (and the platform and Python tag derived from
 * it), requirements, modifiers, marks, and the size limit.
 */
import assert from "node:assert/strict";
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import {
  InvalidBundleError,
  MAX_BUNDLE_BYTES,
  parseBundleFilename,
  readBundleMetadata,
} from "../lib/formats/bundle.ts";
import { bundleV1, bundleV2, writeBundle } from "./helpers/bundles.ts";
import { assertRefused } from "./helpers/artefacts.ts";
import { withTempDir } from "./helpers/files.ts";

const FILE = "science-1.0.0-1.bundle";

/** Runs `body`, which must throw an InvalidBundleError for `file` whose message matches `pattern`. */
async function assertInvalidBundle(
  body: () => Promise<unknown>,
  pattern: RegExp,
  file = FILE,
): Promise<void> {
  await assertRefused(body, InvalidBundleError, pattern, file);
}

/** Reads `json` written as science-1.0.0-1.bundle. */
async function readJson(dir: string, json: Record<string, unknown> | string): Promise<unknown> {
  return await readBundleMetadata(await writeBundle(dir, FILE, json));
}

/** The 1.0 bundle with its runtime block changed. */
function withRuntime(changes: Record<string, unknown>): Record<string, unknown> {
  return bundleV1({ runtime: { ...(bundleV1().runtime as object), ...changes } });
}

// --- file names -------------------------------------------------------------

Deno.test("parseBundleFilename() accepts names of letters, digits, _ and .", () => {
  assert.deepEqual(parseBundleFilename("foo-1.0.0rc1-1.bundle"), {
    name: "foo",
    version: "1.0.0rc1",
    build: 1,
  });
  assert.deepEqual(parseBundleFilename("up_down-3.1.2-3.bundle"), {
    name: "up_down",
    version: "3.1.2",
    build: 3,
  });
  assert.equal(parseBundleFilename("Sci.Py-2024.1+local-0.bundle").name, "Sci.Py");
});

Deno.test("parseBundleFilename() refuses every other name", () => {
  for (
    const name of [
      "foo-bar-1.0.0-1.bundle",
      "foo-1.0.0.bundle",
      "foo-1.0.0-1.json",
      "foo-1.0.0-x.bundle",
      "-1.0.0-1.bundle",
      "..-1.0.0-1.bundle",
      ".-1.0.0-1.bundle",
      "foo-..-1.bundle",
      "fo/o-1.0-1.bundle",
      "fo\\o-1.0-1.bundle",
      "fo\u0001o-1.0-1.bundle",
      "foo bar-1.0-1.bundle",
    ]
  ) {
    assert.throws(
      () => parseBundleFilename(name),
      (error: unknown) =>
        error instanceof InvalidBundleError && error.file === name &&
        error.message ===
          `Invalid bundle file name "${name}": expected "<name>-<version>-<build>.bundle" ` +
            "with a name of letters, digits, _ and . only",
      name,
    );
  }
});

// --- reading ----------------------------------------------------------------

Deno.test("readBundleMetadata() reads a format 1.0 bundle", async () => {
  await withTempDir(async (dir) => {
    const metadata = await readBundleMetadata(await writeBundle(dir, FILE, bundleV1()));
    assert.deepEqual(metadata, {
      name: "science",
      version: "1.0.0",
      build: 1,
      fullVersion: "1.0.0-1",
      formatVersion: "1.0",
      platform: "rh8-x86_64",
      pythonTag: "cp311",
      runtime: {
        implementation: "cpython",
        version: "3.11.2+2",
        languageVersion: null,
        platform: "rh8-x86_64",
        runtimePlatform: "rh8_x86_64",
        abi: "gnu",
        repository: null,
        sha256: null,
      },
      data: bundleV1(),
    });
  });
});

Deno.test("readBundleMetadata() reads a format 2.0 bundle, its platform_abi and pins", async () => {
  await withTempDir(async (dir) => {
    const metadata = await readBundleMetadata(
      await writeBundle(dir, "up_down-3.1.2-3.bundle", bundleV2()),
    );
    assert.equal(metadata.formatVersion, "2.0");
    assert.equal(metadata.fullVersion, "3.1.2-3");
    assert.equal(metadata.platform, "rh5-x86_64");
    assert.equal(metadata.pythonTag, "cp36");
    assert.equal(metadata.runtime.abi, "gnu");
    assert.equal(metadata.runtime.repository, "enthought/free");
    assert.equal(metadata.runtime.sha256, "a".repeat(64));
    assert.deepEqual(metadata.data, bundleV2());
  });
});

Deno.test("readBundleMetadata() derives the Python tag from the runtime as runtimes carry it", async () => {
  await withTempDir(async (dir) => {
    const cases: [Record<string, unknown>, string | null][] = [
      [{ version: "2.7.18+4" }, "cp27"],
      [{ version: "3.8.8+1", platform: "win_x86_64", abi: "msvc2019" }, "cp38"],
      [{ implementation: "pypy", version: "2.6.0+1", language_version: "2.7.9" }, "pp27"],
      [{ implementation: "pypy", version: "7.3.1+1" }, "pp73"],
      [{ implementation: "julia", version: "0.3.11+1", abi: "mingw" }, null],
    ];
    for (const [changes, tag] of cases) {
      const metadata = (await readJson(dir, withRuntime(changes))) as { pythonTag: string | null };
      assert.equal(metadata.pythonTag, tag, JSON.stringify(changes));
    }
  });
});

Deno.test("readBundleMetadata() refuses a file that is not a JSON object", async () => {
  await withTempDir(async (dir) => {
    const cases: [string, RegExp][] = [
      ["", /: the bundle is not valid JSON \(.+\)$/],
      ['{"metadata_version": "1.0",', /: the bundle is not valid JSON \(.+\)$/],
      ["[1, 2]", /: the bundle is not a JSON object$/],
      ['"science"', /: the bundle is not a JSON object$/],
    ];
    for (const [text, pattern] of cases) {
      await assertInvalidBundle(() => readJson(dir, text), pattern);
    }
    const path = join(dir, FILE);
    await Deno.writeFile(path, new Uint8Array([0x7b, 0xff, 0x7d]));
    await assertInvalidBundle(() => readBundleMetadata(path), /: the file is not valid UTF-8$/);
  });
});

Deno.test("readBundleMetadata() refuses a file over the limit before reading it", async () => {
  await withTempDir(async (dir) => {
    const path = await writeBundle(dir, FILE, bundleV1());
    await assertInvalidBundle(
      () => readBundleMetadata(path, { maxBytes: 100 }),
      /: the file is larger than 100 bytes$/,
    );
    // A sparse file one byte over the default: refused at its stat, so at once.
    await truncate(path, MAX_BUNDLE_BYTES + 1);
    const rssBefore = Deno.memoryUsage().rss;
    const started = performance.now();
    await assertInvalidBundle(
      () => readBundleMetadata(path),
      /: the file is larger than 16777216 bytes$/,
    );
    assert.ok(performance.now() - started < 100, "refused at once");
    assert.ok(Deno.memoryUsage().rss - rssBefore < 8 * 1024 * 1024, "without reading it");
    await assert.rejects(() => readBundleMetadata(path, { maxBytes: 0 }), RangeError);
  });
});

Deno.test("readBundleMetadata() names a bundle it cannot read", async () => {
  await assertInvalidBundle(
    () => readBundleMetadata(`/nonexistent/${FILE}`),
    /^Cannot read bundle "science-1\.0\.0-1\.bundle": no such file$/,
  );
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, FILE));
    await assertInvalidBundle(() => readBundleMetadata(join(dir, FILE)), /: not a regular file$/);
  });
});

Deno.test("readBundleMetadata() reads formats 1.0 and 2.0 only", async () => {
  await withTempDir(async (dir) => {
    await assertInvalidBundle(
      () => readJson(dir, bundleV1({ metadata_version: undefined })),
      /: "metadata_version" is missing$/,
    );
    await assertInvalidBundle(
      () => readJson(dir, bundleV1({ metadata_version: 1 })),
      /: "metadata_version" must be a string$/,
    );
    await assertInvalidBundle(
      () => readJson(dir, bundleV1({ metadata_version: "3.0" })),
      /: unsupported bundle format "metadata_version" '3\.0': hatcher reads bundle formats 1\.0 and 2\.0$/,
    );
  });
});

Deno.test("readBundleMetadata() checks the runtime block", async () => {
  await withTempDir(async (dir) => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [bundleV1({ runtime: undefined }), /: "runtime" is missing$/],
      [bundleV1({ runtime: ["cpython"] }), /: "runtime" must be a mapping$/],
      [withRuntime({ implementation: undefined }), /: "runtime\.implementation" is missing$/],
      [
        withRuntime({ implementation: "r" }),
        /: "runtime\.implementation" 'r' is not a runtime implementation \(cpython, pypy and julia\)$/,
      ],
      [
        withRuntime({ version: "latest" }),
        /: "runtime\.version" 'latest' is not a runtime version$/,
      ],
      [withRuntime({ platform: undefined }), /: "runtime\.platform" is missing$/],
      [
        withRuntime({ platform: "linux-64" }),
        /: "runtime\.platform" 'linux-64' is not an EDS platform$/,
      ],
      [withRuntime({ abi: undefined }), /: "runtime\.abi" \(or "platform_abi"\) is missing$/],
      [withRuntime({ abi: "" }), /: "runtime\.abi" must be a non-empty string$/],
      [
        withRuntime({ platform_abi: "msvc2019" }),
        /: "runtime\.abi" 'gnu' and "platform_abi" 'msvc2019' disagree$/,
      ],
      [withRuntime({ abi: "../gnu" }), /: "runtime\.abi" '\.\.\/gnu' is not an ABI$/],
    ];
    for (const [json, pattern] of cases) {
      await assertInvalidBundle(() => readJson(dir, json), pattern);
    }
    // Format 2.0 pins the runtime.
    const v2Runtime = bundleV2().runtime as Record<string, unknown>;
    await assertInvalidBundle(
      () => readJson(dir, bundleV2({ runtime: { ...v2Runtime, sha256: undefined } })),
      /: "runtime\.sha256" is missing$/,
    );
    await assertInvalidBundle(
      () => readJson(dir, bundleV2({ runtime: { ...v2Runtime, repository: "free" } })),
      /: "runtime\.repository" 'free' is not an <organization>\/<repository>$/,
    );
  });
});

Deno.test("readBundleMetadata() checks the requirements", async () => {
  await withTempDir(async (dir) => {
    const numpy = { name: "numpy", version: "1.26.4" };
    const cases: [Record<string, unknown>, RegExp][] = [
      [bundleV1({ requirements: undefined }), /: "requirements" is missing$/],
      [bundleV1({ requirements: { numpy: "1.26.4" } }), /: "requirements" must be a list$/],
      [bundleV1({ requirements: ["numpy 1.26.4"] }), /: "requirements\[0\]" must be a mapping$/],
      [
        bundleV1({ requirements: [numpy, { version: "1.0" }] }),
        /: "requirements\[1\]\.name" is missing$/,
      ],
      [
        bundleV1({ requirements: [{ name: "foo-bar", version: "1.0" }] }),
        /: "requirements\[0\]\.name" 'foo-bar' is not a package name$/,
      ],
      [
        bundleV1({ requirements: [numpy, { name: "NumPy", version: "1.0" }] }),
        /: "requirements\[1\]\.name" 'NumPy' is required twice$/,
      ],
      [
        bundleV1({ requirements: [{ name: "numpy", version: 1.26 }] }),
        /: "requirements\[0\]\.version" must be a string$/,
      ],
    ];
    for (const [json, pattern] of cases) {
      await assertInvalidBundle(() => readJson(dir, json), pattern);
    }
    const pinned = (bundleV2().requirements as Record<string, unknown>[])[0]!;
    await assertInvalidBundle(
      () => readJson(dir, bundleV2({ requirements: [{ ...pinned, version: "1.26.4" }] })),
      /: "requirements\[0\]\.version" '1\.26\.4' is not a full version <version>-<build>$/,
    );
    await assertInvalidBundle(
      () => readJson(dir, bundleV2({ requirements: [{ ...pinned, sha256: "abc" }] })),
      /: "requirements\[0\]\.sha256" 'abc' is not a SHA-256 digest$/,
    );
    await assertInvalidBundle(
      () => readJson(dir, bundleV2({ requirements: [{ ...pinned, repository: undefined }] })),
      /: "requirements\[0\]\.repository" is missing$/,
    );
  });
});

Deno.test("readBundleMetadata() checks repositories, modifiers and marks when present", async () => {
  await withTempDir(async (dir) => {
    const minimal = bundleV1({ repositories: undefined, modifiers: undefined, mark: undefined });
    assert.equal(((await readJson(dir, minimal)) as { name: string }).name, "science");
    const cases: [Record<string, unknown>, RegExp][] = [
      [bundleV1({ repositories: ["enthought/free"] }), /: "repositories" must be a mapping$/],
      [
        bundleV1({ repositories: { packages: ["enthought"] } }),
        /: "repositories\.packages\[0\]" 'enthought' is not an <organization>\/<repository>$/,
      ],
      [
        bundleV1({ modifiers: { allow_newer: "six" } }),
        /: "modifiers\.allow_newer" must be a list$/,
      ],
      [
        bundleV1({ modifiers: { allow_any: ["six", 7] } }),
        /: "modifiers\.allow_any\[1\]" must be a string$/,
      ],
      [
        bundleV1({ modifiers: { allow_older: ["../six"] } }),
        /: "modifiers\.allow_older\[0\]" '\.\.\/six' is not a package name$/,
      ],
      [bundleV1({ mark: { numpy: "manual" } }), /: "mark" must be a list$/],
      [
        bundleV1({ mark: [{ name: "numpy", state: "pinned" }] }),
        /: "mark\[0\]\.state" 'pinned' is not manual or auto$/,
      ],
      [bundleV1({ mark: [{ state: "auto" }] }), /: "mark\[0\]\.name" is missing$/],
    ];
    for (const [json, pattern] of cases) {
      await assertInvalidBundle(() => readJson(dir, json), pattern);
    }
  });
});
