/**
 * Egg file names, spec/depend metadata with the platforms and tags derived
 * from it (okonomiyaki's rules, on eggs each test writes), reading eggs safely
 * (hostile archives included) and hashing files. The real eggs of the corpus
 * are in corpus_eggs_test.ts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type EggMetadata,
  InvalidEggError,
  parseEggFilename,
  parseSpecDepend,
  readEggMetadata,
  sha256File,
} from "../lib/formats/egg.ts";
import {
  deflatedEntry,
  eggEntries,
  specDependText,
  writeEgg,
  writeRawZip,
  writeTraversalEgg,
  writeZipBomb,
} from "./helpers/eggs.ts";
import { assertRefused } from "./helpers/artefacts.ts";
import { withTempDir } from "./helpers/files.ts";

const MB = 1024 * 1024;

/** Runs `body`, which must throw an InvalidEggError whose message matches `pattern`. */
function assertInvalidEgg(
  body: () => Promise<unknown>,
  pattern: RegExp,
  file?: string,
): Promise<InvalidEggError> {
  return assertRefused(body, InvalidEggError, pattern, file);
}

const NUMPY_SPEC = `metadata_version = '1.3'
name = 'numpy'
version = '1.26.4'
build = 1

arch = 'amd64'
platform = 'linux2'
osdist = 'RedHat_7'
python = '3.11'

python_tag = 'cp311'
abi_tag = 'cp311'
platform_tag = 'linux_x86_64'

packages = [
  'mkl 2021.4.0-1',
  'six 1.16.0',
]
`;

// --- file names -------------------------------------------------------------

Deno.test("parseEggFilename() splits name, version and build", () => {
  assert.deepEqual(parseEggFilename("numpy-1.26.4-1.egg"), {
    name: "numpy",
    version: "1.26.4",
    build: 1,
  });
});

Deno.test("parseEggFilename() keeps the case of the name", () => {
  assert.deepEqual(parseEggFilename("MKL-10.3-1.egg"), { name: "MKL", version: "10.3", build: 1 });
});

Deno.test("parseEggFilename() accepts underscores, local versions and big builds", () => {
  assert.deepEqual(parseEggFilename("foo_bar-1.0.0+local.1-12.egg"), {
    name: "foo_bar",
    version: "1.0.0+local.1",
    build: 12,
  });
  assert.deepEqual(parseEggFilename("zope.interface-4.1.1-0.egg"), {
    name: "zope.interface",
    version: "4.1.1",
    build: 0,
  });
  assert.deepEqual(parseEggFilename("pyqt-4.11.4rc1-7.egg"), {
    name: "pyqt",
    version: "4.11.4rc1",
    build: 7,
  });
});

Deno.test("parseEggFilename() says when a file is a setuptools egg", () => {
  for (const name of ["pip-7.0.3-py3.4.egg", "traits-6.3.0.dev1702-py3.8-win-amd64.egg"]) {
    assert.throws(
      () => parseEggFilename(name),
      (error: unknown) =>
        error instanceof InvalidEggError &&
        error.message ===
          `Invalid egg file name "${name}": a setuptools egg, not an Enthought egg; ` +
            `expected "<name>-<version>-<build>.egg"`,
    );
  }
});

Deno.test("parseEggFilename() rejects names not of the form <name>-<version>-<build>.egg", () => {
  for (
    const bad of [
      "numpy-1.26.4.egg",
      "numpy-1.26.4-1.zip",
      "numpy-1.26.4-1.egg.part",
      "numpy-1.26.4-x.egg",
      "numpy-1.26.4-1.5.egg",
      "numpy-1.26.4--1.egg",
      "numpy--1.egg",
      "-1.0-1.egg",
      "foo-bar-1.0-1.egg",
      "num py-1.0-1.egg",
      "dist/numpy-1.0-1.egg",
      "..-1.0-1.egg",
      ".-1.0-1.egg",
      "numpy-..-1.egg",
      ".egg",
      "",
    ]
  ) {
    assert.throws(
      () => parseEggFilename(bad),
      (error: unknown) =>
        error instanceof InvalidEggError && error.file === bad &&
        error.message === `Invalid egg file name "${bad}": expected "<name>-<version>-<build>.egg"`,
      bad,
    );
  }
});

