/**
 * End to end with two (or three) real reference servers: export, import,
 * diff and mirror through the CLI. Round trips of every kind, filters, the
 * manifest-only / missing-from exchange across an "air gap", incremental and
 * resumed exports, a corrupted export refused, mirror with --dry-run and
 * --delete, and who may export or import what.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  addTeamRepository,
  createOrganization,
  createRepository,
  createToken,
  login,
  sha256File,
  uploadApp,
  uploadBundle,
  uploadEgg,
  uploadRuntime,
} from "../mod.ts";
import { bundleV1, writeBundle } from "./helpers/bundles.ts";
import { runCli } from "./helpers/cli.ts";
import { writeEgg } from "./helpers/eggs.ts";
import { filesUnder, withTempDir } from "./helpers/files.ts";
import { writeRuntime } from "./helpers/runtimes.ts";
import { type RunningServer, startServer } from "./helpers/server.ts";
import { PASSWORD, ROOT, startEggWorld, USERS } from "./helpers/world.ts";

const APP_SPEC = `id: myapp\nname: My App\nversion: "1.0"\nbuild: 1\ndescription: An app\n` +
  `platform: rh8-x86_64\npython_tag: cp311\n`;

async function tokenOf(server: RunningServer, email: string, password: string): Promise<string> {
  const session = await login(server.url, { username: email, password });
  return (await createToken(session, `sync-${crypto.randomUUID().slice(0, 8)}`)).token;
}

function ok(run: { code: number; stdout: string; stderr: string }): string {
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
  return run.stdout;
}

/** A source server with eggs (three Python tags), a runtime, a bundle and an app in acme/dev. */
async function populatedSource(dir: string): Promise<RunningServer> {
  await Deno.mkdir(dir, { recursive: true });
  const server = await startEggWorld({ logRequests: true });
  const session = await login(server.url, { username: USERS.uploader, password: PASSWORD });
  const rh7 = { organization: "acme", repository: "dev", platform: "rh7-x86_64" };
  await uploadEgg(session, rh7, await writeEgg(dir, { name: "numpy", version: "1.26.4" }));
  await uploadEgg(
    session,
    rh7,
    await writeEgg(dir, {
      name: "old",
      version: "1.0",
      metadataVersion: "1.1",
      python: "2.7",
    }),
  );
  // No Python: listed in every index, exported once.
  await uploadEgg(
    session,
    rh7,
    await writeEgg(dir, {
      name: "mkl",
      version: "2021.4.0",
      python: null,
      pythonTag: null,
      abiTag: null,
    }),
  );
  await uploadEgg(
    session,
    { ...rh7, platform: "rh8-x86_64" },
    await writeEgg(dir, {
      name: "six",
      version: "1.16.0",
      osdist: "RedHat_8",
    }),
  );
  await uploadRuntime(
    session,
    { organization: "acme", repository: "dev" },
    await writeRuntime(dir),
  );
  await uploadBundle(
    session,
    { ...rh7, platform: "rh8-x86_64" },
    await writeBundle(dir, "science-1.0.0-1.bundle", bundleV1()),
  );
  const spec = join(dir, "myapp.yaml");
  await Deno.writeTextFile(spec, APP_SPEC);
  await uploadApp(session, { organization: "acme", repository: "dev" }, spec);
  return server;
}

/** An empty target with the organization acme (import never creates organizations). */
async function emptyTarget(): Promise<RunningServer> {
  const server = await startServer({ admin: ROOT });
  const root = await login(server.url, { username: ROOT.email, password: ROOT.password });
  await createOrganization(root, { name: "acme", description: "ACME" });
  return server;
}

/** `hatcher diff` of two servers, each with its own token. */
function diffServers(
  source: RunningServer,
  sourceToken: string,
  target: RunningServer,
  targetToken: string,
  extra: string[] = [],
) {
  return runCli([
    "diff",
    ...extra,
    "--from-token",
    sourceToken,
    "--to-token",
    targetToken,
    source.url,
    target.url,
  ]);
}

