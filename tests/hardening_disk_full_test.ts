/**
 * Issue 13 item 7: a full disk. The server's data directory lives on a small
 * tmpfs (mounted here, as root) that the test fills up: uploads answer 507
 * with a clear message and leave nothing behind, while reads, downloads and
 * deletes keep working, so space can be freed through the API.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import { runCli } from "./helpers/cli.ts";
import { writeEgg } from "./helpers/eggs.ts";
import { filesUnder, withTempDir } from "./helpers/files.ts";
import { loginArgs, startEggWorld, USERS } from "./helpers/world.ts";

const TARGET = ["acme", "dev", "rh7-x86_64"];

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await new Deno.Command(argv[0]!, { args: argv.slice(1) }).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

/** Writes zeros into `path` until the file system refuses. */
function fill(path: string): void {
  const file = Deno.openSync(path, { create: true, write: true });
  const block = new Uint8Array(64 * 1024);
  try {
    while (true) file.writeSync(block);
  } catch (error) {
    if (!String((error as Error).message).includes("os error 28")) throw error;
  } finally {
    file.close();
  }
}

Deno.test({
  name: "item 7: on a full disk uploads answer 507, while reads, downloads and deletes still work",
  ignore: process.getuid?.() !== 0,
  async fn() {
    await withTempDir(async (dir) => {
      const mount = join(dir, "small-disk");
      await Deno.mkdir(mount);
      const mounted = await run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount]);
      assert.equal(mounted.code, 0, mounted.stderr);
      try {
        const dataDir = join(mount, "data");
        await using server = await startEggWorld({ dataDir });
        const eggs = join(dir, "eggs");
        await Deno.mkdir(eggs);
        const first = await writeEgg(eggs, { name: "first", version: "1.0" }, {
          payloadBytes: 2_000_000,
        });
        const second = await writeEgg(eggs, { name: "second", version: "1.0" }, {
          payloadBytes: 2_000_000,
        });
        const as = (email: string, args: string[]) =>
          runCli([...loginArgs(server, email), ...args]);
        assert.equal((await as(USERS.uploader, ["eggs", "upload", ...TARGET, first])).code, 0);

        fill(join(mount, "filler"));
        const refused = await as(USERS.uploader, ["eggs", "upload", ...TARGET, second]);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /disk is full/);
        assert.deepEqual(await filesUnder(join(dataDir, "tmp")), [], "no partial upload kept");

        const listed = await as(USERS.reader, ["eggs", "list", ...TARGET, "cp311"]);
        assert.equal(listed.code, 0, listed.stderr);
        assert.match(listed.stdout, /first-1\.0-1\.egg/);
        const downloads = join(dir, "downloads");
        await Deno.mkdir(downloads);
        const downloaded = await as(USERS.reader, [
          "eggs",
          "download",
          ...TARGET,
          "cp311",
          "first",
          "1.0-1",
          downloads,
        ]);
        assert.equal(downloaded.code, 0, downloaded.stderr);
        const deleted = await as(USERS.uploader, [
          "eggs",
          "delete",
          ...TARGET,
          "cp311",
          "first",
          "1.0-1",
          "-y",
        ]);
        assert.equal(deleted.code, 0, deleted.stderr);
        await server.stop();
        assert.doesNotMatch(server.stderrText(), /internal error/);
      } finally {
        const unmounted = await run(["umount", mount]);
        assert.equal(unmounted.code, 0, unmounted.stderr);
      }
    });
  },
});
