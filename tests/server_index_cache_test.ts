/**
 * The reference server keeps each index document once built (server/indices.ts)
 * and must never serve one that is out of date. After every kind of change
 * the index the running server answers with must equal one built from
 * scratch, on a fresh database connection of this test process (so with an
 * empty cache), from the same data directory. Also: ETags and 304s, gzip,
 * access checks in front of the cache, a restart, and a nested kind (runtimes,
 * per API version).
 * Run: deno test -A tests/server_index_cache_test.ts
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { request as httpRequest } from "node:http";
import { gunzipSync } from "node:zlib";
import {
  addTeamRepository,
  createRepository,
  deleteEgg,
  deleteRepository,
  inspectLocalEgg,
  login,
  reindexEggs,
  type Session,
  updateRepository,
  uploadEgg,
} from "../mod.ts";
import { openDatabase } from "../server/db.ts";
import { indexDocument } from "../server/indices.ts";
import { EGG_KIND } from "../server/kinds/egg.ts";
import type { ArtefactKind } from "../server/kinds/kind.ts";
import { RUNTIME_KIND } from "../server/kinds/runtime.ts";
import { findOrganization } from "../server/organizations.ts";
import { findRepository } from "../server/repositories.ts";
import { type EggSpecInput, writeEgg } from "./helpers/eggs.ts";
import { authorization, type Credentials, V0, V1 } from "./helpers/http.ts";
import { writeRuntime } from "./helpers/runtimes.ts";
import { type RunningServer, startServer } from "./helpers/server.ts";
import { PASSWORD, ROOT, startEggWorld, USERS } from "./helpers/world.ts";

const PLATFORM = "rh7-x86_64";
const EGG_INDEX = `/indices/acme/dev/${PLATFORM}/cp311/eggs`;
const UPLOADER: Credentials = { email: USERS.uploader, password: PASSWORD };
const TARGET = { organization: "acme", repository: "dev", platform: PLATFORM };

interface Fetched {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

/** A GET as `as` (null: anonymous), the body as the server sent it after decoding. */
async function get(
  server: RunningServer,
  path: string,
  options: { as?: Credentials | null; headers?: Record<string, string>; root?: string } = {},
): Promise<Fetched> {
  const headers = new Headers({ "accept-encoding": "identity", ...options.headers });
  const as = options.as === undefined ? UPLOADER : options.as;
  if (as) headers.set("authorization", await authorization(server, as));
  const response = await fetch(`${server.url}${options.root ?? V1}${path}`, { headers });
  return {
    status: response.status,
    headers: response.headers,
    bytes: new Uint8Array(await response.arrayBuffer()),
  };
}

