/**
 * Issue 13, item 1: a re-index is bounded and cheap, and no single request
 * holds the server: a maximal legal re-index answers in well under a second
 * with bounded memory, a longer one is refused with 413, and an egg whose
 * zip has more entries than allowed is refused while the server keeps
 * answering others.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { login, sha256File, uploadEgg } from "../mod.ts";
import { zip } from "../lib/deps.ts";
import { writeEgg } from "./helpers/eggs.ts";
import { withTempDir } from "./helpers/files.ts";
import { authorization, V1 } from "./helpers/http.ts";
import type { RunningServer } from "./helpers/server.ts";
import { PASSWORD, startEggWorld, USERS } from "./helpers/world.ts";

const UPLOADER = { email: USERS.uploader, password: PASSWORD };
const REINDEX = "/data/acme/dev/rh7-x86_64/eggs/re-index";

async function rssBytes(server: RunningServer): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${server.pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

async function reindex(server: RunningServer, eggs: unknown[]) {
  const started = performance.now();
  const response = await fetch(`${server.url}${V1}${REINDEX}`, {
    method: "POST",
    headers: {
      authorization: await authorization(server, UPLOADER),
      "content-type": "application/json",
    },
    body: JSON.stringify({ eggs }),
  });
  return { status: response.status, body: await response.json(), ms: performance.now() - started };
}

Deno.test("item 1: a maximal re-index is fast with bounded memory; a longer one is 413", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const session = await login(server.url, { username: USERS.uploader, password: PASSWORD });
    const target = { organization: "acme", repository: "dev", platform: "rh7-x86_64" };
    const names = ["a", "b", "c"];
    for (const name of names) {
      await uploadEgg(session, target, await writeEgg(dir, { name, version: "1.0" }), {
        enabled: false,
      });
    }
    const entry = (name: string) => ({ name, version: "1.0-1", python_tag: "cp311" });
    const maximal = Array.from({ length: 10_000 }, (_, index) => entry(names[index % 3]!));
    await reindex(server, [entry("a")]); // warm up the code paths once
    const before = await rssBytes(server);
    for (let round = 0; round < 5; round++) {
      const reply = await reindex(server, maximal);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual(reply.body, { indexed: 3 }, "distinct eggs counted once");
      assert.ok(reply.ms < 1000, `a maximal re-index took ${reply.ms.toFixed(0)} ms`);
    }
    const grown = (await rssBytes(server)) - before;
    assert.ok(grown < 64 * 1024 * 1024, `RSS grew by ${(grown / 1048576).toFixed(0)} MB`);

    const tooLong = await reindex(server, [...maximal, entry("a")]);
    assert.equal(tooLong.status, 413);
    assert.match(tooLong.body.error, /at most 10000 eggs \(this one lists 10001\)/);

    // All or nothing, also when the missing one is far down the list.
    const missing = await reindex(server, [...maximal.slice(0, 9_999), entry("ghost")]);
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /No egg 'ghost-1\.0-1' \(cp311\)/);
  });
});

Deno.test("item 1: an egg with too many zip entries is refused while others are answered", async () => {
  await using server = await startEggWorld();
  await withTempDir(async (dir) => {
    const path = join(dir, "many-1.0-1.egg");
    const file = await Deno.open(path, { create: true, write: true, truncate: true });
    const writer = new zip.ZipWriter(file.writable, { useWebWorkers: false, level: 0 });
    for (let index = 0; index <= 100_000; index++) {
      await writer.add(`many/${index}`, undefined);
    }
    await writer.close();

    const session = await login(server.url, { username: USERS.uploader, password: PASSWORD });
    const header = await authorization(server, UPLOADER);
    let worst = 0;
    let done = false;
    const pings = (async () => {
      while (!done) {
        const started = performance.now();
        const response = await fetch(`${server.url}${V1}/metadata/platforms`, {
          headers: { authorization: header },
        });
        await response.body?.cancel();
        worst = Math.max(worst, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    // Handed over as already checked, so that the server, not the client, must refuse it.
    const upload = uploadEgg(session, {
      organization: "acme",
      repository: "dev",
      platform: "rh7-x86_64",
    }, {
      path,
      filename: "many-1.0-1.egg",
      sha256: await sha256File(path),
      size: (await Deno.stat(path)).size,
      metadata: {} as never,
    }, { verify: false });
    await assert.rejects(upload, /more than 100000 entries/);
    done = true;
    await pings;
    assert.ok(worst < 500, `a request waited ${worst.toFixed(0)} ms behind the upload`);
  });
});
