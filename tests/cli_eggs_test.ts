/**
 * End to end: `hatcher eggs ...` as a subprocess against the reference server
 * with real egg files: round trips, verify/force/skip-existing, batches and
 * the index, interrupted and corrupt transfers, bad eggs and permissions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256File } from "../mod.ts";
import { runCli, runCliOnTty } from "./helpers/cli.ts";
import { filesUnder, withTempDir } from "./helpers/files.ts";
import { writeEgg, writeTraversalEgg, writeZipBomb } from "./helpers/eggs.ts";
import type { RunningServer } from "./helpers/server.ts";
import { loginArgs, ROOT, startEggWorld, USERS } from "./helpers/world.ts";

const TARGET = ["acme", "dev", "rh7-x86_64"];
const INDEX = [...TARGET, "cp311"];

async function hatcher(server: RunningServer, user: string, args: string[]) {
  return await runCli([...loginArgs(server, user), ...args]);
}

function ok(run: { code: number; stdout: string; stderr: string }): string {
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
  return run.stdout;
}

async function listed(server: RunningServer): Promise<string[]> {
  const out = ok(await hatcher(server, USERS.reader, ["eggs", "list", ...INDEX]));
  return out.trim().split("\n").slice(1).map((line) => line.split("|")[0]!.trim());
}

Deno.test("upload, list, metadata and download round-trip the exact bytes", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const egg = await writeEgg(dir, {
      name: "numpy",
      version: "1.26.4",
      packages: ["mkl 2021.4.0-1"],
    });
    const upload = await hatcher(server, USERS.uploader, ["eggs", "upload", ...TARGET, egg]);
    assert.deepEqual(
      upload,
      { code: 0, stdout: "Uploaded numpy-1.26.4-1.egg\n", stderr: "" },
      "no progress bar on a pipe",
    );
    assert.deepEqual(await listed(server), ["numpy-1.26.4-1.egg"]);
    const list = ok(await hatcher(server, USERS.reader, ["eggs", "list", ...INDEX]));
    assert.equal(list, "Egg Name           | Python Tag\nnumpy-1.26.4-1.egg | cp311\n");

    const metadataText = ok(
      await hatcher(server, USERS.reader, ["eggs", "metadata", ...INDEX, "numpy", "1.26.4-1"]),
    );
    const metadata = JSON.parse(metadataText);
    assert.equal(metadata.sha256, await sha256File(egg));
    assert.deepEqual(metadata.packages, ["mkl 2021.4.0-1"]);
    assert.deepEqual(Object.keys(metadata), Object.keys(metadata).sort(), "sorted keys");
    assert.ok(metadataText.startsWith('{\n  "abi_tag": "cp311",\n  "build": 1,'), metadataText);

    const downloads = join(dir, "downloads");
    await Deno.mkdir(downloads);
    const download = await hatcher(server, USERS.reader, [
      "eggs",
      "download",
      ...INDEX,
      "numpy",
      "1.26.4-1",
      downloads,
    ]);
    const saved = join(downloads, "numpy-1.26.4-1.egg");
    assert.deepEqual(download, { code: 0, stdout: `Saved ${saved}\n`, stderr: "" });
    assert.equal(await sha256File(saved), await sha256File(egg));
    assert.deepEqual(await filesUnder(downloads), [saved], "no partial file left");

    // Already there with the right checksum: kept, not downloaded again.
    const before = (await Deno.stat(saved)).mtime!.getTime();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const kept = ok(
      await hatcher(server, USERS.reader, [
        "eggs",
        "download",
        ...INDEX,
        "numpy",
        "1.26.4-1",
        downloads,
      ]),
    );
    assert.equal(kept, `Kept ${saved}: an identical file (same SHA-256) was already there\n`);
    assert.equal((await Deno.stat(saved)).mtime!.getTime(), before);
  });
});

Deno.test("download to a file path, and into the current directory by default", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const egg = await writeEgg(dir, { name: "six", version: "1.16.0" });
    ok(await hatcher(server, USERS.uploader, ["eggs", "upload", ...TARGET, egg]));
    const target = join(dir, "renamed.egg");
    ok(
      await hatcher(server, USERS.reader, [
        "eggs",
        "download",
        ...INDEX,
        "six",
        "1.16.0-1",
        target,
      ]),
    );
    assert.equal(await sha256File(target), await sha256File(egg));
  });
});

// Small eggs are hashed before they are sent; from 1 MiB on, an egg the server
// does not have is hashed as it is sent, its SHA-256 in a part after the file.
for (const [size, payloadBytes] of [["small", undefined], ["large", 1_500_000]] as const) {
  Deno.test(`upload --verify, --force and --no-verify semantics, ${size} eggs`, async () => {
    await using server = await startEggWorld();
    await withTempDir(async (dir) => {
      const first = await writeEgg(dir, { name: "scipy", version: "1.11.0" }, { payloadBytes });
      ok(await hatcher(server, USERS.uploader, ["eggs", "upload", ...TARGET, first]));
      // The same bytes again: a success, without a new upload.
      ok(await hatcher(server, USERS.uploader, ["eggs", "upload", ...TARGET, first]));

      const rebuiltDir = join(dir, "rebuilt");
      await Deno.mkdir(rebuiltDir);
      const rebuilt = await writeEgg(rebuiltDir, {
        name: "scipy",
        version: "1.11.0",
        packages: ["numpy 1.26.4-1"],
      }, { payloadBytes });
      const [oldSum, newSum] = [await sha256File(first), await sha256File(rebuilt)];
      const refused = await hatcher(server, USERS.uploader, ["eggs", "upload", ...TARGET, rebuilt]);
      assert.equal(refused.code, 1);
      assert.equal(refused.stderr.split("\n").length, 2, refused.stderr);
      assert.match(refused.stderr, /already been uploaded with different content/);
      assert.ok(
        refused.stderr.includes(oldSum) && refused.stderr.includes(newSum),
        "names both checksums",
      );

      const unverified = await hatcher(server, USERS.uploader, [
        "eggs",
        "upload",
        "--no-verify",
        ...TARGET,
        rebuilt,
      ]);
      assert.equal(unverified.code, 1, "the server refuses too");
      assert.match(unverified.stderr, /different content/);

      const forced = ok(
        await hatcher(server, USERS.uploader, [
          "--json",
          "eggs",
          "upload",
          "--force",
          ...TARGET,
          rebuilt,
        ]),
      );
      assert.equal(JSON.parse(forced).sha256, newSum, "the SHA-256 of what was sent");
      const metadata = JSON.parse(
        ok(
          await hatcher(server, USERS.reader, ["eggs", "metadata", ...INDEX, "scipy", "1.11.0-1"]),
        ),
      );
      assert.equal(metadata.sha256, newSum);
    });
  });
}

Deno.test("batch-upload indexes once, with and without --no-index; update-index enables", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const eggs = [];
    for (let i = 0; i < 5; i++) eggs.push(await writeEgg(dir, { name: `pkg${i}`, version: "1.0" }));
    const out = ok(
      await hatcher(server, USERS.uploader, [
        "eggs",
        "batch-upload",
        "--jobs",
        "2",
        ...TARGET,
        ...eggs,
      ]),
    );
    assert.equal(
      out,
      [0, 1, 2, 3, 4].map((i) => `Uploaded pkg${i}-1.0-1.egg\n`).join("") +
        "Verified uploaded eggs for indexing after 1 of 10 attempts.\nUpdating the index...\n" +
        "5 uploaded, 0 unchanged, 0 skipped; index updated\n",
    );
    assert.deepEqual(await listed(server), [
      "pkg0-1.0-1.egg",
      "pkg1-1.0-1.egg",
      "pkg2-1.0-1.egg",
      "pkg3-1.0-1.egg",
      "pkg4-1.0-1.egg",
    ]);

    const later = [
      await writeEgg(dir, { name: "late", version: "2.0" }),
      await writeEgg(dir, { name: "later", version: "3.0" }),
    ];
    const noIndex = ok(
      await hatcher(server, USERS.uploader, [
        "eggs",
        "batch-upload",
        "--no-index",
        ...TARGET,
        ...later,
      ]),
    );
    assert.equal(
      noIndex,
      "Uploaded late-2.0-1.egg\nUploaded later-3.0-1.egg\n" +
        "2 uploaded, 0 unchanged, 0 skipped; index not updated (--no-index)\n",
    );
    assert.equal((await listed(server)).length, 5, "not in the index yet");
    const hidden = JSON.parse(
      ok(await hatcher(server, USERS.reader, ["eggs", "metadata", ...INDEX, "late", "2.0-1"])),
    );
    assert.equal(hidden.enabled, false);

    ok(await hatcher(server, USERS.uploader, ["eggs", "update-index", ...TARGET, ...later]));
    assert.deepEqual((await listed(server)).filter((name) => name.startsWith("late")), [
      "late-2.0-1.egg",
      "later-3.0-1.egg",
    ]);
  });
});

Deno.test("batch-upload: a bad egg fails the batch before anything is sent", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const good = await writeEgg(dir, { name: "good", version: "1.0" });
    const bad = await writeEgg(dir, { name: "bad", version: "1.0" }, { omitSpec: true });
    const run = await hatcher(server, USERS.uploader, [
      "eggs",
      "batch-upload",
      ...TARGET,
      good,
      bad,
    ]);
    assert.equal(run.code, 2, "a local file problem");
    assert.equal(run.stderr.split("\n").length, 2, run.stderr);
    assert.match(run.stderr, /bad-1\.0-1\.egg/);
    assert.match(run.stderr, /nothing was uploaded/);
    const metadata = await hatcher(server, USERS.reader, [
      "eggs",
      "metadata",
      ...INDEX,
      "good",
      "1.0-1",
    ]);
    assert.equal(metadata.code, 1, "the good egg was not sent either");
  });
});

Deno.test("batch-upload: --skip-existing, and a failure names the file and leaves the index untouched", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const original = await writeEgg(dir, { name: "shared", version: "1.0" });
    ok(await hatcher(server, USERS.uploader, ["eggs", "upload", ...TARGET, original]));
    const otherDir = join(dir, "other");
    await Deno.mkdir(otherDir);
    const changed = await writeEgg(otherDir, {
      name: "shared",
      version: "1.0",
      packages: ["x 1.0-1"],
    });
    const fresh = await writeEgg(otherDir, { name: "fresh", version: "1.0" });

    const failed = await hatcher(server, USERS.uploader, [
      "eggs",
      "batch-upload",
      "--jobs",
      "1",
      ...TARGET,
      changed,
      fresh,
    ]);
    assert.equal(failed.code, 1);
    assert.ok(failed.stderr.startsWith(`Error uploading ${changed}: `), failed.stderr);
    assert.deepEqual(await listed(server), ["shared-1.0-1.egg"], "index untouched");

    const skipped = ok(
      await hatcher(server, USERS.uploader, [
        "eggs",
        "batch-upload",
        "--skip-existing",
        ...TARGET,
        changed,
        fresh,
      ]),
    );
    assert.equal(
      skipped,
      "Skipped shared-1.0-1.egg: the server has another egg of that name and version " +
        "(--skip-existing)\nUploaded fresh-1.0-1.egg\n" +
        "Verified uploaded eggs for indexing after 1 of 10 attempts.\nUpdating the index...\n" +
        "1 uploaded, 0 unchanged, 1 skipped; index updated\n",
    );
    assert.deepEqual(await listed(server), ["fresh-1.0-1.egg", "shared-1.0-1.egg"]);
    const kept = JSON.parse(
      ok(await hatcher(server, USERS.reader, ["eggs", "metadata", ...INDEX, "shared", "1.0-1"])),
    );
    assert.equal(kept.sha256, await sha256File(original), "the existing egg was left alone");
  });
});

Deno.test("bad eggs and bad files are refused before anything is sent", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const notZip = join(dir, "junk-1.0-1.egg");
    await Deno.writeTextFile(notZip, "this is not a zip file\n");
    const windows = await writeEgg(dir, {
      name: "winonly",
      version: "1.0",
      platform: "win32",
      osdist: null,
    });
    const cases: [string, RegExp][] = [
      [await writeZipBomb(dir, "bomb"), /bomb-1\.0-1\.egg/],
      [await writeTraversalEgg(dir, "sneaky"), /unsafe path/],
      [
        await writeEgg(dir, { name: "named", version: "1.0" }, { fileName: "other-1.0-1.egg" }),
        /other-1\.0-1\.egg/,
      ],
      [notZip, /junk-1\.0-1\.egg/],
      [windows, /win-x86_64.*rh7-x86_64|platform/],
    ];
    for (const [file, message] of cases) {
      const run = await hatcher(server, USERS.uploader, ["eggs", "upload", ...TARGET, file]);
      assert.equal(run.code, 2, `a local file problem, ${file}: ${run.stderr}`);
      assert.equal(run.stderr.split("\n").length, 2, run.stderr);
      assert.match(run.stderr, message);
    }
    const missing = await hatcher(server, USERS.uploader, [
      "eggs",
      "upload",
      ...TARGET,
      join(dir, "nope.egg"),
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist/);
    assert.deepEqual(await listed(server), []);
    assert.deepEqual(await filesUnder(join(server.dataDir, "objects")), []);
  });
});

Deno.test("permissions: readers download but cannot upload or delete, strangers see nothing", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const egg = await writeEgg(dir, { name: "perm", version: "1.0" });
    const asReader = await hatcher(server, USERS.reader, ["eggs", "upload", ...TARGET, egg]);
    assert.equal(asReader.code, 1);
    assert.match(asReader.stderr, /upload/i);
    const asStranger = await hatcher(server, USERS.stranger, ["eggs", "upload", ...TARGET, egg]);
    assert.equal(asStranger.code, 1);
    assert.match(asStranger.stderr, /acme/);
    ok(await hatcher(server, USERS.uploader, ["eggs", "upload", ...TARGET, egg]));

    const target = join(dir, "got.egg");
    ok(
      await hatcher(server, USERS.reader, ["eggs", "download", ...INDEX, "perm", "1.0-1", target]),
    );
    const indexOnly = await hatcher(server, USERS.indexer, [
      "eggs",
      "download",
      ...INDEX,
      "perm",
      "1.0-1",
      join(dir, "no.egg"),
    ]);
    assert.equal(indexOnly.code, 1, "read-index may list but not download");
    assert.deepEqual(await listedAs(server, USERS.indexer), ["perm-1.0-1.egg"]);
    const strangerList = await hatcher(server, USERS.stranger, ["eggs", "list", ...INDEX]);
    assert.equal(strangerList.code, 1);
    const readerDelete = await hatcher(server, USERS.reader, [
      "eggs",
      "delete",
      "-y",
      ...INDEX,
      "perm",
      "1.0-1",
    ]);
    assert.equal(readerDelete.code, 1);

    const noYes = await hatcher(server, USERS.uploader, [
      "eggs",
      "delete",
      ...INDEX,
      "perm",
      "1.0-1",
    ]);
    assert.equal(noYes.code, 2, "no terminal and no -y");
    ok(await hatcher(server, USERS.uploader, ["eggs", "delete", "-y", ...INDEX, "perm", "1.0-1"]));
    assert.deepEqual(await listed(server), []);
  });
});

async function listedAs(server: RunningServer, user: string): Promise<string[]> {
  const out = ok(await hatcher(server, user, ["eggs", "list", ...INDEX]));
  return out.trim().split("\n").slice(1).map((line) => line.split("|")[0]!.trim());
}

Deno.test("a download whose bytes were changed on the server is refused and leaves nothing", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const egg = await writeEgg(dir, { name: "victim", version: "1.0" });
    ok(await hatcher(server, USERS.uploader, ["eggs", "upload", ...TARGET, egg]));
    const sha = await sha256File(egg);
    const stored = join(server.dataDir, "objects", "sha256", sha.slice(0, 2), sha);
    const bytes = await Deno.readFile(stored);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await Deno.writeFile(stored, bytes);

    const downloads = join(dir, "downloads");
    await Deno.mkdir(downloads);
    const run = await hatcher(server, USERS.reader, [
      "eggs",
      "download",
      ...INDEX,
      "victim",
      "1.0-1",
      downloads,
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Checksum failed for 'victim-1\.0-1\.egg'/);
    assert.deepEqual(await filesUnder(downloads), [], "no partial or final file");
  });
});

Deno.test("an upload killed mid-transfer leaves nothing on the server", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const egg = await writeEgg(dir, { name: "huge", version: "1.0" }, {
      payloadBytes: 300_000_000,
    });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        join(Deno.cwd(), "cli.ts"),
        ...loginArgs(server, USERS.uploader),
        "eggs",
        "upload",
        ...TARGET,
        egg,
      ],
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).spawn();
    // Kill the client once the server is receiving the body.
    const tmp = join(server.dataDir, "tmp");
    const deadline = Date.now() + 20_000;
    while ((await filesUnder(tmp)).length === 0) {
      if (Date.now() > deadline) throw new Error("the upload never started");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill("SIGKILL");
    await child.status;
    const settle = Date.now() + 10_000;
    while ((await filesUnder(tmp)).length > 0 && Date.now() < settle) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(await filesUnder(tmp), [], "the temporary file is gone");
    assert.deepEqual(await filesUnder(join(server.dataDir, "objects")), []);
    const metadata = await hatcher(server, USERS.reader, [
      "eggs",
      "metadata",
      ...INDEX,
      "huge",
      "1.0-1",
    ]);
    assert.equal(metadata.code, 1);
  });
});

Deno.test("a context header and a progress bar are drawn on a terminal only", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const egg = await writeEgg(dir, { name: "shown", version: "1.0" }, { payloadBytes: 2_000_000 });
    const { code, screen } = await runCliOnTty([
      ...loginArgs(server, USERS.uploader),
      "eggs",
      "upload",
      ...TARGET,
      egg,
    ]);
    assert.equal(code, 0, screen);
    assert.match(screen, /Egg upload +shown-1\.0-1\.egg/);
    assert.match(screen, new RegExp(`Server +${server.url}`));
    assert.match(screen, /Repository +acme\/dev/);
    assert.match(screen, /Platform +rh7-x86_64/);
    assert.match(screen, /Time +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    assert.match(screen, /Uploading \[#+\] 100%  2\.0 MB \/ 2\.0 MB  [\d.]+ [kMG]?B\/s/);

    const quiet = await runCliOnTty([
      ...loginArgs(server, USERS.reader),
      "-q",
      "eggs",
      "download",
      ...INDEX,
      "shown",
      "1.0-1",
      join(dir, "quiet.egg"),
    ]);
    assert.equal(quiet.code, 0, quiet.screen);
    assert.equal(quiet.screen.trim(), "", "-q draws nothing, even on a terminal");
  });
});

Deno.test("deleting a repository that holds eggs needs --force", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    ok(
      await hatcher(server, USERS.uploader, [
        "eggs",
        "upload",
        ...TARGET,
        await writeEgg(dir, { name: "held", version: "1.0" }),
      ]),
    );
    const refused = await hatcher(server, ROOT.email, [
      "repositories",
      "delete",
      "-y",
      "acme",
      "dev",
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not empty/);
    ok(
      await hatcher(server, ROOT.email, ["repositories", "delete", "-y", "--force", "acme", "dev"]),
    );
    assert.equal(ok(await hatcher(server, ROOT.email, ["repositories", "list", "acme"])), "");
    assert.deepEqual(await filesUnder(join(server.dataDir, "objects")), [], "stored files removed");
  });
});

Deno.test("eggs listed in a runtime's index download under that runtime's tag", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const generic = await writeEgg(dir, {
      name: "purepy",
      version: "1.0",
      pythonTag: "py311",
      abiTag: "none",
    });
    const noPython = await writeEgg(dir, {
      name: "mkl",
      version: "2021.4.0",
      python: null,
      pythonTag: null,
      abiTag: null,
    });
    ok(
      await hatcher(server, USERS.uploader, ["eggs", "batch-upload", ...TARGET, generic, noPython]),
    );
    assert.equal(
      ok(await hatcher(server, USERS.reader, ["eggs", "list", ...INDEX])),
      "Egg Name           | Python Tag\nmkl-2021.4.0-1.egg | none\npurepy-1.0-1.egg   | py311\n",
    );
    for (const [name, version] of [["purepy", "1.0-1"], ["mkl", "2021.4.0-1"]]) {
      const target = join(dir, `${name}.download`);
      ok(
        await hatcher(server, USERS.reader, [
          "eggs",
          "download",
          ...INDEX,
          name!,
          version!,
          target,
        ]),
      );
      assert.ok((await Deno.stat(target)).size > 0);
    }
  });
});