// --- spec/depend ------------------------------------------------------------

Deno.test("parseSpecDepend() reads every field of a 1.3 spec", () => {
  const expected: EggMetadata = {
    name: "numpy",
    eggBasename: "numpy",
    version: "1.26.4",
    build: 1,
    fullVersion: "1.26.4-1",
    platform: "rh7-x86_64",
    python: "3.11",
    pythonTag: "cp311",
    abiTag: "cp311",
    platformTag: "linux_x86_64",
    platformAbi: "gnu",
    packages: ["mkl 2021.4.0-1", "six 1.16.0"],
    metadataVersion: "1.3",
    legacy: { arch: "amd64", platform: "linux2", osdist: "RedHat_7" },
  };
  assert.deepEqual(parseSpecDepend(NUMPY_SPEC), expected);
});

/** NUMPY_SPEC with the line assigning `key` replaced by `line` (or removed when empty). */
function numpySpecWith(key: string, line: string): string {
  const lines = NUMPY_SPEC.split("\n");
  const at = lines.findIndex((text) => text.startsWith(`${key} =`));
  assert.ok(at >= 0, key);
  lines.splice(at, key === "packages" ? 4 : 1, ...(line === "" ? [] : [line]));
  return lines.join("\n");
}

Deno.test("parseSpecDepend() accepts single and double quotes with escapes", () => {
  const metadata = parseSpecDepend(
    numpySpecWith("name", `name = "it's"`)
      .replace("version = '1.26.4'", "version = 'a\\'b\\\\c'")
      .replace(/packages = \[[^\]]*\]/, `packages = ["x 1", u'y 2']`),
  );
  assert.equal(metadata.eggBasename, "it's");
  assert.equal(metadata.version, "a'b\\c");
  assert.deepEqual(metadata.packages, ["x 1", "y 2"]);
});

Deno.test("parseSpecDepend() reads None as null for non-Python eggs", () => {
  const metadata = parseSpecDepend(
    specDependText({
      name: "mkl",
      version: "2021.4.0",
      python: null,
      pythonTag: null,
      abiTag: null,
      platformTag: null,
    }),
  );
  assert.equal(metadata.python, null);
  assert.equal(metadata.pythonTag, null);
  assert.equal(metadata.abiTag, null);
  assert.equal(metadata.platform, "rh7-x86_64");
});

Deno.test("parseSpecDepend() reads multi-line lists, comments and blank lines", () => {
  const metadata = parseSpecDepend(`# generated by endist
metadata_version = '1.1'   # old format

name = 'six'
version = '1.16.0'
build = 2
arch = None
platform = None
osdist = None
python = '2.7'
packages = [
  # the runtime
  'python 2.7.18',   # trailing comment

  "setuptools 44.0.0-1",
]
`);
  assert.deepEqual(metadata.packages, ["python 2.7.18", "setuptools 44.0.0-1"]);
  assert.equal(metadata.build, 2);
  assert.equal(metadata.platform, null);
  assert.equal(metadata.pythonTag, "cp27", "derived from python for metadata 1.1");
  assert.equal(metadata.platformTag, null);
});

Deno.test("parseSpecDepend() accepts CRLF line ends, empty lists and ignores unknown keys", () => {
  const metadata = parseSpecDepend(
    numpySpecWith("packages", "packages = []\nfuture_key = 'x'").replaceAll("\n", "\r\n"),
  );
  assert.deepEqual(metadata.packages, []);
  assert.equal(metadata.fullVersion, "1.26.4-1");
});

