/**
 * End-to-end tests of the reference server's egg endpoints: real server
 * process, real HTTP (and one raw TCP client), eggs built by
 * tests/helpers/eggs.ts. Each Deno.test runs one server and walks through its
 * steps in order, sharing the state built so far.
 * Run: deno test -A tests/server_eggs_test.ts
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type EggSpecInput, writeEgg, writeTraversalEgg, writeZipBomb } from "./helpers/eggs.ts";
import { type RunningServer, startServer } from "./helpers/server.ts";
import { objectPath } from "../server/objects.ts";
import { filesUnder } from "./helpers/files.ts";
import {
  authorization,
  type Credentials,
  expectError,
  expectStatus,
  makeCall,
  type Reply,
  V0,
  V1,
} from "./helpers/http.ts";

const PLATFORM = "rh7-x86_64";

const ROOT: Credentials = { email: "root@example.com", password: "root-Pa55word" };
const call = makeCall(ROOT);
const UPLOADER: Credentials = { email: "up@example.com", password: "up-Pa55word" };
const READER: Credentials = { email: "reader@example.com", password: "reader-Pa55word" };
const INDEXER: Credentials = { email: "indexer@example.com", password: "indexer-Pa55word" };
const OUTSIDER: Credentials = { email: "outsider@example.com", password: "outsider-Pa55word" };

/** Eggs that do not depend on Python or a platform. */
const PURE: Partial<EggSpecInput> = {
  arch: null,
  platform: null,
  osdist: null,
  python: null,
  pythonTag: null,
  abiTag: null,
  platformTag: null,
};

/** Like call, but the body comes back as bytes. */
async function download(
  server: RunningServer,
  path: string,
  options: { as?: Credentials; headers?: Record<string, string>; method?: string } = {},
): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const headers = new Headers(options.headers);
  headers.set("authorization", await authorization(server, options.as ?? ROOT));
  const response = await fetch(`${server.url}${V1}${path}`, {
    method: options.method ?? "GET",
    headers,
  });
  return {
    status: response.status,
    headers: response.headers,
    bytes: new Uint8Array(await response.arrayBuffer()),
  };
}

interface FormPart {
  name: string;
  filename?: string;
  content: Uint8Array | string;
}