/** The raw bytes on the wire (node:http decodes nothing and adds no Accept-Encoding). */
function rawGet(
  server: RunningServer,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; bytes: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${server.url}${V1}${path}`, { headers }, (response) => {
      const chunks: Uint8Array[] = [];
      response.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          bytes: new Uint8Array(Buffer.concat(chunks)),
        }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end();
  });
}

/** The index built from scratch on a new connection (an empty cache) of the same database. */
async function freshIndex(
  server: RunningServer,
  kind: ArtefactKind<unknown>,
  options: { platform?: string; tag?: string; apiVersion?: 0 | 1 } = {},
): Promise<Uint8Array> {
  const platform = options.platform ?? PLATFORM;
  const db = openDatabase(server.dataDir);
  try {
    const repository = findRepository(db, findOrganization(db, "acme")!.id, "dev")!;
    const params: Record<string, string> = { org: "acme", repo: "dev", platform };
    if (options.tag !== undefined) params.tag = options.tag;
    const document = indexDocument(
      db,
      kind,
      { repositoryId: repository.id, kind: kind.name, platform },
      { params, apiVersion: options.apiVersion ?? 1, platform },
      kind.indexTags(params),
    );
    return await new Response(document.identity.body()).bytes();
  } finally {
    db.close();
  }
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const eggIndexKeys = (bytes: Uint8Array) => Object.keys(JSON.parse(text(bytes))).sort();

/** The served egg index is 200, equals a fresh build, and lists exactly `filenames`. */
async function assertCurrentEggIndex(server: RunningServer, filenames: string[]): Promise<string> {
  const served = await get(server, EGG_INDEX);
  assert.equal(served.status, 200, text(served.bytes));
  assert.equal(text(served.bytes), text(await freshIndex(server, EGG_KIND, { tag: "cp311" })));
  assert.deepEqual(eggIndexKeys(served.bytes), [...filenames].sort());
  return served.headers.get("etag")!;
}

/**
 * Asserts that If-None-Match `sent` still gets a 304 with ETag `current`
 * (nothing changed), or no longer does.
 */
async function assertRevalidates(
  server: RunningServer,
  sent: string,
  fresh: boolean,
  current = sent,
) {
  const reply = await get(server, EGG_INDEX, { headers: { "if-none-match": sent } });
  assert.equal(reply.status, fresh ? 304 : 200);
  if (fresh) {
    assert.equal(reply.bytes.length, 0);
    assert.equal(reply.headers.get("etag"), current);
  } else {
    assert.notEqual(reply.headers.get("etag"), current);
  }
}

function pureEgg(name: string, version = "1.0.0"): EggSpecInput {
  return { name, version, pythonTag: "cp311" };
}

Deno.test("index cache: every change is served at once, never a stale index", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "index-cache-" });
  const dataDir = `${dir}/data`;
  let server = await startEggWorld({ dataDir });
  try {
    const uploader: Session = await login(server.url, {
      username: USERS.uploader,
      password: PASSWORD,
    });
    const root: Session = await login(server.url, {
      username: ROOT.email,
      password: ROOT.password,
    });
    const alpha = await writeEgg(dir, pureEgg("alpha"));
    const beta = await writeEgg(dir, pureEgg("beta"));
    let etag = "";

    await t.step("an upload appears in an index that was kept", async () => {
      etag = await assertCurrentEggIndex(server, []);
      await assertRevalidates(server, etag, true);
      await uploadEgg(uploader, TARGET, alpha);
      await assertRevalidates(server, etag, false);
      etag = await assertCurrentEggIndex(server, ["alpha-1.0.0-1.egg"]);
    });

    await t.step("304 for the ETag of either representation, weak or strong; * too", async () => {
      await assertRevalidates(server, etag, true);
      await assertRevalidates(server, `W/${etag}`, true, etag);
      await assertRevalidates(server, `"other", ${etag.slice(0, -1)}-gzip"`, true, etag);
      await assertRevalidates(server, "*", true, etag);
      const other = await get(server, EGG_INDEX, { headers: { "if-none-match": `"other"` } });
      assert.equal(other.status, 200);
      assert.equal(other.headers.get("etag"), etag);
      const headers = (await get(server, EGG_INDEX)).headers;
      assert.equal(headers.get("cache-control"), "private, no-cache, no-transform");
      assert.equal(headers.get("vary"), "accept-encoding");
      assert.equal(headers.get("content-type"), "application/json");
    });

    await t.step("gzip when the client accepts it, the same bytes otherwise", async () => {
      const auth = { authorization: await authorization(server, UPLOADER) };
      const plain = await rawGet(server, EGG_INDEX, auth);
      assert.equal(plain.status, 200);
      assert.equal(plain.headers["content-encoding"], undefined);
      assert.equal(text(plain.bytes), text(await freshIndex(server, EGG_KIND, { tag: "cp311" })));
      for (const accept of ["gzip", "br, gzip;q=0.5", "*"]) {
        const gzipped = await rawGet(server, EGG_INDEX, { ...auth, "accept-encoding": accept });
        assert.equal(gzipped.headers["content-encoding"], "gzip", accept);
        assert.equal(gzipped.headers.etag, `${etag.slice(0, -1)}-gzip"`);
        assert.equal(text(gunzipSync(gzipped.bytes)), text(plain.bytes));
      }
      for (const accept of ["identity", "gzip;q=0", "br", "*;q=0"]) {
        const identity = await rawGet(server, EGG_INDEX, { ...auth, "accept-encoding": accept });
        assert.equal(identity.headers["content-encoding"], undefined, accept);
        assert.equal(identity.headers.etag, etag);
        assert.equal(text(identity.bytes), text(plain.bytes));
      }
    });

    await t.step("an overwrite shows the new file's checksum", async () => {
      await uploadEgg(uploader, TARGET, beta);
      etag = await assertCurrentEggIndex(server, ["alpha-1.0.0-1.egg", "beta-1.0.0-1.egg"]);
      // Same name as the first beta, other bytes: a directory of its own.
      await Deno.mkdir(`${dir}/other`);
      const other = await writeEgg(`${dir}/other`, pureEgg("beta"), {
        extraEntries: { "beta/other.py": "changed = True\n" },
      });
      const { egg } = await uploadEgg(uploader, TARGET, other, { force: true });
      await assertRevalidates(server, etag, false);
      etag = await assertCurrentEggIndex(server, ["alpha-1.0.0-1.egg", "beta-1.0.0-1.egg"]);
      const served = JSON.parse(text((await get(server, EGG_INDEX)).bytes));
      assert.equal(served["beta-1.0.0-1.egg"].sha256, egg.sha256);
    });

    await t.step("a delete", async () => {
      await deleteEgg(uploader, {
        ...TARGET,
        pythonTag: "cp311",
        name: "beta",
        version: "1.0.0-1",
      });
      await assertRevalidates(server, etag, false);
      etag = await assertCurrentEggIndex(server, ["alpha-1.0.0-1.egg"]);
    });

    await t.step("a disabled upload changes nothing; its re-index does", async () => {
      const gamma = await writeEgg(dir, pureEgg("gamma"));
      await uploadEgg(uploader, TARGET, gamma, { enabled: false });
      // The document did not change, so neither did its ETag: still a 304.
      await assertRevalidates(server, etag, true);
      await assertCurrentEggIndex(server, ["alpha-1.0.0-1.egg"]);
      await reindexEggs(uploader, TARGET, [await inspectLocalEgg(gamma, TARGET)]);
      await assertRevalidates(server, etag, false);
      etag = await assertCurrentEggIndex(server, ["alpha-1.0.0-1.egg", "gamma-1.0.0-1.egg"]);
    });

    await t.step("who may not read gets no index, even a kept one, nor a 304", async () => {
      const stranger = { email: USERS.stranger, password: PASSWORD };
      for (const headers of [{}, { "if-none-match": etag }] as Record<string, string>[]) {
        assert.equal((await get(server, EGG_INDEX, { as: stranger, headers })).status, 404);
        assert.equal((await get(server, EGG_INDEX, { as: null, headers })).status, 401);
      }
      const indexer = { email: USERS.indexer, password: PASSWORD };
      assert.equal((await get(server, EGG_INDEX, { as: indexer })).headers.get("etag"), etag);
    });

    await t.step("visibility: public lets anyone in, private shuts them out again", async () => {
      await updateRepository(root, { organization: "acme", name: "dev", public: true });
      const anonymous = await get(server, EGG_INDEX, { as: null });
      assert.equal(anonymous.status, 200);
      assert.equal(anonymous.headers.get("cache-control"), "public, no-cache, no-transform");
      assert.equal(
        text(anonymous.bytes),
        text(await freshIndex(server, EGG_KIND, { tag: "cp311" })),
      );
      await updateRepository(root, { organization: "acme", name: "dev", public: false });
      const headers = { "if-none-match": etag };
      assert.equal((await get(server, EGG_INDEX, { as: null, headers })).status, 401);
      assert.equal(
        (await get(server, EGG_INDEX)).headers.get("cache-control"),
        "private, no-cache, no-transform",
      );
    });

    await t.step("rows deleted behind the server's back (housekeeping)", async () => {
      const db = openDatabase(dataDir);
      try {
        db.prepare("DELETE FROM artefacts WHERE filename = ?").run("gamma-1.0.0-1.egg");
      } finally {
        db.close();
      }
      await assertRevalidates(server, etag, false);
      etag = await assertCurrentEggIndex(server, ["alpha-1.0.0-1.egg"]);
    });

    await t.step(
      "a restart serves the same index, ETag and all, rows of old included",
      async () => {
        await server.stop();
        // As rows stored before their index entries were: the first build writes them.
        const db = openDatabase(dataDir);
        try {
          db.prepare("UPDATE artefacts SET index_entry = NULL").run();
          db.prepare("DELETE FROM settings WHERE key LIKE 'index_entry_format.%'").run();
        } finally {
          db.close();
        }
        server = await startServer({ dataDir, admin: ROOT });
        await assertRevalidates(server, etag, true);
        assert.equal(await assertCurrentEggIndex(server, ["alpha-1.0.0-1.egg"]), etag);
        const check = openDatabase(dataDir);
        try {
          const missing = check.prepare(
            "SELECT COUNT(*) AS n FROM artefacts WHERE index_entry IS NULL",
          )
            .get() as { n: number };
          assert.equal(missing.n, 0);
        } finally {
          check.close();
        }
      },
    );

    await t.step(
      "a deleted repository, made again under the same name, is a new index",
      async () => {
        const session = await login(server.url, { username: ROOT.email, password: ROOT.password });
        const up = await login(server.url, { username: USERS.uploader, password: PASSWORD });
        await deleteRepository(session, { organization: "acme", name: "dev", force: true });
        assert.equal(
          (await get(server, EGG_INDEX, { headers: { "if-none-match": etag } })).status,
          404,
        );
        await createRepository(session, {
          organization: "acme",
          name: "dev",
          description: "again",
        });
        await addTeamRepository(session, {
          organization: "acme",
          team: "uploaders",
          repository: "dev",
        });
        etag = await assertCurrentEggIndex(server, []);
        const delta = await writeEgg(dir, pureEgg("delta"));
        await uploadEgg(up, TARGET, delta);
        await assertCurrentEggIndex(server, ["delta-1.0.0-1.egg"]);
      },
    );
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Uploads a runtime file through the API, as the client does. */
async function uploadRuntime(server: RunningServer, platform: string, path: string) {
  const bytes = await Deno.readFile(path);
  const sha256 = Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
  const form = new FormData();
  form.append("data", JSON.stringify({ sha256 }));
  form.append("file", new Blob([bytes]), path.slice(path.lastIndexOf("/") + 1));
  const response = await fetch(`${server.url}${V1}/data/acme/dev/${platform}/runtimes/upload`, {
    method: "POST",
    headers: { authorization: await authorization(server, UPLOADER) },
    body: form,
  });
  assert.equal(response.status, 201, await response.text());
}