Deno.test("parseSpecDepend() names the problem and its line", () => {
  const cases: [string, string][] = [
    [numpySpecWith("arch", "arch = 'amd64"), "unterminated string on line 6"],
    [numpySpecWith("build", "build 1"), `expected "=" after "build" but found "1" on line 4`],
    [numpySpecWith("packages", "packages = [\n  'a',"), `unclosed "[" opened on line 15`],
    [
      numpySpecWith("packages", "packages = ['a' 'b']"),
      `expected "," or "]" but found string "b" on line 15`,
    ],
    [
      numpySpecWith("packages", "packages = [1]"),
      `expected a quoted string in the list but found "1"`,
    ],
    [numpySpecWith("build", "build = 1.5"), `unsupported value "1.5" on line 4`],
    [numpySpecWith("build", "build = True"), `unsupported value "True" on line 4`],
    [numpySpecWith("build", "build = 1 2"), `expected end of line but found "2" on line 4`],
    [numpySpecWith("build", "build = 1\n]"), `unmatched "]" on line 5`],
    [numpySpecWith("build", "build = 1\n$ = 2"), `unexpected "$" on line 5`],
    [numpySpecWith("build", "build = -1"), `"build" on line 4 must be a non-negative integer`],
    [numpySpecWith("build", "build = '1'"), `"build" on line 4 must be a non-negative integer`],
    [
      numpySpecWith("build", ""),
      `"build" is missing (metadata_version 1.3 requires it)`,
    ],
    [
      numpySpecWith("abi_tag", "").replace("platform_tag = 'linux_x86_64'\n", ""),
      `"abi_tag", "platform_tag" are missing (metadata_version 1.3 requires them)`,
    ],
    [numpySpecWith("build", "build = 1\nname = 'b'"), `"name" is assigned twice, again on line 5`],
    [
      numpySpecWith("packages", "packages = 'a'"),
      `"packages" on line 15 must be a list of strings`,
    ],
    [numpySpecWith("arch", "arch = 64"), `"arch" on line 6 must be a string or None`],
    [
      numpySpecWith("metadata_version", "metadata_version = '2.0'"),
      `unsupported metadata_version "2.0" on line 1: hatcher reads metadata versions 1.x`,
    ],
    [
      numpySpecWith("metadata_version", "metadata_version = '1.3.1'"),
      `"metadata_version" on line 1 must be a string "<major>.<minor>"`,
    ],
    [numpySpecWith("metadata_version", ""), `"metadata_version" is missing`],
    [numpySpecWith("name", "name = ''"), `"name" on line 2 must be`],
    [
      numpySpecWith("packages", "packages = ['numpy-1.9']"),
      `requirement 'numpy-1.9' in "packages" on line 15 has a '-' in its name`,
    ],
    [
      numpySpecWith("packages", "packages = ['numpy 1.9 x']"),
      `requirement 'numpy 1.9 x' in "packages" on line 15 is not`,
    ],
    [
      numpySpecWith("packages", "packages = ['numpy 1.9-x']"),
      `requirement 'numpy 1.9-x' in "packages" on line 15 has a non-numeric build number`,
    ],
    [
      numpySpecWith("python_tag", "python_tag = 'none'"),
      `"python_tag" = 'none' is not a valid Python tag`,
    ],
    [
      numpySpecWith("python_tag", "python_tag = '../../x'"),
      `"python_tag" = '../../x' is not a valid Python tag`,
    ],
    [
      numpySpecWith("python_tag", "python_tag = 'cp27'"),
      `"python_tag" 'cp27' does not agree with "python" '3.11'`,
    ],
  ];
  for (const [text, detail] of cases) {
    assert.throws(
      () => parseSpecDepend(text),
      (error: unknown) =>
        error instanceof InvalidEggError &&
        error.message.startsWith(`Invalid spec/depend metadata: ${detail}`),
      detail,
    );
  }
});

