/**
 * Issue 13, client side: a hostile server or a hostile neighbour must not
 * decide where a download's bytes go (items 13 and 14), and a download cut
 * short in one run resumes in the next (item 16). Hostile metadata and a
 * body that stalls on demand come from the fake EDS; symbolic links are
 * tested against the reference server.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { downloadEgg, type EggRef, login, UnsafeFileError } from "../mod.ts";
import { baseEnv, cliCommand, runCli } from "./helpers/cli.ts";
import { writeEgg } from "./helpers/eggs.ts";
import { fakeEds } from "./helpers/fake_eds.ts";
import { filesUnder, randomBytes, withTempDir } from "./helpers/files.ts";
import { loginArgs, startEggWorld, USERS } from "./helpers/world.ts";

const EGG: EggRef = {
  organization: "acme",
  repository: "dev",
  platform: "rh7-x86_64",
  pythonTag: "cp311",
  name: "big",
  version: "1.0-1",
};
const EGG_ARGS = ["acme", "dev", "rh7-x86_64", "cp311", "big", "1.0-1"];
const MB = 1_000_000;

Deno.test("a server naming the download '.bashrc' is refused and the dotfile is untouched", async () => {
  const content = randomBytes(MB);
  await using server = fakeEds(content, { breakAfter: MB, metadata: { filename: ".bashrc" } });
  await withTempDir(async (dir) => {
    const bashrc = join(dir, ".bashrc");
    await Deno.writeTextFile(bashrc, "alias ls='ls -l'\n");
    const run = await runCli(["-u", server.url, "-t", "t", "eggs", "download", ...EGG_ARGS], {
      cwd: dir,
    });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, "");
    assert.match(
      run.stderr,
      /^Refusing to save the download as "\.bashrc": .*big-1\.0-1\.egg.*\n$/,
    );
    assert.equal(await Deno.readTextFile(bashrc), "alias ls='ls -l'\n");
    assert.deepEqual(await filesUnder(dir), [bashrc]);
    assert.deepEqual(server.ranges, [], "no byte was asked for");
  });
});

Deno.test("server file names with paths, other artefacts or controls are refused", async () => {
  const hostile = [
    "../big-1.0-1.egg",
    "sub/big-1.0-1.egg",
    "..\\big-1.0-1.egg",
    "/etc/big-1.0-1.egg",
    "other-1.0-1.egg",
    ".big-1.0-1.egg",
    "big-1.0-1.egg\u001b]0;x\u0007",
  ];
  for (const filename of hostile) {
    const content = randomBytes(1000);
    await using server = fakeEds(content, { breakAfter: 1000, metadata: { filename } });
    await withTempDir(async (dir) => {
      const session = await login(server.url, { token: "t" });
      await assert.rejects(
        downloadEgg(session, EGG, { destination: dir }),
        (error) => error instanceof UnsafeFileError && error.reason === "file-name",
        filename,
      );
      assert.deepEqual(await filesUnder(dir), [], filename);
    });
  }
});

Deno.test("the server's spelling of the egg's own name is kept, and no name means the egg's", async () => {
  for (
    const [filename, saved] of [["BIG-1.0-1.egg", "BIG-1.0-1.egg"], ["", "big-1.0-1.egg"]] as const
  ) {
    const content = randomBytes(1000);
    await using server = fakeEds(content, { breakAfter: 1000, metadata: { filename } });
    await withTempDir(async (dir) => {
      const session = await login(server.url, { token: "t" });
      const result = await downloadEgg(session, EGG, { destination: dir });
      assert.equal(result.path, join(dir, saved));
      assert.deepEqual(await Deno.readFile(result.path), content);
    });
  }
});

Deno.test("a symlinked .partial or target is refused; the file it points to is untouched", async () => {
  await withTempDir(async (dir) => {
    await using server = await startEggWorld();
    const egg = await writeEgg(dir, { name: "linked", version: "1.0" }, {
      payloadBytes: 200_000,
    });
    const upload = await runCli([
      ...loginArgs(server, USERS.uploader),
      "eggs",
      "upload",
      "acme",
      "dev",
      "rh7-x86_64",
      egg,
    ]);
    assert.equal(upload.code, 0, upload.stderr);
    const downloads = join(dir, "downloads");
    await Deno.mkdir(downloads);
    const victim = join(dir, "victim.txt");
    await Deno.writeTextFile(victim, "precious\n");
    const download = () =>
      runCli([
        ...loginArgs(server, USERS.reader),
        "eggs",
        "download",
        "acme",
        "dev",
        "rh7-x86_64",
        "cp311",
        "linked",
        "1.0-1",
        downloads,
      ]);
    for (const planted of ["linked-1.0-1.egg.partial", "linked-1.0-1.egg"]) {
      const link = join(downloads, planted);
      await Deno.symlink(victim, link);
      const run = await download();
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^Refusing to .*symbolic link\n$/, planted);
      assert.equal(await Deno.readTextFile(victim), "precious\n", planted);
      assert.equal(Deno.lstatSync(link).isSymlink, true, "the link is left alone");
      await Deno.remove(link);
    }
    // With the links gone, the same command works.
    const run = await download();
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await filesUnder(downloads), [join(downloads, "linked-1.0-1.egg")]);
  });
});

/** Starts `hatcher eggs download` against `url` into `dir`, returning the child. */
function spawnDownload(url: string, dir: string): Deno.ChildProcess {
  const [command, ...args] = cliCommand(["-u", url, "-t", "t", "eggs", "download", ...EGG_ARGS]);
  return new Deno.Command(command!, {
    args,
    cwd: dir,
    env: baseEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Waits (bounded) until `path` holds `bytes` bytes. */
async function waitForSize(path: string, bytes: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const size = await Deno.stat(path).then((info) => info.size, () => 0);
    if (size >= bytes) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} never reached ${bytes} bytes`);
}

for (const signal of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
  Deno.test(`a download stopped by ${signal} resumes in the next run from where it stopped`, async () => {
    // Large enough for the worker thread; it stalls at 60%, on a 1 MiB
    // boundary (the client writes whole 1 MiB pieces).
    const size = 40 * MB;
    const content = randomBytes(size);
    const stallAt = 24 << 20;
    await using server = fakeEds(content, { breakAfter: stallAt, stall: true });
    await withTempDir(async (dir) => {
      const partial = join(dir, "big-1.0-1.egg.partial");
      const child = spawnDownload(server.url, dir);
      await waitForSize(partial, stallAt);
      child.kill(signal);
      await child.status;
      assert.deepEqual(await filesUnder(dir), [partial, `${partial}.json`]);
      assert.equal((await Deno.stat(partial)).size, stallAt);

      const run = await runCli(["-u", server.url, "-t", "t", "eggs", "download", ...EGG_ARGS], {
        cwd: dir,
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(server.ranges, [null, `bytes=${stallAt}-`]);
      assert.deepEqual(await Deno.readFile(join(dir, "big-1.0-1.egg")), content);
      assert.deepEqual(await filesUnder(dir), [join(dir, "big-1.0-1.egg")], "no leftovers");
    });
  });
}

Deno.test("leftovers of another version of the artefact are thrown away, not resumed", async () => {
  const size = 3 * MB;
  const old = randomBytes(size);
  const current = randomBytes(size);
  await withTempDir(async (dir) => {
    {
      await using stalling = fakeEds(old, { breakAfter: 1 << 20, stall: true });
      const child = spawnDownload(stalling.url, dir);
      await waitForSize(join(dir, "big-1.0-1.egg.partial"), 1 << 20);
      child.kill("SIGKILL");
      await child.status;
    }
    await using server = fakeEds(current, { breakAfter: size });
    const session = await login(server.url, { token: "t" });
    const result = await downloadEgg(session, EGG, { destination: dir });
    assert.equal(result.downloaded, true);
    assert.deepEqual(server.ranges, [null], "the old bytes were not resumed");
    assert.deepEqual(await Deno.readFile(join(dir, "big-1.0-1.egg")), current);
    assert.deepEqual(await filesUnder(dir), [join(dir, "big-1.0-1.egg")]);
  });
});