function multipart(parts: FormPart[]): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const boundary = `eds-test-${crypto.randomUUID()}`;
  const encoder = new TextEncoder();
  const pieces: Uint8Array[] = [];
  for (const part of parts) {
    const filename = part.filename === undefined ? "" : `; filename="${part.filename}"`;
    const type = part.filename === undefined
      ? "application/json; charset=UTF-8"
      : "application/octet-stream";
    pieces.push(
      encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${filename}\r\n` +
          `Content-Type: ${type}\r\n\r\n`,
      ),
      typeof part.content === "string" ? encoder.encode(part.content) : part.content,
      encoder.encode("\r\n"),
    );
  }
  pieces.push(encoder.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    body.set(piece, offset);
    offset += piece.length;
  }
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function md5(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The multipart body an upload of `path` sends (data part first, like hatcher). */
async function uploadBody(
  path: string,
  options: { sha256?: string; fileFirst?: boolean; data?: string } = {},
) {
  const content = await Deno.readFile(path);
  const data: FormPart = {
    name: "data",
    content: options.data ?? JSON.stringify({ sha256: options.sha256 ?? sha256(content) }),
  };
  const file: FormPart = { name: "file", filename: basename(path), content };
  return multipart(options.fileFirst ? [file, data] : [data, file]);
}

async function upload(
  server: RunningServer,
  path: string,
  options: {
    as?: Credentials;
    repo?: string;
    platform?: string;
    query?: string;
    sha256?: string;
    fileFirst?: boolean;
    data?: string;
  } = {},
): Promise<Reply> {
  const { body, contentType } = await uploadBody(path, options);
  const where = `acme/${options.repo ?? "dev"}/${options.platform ?? PLATFORM}`;
  return await call(server, "POST", `/data/${where}/eggs/upload${options.query ?? ""}`, {
    as: options.as ?? UPLOADER,
    body,
    headers: { "content-type": contentType },
  });
}

function eggPath(name: string, version: string, tag = "cp311", repo = "dev"): string {
  return `acme/${repo}/${PLATFORM}/${tag}/eggs/${name}/${version}`;
}

async function objectFiles(server: RunningServer): Promise<string[]> {
  return (await filesUnder(join(server.dataDir, "objects"))).map(basename);
}

/** Entries (files or directories) under DATA/tmp. */
async function tmpEntries(server: RunningServer): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(join(server.dataDir, "tmp"))) found.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!await check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---- Setup ----

/** acme/dev and acme/prod, teams of each group on dev, one user per group and an outsider. */
async function setUpOrganization(server: RunningServer): Promise<void> {
  const post = async (path: string, json: unknown) =>
    expectStatus(await call(server, "POST", path, { json }), 201);
  const put = async (path: string) => expectStatus(await call(server, "PUT", path), 204);
  await post("/admin/organizations", { name: "acme" });
  await post("/admin/organizations/acme/repositories", { name: "dev" });
  await post("/admin/organizations/acme/repositories", { name: "prod" });
  const teams: Array<[string, string, Credentials]> = [
    ["uploaders", "upload", UPLOADER],
    ["readers", "read", READER],
    ["indexers", "read-index", INDEXER],
  ];
  for (const [team, group, user] of teams) {
    await post("/admin/organizations/acme/teams", { name: team, group });
    await put(`/admin/teams/acme/${team}/repositories/dev`);
    await post("/admin/organizations/acme/users", { ...user, teams: [team] });
  }
  await put("/admin/teams/acme/uploaders/repositories/prod");
  await post("/admin/organizations/acme/users", OUTSIDER);
}

async function startWithOrganization(): Promise<RunningServer> {
  const server = await startServer({ admin: ROOT });
  try {
    await setUpOrganization(server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

const METADATA_KEYS = [
  "abi_tag",
  "build",
  "egg_basename",
  "enabled",
  "filename",
  "full_version",
  "md5",
  "mtime",
  "name",
  "packages",
  "platform_abi",
  "platform_tag",
  "product",
  "python",
  "python_tag",
  "sha256",
  "size",
  "type",
  "version",
];

Deno.test("eggs: upload, download, ranges, index, metadata, overwrite, re-index, delete", async (t) => {
  const work = await Deno.makeTempDir({ prefix: "eds-eggs-work-" });
  const server = await startWithOrganization();
  try {
    // Over 2 MiB: downloads are sent in 1 MiB pieces, and ranges cross them.
    const numpyPath = await writeEgg(work, {
      name: "numpy",
      version: "1.26.4",
      packages: ["mkl 2021.4.0-1"],
    }, { payloadBytes: 2_600_000 });
    const numpy = await Deno.readFile(numpyPath);

    await t.step("upload answers 201 with the metadata and stores one object", async () => {
      const reply = await upload(server, numpyPath);
      expectStatus(reply, 201);
      assert.deepEqual(Object.keys(reply.body).sort(), METADATA_KEYS);
      assert.deepEqual({ ...reply.body, mtime: 0 }, {
        filename: "numpy-1.26.4-1.egg",
        name: "numpy",
        egg_basename: "numpy",
        version: "1.26.4",
        build: 1,
        full_version: "1.26.4-1",
        packages: ["mkl 2021.4.0-1"],
        md5: md5(numpy),
        sha256: sha256(numpy),
        python_tag: "cp311",
        python: "3.11",
        abi_tag: "cp311",
        platform_tag: "linux_x86_64",
        platform_abi: "gnu",
        product: null,
        size: numpy.length,
        type: "egg",
        enabled: true,
        mtime: 0,
      });
      assert.ok(Math.abs(reply.body.mtime - Date.now() / 1000) < 60);
      const stored = await Deno.readFile(objectPath(server.dataDir, sha256(numpy)));
      assert.equal(sha256(stored), sha256(numpy));
      assert.deepEqual(await tmpEntries(server), []);
    });

    await t.step("download streams the same bytes with the download headers", async () => {
      const reply = await download(server, `/data/${eggPath("numpy", "1.26.4-1")}`, {
        as: READER,
      });
      assert.equal(reply.status, 200);
      assert.equal(sha256(reply.bytes), sha256(numpy));
      assert.equal(reply.headers.get("content-type"), "application/octet-stream");
      assert.equal(reply.headers.get("content-length"), String(numpy.length));
      assert.equal(
        reply.headers.get("content-disposition"),
        'attachment; filename="numpy-1.26.4-1.egg"',
      );
      assert.equal(reply.headers.get("etag"), `"${sha256(numpy)}"`);
      assert.equal(reply.headers.get("accept-ranges"), "bytes");
      // v0 serves the same route.
      const v0 = await fetch(`${server.url}${V0}/data/${eggPath("numpy", "1.26.4-1")}`, {
        headers: { authorization: await authorization(server, READER) },
      });
      assert.equal(sha256(new Uint8Array(await v0.arrayBuffer())), sha256(numpy));

      const head = await download(server, `/data/${eggPath("numpy", "1.26.4-1")}`, {
        method: "HEAD",
      });
      assert.equal(head.status, 200);
      assert.equal(head.bytes.length, 0);
      assert.equal(head.headers.get("etag"), `"${sha256(numpy)}"`);
    });

    await t.step("ranges: a-b, a-, -n, If-Range, 416", async () => {
      const path = `/data/${eggPath("numpy", "1.26.4-1")}`;
      const size = numpy.length;
      const etag = `"${sha256(numpy)}"`;
      const cases: Array<[string, number, number]> = [
        ["bytes=0-99", 0, 99],
        ["bytes=1000-", 1000, size - 1],
        ["bytes=-500", size - 500, size - 1],
        [`bytes=10-${size + 100}`, 10, size - 1],
        ["bytes=1048000-2097500", 1048000, 2097500],
        [`bytes=${(1 << 20) - 1}-${1 << 20}`, (1 << 20) - 1, 1 << 20],
      ];
      for (const [range, start, end] of cases) {
        const reply = await download(server, path, { headers: { range } });
        assert.equal(reply.status, 206, range);
        assert.equal(reply.headers.get("content-range"), `bytes ${start}-${end}/${size}`);
        assert.equal(reply.headers.get("content-length"), String(end - start + 1));
        assert.deepEqual(reply.bytes, numpy.subarray(start, end + 1), range);
      }
      const resumed = await download(server, path, {
        headers: { range: "bytes=200-", "if-range": etag },
      });
      assert.equal(resumed.status, 206);
      assert.deepEqual(resumed.bytes, numpy.subarray(200));
      const changed = await download(server, path, {
        headers: { range: "bytes=200-", "if-range": `"${"0".repeat(64)}"` },
      });
      assert.equal(changed.status, 200);
      assert.deepEqual(changed.bytes, numpy);
      for (const range of [`bytes=${size}-`, "bytes=-0"]) {
        const reply = await download(server, path, { headers: { range } });
        assert.equal(reply.status, 416, range);
        assert.equal(reply.headers.get("content-range"), `bytes */${size}`);
      }
    });

    await t.step("a small egg, read whole: the same bytes, headers and ranges", async () => {
      const tinyPath = await writeEgg(work, { name: "tiny", version: "1.0" });
      const tiny = await Deno.readFile(tinyPath);
      expectStatus(await upload(server, tinyPath), 201);
      const path = `/data/${eggPath("tiny", "1.0-1")}`;
      const whole = await download(server, path, { as: READER });
      assert.equal(whole.status, 200);
      assert.deepEqual(whole.bytes, tiny);
      assert.equal(whole.headers.get("content-length"), String(tiny.length));
      assert.equal(whole.headers.get("etag"), `"${sha256(tiny)}"`);
      assert.equal(whole.headers.get("accept-ranges"), "bytes");
      const size = tiny.length;
      for (
        const [range, start, end] of [
          ["bytes=0-9", 0, 9],
          ["bytes=100-", 100, size - 1],
          ["bytes=-50", size - 50, size - 1],
          [`bytes=5-${size + 100}`, 5, size - 1],
        ] as Array<[string, number, number]>
      ) {
        const reply = await download(server, path, { headers: { range } });
        assert.equal(reply.status, 206, range);
        assert.equal(reply.headers.get("content-range"), `bytes ${start}-${end}/${size}`);
        assert.deepEqual(reply.bytes, tiny.subarray(start, end + 1), range);
      }
      const unsatisfiable = await download(server, path, { headers: { range: `bytes=${size}-` } });
      assert.equal(unsatisfiable.status, 416);
      const head = await download(server, path, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.bytes.length, 0);
      assert.equal(head.headers.get("content-length"), String(size));
      // Gone again: the steps below count the eggs of the index.
      expectStatus(await call(server, "DELETE", path, { as: UPLOADER }), 204);
    });

    await t.step("index: compatible tags and untagged eggs, enabled only", async () => {
      const eggs: Array<[EggSpecInput, string]> = [
        [{ name: "six", version: "1.16.0", ...PURE }, ""],
        [{ name: "attrs", version: "23.1.0", pythonTag: "py311", abiTag: "none" }, ""],
        [{ name: "futures", version: "3.0", python: "2.7", pythonTag: "cp27" }, ""],
        [{ name: "typing", version: "3.7", python: "3.10", pythonTag: "cp310" }, ""],
        [{ name: "hidden", version: "1.0" }, "?enabled=False"],
      ];
      for (const [spec, query] of eggs) {
        expectStatus(await upload(server, await writeEgg(work, spec), { query }), 201);
      }
      const cp311 = await call(server, "GET", `/indices/acme/dev/${PLATFORM}/cp311/eggs`, {
        as: INDEXER,
      });
      expectStatus(cp311, 200);
      assert.deepEqual(Object.keys(cp311.body), [
        "attrs-23.1.0-1.egg",
        "numpy-1.26.4-1.egg",
        "six-1.16.0-1.egg",
      ]);
      assert.deepEqual(cp311.body["numpy-1.26.4-1.egg"], {
        name: "numpy",
        version: "1.26.4",
        build: 1,
        full_version: "1.26.4-1",
        type: "egg",
        python_tag: "cp311",
        platform_abi: "gnu",
        packages: ["mkl 2021.4.0-1"],
        md5: md5(numpy),
        sha256: sha256(numpy),
        size: numpy.length,
        mtime: cp311.body["numpy-1.26.4-1.egg"].mtime,
        available: true,
        product: null,
      });
      assert.ok(Number.isInteger(cp311.body["numpy-1.26.4-1.egg"].mtime), "whole seconds");
      // As in real indices: `python: null` exactly where the tag is null, and a
      // platform ABI for eggs without a platform too (the platform's default).
      assert.equal(cp311.body["six-1.16.0-1.egg"].python_tag, null);
      assert.equal(cp311.body["six-1.16.0-1.egg"].python, null);
      assert.equal(cp311.body["six-1.16.0-1.egg"].platform_abi, "gnu");
      assert.ok(!("python" in cp311.body["numpy-1.26.4-1.egg"]));
      assert.equal(cp311.body["attrs-23.1.0-1.egg"].python_tag, "py311");

      const cp27 = await call(server, "GET", `/indices/acme/dev/${PLATFORM}/cp27/eggs`, {
        root: V0,
      });
      assert.deepEqual(Object.keys(cp27.body), ["futures-3.0-1.egg", "six-1.16.0-1.egg"]);
      const empty = await call(server, "GET", `/indices/acme/dev/osx-arm64/cp311/eggs`);
      expectStatus(empty, 200);
      assert.deepEqual(empty.body, {});
      expectError(
        await call(server, "GET", `/indices/acme/dev/rh9-x86_64/cp311/eggs`),
        404,
        "Unknown platform 'rh9-x86_64'",
      );
      expectError(
        await call(server, "GET", `/indices/acme/dev/${PLATFORM}/py311/eggs`),
        404,
        /^No egg index for Python tag 'py311'/,
      );
    });

    await t.step(
      "metadata: disabled eggs too, 'none' for untagged eggs, runtime tags fall back, 404 otherwise",
      async () => {
        const hidden = await call(server, "GET", `/metadata/${eggPath("hidden", "1.0-1")}`, {
          as: INDEXER,
        });
        expectStatus(hidden, 200);
        assert.equal(hidden.body.enabled, false);
        const six = await call(server, "GET", `/metadata/${eggPath("six", "1.16.0-1", "none")}`);
        expectStatus(six, 200);
        assert.equal(six.body.python_tag, null);
        assert.equal(six.body.python, null);
        // The cp311 index lists untagged eggs, so cp311 lookups find them too.
        const viaRuntime = await call(server, "GET", `/metadata/${eggPath("six", "1.16.0-1")}`);
        expectStatus(viaRuntime, 200);
        assert.equal(viaRuntime.body.sha256, six.body.sha256);
        expectError(
          await call(server, "GET", `/metadata/${eggPath("six", "1.16.0-1", "py27")}`),
          404,
          `No egg 'six-1.16.0-1' (py27) in acme/dev for ${PLATFORM}`,
        );
        expectError(
          await call(server, "GET", `/data/${eggPath("numpy", "9.9-1")}`),
          404,
          `No egg 'numpy-9.9-1' (cp311) in acme/dev for ${PLATFORM}`,
        );
      },
    );

    await t.step("re-index: all or nothing", async () => {
      const reindex = `/data/acme/dev/${PLATFORM}/eggs/re-index`;
      const hidden = { name: "hidden", version: "1.0-1", python_tag: "cp311" };
      expectError(
        await call(server, "POST", reindex, {
          as: UPLOADER,
          json: { eggs: [hidden, { name: "ghost", version: "1.0-1", python_tag: null }] },
        }),
        404,
        `No egg 'ghost-1.0-1' (none) in acme/dev for ${PLATFORM}`,
      );
      const before = await call(server, "GET", `/metadata/${eggPath("hidden", "1.0-1")}`);
      assert.equal(before.body.enabled, false);
      expectError(
        await call(server, "POST", reindex, { as: UPLOADER, json: { eggs: "hidden" } }),
        400,
        /^Body must be/,
      );
      const done = await call(server, "POST", reindex, {
        as: UPLOADER,
        json: { eggs: [hidden, { name: "six", version: "1.16.0-1", python_tag: null }] },
      });
      expectStatus(done, 200);
      assert.deepEqual(done.body, { indexed: 2 });
      const index = await call(server, "GET", `/indices/acme/dev/${PLATFORM}/cp311/eggs`);
      assert.ok("hidden-1.0-1.egg" in index.body);
    });

    await t.step("overwrite: same content ok, other content 409 unless overwrite", async () => {
      // A damaged object file is healed by uploading the same egg again.
      const stored = objectPath(server.dataDir, sha256(numpy));
      await Deno.writeTextFile(stored, "damaged");
      const again = await upload(server, numpyPath, { query: "?overwrite=False" });
      expectStatus(again, 200);
      assert.equal(again.body.sha256, sha256(numpy));
      assert.equal(sha256(await Deno.readFile(stored)), sha256(numpy));
      assert.deepEqual(await tmpEntries(server), []);

      const otherDir = await Deno.makeTempDir({ dir: work });
      const otherPath = await writeEgg(otherDir, {
        name: "numpy",
        version: "1.26.4",
        packages: ["mkl 2021.4.0-2"],
      }, { extraEntries: { "numpy/extra.py": "x = 1\n" } });
      const other = await Deno.readFile(otherPath);
      expectError(
        await upload(server, otherPath),
        409,
        "A file called numpy-1.26.4-1.egg has already been uploaded with different content",
      );
      const replaced = await upload(server, otherPath, { query: "?overwrite=True" });
      expectStatus(replaced, 201);
      assert.equal(replaced.body.sha256, sha256(other));
      assert.deepEqual(replaced.body.packages, ["mkl 2021.4.0-2"]);
      const objects = await objectFiles(server);
      assert.ok(objects.includes(sha256(other)));
      assert.ok(!objects.includes(sha256(numpy)), "the replaced object file is removed");
      const fetched = await download(server, `/data/${eggPath("numpy", "1.26.4-1")}`);
      assert.equal(sha256(fetched.bytes), sha256(other));

      // Same content with enabled=True switches a disabled egg on.
      const lateDir = await Deno.makeTempDir({ dir: work });
      const late = await writeEgg(lateDir, { name: "late", version: "2.0" });
      expectStatus(await upload(server, late, { query: "?enabled=False" }), 201);
      const enabled = await upload(server, late, { query: "?enabled=True" });
      expectStatus(enabled, 200);
      assert.equal(enabled.body.enabled, true);
    });

    await t.step("a declared checksum that does not match is refused", async () => {
      const path = await writeEgg(await Deno.makeTempDir({ dir: work }), {
        name: "liar",
        version: "1.0",
      });
      const actual = sha256(await Deno.readFile(path));
      const declared = "ab".repeat(32);
      expectError(
        await upload(server, path, { sha256: declared.toUpperCase() }),
        400,
        `Checksum mismatch: declared ${declared}, received ${actual}`,
      );
      expectError(
        await call(server, "GET", `/metadata/${eggPath("liar", "1.0-1")}`),
        404,
        /^No egg/,
      );
      assert.deepEqual(await tmpEntries(server), []);
      assert.ok(!(await objectFiles(server)).includes(actual));
    });

    await t.step("delete removes the row and the file", async () => {
      const sha = (await call(server, "GET", `/metadata/${eggPath("numpy", "1.26.4-1")}`)).body
        .sha256;
      const deleted = await call(
        server,
        "DELETE",
        `/data/${eggPath("numpy", "1.26.4-1")}?force=False`,
        { as: UPLOADER },
      );
      expectStatus(deleted, 204);
      assert.ok(!(await objectFiles(server)).includes(sha));
      expectError(
        await call(server, "DELETE", `/data/${eggPath("numpy", "1.26.4-1")}`, { as: UPLOADER }),
        404,
        /^No egg 'numpy-1.26.4-1'/,
      );
    });
  } finally {
    await server.stop();
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("eggs: permissions, rejected and interrupted uploads leave nothing behind", async (t) => {
  const work = await Deno.makeTempDir({ prefix: "eds-eggs-work-" });
  const server = await startWithOrganization();
  const nothingStored = async () => {
    assert.deepEqual(await tmpEntries(server), []);
    assert.deepEqual(await objectFiles(server), []);
  };
  try {
    await t.step("bad eggs are refused with 400 and leave tmp and objects empty", async () => {
      const mismatchDir = await Deno.makeTempDir({ dir: work });
      const notZip = join(work, "junk-1.0-1.egg");
      await Deno.writeFile(notZip, crypto.getRandomValues(new Uint8Array(4096)));
      const cases: Array<[string, RegExp]> = [
        [await writeZipBomb(work, "bomb", { inflatedBytes: 1024 * 1024 }), /larger than 65536/],
        [
          await writeZipBomb(await Deno.makeTempDir({ dir: work }), "liar", {
            inflatedBytes: 1024 * 1024,
            declaredSize: 100,
          }),
          /inflates to more than 65536 bytes/,
        ],
        [await writeTraversalEgg(work, "evil"), /unsafe path "\.\.\/\.\.\/evil\.txt"/],
        [
          await writeEgg(mismatchDir, { name: "thing", version: "1.0" }, {
            fileName: "other-1.0-1.egg",
          }),
          /name "thing" in EGG-INFO\/spec\/depend does not match the file name \("other"\)/,
        ],
        [notZip, /^Invalid egg "junk-1\.0-1\.egg": not a valid zip archive/],
        [
          await writeEgg(work, { name: "rh8only", version: "1.0", osdist: "RedHat_8" }),
          /^Egg rh8only-1\.0-1\.egg is built for platform 'rh8-x86_64', not 'rh7-x86_64'$/,
        ],
        [
          await writeEgg(work, { name: "badname", version: "1.0" }, { fileName: "badname.egg" }),
          /^Invalid egg file name "badname\.egg"/,
        ],
      ];
      for (const [path, message] of cases) {
        expectError(await upload(server, path), 400, message);
      }
      await nothingStored();
      expectError(
        await upload(server, notZip, { platform: "rh9-x86_64" }),
        404,
        "Unknown platform 'rh9-x86_64'",
      );
    });

    await t.step("malformed forms are refused", async () => {
      const path = await writeEgg(work, { name: "form", version: "1.0" });
      expectError(
        await upload(server, path, { data: JSON.stringify({ sha: "x" }) }),
        400,
        /'sha256' as 64 hex digits/,
      );
      expectError(await upload(server, path, { data: "{" }), 400, /not valid JSON/);
      expectError(
        await upload(server, path, {
          data: JSON.stringify({ sha256: sha256(new Uint8Array()), pad: "x".repeat(70_000) }),
        }),
        413,
        /'data' part is larger than 65536 bytes/,
      );
      const onlyData = multipart([{ name: "data", content: "{}" }]);
      expectError(
        await call(server, "POST", `/data/acme/dev/${PLATFORM}/eggs/upload`, {
          as: UPLOADER,
          body: onlyData.body,
          headers: { "content-type": onlyData.contentType },
        }),
        400,
        "The upload has no 'file' part",
      );
      expectError(
        await call(server, "POST", `/data/acme/dev/${PLATFORM}/eggs/upload`, {
          as: UPLOADER,
          json: { sha256: "x" },
        }),
        400,
        "An egg upload must be a multipart/form-data body",
      );
      const truncated = await uploadBody(path);
      expectError(
        await call(server, "POST", `/data/acme/dev/${PLATFORM}/eggs/upload`, {
          as: UPLOADER,
          body: truncated.body.subarray(0, truncated.body.length - 100),
          headers: { "content-type": truncated.contentType },
        }),
        400,
        /ended before the closing multipart boundary/,
      );
      expectError(
        await upload(server, path, { query: "?overwrite=maybe" }),
        400,
        /'overwrite' must be one of/,
      );
      await nothingStored();
    });

    await t.step("the file part may come first", async () => {
      const path = await writeEgg(await Deno.makeTempDir({ dir: work }), {
        name: "first",
        version: "1.0",
      });
      expectStatus(await upload(server, path, { fileFirst: true }), 201);
      expectStatus(
        await call(server, "DELETE", `/data/${eggPath("first", "1.0-1")}`, { as: UPLOADER }),
        204,
      );
      await nothingStored();
    });

    await t.step("an upload cut off mid-body leaves no row, object or temp file", async () => {
      const path = await writeEgg(await Deno.makeTempDir({ dir: work }), {
        name: "cutoff",
        version: "1.0",
      }, { payloadBytes: 4 * 1024 * 1024 });
      const { body, contentType } = await uploadBody(path);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      const head = `POST ${V1}/data/acme/dev/${PLATFORM}/eggs/upload HTTP/1.1\r\n` +
        `Host: 127.0.0.1:${server.port}\r\n` +
        `Authorization: ${await authorization(server, UPLOADER)}\r\n` +
        `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
      const send = async (bytes: Uint8Array) => {
        let written = 0;
        while (written < bytes.length) written += await conn.write(bytes.subarray(written));
      };
      await send(new TextEncoder().encode(head));
      await send(body.subarray(0, body.length / 2));
      // The server streams to disk as bytes arrive: the temp file appears before the end.
      await waitFor("the upload reaches DATA/tmp", async () => {
        const files = await filesUnder(join(server.dataDir, "tmp"));
        return files.length === 1 && (await Deno.stat(files[0]!)).size > 1024 * 1024;
      });
      conn.close();
      await waitFor("DATA/tmp is empty again", async () => (await tmpEntries(server)).length === 0);
      await nothingStored();
      expectError(
        await call(server, "GET", `/metadata/${eggPath("cutoff", "1.0-1")}`),
        404,
        /^No egg 'cutoff-1.0-1'/,
      );
    });

    await t.step("permissions: upload, read, read-index, none", async () => {
      const path = await writeEgg(await Deno.makeTempDir({ dir: work }), {
        name: "guarded",
        version: "1.0",
      });
      const data = `/data/${eggPath("guarded", "1.0-1")}`;
      const needs = (level: string, have: string) =>
        `Access '${level}' to repository 'acme/dev' is required (you have '${have}')`;
      expectError(await upload(server, path, { as: READER }), 403, needs("upload", "read"));
      expectError(await upload(server, path, { as: INDEXER }), 403, needs("upload", "read-index"));
      expectError(await upload(server, path, { as: OUTSIDER }), 404, "No repository 'acme/dev'");
      await nothingStored();
      expectStatus(await upload(server, path, { as: UPLOADER }), 201);

      const reader = await download(server, data, { as: READER });
      assert.equal(reader.status, 200);
      expectError(
        await call(server, "DELETE", data, { as: READER }),
        403,
        needs("upload", "read"),
      );
      expectError(
        await call(server, "POST", `/data/acme/dev/${PLATFORM}/eggs/re-index`, {
          as: READER,
          json: { eggs: [] },
        }),
        403,
        needs("upload", "read"),
      );

      const index = await call(server, "GET", `/indices/acme/dev/${PLATFORM}/cp311/eggs`, {
        as: INDEXER,
      });
      expectStatus(index, 200);
      assert.deepEqual(Object.keys(index.body), ["guarded-1.0-1.egg"]);
      expectStatus(
        await call(server, "GET", `/metadata/${eggPath("guarded", "1.0-1")}`, { as: INDEXER }),
        200,
      );
      expectError(
        await call(server, "GET", data, { as: INDEXER }),
        403,
        needs("read", "read-index"),
      );

      for (
        const [method, path] of [
          ["GET", `/indices/acme/dev/${PLATFORM}/cp311/eggs`],
          ["GET", `/metadata/${eggPath("guarded", "1.0-1")}`],
          ["GET", data],
          ["DELETE", data],
        ]
      ) {
        expectError(
          await call(server, method!, path!, { as: OUTSIDER }),
          404,
          "No repository 'acme/dev'",
        );
      }
      expectStatus(await call(server, "DELETE", data, { as: UPLOADER }), 204);
      await nothingStored();
    });
  } finally {
    await server.stop();
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("eggs: repository delete, restart, upload limit", async (t) => {
  const work = await Deno.makeTempDir({ prefix: "eds-eggs-work-" });
  const dataDir = await Deno.makeTempDir({ prefix: "eds-eggs-data-" });
  let server = await startServer({ dataDir, admin: ROOT });
  await setUpOrganization(server);
  try {
    const shared = await writeEgg(work, { name: "shared", version: "1.0" });
    const devOnly = await writeEgg(work, { name: "devonly", version: "1.0" });
    const sharedSha = sha256(await Deno.readFile(shared));
    const devOnlySha = sha256(await Deno.readFile(devOnly));

    await t.step("the same egg in two repositories is stored once", async () => {
      expectStatus(await upload(server, shared), 201);
      expectStatus(await upload(server, shared, { repo: "prod" }), 201);
      expectStatus(await upload(server, devOnly), 201);
      assert.deepEqual(await objectFiles(server), [sharedSha, devOnlySha].sort());
    });

    await t.step(
      "deleting a repository with eggs needs force; force removes rows and files",
      async () => {
        expectError(
          await call(server, "DELETE", "/admin/repositories/acme/dev?force=False"),
          409,
          "Repository 'acme/dev' is not empty (2 items); use force to delete it anyway",
        );
        expectStatus(await call(server, "DELETE", "/admin/repositories/acme/dev?force=True"), 204);
        // The shared object stays: prod still references it.
        assert.deepEqual(await objectFiles(server), [sharedSha]);
      },
    );

    await t.step("data survives a restart; the upload limit gives 413", async () => {
      // Leftovers of a crash: a temp upload and an object no row references.
      await Deno.mkdir(join(dataDir, "tmp", "stale"), { recursive: true });
      await Deno.writeTextFile(join(dataDir, "tmp", "stale", "x-1.0-1.egg"), "partial");
      const orphan = objectPath(dataDir, "cd".repeat(32));
      await Deno.mkdir(join(orphan, ".."), { recursive: true });
      await Deno.writeTextFile(orphan, "orphan");

      await server.stop();
      const limit = (await Deno.stat(devOnly)).size - 1;
      server = await startServer({
        dataDir,
        admin: ROOT,
        extraArgs: ["--max-upload-bytes", `${limit}`],
      });
      assert.deepEqual(await tmpEntries(server), []);
      assert.deepEqual(await objectFiles(server), [sharedSha]);

      const metadata = await call(
        server,
        "GET",
        `/metadata/${eggPath("shared", "1.0-1", "cp311", "prod")}`,
      );
      expectStatus(metadata, 200);
      assert.equal(metadata.body.sha256, sharedSha);
      const fetched = await download(
        server,
        `/data/${eggPath("shared", "1.0-1", "cp311", "prod")}`,
      );
      assert.equal(sha256(fetched.bytes), sharedSha);

      expectError(
        await upload(server, devOnly, { repo: "prod" }),
        413,
        `The egg is larger than the upload limit of ${limit} bytes`,
      );
      assert.deepEqual(await tmpEntries(server), []);
      assert.deepEqual(await objectFiles(server), [sharedSha]);
    });

    await t.step("deleting the last repository removes the last file", async () => {
      expectStatus(await call(server, "DELETE", "/admin/repositories/acme/prod?force=True"), 204);
      assert.deepEqual(await objectFiles(server), []);
    });
  } finally {
    await server.stop();
    await Deno.remove(work, { recursive: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});