Deno.test("parseSpecDepend() reads any metadata version 1.x, newer ones as 1.4", () => {
  const spec = (version: string) =>
    specDependText({ name: "a", version: "1", metadataVersion: "1.4", platformAbi: "gnu" })
      .replace("metadata_version = '1.4'", `metadata_version = '${version}'`);
  assert.equal(parseSpecDepend(spec("1.4")).platformAbi, "gnu");
  const future = parseSpecDepend(spec("1.9"));
  assert.equal(future.metadataVersion, "1.9");
  assert.equal(future.platformAbi, "gnu", "read from the spec as in 1.4");
  assert.throws(
    () => parseSpecDepend(spec("1.9").replace("platform_abi = 'gnu'\n", "")),
    /"platform_abi" is missing/,
  );
});

// --- platforms and derived tags, as okonomiyaki derives them ------------------

Deno.test("parseSpecDepend() maps legacy arch, platform and osdist as okonomiyaki does", () => {
  // arch, platform, osdist, python, the EDS platform or the refusal's reason
  const table: [string | null, string | null, string | null, string | null, string][] = [
    ["amd64", "linux2", "RedHat_7", "2.7", "rh7-x86_64"],
    ["x86_64", "linux2", "RedHat_5", "2.7", "rh5-x86_64"],
    ["x86", "linux2", "RedHat_6", "2.7", "rh6-x86"],
    ["aarch64", "linux2", "RedHat_8", "3.11", "rh8-arm64"],
    ["amd64", "linux2", null, "2.7", "rh5-x86_64"],
    ["amd64", "linux3", "RedHat_3", "2.7", "rh3-x86_64"],
    ["amd64", "darwin", null, "2.7", "osx-x86_64"],
    ["arm64", "darwin", null, "3.11", "osx-arm64"],
    ["i386", "darwin", null, "3.8", "osx-x86"],
    ["x86", "win32", null, "2.7", "win-x86"],
    ["amd64", "win32", null, "3.11", "win-x86_64"],
    ["arm64", "win32", null, "3.11", "win-arm64"],
    [null, null, null, "2.7", "any"],
    ["amd64", null, null, "2.7", "any"],
    [null, "win32", null, null, "no architecture"],
    [null, "linux2", "RedHat_7", "2.7", "no architecture"],
    ["sparc", "linux2", "RedHat_7", "2.7", "unknown architecture"],
    ["amd64", null, "RedHat_7", "2.7", "unknown platform"],
    ["amd64", "linux2", "RedHat_7 ", "2.7", "unknown Linux distribution"],
    ["amd64", "linux2", "Ubuntu_22", "2.7", "unknown Linux distribution"],
    ["amd64", "sunos5", null, "2.7", "unknown platform"],
    ["amd64", "freebsd", null, "2.7", "unknown platform"],
    ["arm64", "linux2", "RedHat_7", "3.11", "no rh7 build for arm64"],
    ["arm", "linux2", "RedHat_8", "3.11", "no rh8 build for arm"],
    ["x86", "darwin", null, "3.11", "no macOS build for x86"],
    ["arm64", "win32", null, "3.8", "no Windows build for arm64"],
  ];
  for (const [arch, platform, osdist, python, expected] of table) {
    // 1.4, so that no tag is derived from the platform: only the platform is under test.
    const text = specDependText({
      name: "a",
      version: "1",
      metadataVersion: "1.4",
      arch,
      platform,
      osdist,
      python,
      pythonTag: python === null ? null : `cp${python.replace(".", "")}`,
    });
    const label = `${arch}/${platform}/${osdist}/${python}`;
    if (/^(rh|osx|win)[0-9]*-|^any$/.test(expected)) {
      assert.equal(parseSpecDepend(text).platform ?? "any", expected, label);
    } else {
      assert.throws(
        () => parseSpecDepend(text),
        (error: unknown) =>
          error instanceof InvalidEggError &&
          error.message.includes("the egg's platform cannot be determined") &&
          error.message.includes(`${expected}`),
        `${label}: ${expected}`,
      );
    }
  }
});

