/**
 * End to end: runtimes, bundles and apps through the CLI against the
 * reference server, as eggs are tested in cli_eggs_test.ts: upload, list,
 * metadata, download (the same bytes), delete, --force and verification,
 * who may do what, bad files of each kind, platform disagreement, --json,
 * API v0 for runtimes, and a real runtime of every platform of the corpus.
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { createToken, login, sha256File } from "../mod.ts";
import { bundleV1, bundleV2, writeBundle } from "./helpers/bundles.ts";
import { runCli } from "./helpers/cli.ts";
import { loadCorpus } from "./helpers/corpus.ts";
import { filesUnder, withTempDir } from "./helpers/files.ts";
import { runtimeJson, writeRuntime } from "./helpers/runtimes.ts";
import type { RunningServer } from "./helpers/server.ts";
import { loginArgs, PASSWORD, ROOT, startEggWorld, USERS } from "./helpers/world.ts";

async function hatcher(server: RunningServer, user: string | null, args: string[]) {
  return await runCli([...(user ? loginArgs(server, user) : ["-u", server.url]), ...args]);
}

function ok(run: { code: number; stdout: string; stderr: string }): string {
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
  return run.stdout;
}

function failed(run: { code: number; stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, run.stderr);
  assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
  assert.match(run.stderr.trim(), pattern);
}

const APP_SPEC = `id: myapp
name: My App
version: "1.0"
build: 1
description: |
  An app
  on two lines.
platform: rh8-x86_64
python_tag: cp311
entry_point: myapp.main
`;

Deno.test("runtimes: upload, list, metadata, download, delete, --force and verify", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const file = await writeRuntime(dir);
    assert.equal(basename(file), "cpython-3.11.2+2-rh8_x86_64-gnu.runtime");
    assert.equal(
      ok(await hatcher(server, USERS.uploader, ["runtimes", "upload", "acme", "dev", file])),
      `Uploaded ${basename(file)}\n`,
    );
    // The same bytes again: nothing sent, and said so.
    assert.match(
      ok(await hatcher(server, USERS.uploader, ["runtimes", "upload", "acme", "dev", file])),
      /^Skipped .*same SHA-256\n$/,
    );
    const target = ["acme", "dev", "rh8-x86_64"];
    assert.equal(
      ok(await hatcher(server, USERS.reader, ["runtimes", "list", ...target])),
      "Runtime | Version\ncpython | 3.11.2+2\n",
    );
    const listed = JSON.parse(
      ok(await hatcher(server, USERS.reader, ["--json", "runtimes", "list", ...target])),
    );
    assert.equal(listed[0].pythonTag, "cp311");
    assert.equal(listed[0].sha256, await sha256File(file));

    const metadataText = ok(
      await hatcher(server, USERS.reader, [
        "runtimes",
        "metadata",
        ...target,
        "cpython",
        "3.11.2+2",
      ]),
    );
    const metadata = JSON.parse(metadataText);
    assert.equal(metadata.language_version, "3.11.2");
    assert.equal(metadata.abi, "gnu");
    assert.deepEqual(Object.keys(metadata), Object.keys(metadata).sort(), "sorted keys");
    assert.ok(metadataText.startsWith("{\n  "), "indent 2");

    const downloads = join(dir, "downloads");
    await Deno.mkdir(downloads);
    const saved = join(downloads, basename(file));
    assert.equal(
      ok(
        await hatcher(server, USERS.reader, [
          "runtimes",
          "download",
          ...target,
          "cpython",
          "3.11.2+2",
          downloads,
        ]),
      ),
      `Saved ${saved}\n`,
    );
    assert.equal(await sha256File(saved), await sha256File(file));
    assert.deepEqual(await filesUnder(downloads), [saved]);

    // Other bytes under the same name: refused, then --force replaces.
    const other = join(dir, "other");
    await Deno.mkdir(other);
    const changed = await writeRuntime(other, runtimeJson({ build_revision: "changed" }));
    failed(
      await hatcher(server, USERS.uploader, ["runtimes", "upload", "acme", "dev", changed]),
      1,
      /already been uploaded with different content/,
    );
    ok(
      await hatcher(server, USERS.uploader, [
        "runtimes",
        "upload",
        "--force",
        "acme",
        "dev",
        changed,
      ]),
    );
    assert.equal(
      JSON.parse(
        ok(
          await hatcher(server, USERS.reader, [
            "runtimes",
            "metadata",
            ...target,
            "cpython",
            "3.11.2+2",
          ]),
        ),
      ).build_revision,
      "changed",
    );

    // Readers may not delete; uploaders may.
    failed(
      await hatcher(server, USERS.reader, [
        "runtimes",
        "delete",
        ...target,
        "cpython",
        "3.11.2+2",
        "-y",
      ]),
      1,
      /upload/,
    );
    ok(
      await hatcher(server, USERS.uploader, [
        "runtimes",
        "delete",
        ...target,
        "cpython",
        "3.11.2+2",
        "-y",
      ]),
    );
    assert.equal(
      ok(await hatcher(server, USERS.reader, ["runtimes", "list", ...target])),
      "Runtime | Version\n",
    );
  });
});

Deno.test("runtimes under --api-version 0: addressed by Python tag, listed with it", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const file = await writeRuntime(dir);
    ok(await hatcher(server, USERS.uploader, ["runtimes", "upload", "acme", "dev", file]));
    const v0 = ["--api-version", "0"];
    assert.equal(
      ok(
        await hatcher(server, USERS.reader, [
          ...v0,
          "runtimes",
          "list",
          "acme",
          "dev",
          "rh8-x86_64",
        ]),
      ),
      "Runtime | Version  | Python Tag\ncpython | 3.11.2+2 | cp311\n",
    );
    const metadata = JSON.parse(
      ok(
        await hatcher(server, USERS.reader, [
          ...v0,
          "runtimes",
          "metadata",
          "acme",
          "dev",
          "rh8-x86_64",
          "cp311",
          "3.11.2+2",
        ]),
      ),
    );
    assert.equal(metadata.implementation, "cpython");
    const target = join(dir, "v0");
    await Deno.mkdir(target);
    ok(
      await hatcher(server, USERS.reader, [
        ...v0,
        "runtimes",
        "download",
        "acme",
        "dev",
        "rh8-x86_64",
        "cp311",
        "3.11.2+2",
        target,
      ]),
    );
    assert.equal(await sha256File(join(target, basename(file))), await sha256File(file));
    failed(
      await hatcher(server, USERS.reader, [...v0, "bundles", "list", "acme", "dev", "rh8-x86_64"]),
      1,
      /Bundles exist only in API v1/,
    );
  });
});

Deno.test("bundles: both formats up and down, the original's messages, --force", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const science = await writeBundle(dir, "science-1.0.0-1.bundle", bundleV1());
    const legacy = await writeBundle(dir, "legacy-2.0-3.bundle", bundleV2());
    assert.equal(
      ok(
        await hatcher(server, USERS.uploader, [
          "bundles",
          "upload",
          "acme",
          "dev",
          "rh8-x86_64",
          science,
        ]),
      ),
      "Successfully uploaded science-1.0.0-1.bundle\n",
    );
    // A format 2.0 bundle of a cpython 3.6 runtime on rh5 (the legacy alias works too).
    ok(
      await hatcher(server, USERS.uploader, ["bundles", "upload", "acme", "dev", "rh5-64", legacy]),
    );
    // The command's platform must be the bundle's.
    failed(
      await hatcher(server, USERS.uploader, [
        "bundles",
        "upload",
        "acme",
        "dev",
        "rh7-x86_64",
        science,
      ]),
      2,
      /is for platform 'rh8-x86_64' \(its runtime\), not 'rh7-x86_64'/,
    );

    assert.equal(
      ok(await hatcher(server, USERS.reader, ["bundles", "list", "acme", "dev", "rh8-x86_64"])),
      "Bundle Name | Bundle Version | Python Tag\nscience     | 1.0.0-1        | cp311\n",
    );
    const index = JSON.parse(
      ok(await hatcher(server, USERS.reader, ["bundles", "index", "acme", "dev", "rh5-x86_64"])),
    );
    assert.deepEqual(index, {
      cp36: {
        legacy: {
          "2.0": {
            "3": {
              build: 3,
              full_version: "2.0-3",
              name: "legacy",
              platform: "rh5-x86_64",
              python_tag: "cp36",
              version: "2.0",
            },
          },
        },
      },
    });
    const ref = ["acme", "dev", "rh8-x86_64", "cp311", "science", "1.0.0-1"];
    const metadata = JSON.parse(
      ok(await hatcher(server, USERS.reader, ["bundles", "metadata", ...ref])),
    );
    assert.deepEqual(metadata.data, bundleV1());
    assert.equal(metadata.python_tag, "cp311");

    const out = join(dir, "out");
    await Deno.mkdir(out);
    const saved = join(out, "science-1.0.0-1.bundle");
    assert.equal(
      ok(await hatcher(server, USERS.reader, ["bundles", "download", ...ref, out])),
      `Bundle saved to ${saved}\n`,
    );
    assert.equal(await sha256File(saved), await sha256File(science));
    failed(
      await hatcher(server, USERS.reader, ["bundles", "download", ...ref, out]),
      1,
      /^A bundle already exists in .* with name="science" and version="1.0.0-1"\. Add "--force" if you wish to overwrite it\.$/,
    );
    ok(await hatcher(server, USERS.reader, ["bundles", "download", ...ref, out, "--force"]));
    failed(
      await hatcher(server, USERS.reader, ["bundles", "download", ...ref, join(dir, "nowhere")]),
      2,
      /does not exist/,
    );

    assert.equal(
      ok(await hatcher(server, USERS.uploader, ["bundles", "delete", ...ref, "-y"])),
      "Successfully deleted bundle: science-1.0.0-1\n",
    );
    assert.equal(
      ok(await hatcher(server, USERS.reader, ["bundles", "list", "acme", "dev", "rh8-x86_64"])),
      "Bundle Name | Bundle Version | Python Tag\n",
    );
  });
});

Deno.test("apps: upload, list, metadata; the spec's platform decides", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const spec = join(dir, "myapp.yaml");
    await Deno.writeTextFile(spec, APP_SPEC);
    assert.equal(
      ok(await hatcher(server, USERS.uploader, ["apps", "upload", "acme", "dev", spec])),
      "Uploaded myapp.yaml\n",
    );
    assert.equal(
      ok(await hatcher(server, USERS.reader, ["apps", "list", "acme", "dev", "rh8-x86_64"])),
      "App Name | Version | Python Tag\nmyapp    | 1.0-1   | cp311\n",
    );
    const metadata = JSON.parse(
      ok(
        await hatcher(server, USERS.reader, [
          "apps",
          "metadata",
          "acme",
          "dev",
          "rh8-x86_64",
          "cp311",
          "myapp",
          "1.0-1",
        ]),
      ),
    );
    assert.equal(metadata.name, "My App");
    assert.equal(metadata.data.entry_point, "myapp.main");
    const json = JSON.parse(
      ok(
        await hatcher(server, USERS.reader, [
          "--json",
          "apps",
          "list",
          "acme",
          "dev",
          "rh8-x86_64",
        ]),
      ),
    );
    assert.equal(json[0].description, "An app\non two lines.\n");
    await Deno.writeTextFile(
      spec,
      APP_SPEC.replace("entry_point: myapp.main", "entry_point: other"),
    );
    failed(
      await hatcher(server, USERS.uploader, ["apps", "upload", "acme", "dev", spec]),
      1,
      /already been uploaded with different content/,
    );
    ok(await hatcher(server, USERS.uploader, ["apps", "upload", "--force", "acme", "dev", spec]));
  });
});

Deno.test("bad files of every kind are refused in one line, before anything is sent", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const notZip = join(dir, "cpython-3.11.2+2-rh8_x86_64-gnu.runtime");
    await Deno.writeTextFile(notZip, "not a zip");
    const noJson = join(dir, "nojson");
    await Deno.mkdir(noJson);
    const missing = await writeRuntime(noJson, runtimeJson(), { omitMetadata: true });
    const badJson = await writeBundle(dir, "broken-1.0-1.bundle", "{ not json");
    const badName = await writeBundle(dir, "foo-bar-1.0.0-1.bundle", bundleV1());
    const noPlatform = join(dir, "noplatform.yaml");
    await Deno.writeTextFile(noPlatform, APP_SPEC.replace("platform: rh8-x86_64\n", ""));
    const cases: [string[], RegExp][] = [
      [["runtimes", "upload", "acme", "dev", notZip], /not a valid zip archive/],
      [["runtimes", "upload", "acme", "dev", missing], /enthought\/runtime\.json is missing/],
      [["bundles", "upload", "acme", "dev", "rh8-x86_64", badJson], /JSON/],
      [["bundles", "upload", "acme", "dev", "rh8-x86_64", badName], /foo-bar-1\.0\.0-1\.bundle/],
      [["apps", "upload", "acme", "dev", noPlatform], /platform/],
      [["runtimes", "upload", "acme", "dev", join(dir, "absent.runtime")], /does not exist/],
    ];
    for (const [args, pattern] of cases) {
      failed(await hatcher(server, USERS.uploader, args), 2, pattern);
    }
    // Nothing reached the server.
    assert.equal(
      ok(await hatcher(server, USERS.reader, ["runtimes", "list", "acme", "dev", "rh8-x86_64"])),
      "Runtime | Version\n",
    );
  });
});

Deno.test("who may do what: readers read, uploaders write, strangers see nothing", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const runtime = await writeRuntime(dir);
    const bundle = await writeBundle(dir, "science-1.0.0-1.bundle", bundleV1());
    const spec = join(dir, "myapp.yaml");
    await Deno.writeTextFile(spec, APP_SPEC);
    const uploads = [
      ["runtimes", "upload", "acme", "dev", runtime],
      ["bundles", "upload", "acme", "dev", "rh8-x86_64", bundle],
      ["apps", "upload", "acme", "dev", spec],
    ];
    for (const args of uploads) {
      // A reader may not upload (403); a stranger does not even see the repository (404).
      failed(await hatcher(server, USERS.reader, args), 1, /upload/);
      failed(await hatcher(server, USERS.stranger, args), 1, /acme\/dev/);
      ok(await hatcher(server, USERS.uploader, args));
    }
    const reads = [
      ["runtimes", "list", "acme", "dev", "rh8-x86_64"],
      ["bundles", "list", "acme", "dev", "rh8-x86_64"],
      ["apps", "list", "acme", "dev", "rh8-x86_64"],
    ];
    for (const args of reads) {
      assert.equal(ok(await hatcher(server, USERS.reader, args)).trim().split("\n").length, 2);
      failed(await hatcher(server, USERS.stranger, args), 1, /acme\/dev/);
    }
    // An index reader sees indices but may not download.
    const out = join(dir, "out");
    await Deno.mkdir(out);
    failed(
      await hatcher(server, USERS.indexer, [
        "runtimes",
        "download",
        "acme",
        "dev",
        "rh8-x86_64",
        "cpython",
        "3.11.2+2",
        out,
      ]),
      1,
      /read/,
    );
    // Deleting the repository removes them all.
    ok(
      await hatcher(server, ROOT.email, ["repositories", "delete", "acme", "dev", "--force", "-y"]),
    );
    ok(await hatcher(server, ROOT.email, ["repositories", "create", "acme", "dev", "again"]));
    assert.equal(
      ok(await hatcher(server, ROOT.email, ["runtimes", "list", "acme", "dev", "rh8-x86_64"])),
      "Runtime | Version\n",
    );
  });
});

const corpus = await loadCorpus();

Deno.test({
  name: "a real runtime of every platform of the corpus goes up and comes back unchanged",
  ignore: corpus === undefined,
  async fn() {
    const { dir, runtimes } = corpus!;
    await using server = await startEggWorld();
    const session = await login(server.url, { username: USERS.uploader, password: PASSWORD });
    const uploader = ["-u", server.url, "-t", (await createToken(session, "corpus")).token];
    const byPlatform = new Map<string, (typeof runtimes)[number]>();
    for (const runtime of runtimes) {
      if (runtime.okonomiyaki === "read" && !byPlatform.has(runtime.platform!)) {
        byPlatform.set(runtime.platform!, runtime);
      }
    }
    assert.ok(byPlatform.size >= 10, `${byPlatform.size} platforms`);
    await withTempDir(async (out) => {
      for (const [platform, runtime] of byPlatform) {
        const file = join(dir, runtime.file);
        ok(await runCli([...uploader, "runtimes", "upload", "acme", "dev", file]));
        const eds = platform.replace("_", "-");
        ok(
          await runCli([
            ...uploader,
            "runtimes",
            "download",
            "acme",
            "dev",
            eds,
            runtime.implementation!,
            runtime.version!,
            out,
          ]),
        );
        assert.equal(await sha256File(join(out, basename(file))), runtime.sha256, runtime.file);
      }
    });
  },
});
