/**
 * YAML app specs, written by each test: the required keys (a missing one is
 * named), their types and rules, YAML errors, alias bombs and the size limit.
 */
import assert from "node:assert/strict";
import { truncate } from "node:fs/promises";
import { join } from "node:path";
import {
  APP_SPEC_REQUIRED_KEYS,
  InvalidAppError,
  MAX_APP_SPEC_BYTES,
  readAppMetadata,
} from "../lib/formats/app.ts";
import { assertRefused } from "./helpers/artefacts.ts";
import { withTempDir } from "./helpers/files.ts";

const FILE = "myapp.yaml";

/** The keys of a valid spec, as YAML lines. */
const KEYS: Record<string, string> = {
  id: "id: myapp",
  name: "name: My App",
  version: "version: '1.0'",
  build: "build: 1",
  description: "description: |\n  Analyses things.\n  Second line.",
  platform: "platform: rh8_x86_64",
  python_tag: "python_tag: cp311",
};

/** A spec of the valid keys, with some replaced (`null`: left out) and lines added. */
function spec(changes: Record<string, string | null> = {}, extra = ""): string {
  const lines = Object.entries({ ...KEYS, ...changes })
    .filter(([, line]) => line !== null)
    .map(([, line]) => line);
  return `${lines.join("\n")}\n${extra}`;
}

async function readSpec(dir: string, text: string, file = FILE): Promise<unknown> {
  const path = join(dir, file);
  await Deno.writeTextFile(path, text);
  return await readAppMetadata(path);
}

/** Runs `body`, which must throw an InvalidAppError for `file` whose message matches `pattern`. */
async function assertInvalidApp(
  body: () => Promise<unknown>,
  pattern: RegExp,
  file = FILE,
): Promise<void> {
  await assertRefused(body, InvalidAppError, pattern, file);
}

Deno.test("readAppMetadata() reads a spec, keeping every key as data", async () => {
  await withTempDir(async (dir) => {
    const metadata = await readSpec(dir, spec({}, "entry_point: myapp.main:run\nicons: [a.png]\n"));
    assert.deepEqual(metadata, {
      id: "myapp",
      name: "My App",
      version: "1.0",
      build: 1,
      fullVersion: "1.0-1",
      description: "Analyses things.\nSecond line.\n",
      platform: "rh8-x86_64",
      pythonTag: "cp311",
      data: {
        id: "myapp",
        name: "My App",
        version: "1.0",
        build: 1,
        description: "Analyses things.\nSecond line.\n",
        platform: "rh8_x86_64",
        python_tag: "cp311",
        entry_point: "myapp.main:run",
        icons: ["a.png"],
      },
    });
  });
});

Deno.test("readAppMetadata() takes a numeric version as written and a build of digits", async () => {
  await withTempDir(async (dir) => {
    const cases: [Record<string, string>, string, number][] = [
      [{ version: "version: 1.10" }, "1.10", 1],
      [{ version: "version: 2", build: "build: '3'" }, "2", 3],
      [{ version: "version: 1.0.0+local.2", build: "build: 0" }, "1.0.0+local.2", 0],
    ];
    for (const [changes, version, build] of cases) {
      const metadata = (await readSpec(dir, spec(changes))) as { version: string; build: number };
      assert.deepEqual([metadata.version, metadata.build], [version, build]);
    }
    const legacy = (await readSpec(
      dir,
      spec({ platform: "platform: rh5-64", python_tag: "python_tag: pp27" }),
    )) as {
      platform: string;
      pythonTag: string;
    };
    assert.deepEqual([legacy.platform, legacy.pythonTag], ["rh5-x86_64", "pp27"]);
    await readSpec(dir, spec(), "myapp.yml");
  });
});

Deno.test("readAppMetadata() refuses a spec without a required key, naming the key", async () => {
  await withTempDir(async (dir) => {
    assert.deepEqual(APP_SPEC_REQUIRED_KEYS, Object.keys(KEYS));
    for (const key of APP_SPEC_REQUIRED_KEYS) {
      await assertInvalidApp(
        () => readSpec(dir, spec({ [key]: null })),
        new RegExp(
          `^Invalid app spec "myapp\\.yaml": "${key}" is missing \\(an app spec needs id, name, ` +
            "version, build, description, platform, python_tag\\)$",
        ),
      );
    }
    await assertInvalidApp(
      () => readSpec(dir, "id: myapp\nplatform: rh8-x86_64\n"),
      /: "name", "version", "build", "description", "python_tag" are missing/,
    );
  });
});