Deno.test("parseSpecDepend() derives the tags each metadata version lacks", () => {
  // metadata version, platform keys, python, written tags -> python/abi/platform tag, platform ABI
  const cases: {
    spec: Partial<Parameters<typeof specDependText>[0]>;
    expected: [string | null, string | null, string | null, string | null];
  }[] = [
    // 1.1: everything derived; Python 2 ABIs end in "m"
    {
      spec: { metadataVersion: "1.1", arch: "x86", osdist: "RedHat_5", python: "2.7" },
      expected: ["cp27", "cp27m", "linux_i686", "gnu"],
    },
    {
      spec: {
        metadataVersion: "1.1",
        arch: "amd64",
        platform: "darwin",
        osdist: null,
        python: null,
      },
      expected: [null, null, "macosx_10_6_x86_64", "darwin"],
    },
    {
      spec: {
        metadataVersion: "1.1",
        arch: "amd64",
        platform: "win32",
        osdist: null,
        python: "2.7",
      },
      expected: ["cp27", "cp27m", "win_amd64", "msvc2008"],
    },
    {
      spec: {
        metadataVersion: "1.1",
        arch: "amd64",
        platform: "win32",
        osdist: null,
        python: "3.8",
      },
      expected: ["cp38", "cp38", "win_amd64", "msvc2019"],
    },
    {
      spec: { metadataVersion: "1.1", arch: null, platform: null, osdist: null, python: "2.7" },
      expected: ["cp27", null, null, null],
    },
    // 1.2: the python tag is written, the rest derived from it
    {
      spec: { metadataVersion: "1.2", python: "3.6", pythonTag: "cp36" },
      expected: ["cp36", "cp36m", "linux_x86_64", "gnu"],
    },
    {
      spec: {
        metadataVersion: "1.2",
        platform: "win32",
        osdist: null,
        python: "3.4",
        pythonTag: "cp34",
      },
      expected: ["cp34", "cp34m", "win_amd64", "msvc2010"],
    },
    // 1.3: abi and platform tags written, the platform ABI derived (none without a tag: 2.7's)
    {
      spec: {
        metadataVersion: "1.3",
        platform: "win32",
        osdist: null,
        python: null,
        pythonTag: null,
        abiTag: null,
        platformTag: "win_amd64",
      },
      expected: [null, null, "win_amd64", "msvc2008"],
    },
    {
      spec: {
        metadataVersion: "1.3",
        platform: "win32",
        osdist: null,
        python: "3.11",
        pythonTag: "cp311",
        abiTag: "cp311",
        platformTag: "win_amd64",
      },
      expected: ["cp311", "cp311", "win_amd64", "msvc2022"],
    },
    // 1.4: everything written
    {
      spec: { metadataVersion: "1.4", platformAbi: "gnu_custom" },
      expected: ["cp311", "cp311", "linux_x86_64", "gnu_custom"],
    },
  ];
  for (const { spec, expected } of cases) {
    const metadata = parseSpecDepend(specDependText({ name: "a", version: "1", ...spec }));
    assert.deepEqual(
      [metadata.pythonTag, metadata.abiTag, metadata.platformTag, metadata.platformAbi],
      expected,
      JSON.stringify(spec),
    );
  }
  // okonomiyaki cannot imply an ABI for a three-digit tag in metadata before 1.3.
  assert.throws(
    () =>
      parseSpecDepend(
        specDependText({ name: "a", version: "1", metadataVersion: "1.1", python: "3.11" }),
      ),
    /"python_tag" 'cp311' has no ABI that metadata before 1.3 can imply/,
  );
});

