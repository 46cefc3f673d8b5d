/**
 * What real EDS clients expect of the reference server, end to end through
 * the CLI: eggs of every metadata version filed under okonomiyaki's tags,
 * legacy platform spellings as aliases, publicly readable repositories, and
 * token times written as the real server writes them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256File } from "../mod.ts";
import { runCli } from "./helpers/cli.ts";
import { writeEgg } from "./helpers/eggs.ts";
import { withTempDir } from "./helpers/files.ts";
import { V1 } from "./helpers/http.ts";
import type { RunningServer } from "./helpers/server.ts";
import { loginArgs, ROOT, startEggWorld, USERS } from "./helpers/world.ts";

async function hatcher(server: RunningServer, user: string | null, args: string[]) {
  return await runCli([...(user ? loginArgs(server, user) : ["-u", server.url]), ...args]);
}

function ok(run: { code: number; stdout: string; stderr: string }): string {
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
  return run.stdout;
}

async function listed(server: RunningServer, user: string | null, index: string[]) {
  const out = ok(await hatcher(server, user, ["--json", "eggs", "list", ...index]));
  return (JSON.parse(out) as { filename: string }[]).map((egg) => egg.filename);
}

Deno.test("eggs of metadata 1.1 to 1.4 land in exactly the indices of their Python tag", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const legacy = { arch: "amd64", platform: "linux2", osdist: "RedHat_7" };
    const eggs = await Promise.all([
      // 1.1 has no python_tag: '2.7' means cp27, so it is no egg for Python 3.
      writeEgg(dir, { name: "old", version: "1.0", metadataVersion: "1.1", python: "2.7" }),
      writeEgg(dir, {
        name: "nopython",
        version: "1.0",
        metadataVersion: "1.1",
        python: null,
        ...legacy,
      }),
      writeEgg(dir, { name: "mid", version: "1.0", metadataVersion: "1.2", python: "3.6" }),
      writeEgg(dir, {
        name: "tagged",
        version: "1.0",
        metadataVersion: "1.2",
        python: "3.6",
        pythonTag: "cp36",
      }),
      writeEgg(dir, { name: "three", version: "1.0", metadataVersion: "1.3" }),
      writeEgg(dir, {
        name: "four",
        version: "1.0",
        metadataVersion: "1.4",
        python: "3.8",
        pythonTag: "cp38",
        abiTag: "cp38",
      }),
    ]);
    // `mid` (1.2) says python 3.6 and its python_tag defaults to cp311 in the helper: refused.
    const refused = await hatcher(server, USERS.uploader, [
      "eggs",
      "upload",
      "acme",
      "dev",
      "rh7-x86_64",
      eggs[2]!,
    ]);
    assert.equal(refused.code, 2, "a bad local file is a usage error");
    assert.match(refused.stderr, /"python_tag" 'cp311' does not agree with "python" '3.6'/);
    const good = eggs.filter((_, index) => index !== 2);
    ok(
      await hatcher(server, USERS.uploader, [
        "eggs",
        "batch-upload",
        "acme",
        "dev",
        "rh7-x86_64",
        ...good,
      ]),
    );
    const index = (tag: string) => listed(server, USERS.reader, ["acme", "dev", "rh7-x86_64", tag]);
    assert.deepEqual(await index("cp27"), ["nopython-1.0-1.egg", "old-1.0-1.egg"]);
    assert.deepEqual(await index("cp36"), ["nopython-1.0-1.egg", "tagged-1.0-1.egg"]);
    assert.deepEqual(await index("cp38"), ["four-1.0-1.egg", "nopython-1.0-1.egg"]);
    assert.deepEqual(await index("cp311"), ["nopython-1.0-1.egg", "three-1.0-1.egg"]);

    const metadata = JSON.parse(
      ok(
        await hatcher(server, USERS.reader, [
          "eggs",
          "metadata",
          "acme",
          "dev",
          "rh7-x86_64",
          "cp27",
          "old",
          "1.0-1",
        ]),
      ),
    );
    assert.equal(metadata.python_tag, "cp27");
    assert.equal(metadata.abi_tag, "cp27m");
    assert.equal(metadata.platform_tag, "linux_x86_64");
    assert.equal(metadata.platform_abi, "gnu");
  });
});

Deno.test("an egg whose platform cannot be determined is refused, naming what its spec says", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const cases: [Record<string, string | null>, string][] = [
      [{ arch: null, platform: "win32", osdist: null }, "arch = None, platform = 'win32'"],
      [{ arch: "amd64", platform: "freebsd", osdist: null }, "platform = 'freebsd'"],
      [{ arch: "sparc", platform: "linux2", osdist: "RedHat_7" }, "arch = 'sparc'"],
      [{ arch: "amd64", platform: "linux2", osdist: "RedHat_7 " }, "osdist = 'RedHat_7 '"],
    ];
    for (const [keys, declared] of cases) {
      const egg = await writeEgg(dir, { name: "odd", version: "1.0", ...keys });
      const run = await hatcher(server, USERS.uploader, [
        "eggs",
        "upload",
        "acme",
        "dev",
        "rh7-x86_64",
        egg,
      ]);
      assert.equal(run.code, 2, declared);
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
      assert.ok(run.stderr.includes("the egg's platform cannot be determined"), run.stderr);
      assert.ok(run.stderr.includes(declared), run.stderr);
    }
    // Nothing was stored: not even as an egg for any platform.
    assert.deepEqual(
      await listed(server, USERS.reader, ["acme", "dev", "rh7-x86_64", "cp311"]),
      [],
    );
  });
});

Deno.test("legacy platform spellings are aliases wherever a platform is given", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const egg = await writeEgg(dir, {
      name: "numexpr",
      version: "2.2.2",
      metadataVersion: "1.1",
      arch: "amd64",
      platform: "linux2",
      osdist: "RedHat_5",
      python: "2.7",
    });
    // enstaller's default platform name.
    ok(await hatcher(server, USERS.uploader, ["eggs", "upload", "acme", "dev", "rh5-64", egg]));
    for (const platform of ["rh5-x86_64", "rh5-64", "rh5_x86_64"]) {
      assert.deepEqual(
        await listed(server, USERS.reader, ["acme", "dev", platform, "cp27"]),
        ["numexpr-2.2.2-1.egg"],
        platform,
      );
    }
    const target = join(dir, "down");
    await Deno.mkdir(target);
    ok(
      await hatcher(server, USERS.reader, [
        "eggs",
        "download",
        "acme",
        "dev",
        "rh5-64",
        "cp27",
        "numexpr",
        "2.2.2-1",
        target,
      ]),
    );
    assert.equal(await sha256File(join(target, "numexpr-2.2.2-1.egg")), await sha256File(egg));
    // A 32-bit alias is another platform: the egg is not there.
    assert.deepEqual(await listed(server, USERS.reader, ["acme", "dev", "rh5-32", "cp27"]), []);
    const platforms = ok(await hatcher(server, USERS.reader, ["platforms", "list"]));
    for (const name of ["rh8-arm64", "win-arm64", "rh5-x86_64"]) {
      assert.ok(platforms.includes(name), name);
    }
    assert.ok(!platforms.includes("rh5-64"), "platforms list shows canonical names only");
    const unknown = await hatcher(server, USERS.reader, [
      "eggs",
      "list",
      "acme",
      "dev",
      "sparc-64",
      "cp27",
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Unknown platform 'sparc-64'/);
  });
});

Deno.test("public repositories: anyone reads, nobody anonymous writes, private ones unchanged", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    ok(
      await hatcher(server, ROOT.email, [
        "repositories",
        "create",
        "acme",
        "free",
        "free eggs",
        "--public",
      ]),
    );
    ok(
      await hatcher(server, ROOT.email, [
        "teams",
        "repositories",
        "add",
        "acme",
        "uploaders",
        "free",
      ]),
    );
    const egg = await writeEgg(dir, { name: "six", version: "1.16.0" });
    for (const repository of ["free", "dev"]) {
      ok(
        await hatcher(server, USERS.uploader, [
          "eggs",
          "upload",
          "acme",
          repository,
          "rh7-x86_64",
          egg,
        ]),
      );
    }
    const free = ["acme", "free", "rh7-x86_64", "cp311"];

    // Anonymous reads through the CLI: no credentials anywhere.
    assert.deepEqual(await listed(server, null, free), ["six-1.16.0-1.egg"]);
    const metadata = JSON.parse(
      ok(await hatcher(server, null, ["eggs", "metadata", ...free, "six", "1.16.0-1"])),
    );
    assert.equal(metadata.sha256, await sha256File(egg));
    const target = join(dir, "anonymous");
    await Deno.mkdir(target);
    ok(await hatcher(server, null, ["eggs", "download", ...free, "six", "1.16.0-1", target]));
    assert.equal(await sha256File(join(target, "six-1.16.0-1.egg")), await sha256File(egg));
    // ... and a stranger from another organization reads it too, but may not write.
    assert.deepEqual(await listed(server, USERS.stranger, free), ["six-1.16.0-1.egg"]);
    const strangerUpload = await hatcher(server, USERS.stranger, [
      "eggs",
      "upload",
      "acme",
      "free",
      "rh7-x86_64",
      egg,
      "--force",
    ]);
    assert.equal(strangerUpload.code, 1);

    // Anonymous writes need credentials: the CLI says so before sending anything.
    const anonymousUpload = await hatcher(server, null, [
      "eggs",
      "upload",
      "acme",
      "free",
      "rh7-x86_64",
      egg,
    ]);
    assert.equal(anonymousUpload.code, 2);
    assert.match(anonymousUpload.stderr, /^Not logged in/);

    // On the wire: anonymous GETs of the public repository succeed; the rest is 401,
    // and a private or missing repository answers exactly as before.
    const get = (path: string, init: RequestInit = {}) => fetch(`${server.url}${V1}${path}`, init);
    const indexReply = await get("/indices/acme/free/rh7-x86_64/cp311/eggs");
    assert.equal(indexReply.status, 200);
    assert.deepEqual(Object.keys(await indexReply.json()), ["six-1.16.0-1.egg"]);
    const data = await get("/data/acme/free/rh7-x86_64/cp311/eggs/six/1.16.0-1");
    assert.equal(data.status, 200);
    await data.body?.cancel();
    const refusals = [
      await get("/indices/acme/dev/rh7-x86_64/cp311/eggs"),
      await get("/indices/acme/nothing/rh7-x86_64/cp311/eggs"),
      await get("/data/acme/free/rh7-x86_64/cp311/eggs/six/1.16.0-1", { method: "DELETE" }),
      await get("/data/acme/free/rh7-x86_64/eggs/re-index", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ eggs: [] }),
      }),
      await get("/admin/organizations/acme/repositories"),
    ];
    for (const reply of refusals) {
      assert.equal(reply.status, 401, reply.url);
      assert.deepEqual(await reply.json(), { error: "Authentication failed" });
    }
    // Wrong credentials are still wrong, public or not.
    const wrong = await get("/indices/acme/free/rh7-x86_64/cp311/eggs", {
      headers: { authorization: "Bearer not-a-token" },
    });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();

    // An administrator closes it again, and it answers as any private repository.
    assert.equal(
      ok(await hatcher(server, ROOT.email, ["repositories", "edit", "acme", "free", "--private"])),
      "acme/free is private\n",
    );
    const closed = await hatcher(server, null, ["eggs", "list", ...free]);
    assert.equal(closed.code, 1);
    assert.equal(closed.stderr, "Authentication failed\n");
    const shown = JSON.parse(
      ok(await hatcher(server, ROOT.email, ["--json", "repositories", "show", "acme", "free"])),
    );
    assert.deepEqual(shown, {
      organization: "acme",
      name: "free",
      description: "free eggs",
      public: false,
    });
    // Only administrators change it.
    const byUploader = await hatcher(server, USERS.uploader, [
      "repositories",
      "edit",
      "acme",
      "free",
      "--public",
    ]);
    assert.equal(byUploader.code, 1);
    const nothing = await hatcher(server, ROOT.email, ["repositories", "edit", "acme", "free"]);
    assert.equal(nothing.code, 2);
  });
});

Deno.test("token times are written as the real server writes them", async () => {
  await using server = await startEggWorld();
  ok(await hatcher(server, USERS.reader, ["api-tokens", "create", "laptop"]));
  const table = ok(await hatcher(server, USERS.reader, ["api-tokens", "list"]));
  const row = table.trim().split("\n")[1]!;
  assert.match(row, /^laptop \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} \|$/);
});