Deno.test("readAppMetadata() checks each key's type and rule", async () => {
  await withTempDir(async (dir) => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { id: "id: my-app" },
        /: "id" 'my-app' is not an app id \(letters, digits, _ and \. only, not dots alone\)$/,
      ],
      [{ id: "id: '..'" }, /: "id" '\.\.' is not an app id/],
      [{ id: "id: ../etc" }, /: "id" '\.\.\/etc' is not an app id/],
      [{ id: "id: 42" }, /: "id" must be a string$/],
      [{ name: "name: ''" }, /: "name" must be a non-empty string$/],
      [{ name: "name: a/b" }, /: "name" must not contain \/ or \\$/],
      [{ name: 'name: "a\\u0007b"' }, /: "name" must not contain control characters$/],
      [{ name: 'name: "two\\nlines"' }, /: "name" must not contain control characters$/],
      [{ name: "name: '..'" }, /: "name" must not be dots alone$/],
      [{ name: `name: ${"x".repeat(201)}` }, /: "name" must be at most 200 characters$/],
      [{ version: "version: 1.0 beta" }, /: "version" "1\.0 beta" is not a version/],
      [{ version: "version: [1, 0]" }, /: "version" \[1,0\] is not a version/],
      [{ build: "build: -1" }, /: "build" -1 is not a non-negative integer$/],
      [{ build: "build: 1.5" }, /: "build" 1\.5 is not a non-negative integer$/],
      [{ build: "build: one" }, /: "build" "one" is not a non-negative integer$/],
      [{ description: "description: '  '" }, /: "description" must be a non-empty string$/],
      [{ description: "description: {a: 1}" }, /: "description" must be a non-empty string$/],
      [{ platform: "platform: linux" }, /: "platform" 'linux' is not an EDS platform$/],
      [{ platform: "platform: rh7-arm64" }, /: "platform" 'rh7-arm64' is not an EDS platform$/],
      [
        { python_tag: "python_tag: py3" },
        /: "python_tag" 'py3' is not a Python tag such as cp311$/,
      ],
      [{ python_tag: "python_tag: none" }, /: "python_tag" 'none' is not a Python tag/],
      [{ python_tag: "python_tag: CP311" }, /: "python_tag" 'CP311' is not a Python tag/],
      [{ python_tag: "python_tag: cp311/x" }, /: "python_tag" 'cp311\/x' is not a Python tag/],
      [{ python_tag: "python_tag: 311" }, /: "python_tag" must be a string$/],
    ];
    for (const [changes, pattern] of cases) {
      await assertInvalidApp(() => readSpec(dir, spec(changes)), pattern);
    }
  });
});

Deno.test("readAppMetadata() refuses text that is not one YAML mapping", async () => {
  await withTempDir(async (dir) => {
    const cases: [string, RegExp][] = [
      ["id: [myapp\n", /: not valid YAML \(.+ at line \d+, column \d+\)$/],
      [
        `${spec()}id: other\n`,
        /: not valid YAML \(Map keys must be unique at line 10, column 1\)$/,
      ],
      [`${spec()}---\nid: second\n`, /: it holds more than one YAML document$/],
      ["- id: myapp\n", /: its top level is not a YAML mapping$/],
      ["just text\n", /: its top level is not a YAML mapping$/],
      ["", /: its top level is not a YAML mapping$/],
      ["id: *nowhere\n", /: not valid YAML \(.+\)$/],
    ];
    for (const [text, pattern] of cases) {
      await assertInvalidApp(() => readSpec(dir, text), pattern);
    }
    const path = join(dir, FILE);
    await Deno.writeFile(path, new Uint8Array([0x69, 0x64, 0x3a, 0x20, 0xff]));
    await assertInvalidApp(() => readAppMetadata(path), /: the file is not valid UTF-8$/);
  });
});

Deno.test("readAppMetadata() refuses a YAML alias bomb fast and without expanding it", async () => {
  await withTempDir(async (dir) => {
    // "Billion laughs": nine levels of ten aliases each would be 10^9 strings.
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(",")}]`);
    }
    const rssBefore = Deno.memoryUsage().rss;
    const started = performance.now();
    await assertInvalidApp(
      () => readSpec(dir, spec({}, `${levels.join("\n")}\n`)),
      /: it expands more than 100 YAML aliases \(refused as an alias bomb\)$/,
    );
    assert.ok(performance.now() - started < 2000, "refused within 2 s");
    assert.ok(Deno.memoryUsage().rss - rssBefore < 100 * 1024 * 1024, "less than 100 MB more");
    // A few aliases, as real specs may use, are fine.
    const small = "common: &common [numpy, six]\nrequires: *common\n";
    const metadata = (await readSpec(dir, spec({}, small))) as { data: Record<string, unknown> };
    assert.deepEqual(metadata.data.requires, ["numpy", "six"]);
  });
});

Deno.test("readAppMetadata() refuses a file over the limit before reading it", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, FILE);
    await Deno.writeTextFile(path, spec());
    await assertInvalidApp(
      () => readAppMetadata(path, { maxBytes: 10 }),
      /: the file is larger than 10 bytes$/,
    );
    await truncate(path, MAX_APP_SPEC_BYTES + 1);
    const started = performance.now();
    await assertInvalidApp(() => readAppMetadata(path), /: the file is larger than 1048576 bytes$/);
    assert.ok(performance.now() - started < 100, "refused at once");
    await assert.rejects(() => readAppMetadata(path, { maxBytes: -1 }), RangeError);
  });
});

Deno.test("readAppMetadata() wants a .yaml or .yml file it can read", async () => {
  await withTempDir(async (dir) => {
    await assertInvalidApp(
      () => readSpec(dir, spec(), "myapp.json"),
      /^Invalid app spec file name "myapp\.json": expected a \.yaml or \.yml file$/,
      "myapp.json",
    );
  });
  await assertInvalidApp(
    () => readAppMetadata(`/nonexistent/${FILE}`),
    /^Cannot read app spec "myapp\.yaml": no such file$/,
  );
});