Deno.test("parseSpecDepend() normalises requirements as okonomiyaki prints them", () => {
  const metadata = parseSpecDepend(
    specDependText({
      name: "a",
      version: "1",
      packages: ["numpy-1.8.0", "MKL 10.3", "six 1.16.0-1", "zope.testing", "nose  1.3.4-0"],
    }),
  );
  assert.deepEqual(metadata.packages, [
    "numpy 1.8.0",
    "MKL 10.3",
    "six 1.16.0-1",
    "zope.testing",
    "nose 1.3.4",
  ]);
});

// --- reading eggs -----------------------------------------------------------

Deno.test("readEggMetadata() reads a Python egg written as a real zip", async () => {
  await withTempDir(async (dir) => {
    const path = await writeEgg(dir, {
      name: "numpy",
      version: "1.26.4",
      packages: ["mkl 2021.4.0-1", "six 1.16.0"],
    });
    assert.deepEqual(await readEggMetadata(path), parseSpecDepend(NUMPY_SPEC));
  });
});

Deno.test("readEggMetadata() reads a non-Python egg", async () => {
  await withTempDir(async (dir) => {
    const path = await writeEgg(dir, {
      name: "mkl",
      version: "2021.4.0",
      build: 3,
      python: null,
      pythonTag: null,
      abiTag: null,
      platformTag: null,
    });
    const metadata = await readEggMetadata(path);
    assert.equal(metadata.fullVersion, "2021.4.0-3");
    assert.equal(metadata.python, null);
    assert.equal(metadata.pythonTag, null);
    assert.equal(metadata.platform, "rh7-x86_64");
  });
});

Deno.test("readEggMetadata() compares the name with the file name without case", async () => {
  await withTempDir(async (dir) => {
    const path = await writeEgg(dir, { name: "mkl", version: "10.3" }, {
      fileName: "MKL-10.3-1.egg",
    });
    assert.equal((await readEggMetadata(path)).name, "mkl");
  });
});

Deno.test("readEggMetadata() refuses metadata that differs from the file name", async () => {
  await withTempDir(async (dir) => {
    const cases: [string, RegExp][] = [
      ["scipy-1.0-1.egg", /name "numpy" in EGG-INFO\/spec\/depend does not match .*\("scipy"\)/],
      ["numpy-1.1-1.egg", /version "1.0" in EGG-INFO\/spec\/depend does not match .*\("1.1"\)/],
      ["numpy-1.0-2.egg", /build 1 in EGG-INFO\/spec\/depend does not match the file name \(2\)/],
    ];
    for (const [fileName, pattern] of cases) {
      const path = await writeEgg(dir, { name: "numpy", version: "1.0" }, { fileName });
      const error = await assertInvalidEgg(() => readEggMetadata(path), pattern, fileName);
      assert.ok(error.message.startsWith(`Invalid egg "${fileName}": `), error.message);
    }
  });
});

Deno.test("readEggMetadata() refuses a bad file name before opening the file", async () => {
  await assertInvalidEgg(
    () => readEggMetadata("/nonexistent/numpy.zip"),
    /^Invalid egg file name "numpy.zip"/,
    "numpy.zip",
  );
});

Deno.test("readEggMetadata() reports a missing file", async () => {
  await assertInvalidEgg(
    () => readEggMetadata("/nonexistent/numpy-1.0-1.egg"),
    /^Cannot read egg "numpy-1.0-1.egg": no such file$/,
    "numpy-1.0-1.egg",
  );
});

Deno.test("readEggMetadata() refuses a directory", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "numpy-1.0-1.egg");
    await Deno.mkdir(path);
    await assertInvalidEgg(
      () => readEggMetadata(path),
      /^Invalid egg "numpy-1.0-1.egg": not a regular file$/,
    );
  });
});