function dataRequests(server: RunningServer, since: number): string[] {
  return server.stderrText().slice(since).split("\n").filter((line) =>
    /^(GET \/api\/v[01]\/json\/data\/|POST \/api\/v[01]\/json\/data\/.*\/upload)/.test(line)
  );
}

Deno.test("export, import into an empty server, diff: a round trip of every kind", async () => {
  await withTempDir(async (dir) => {
    await using source = await populatedSource(join(dir, "files"));
    await using target = await emptyTarget();
    const sourceToken = await tokenOf(source, ROOT.email, ROOT.password);
    const targetToken = await tokenOf(target, ROOT.email, ROOT.password);
    const out = join(dir, "export");

    const exported = ok(await runCli(["-u", source.url, "-t", sourceToken, "export", out]));
    assert.match(exported, /^Exporting eggs from acme\/dev for rh7-x86_64$/m);
    assert.match(exported, /^Exporting runtimes from acme\/dev for rh8-x86_64$/m);
    assert.match(exported, /^Exported 7 artefacts to .* \(7 downloaded/m);
    const files = (await filesUnder(out)).map((path) => path.slice(out.length + 1));
    assert.deepEqual(files, [
      "MANIFEST.json",
      "v1/acme/dev/rh7-x86_64/eggs/cp27/old-1.0-1.egg",
      "v1/acme/dev/rh7-x86_64/eggs/cp311/numpy-1.26.4-1.egg",
      "v1/acme/dev/rh7-x86_64/eggs/none/mkl-2021.4.0-1.egg",
      "v1/acme/dev/rh8-x86_64/apps/cp311/myapp-1.0-1.yaml",
      "v1/acme/dev/rh8-x86_64/bundles/cp311/science-1.0.0-1.bundle",
      "v1/acme/dev/rh8-x86_64/eggs/cp311/six-1.16.0-1.egg",
      "v1/acme/dev/rh8-x86_64/runtimes/cpython-3.11.2+2-rh8_x86_64-gnu.runtime",
    ]);
    const manifest = JSON.parse(await Deno.readTextFile(join(out, "MANIFEST.json")));
    assert.equal(manifest.source, source.url);
    assert.equal(manifest.artefacts.length, 7);
    for (const entry of manifest.artefacts) {
      assert.equal(await sha256File(join(out, entry.path)), entry.sha256, entry.path);
    }

    // Not there yet, and no --create-missing: refused before anything is sent.
    const refused = await runCli(["-u", target.url, "-t", targetToken, "import", out]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /No repository 'acme\/dev'.*--create-missing/);

    const imported = ok(
      await runCli(["-u", target.url, "-t", targetToken, "import", "--create-missing", out]),
    );
    assert.match(imported, /^Created repository acme\/dev$/m);
    assert.match(imported, /^Updating acme\/dev for rh7-x86_64$/m);
    assert.match(imported, /^Uploading eggs\.\.\.$/m);
    assert.match(imported, /7 uploaded, 0 already there/);
    const diff = await diffServers(source, sourceToken, target, targetToken);
    assert.equal(diff.code, 0, diff.stdout + diff.stderr);
    assert.match(diff.stdout, /agree \(7 artefacts\)/);
    // The directory against the target too, and a manifest against the directory.
    assert.equal(
      (await runCli(["diff", "--to-token", targetToken, out, target.url])).code,
      0,
    );
    assert.equal((await runCli(["diff", join(out, "MANIFEST.json"), out])).code, 0);

    // Again: nothing is downloaded or uploaded.
    const logged = source.stderrText().length;
    const again = ok(await runCli(["-u", source.url, "-t", sourceToken, "export", out]));
    assert.match(again, /\(0 downloaded, 0 bytes; 7 already there\)/);
    assert.deepEqual(dataRequests(source, logged), []);
    const targetLogged = target.stderrText().length;
    assert.match(
      ok(await runCli(["-u", target.url, "-t", targetToken, "import", out])),
      /0 uploaded, 7 already there/,
    );
    assert.deepEqual(dataRequests(target, targetLogged), []);
  });
});

Deno.test("a second export trusts only unchanged files: a changed one is fetched, a touched one hashed", async () => {
  await withTempDir(async (dir) => {
    await using source = await populatedSource(join(dir, "files"));
    const token = await tokenOf(source, ROOT.email, ROOT.password);
    const out = join(dir, "export");
    ok(await runCli(["-u", source.url, "-t", token, "export", out]));
    const egg = (name: string) => join(out, "v1/acme/dev/rh7-x86_64/eggs", name);

    // Same size, other bytes: its time changed, its hash does not match.
    const changed = egg("cp311/numpy-1.26.4-1.egg");
    const bytes = await Deno.readFile(changed);
    bytes[bytes.length - 1] = bytes.at(-1)! ^ 0xff;
    await Deno.writeFile(changed, bytes);
    // Intact, but its time is not the one the manifest has: hashed, kept.
    const touched = egg("cp27/old-1.0-1.egg");
    await Deno.utime(touched, new Date(), new Date(Date.now() + 5_000));
    await Deno.remove(egg("none/mkl-2021.4.0-1.egg"));

    const logged = source.stderrText().length;
    const again = ok(await runCli(["-u", source.url, "-t", token, "export", out]));
    assert.match(again, /\(2 downloaded, \d+ bytes; 5 already there\)/);
    assert.deepEqual(dataRequests(source, logged).map((line) => line.split(" ")[1]).sort(), [
      "/api/v1/json/data/acme/dev/rh7-x86_64/cp311/eggs/numpy/1.26.4-1",
      "/api/v1/json/data/acme/dev/rh7-x86_64/none/eggs/mkl/2021.4.0-1",
    ]);
    const manifest = JSON.parse(await Deno.readTextFile(join(out, "MANIFEST.json")));
    for (const entry of manifest.artefacts) {
      assert.equal(await sha256File(join(out, entry.path)), entry.sha256, entry.path);
      assert.equal(
        (await Deno.stat(join(out, entry.path))).mtime?.getTime(),
        Math.floor(entry.mtimeMs),
      );
    }

    // The manifest now vouches for all of them, the touched one too.
    const third = source.stderrText().length;
    assert.match(
      ok(await runCli(["-u", source.url, "-t", token, "export", out])),
      /\(0 downloaded, 0 bytes; 7 already there\)/,
    );
    assert.deepEqual(dataRequests(source, third), []);
  });
});

Deno.test("filters by kind, repository and platform; the original's singular spellings", async () => {
  await withTempDir(async (dir) => {
    await using source = await populatedSource(join(dir, "files"));
    const token = await tokenOf(source, ROOT.email, ROOT.password);
    const out = join(dir, "export");
    ok(
      await runCli([
        "-u",
        source.url,
        "-t",
        token,
        "export",
        "-a",
        "eggs",
        "-r",
        "acme/dev",
        "--platform",
        "rh7-64",
        out,
      ]),
    );
    const files = (await filesUnder(out)).map((path) => path.slice(out.length + 1));
    assert.deepEqual(files.filter((file) => file !== "MANIFEST.json"), [
      "v1/acme/dev/rh7-x86_64/eggs/cp27/old-1.0-1.egg",
      "v1/acme/dev/rh7-x86_64/eggs/cp311/numpy-1.26.4-1.egg",
      "v1/acme/dev/rh7-x86_64/eggs/none/mkl-2021.4.0-1.egg",
    ]);
    const bad = await runCli(["-u", source.url, "-t", token, "export", "-a", "wheels", out]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown artefact kind 'wheels'/);
    const missing = await runCli(["-u", source.url, "-t", token, "export", "-r", "acme/nope", out]);
    assert.equal(missing.code, 0);
    assert.match(missing.stderr, /Warning: No repository 'acme\/nope'/);
  });
});

Deno.test("across an air gap: a manifest carried out, only the difference carried in", async () => {
  await withTempDir(async (dir) => {
    await using connected = await populatedSource(join(dir, "files"));
    await using offline = await emptyTarget();
    const connectedToken = await tokenOf(connected, ROOT.email, ROOT.password);
    const offlineToken = await tokenOf(offline, ROOT.email, ROOT.password);
    const first = join(dir, "first");
    ok(await runCli(["-u", connected.url, "-t", connectedToken, "export", "-a", "eggs", first]));
    ok(await runCli(["-u", offline.url, "-t", offlineToken, "import", "-c", first]));

    // Something new upstream.
    const session = await login(connected.url, { username: USERS.uploader, password: PASSWORD });
    await uploadEgg(
      session,
      { organization: "acme", repository: "dev", platform: "rh7-x86_64" },
      await writeEgg(join(dir, "files"), { name: "scipy", version: "1.11.0" }),
    );

    // The air-gapped side says what it has; the connected side writes only the rest.
    const what = join(dir, "offline-has");
    assert.match(
      ok(await runCli(["-u", offline.url, "-t", offlineToken, "export", "--manifest-only", what])),
      /Wrote the manifest/,
    );
    assert.deepEqual((await filesUnder(what)).map((path) => path.slice(what.length + 1)), [
      "MANIFEST.json",
    ]);
    const carry = join(dir, "carry");
    const written = ok(
      await runCli([
        "-u",
        connected.url,
        "-t",
        connectedToken,
        "export",
        "-a",
        "eggs",
        "--missing-from",
        join(what, "MANIFEST.json"),
        carry,
      ]),
    );
    assert.match(written, /1 downloaded.*4 left out: the other side has them/);
    assert.deepEqual(
      (await filesUnder(carry)).map((path) => path.slice(carry.length + 1)),
      ["MANIFEST.json", "v1/acme/dev/rh7-x86_64/eggs/cp311/scipy-1.11.0-1.egg"],
    );
    ok(await runCli(["-u", offline.url, "-t", offlineToken, "import", carry]));
    const diff = await diffServers(connected, connectedToken, offline, offlineToken, [
      "-a",
      "eggs",
    ]);
    assert.equal(diff.code, 0, diff.stdout);
  });
});

Deno.test("a corrupted or truncated export is refused whole, naming the files", async () => {
  await withTempDir(async (dir) => {
    await using source = await populatedSource(join(dir, "files"));
    await using target = await emptyTarget();
    const out = join(dir, "export");
    ok(
      await runCli([
        "-u",
        source.url,
        "-t",
        await tokenOf(source, ROOT.email, ROOT.password),
        "export",
        out,
      ]),
    );
    const runtime = join(
      out,
      "v1/acme/dev/rh8-x86_64/runtimes/cpython-3.11.2+2-rh8_x86_64-gnu.runtime",
    );
    const bytes = await Deno.readFile(runtime);
    bytes[bytes.length - 30] = bytes[bytes.length - 30]! ^ 0xff;
    await Deno.writeFile(runtime, bytes);
    const bundle = join(out, "v1/acme/dev/rh8-x86_64/bundles/cp311/science-1.0.0-1.bundle");
    await Deno.truncate(bundle, 10);
    const targetToken = await tokenOf(target, ROOT.email, ROOT.password);
    const run = await runCli(["-u", target.url, "-t", targetToken, "import", "-c", out]);
    assert.notEqual(run.code, 0);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.match(run.stderr, /bundle/);
    // Nothing at all reached the target: not even the repository.
    const diff = await runCli([
      "diff",
      "--to-token",
      targetToken,
      join(out, "MANIFEST.json"),
      target.url,
    ]);
    assert.equal(diff.code, 1);
    assert.match(diff.stdout, /missing/);
    assert.ok(!diff.stdout.includes("extra"));
  });
});

Deno.test("an export killed midway resumes where it stopped", async () => {
  await withTempDir(async (dir) => {
    await using source = await startEggWorld();
    const session = await login(source.url, { username: USERS.uploader, password: PASSWORD });
    const big = await writeEgg(dir, { name: "big", version: "1.0" }, { payloadBytes: 120_000_000 });
    await uploadEgg(
      session,
      { organization: "acme", repository: "dev", platform: "rh7-x86_64" },
      big,
    );
    const token = await tokenOf(source, ROOT.email, ROOT.password);
    const out = join(dir, "export");
    const partial = join(out, "v1/acme/dev/rh7-x86_64/eggs/cp311/big-1.0-1.egg.partial");
    const { cliCommand } = await import("./helpers/cli.ts");
    const argv = cliCommand(["-u", source.url, "-t", token, "export", out]);
    const child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const size = await Deno.stat(partial).then((info) => info.size, () => 0);
      if (size > 1_000_000) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill("SIGKILL");
    await child.status;
    const kept = (await Deno.stat(partial)).size;
    assert.ok(kept > 0 && kept < 120_000_000, `${kept} bytes kept`);
    ok(await runCli(["-u", source.url, "-t", token, "export", out]));
    assert.equal(
      await sha256File(join(out, "v1/acme/dev/rh7-x86_64/eggs/cp311/big-1.0-1.egg")),
      await sha256File(big),
    );
    assert.deepEqual(
      (await filesUnder(out)).filter((path) => path.includes(".partial")),
      [],
      "no leftovers",
    );
  });
});

Deno.test("mirror: --dry-run plans, then copies what the target lacks; --delete removes extras", async () => {
  await withTempDir(async (dir) => {
    await using source = await populatedSource(join(dir, "files"));
    await using target = await emptyTarget();
    const sourceToken = await tokenOf(source, ROOT.email, ROOT.password);
    const targetToken = await tokenOf(target, ROOT.email, ROOT.password);
    const sides = [
      "--from",
      source.url,
      "--to",
      target.url,
      "--from-token",
      sourceToken,
      "--to-token",
      targetToken,
    ];

    const plan = ok(await runCli(["mirror", ...sides, "--dry-run"]));
    assert.match(plan, /^copy +\| eggs +\| acme\/dev/m);
    assert.match(plan, /7 to copy.*nothing changed/);
    const diffBefore = await diffServers(source, sourceToken, target, targetToken);
    assert.equal(diffBefore.code, 1, "the dry run changed nothing");

    // Without --create-missing the repository is not there: every artefact fails, clearly.
    const noRepo = await runCli(["mirror", ...sides]);
    assert.equal(noRepo.code, 1);
    assert.match(noRepo.stderr, /no repository acme\/dev on the target/);

    const copied = ok(await runCli(["mirror", ...sides, "--create-missing"]));
    assert.match(copied, /7 copied, 0 skipped, 0 failed, 0 deleted/);
    assert.equal(
      (await diffServers(source, sourceToken, target, targetToken)).code,
      0,
    );
    // Again: nothing to copy.
    assert.match(ok(await runCli(["mirror", ...sides])), /0 copied, 7 skipped/);

    // Something only the target has: kept, unless --delete (which asks, or takes -y).
    const targetSession = await login(target.url, { token: targetToken });
    await uploadEgg(
      targetSession,
      { organization: "acme", repository: "dev", platform: "rh7-x86_64" },
      await writeEgg(join(dir, "files"), { name: "local", version: "9.9" }),
    );
    assert.match(
      ok(await runCli(["mirror", ...sides, "--dry-run", "--delete"])),
      /^delete +\| eggs/m,
    );
    const unconfirmed = await runCli(["mirror", ...sides, "--delete"]);
    assert.equal(unconfirmed.code, 2);
    assert.match(ok(await runCli(["mirror", ...sides, "--delete", "-y"])), /1 deleted/);
    assert.equal(
      (await diffServers(source, sourceToken, target, targetToken)).code,
      0,
    );
  });
});

Deno.test("permissions: what a user cannot read is not exported; no upload right, nothing half-done", async () => {
  await withTempDir(async (dir) => {
    await using source = await populatedSource(join(dir, "files"));
    const root = await login(source.url, { username: ROOT.email, password: ROOT.password });
    await createRepository(root, { organization: "acme", name: "secret", description: "x" });
    await uploadEgg(
      root,
      { organization: "acme", repository: "secret", platform: "rh7-x86_64" },
      await writeEgg(join(dir, "files"), { name: "hidden", version: "1.0" }),
    );
    // The reader may read acme/dev only.
    const out = join(dir, "export");
    const readerToken = await tokenOf(source, USERS.reader, PASSWORD);
    ok(await runCli(["-u", source.url, "-t", readerToken, "export", out]));
    const files = await filesUnder(out);
    assert.ok(files.some((path) => path.includes("/acme/dev/")));
    assert.ok(!files.some((path) => path.includes("/acme/secret/")), "not readable, not exported");
    // The index-only reader may not download: nothing exported, and said so.
    const indexer = join(dir, "indexer");
    const indexerRun = await runCli([
      "-u",
      source.url,
      "-t",
      await tokenOf(source, USERS.indexer, PASSWORD),
      "export",
      "-r",
      "acme/dev",
      indexer,
    ]);
    assert.match(indexerRun.stderr, /No repository 'acme\/dev' that you can read/);

    // Importing as a reader: refused at the first upload, and the index shows none of it.
    await using target = await emptyTarget();
    const targetRoot = await login(target.url, { username: ROOT.email, password: ROOT.password });
    await createRepository(targetRoot, { organization: "acme", name: "dev", description: "x" });
    const { createTeam, createUser, addTeamMember } = await import("../mod.ts");
    await createTeam(targetRoot, { organization: "acme", team: "readers", group: "read" });
    await createUser(targetRoot, { organization: "acme", email: USERS.reader, password: PASSWORD });
    await addTeamMember(targetRoot, { organization: "acme", team: "readers", email: USERS.reader });
    await addTeamRepository(targetRoot, {
      organization: "acme",
      team: "readers",
      repository: "dev",
    });
    const readerOnTarget = await tokenOf(target, USERS.reader, PASSWORD);
    const run = await runCli(["-u", target.url, "-t", readerOnTarget, "import", "-a", "eggs", out]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /upload/);
    const targetToken = await tokenOf(target, ROOT.email, ROOT.password);
    const diff = await runCli([
      "diff",
      "-a",
      "eggs",
      "--to-token",
      targetToken,
      join(out, "MANIFEST.json"),
      target.url,
    ]);
    assert.ok(!/extra|different/.test(diff.stdout), diff.stdout);
    const listed = ok(
      await runCli([
        "-u",
        target.url,
        "-t",
        targetToken,
        "eggs",
        "list",
        "acme",
        "dev",
        "rh7-x86_64",
        "cp311",
      ]),
    );
    assert.equal(listed, "Egg Name | Python Tag\n", "no half-indexed batch");
  });
});

Deno.test("a hostile server's names never become paths outside the export", async () => {
  await withTempDir(async (dir) => {
    await using server = await startEggWorld();
    const session = await login(server.url, { username: USERS.uploader, password: PASSWORD });
    await uploadEgg(
      session,
      { organization: "acme", repository: "dev", platform: "rh7-x86_64" },
      await writeEgg(dir, { name: "numpy", version: "1.26.4" }),
    );
    // The index says the egg's Python tag is a path that climbs out.
    const { startProxy } = await import("./helpers/proxy.ts");
    await using proxy = await startProxy(
      server.url,
      () => undefined,
      (response, _request, path) => {
        if (!path.includes("/indices/") || !path.endsWith("/eggs")) return response;
        return new Response(
          response.body!.pipeThrough(new TextDecoderStream()).pipeThrough(
            new TransformStream({
              transform: (text, controller) =>
                controller.enqueue(
                  text.replaceAll(
                    '"python_tag":"cp311"',
                    '"python_tag":"../../../../../../../evil"',
                  ),
                ),
            }),
          ).pipeThrough(new TextEncoderStream()),
          { status: response.status, headers: { "content-type": "application/json" } },
        );
      },
    );
    const token = await tokenOf(server, ROOT.email, ROOT.password);
    const out = join(dir, "nested", "export");
    const run = await runCli(["-u", proxy.url, "-t", token, "export", "-a", "eggs", out]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /the Python tag "(\.\.\/)+evil" cannot be a directory name: skipped/,
    );
    assert.deepEqual(await filesUnder(join(dir, "nested")), [join(out, "MANIFEST.json")]);
  });
});
