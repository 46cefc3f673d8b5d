/**
 * `downloadEgg` when a body breaks off mid-transfer: it resumes with a `Range`
 * request guarded by `If-Range`, and the file holds exactly the egg's bytes,
 * for small downloads (written on the calling thread) and large ones (hashed
 * and written on a worker). The reference server never breaks a body on
 * demand, so a small loopback server plays EDS here.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ChecksumMismatchError, downloadEgg, type EggRef, login, ServerError } from "../mod.ts";
import { fakeEds } from "./helpers/fake_eds.ts";
import { filesUnder, randomBytes, withTempDir } from "./helpers/files.ts";

const EGG: EggRef = {
  organization: "acme",
  repository: "dev",
  platform: "rh7-x86_64",
  pythonTag: "cp311",
  name: "big",
  version: "1.0-1",
};
const MB = 1_000_000;

for (const [label, size] of [["a small", 3 * MB], ["a large (worker)", 48 * MB]] as const) {
  Deno.test(`${label} download that breaks off resumes with a Range and is exact`, async () => {
    const content = randomBytes(size);
    await using server = fakeEds(content, { breakAfter: Math.floor(size * 0.6) });
    await withTempDir(async (dir) => {
      const session = await login(server.url, { token: "t" });
      const result = await downloadEgg(session, EGG, { destination: dir });
      assert.equal(result.downloaded, true);
      assert.equal(result.sha256, server.sha256);
      assert.deepEqual(await Deno.readFile(join(dir, "big-1.0-1.egg")), content);
      assert.deepEqual(await filesUnder(dir), [join(dir, "big-1.0-1.egg")]);
      assert.equal(server.ranges.length, 2, `requests: ${server.ranges}`);
      const [, resumedAt] = /^bytes=(\d+)-$/.exec(server.ranges[1]!)!;
      assert.ok(Number(resumedAt) <= size * 0.6, `resumed at ${resumedAt}`);
    });
  });
}

Deno.test("a broken download from a server without ranges fails and leaves nothing", async () => {
  const content = randomBytes(3 * MB);
  await using server = fakeEds(content, { breakAfter: 2 * MB, ranges: false });
  await withTempDir(async (dir) => {
    const session = await login(server.url, { token: "t" }, { retries: 0 });
    await assert.rejects(downloadEgg(session, EGG, { destination: dir }));
    assert.deepEqual(await filesUnder(dir), []);
    assert.deepEqual(server.ranges, [null]);
  });
});

Deno.test("resumed bytes that do not match the egg are refused, large and small", async () => {
  for (const size of [3 * MB, 48 * MB]) {
    const content = randomBytes(size);
    const other = content.slice();
    other[size - 1] = other[size - 1]! ^ 0xff;
    await using server = fakeEds(content, { breakAfter: size / 2, rangedContent: other });
    await withTempDir(async (dir) => {
      const session = await login(server.url, { token: "t" });
      await assert.rejects(downloadEgg(session, EGG, { destination: dir }), ChecksumMismatchError);
      assert.deepEqual(await filesUnder(dir), [], "no partial or final file");
    });
  }
});

Deno.test("an unreadable server error is not confused with a broken body", async () => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (r) =>
      new URL(r.url).pathname.endsWith("/auth/tokens/auth")
        ? Response.json({ token: "session" })
        : Response.json({ error: "disk on fire" }, { status: 500 }),
  );
  await withTempDir(async (dir) => {
    const session = await login(`http://127.0.0.1:${server.addr.port}`, { token: "t" });
    await assert.rejects(downloadEgg(session, EGG, { destination: dir }), ServerError);
    assert.deepEqual(await filesUnder(dir), []);
  });
});