Deno.test("readEggMetadata() refuses an egg without spec/depend", async () => {
  await withTempDir(async (dir) => {
    const path = await writeEgg(dir, { name: "numpy", version: "1.0" }, { omitSpec: true });
    await assertInvalidEgg(
      () => readEggMetadata(path),
      /^Invalid egg "numpy-1.0-1.egg": EGG-INFO\/spec\/depend is missing$/,
    );
  });
});

Deno.test("readEggMetadata() names the line of bad metadata inside an egg", async () => {
  await withTempDir(async (dir) => {
    const path = await writeEgg(dir, { name: "numpy", version: "1.0" }, {
      specDependText: "metadata_version = '1.3'\nname = 'numpy'\nversion = '1.0\nbuild = 1\n",
    });
    await assertInvalidEgg(
      () => readEggMetadata(path),
      /^Invalid egg "numpy-1.0-1.egg": in EGG-INFO\/spec\/depend, unterminated string on line 3$/,
    );
  });
});

Deno.test("readEggMetadata() refuses a file that is not a zip archive", async () => {
  await withTempDir(async (dir) => {
    for (const content of ["this is not a zip\n".repeat(100), ""]) {
      const path = join(dir, "numpy-1.0-1.egg");
      await Deno.writeTextFile(path, content);
      await assertInvalidEgg(
        () => readEggMetadata(path),
        /^Invalid egg "numpy-1.0-1.egg": not a valid zip archive \(.+\)$/,
      );
    }
  });
});

Deno.test("readEggMetadata() refuses a zip bomb fast and without allocating it", async () => {
  await withTempDir(async (dir) => {
    const path = await writeZipBomb(dir, "bomb");
    const rssBefore = Deno.memoryUsage().rss;
    const started = performance.now();
    await assertInvalidEgg(
      () => readEggMetadata(path),
      /^Invalid egg "bomb-1.0-1.egg": EGG-INFO\/spec\/depend is larger than 65536 bytes$/,
    );
    assert.ok(performance.now() - started < 2000, "refused within 2 s");
    assert.ok(Deno.memoryUsage().rss - rssBefore < 100 * MB, "less than 100 MB more memory");
  });
});

Deno.test("readEggMetadata() stops inflating a zip bomb that lies about its size", async () => {
  await withTempDir(async (dir) => {
    const path = await writeZipBomb(dir, "liar", { inflatedBytes: 32 * MB, declaredSize: 300 });
    const rssBefore = Deno.memoryUsage().rss;
    const started = performance.now();
    await assertInvalidEgg(
      () => readEggMetadata(path),
      /^Invalid egg "liar-1.0-1.egg": EGG-INFO\/spec\/depend inflates to more than 65536 bytes$/,
    );
    assert.ok(performance.now() - started < 2000, "refused within 2 s");
    assert.ok(Deno.memoryUsage().rss - rssBefore < 100 * MB, "less than 100 MB more memory");
  });
});

Deno.test("readEggMetadata() refuses spec/depend above maxSpecBytes", async () => {
  await withTempDir(async (dir) => {
    const path = await writeEgg(dir, { name: "numpy", version: "1.0" });
    await assertInvalidEgg(
      () => readEggMetadata(path, { maxSpecBytes: 100 }),
      /EGG-INFO\/spec\/depend is larger than 100 bytes$/,
    );
  });
});

Deno.test("readEggMetadata() refuses an entry that climbs out with ..", async () => {
  await withTempDir(async (dir) => {
    const path = await writeTraversalEgg(dir, "evil");
    await assertInvalidEgg(
      () => readEggMetadata(path),
      /^Invalid egg "evil-1.0-1.egg": unsafe path "\.\.\/\.\.\/evil\.txt" in the archive$/,
      "evil-1.0-1.egg",
    );
  });
});