Deno.test("index cache: a nested kind (runtimes) is kept per API version", async () => {
  const dir = await Deno.makeTempDir({ prefix: "index-cache-runtimes-" });
  const server = await startEggWorld({ dataDir: `${dir}/data` });
  try {
    const platform = "rh8-x86_64";
    const path = `/indices/acme/dev/${platform}/runtimes`;
    const before = { v0: await get(server, path, { root: V0 }), v1: await get(server, path) };
    assert.equal(text(before.v1.bytes), "{}");
    await uploadRuntime(server, platform, await writeRuntime(dir));
    const v1 = await get(server, path, {
      headers: { "if-none-match": before.v1.headers.get("etag")! },
    });
    const v0 = await get(server, path, { root: V0 });
    assert.equal(v1.status, 200);
    assert.equal(text(v1.bytes), text(await freshIndex(server, RUNTIME_KIND, { platform })));
    const fresh0 = await freshIndex(server, RUNTIME_KIND, { platform, apiVersion: 0 });
    assert.equal(text(v0.bytes), text(fresh0));
    assert.deepEqual(Object.keys(JSON.parse(text(v1.bytes)).cpython), ["3.11.2+2"]);
    assert.deepEqual(Object.keys(JSON.parse(text(v0.bytes)).cpython), ["3.11.2"]);

    const removed = await fetch(
      `${server.url}${V1}/data/acme/dev/${platform}/runtimes/cpython/3.11.2+2`,
      {
        method: "DELETE",
        headers: { authorization: await authorization(server, UPLOADER) },
      },
    );
    assert.equal(removed.status, 204, await removed.text());
    assert.equal(text((await get(server, path)).bytes), "{}");
    assert.equal(text((await get(server, path, { root: V0 })).bytes), "{}");
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