Deno.test("readEggMetadata() refuses absolute, drive and backslash paths", async () => {
  await withTempDir(async (dir) => {
    for (
      const unsafe of ["/etc/evil", "\\evil", "C:/evil", "a\\..\\..\\evil", "EGG-INFO/../../x"]
    ) {
      const path = await writeRawZip(join(dir, "evil-1.0-1.egg"), [
        ...eggEntries({ name: "evil", version: "1.0" }),
        deflatedEntry(unsafe, "x"),
      ]);
      const error = await assertInvalidEgg(() => readEggMetadata(path), /unsafe path/);
      assert.ok(error.message.includes(`unsafe path "${unsafe}" in the archive`), error.message);
    }
  });
});

Deno.test("readEggMetadata() accepts names that merely contain dots", async () => {
  await withTempDir(async (dir) => {
    const path = await writeRawZip(join(dir, "dots-1.0-1.egg"), [
      ...eggEntries({ name: "dots", version: "1.0" }),
      deflatedEntry("dots/..hidden/a...b", "x"),
    ]);
    assert.equal((await readEggMetadata(path)).name, "dots");
  });
});

Deno.test("readEggMetadata() refuses more entries than maxEntries", async () => {
  await withTempDir(async (dir) => {
    const path = await writeEgg(dir, { name: "many", version: "1.0" }, {
      extraEntries: { "many/a.py": "", "many/b.py": "" },
    });
    await assertInvalidEgg(
      () => readEggMetadata(path, { maxEntries: 4 }),
      /^Invalid egg "many-1.0-1.egg": the archive has more than 4 entries$/,
    );
    assert.equal((await readEggMetadata(path, { maxEntries: 5 })).name, "many");
  });
});

Deno.test("readEggMetadata() rejects limits that are not positive integers", async () => {
  for (const options of [{ maxSpecBytes: 0 }, { maxEntries: 1.5 }, { maxEntries: Number.NaN }]) {
    await assert.rejects(() => readEggMetadata("x-1-1.egg", options), RangeError);
  }
});

Deno.test("readEggMetadata() reads a 200 MB egg quickly in constant memory", async () => {
  await withTempDir(async (dir) => {
    const path = await writeEgg(dir, { name: "big", version: "1.0" }, {
      payloadBytes: 200 * MB,
    });
    assert.ok((await Deno.stat(path)).size > 200 * MB);
    const rssBefore = Deno.memoryUsage().rss;
    const started = performance.now();
    const metadata = await readEggMetadata(path);
    const elapsed = performance.now() - started;
    assert.equal(metadata.name, "big");
    assert.ok(elapsed < 500, `took ${elapsed.toFixed(0)} ms`);
    assert.ok(Deno.memoryUsage().rss - rssBefore < 50 * MB, "no more than 50 MB more memory");
  });
});

// --- hashing ----------------------------------------------------------------

Deno.test("sha256File() equals sha256sum and reports progress", async () => {
  await withTempDir(async (dir) => {
    const path = await writeEgg(dir, { name: "hashme", version: "1.0" }, {
      payloadBytes: 3 * MB + 123,
    });
    const { stdout } = await new Deno.Command("sha256sum", { args: [path] }).output();
    const expected = new TextDecoder().decode(stdout).split(" ")[0];
    const progress: number[] = [];
    assert.equal(await sha256File(path, (bytes) => progress.push(bytes)), expected);
    const size = (await Deno.stat(path)).size;
    assert.equal(progress.at(-1), size);
    assert.ok(progress.length >= 4, "one call per chunk");
    assert.ok(progress.every((bytes, i) => i === 0 || bytes > progress[i - 1]!), "increasing");
  });
});

Deno.test("sha256File() hashes an empty file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "empty");
    await Deno.writeFile(path, new Uint8Array());
    assert.equal(
      await sha256File(path),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });
});

Deno.test("sha256File() names the file it cannot read", async () => {
  await assert.rejects(
    () => sha256File("/nonexistent/numpy-1.0-1.egg"),
    (error: unknown) =>
      error instanceof Error && error.name === "HatcherError" &&
      error.message === 'Cannot read "numpy-1.0-1.egg": no such file',
  );
});
