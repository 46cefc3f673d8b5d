/**
 * `downloadEgg` when a body breaks off mid-transfer: it resumes with a `Range`
 * request guarded by `If-Range`, and the file holds exactly the egg's bytes,
 * for small downloads (written on the calling thread) and large ones (hashed
 * and written on a worker). The reference server never breaks a body on
 * demand, so a small loopback server plays EDS here.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { ChecksumMismatchError, downloadEgg, type EggRef, login, ServerError } from "../mod.ts";
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

interface FakeOptions {
  /** The first full response stops (with a network error) after this many bytes. */
  breakAfter: number;
  /** Answer ranges at all. */
  ranges?: boolean;
  /** Bytes served for ranged requests, when they should differ from the egg's. */
  rangedContent?: Uint8Array;
}

/** Reads a request head (all our fake needs: no request has a body). */
async function readHead(connection: Deno.Conn): Promise<{ line: string; headers: Headers }> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(16384);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const read = await connection.read(buffer);
    if (read === null) throw new Error("connection closed before a request");
    text += decoder.decode(buffer.subarray(0, read));
  }
  const [line = "", ...fields] = text.slice(0, text.indexOf("\r\n\r\n")).split("\r\n");
  const headers = new Headers();
  for (const field of fields) {
    const colon = field.indexOf(":");
    headers.append(field.slice(0, colon).trim(), field.slice(colon + 1).trim());
  }
  return { line, headers };
}

/**
 * A raw TCP server playing EDS, one request per connection: the first full
 * download sends its headers and part of the body, then closes the socket.
 */
function fakeEds(content: Uint8Array, options: FakeOptions) {
  const sha256 = createHash("sha256").update(content).digest("hex");
  const etag = `"${sha256}"`;
  const ranges: (string | null)[] = [];
  const encoder = new TextEncoder();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });

  async function answer(connection: Deno.Conn): Promise<void> {
    const { line, headers } = await readHead(connection);
    const path = line.split(" ")[1] ?? "";
    /** Answers with `body`; `length` announces more when a body is to break off. */
    const send = async (
      status: string,
      fields: Record<string, string>,
      body: Uint8Array,
      length = body.length,
    ) => {
      const head = Object.entries({ ...fields, "content-length": String(length) })
        .map(([name, value]) => `${name}: ${value}\r\n`).join("");
      await connection.write(
        encoder.encode(`HTTP/1.1 ${status}\r\n${head}connection: close\r\n\r\n`),
      );
      for (let at = 0; at < body.length;) at += await connection.write(body.subarray(at));
    };
    const json = (value: unknown) => encoder.encode(JSON.stringify(value));
    if (path.endsWith("/auth/tokens/auth")) {
      return await send("200 OK", { "content-type": "application/json" }, json({ token: "s" }));
    }
    if (path.includes("/metadata/")) {
      const metadata = { filename: "big-1.0-1.egg", name: "big", version: "1.0", build: 1, sha256 };
      return await send("200 OK", { "content-type": "application/json" }, json(metadata));
    }
    const range = headers.get("range");
    ranges.push(range);
    const fields: Record<string, string> = { etag, "content-type": "application/octet-stream" };
    if (options.ranges !== false) fields["accept-ranges"] = "bytes";
    if (range === null) {
      // Announce the whole egg, send part of it, hang up.
      return await send("200 OK", fields, content.subarray(0, options.breakAfter), content.length);
    }
    assert.equal(headers.get("if-range"), etag, "a resumed request names the version");
    const start = Number(/^bytes=(\d+)-$/.exec(range)![1]);
    fields["content-range"] = `bytes ${start}-${content.length - 1}/${content.length}`;
    await send("206 Partial Content", fields, (options.rangedContent ?? content).subarray(start));
  }

  const serving = (async () => {
    for await (const connection of listener) {
      await answer(connection).catch(() => {});
      try {
        connection.close();
      } catch { /* closed by the client */ }
    }
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    ranges,
    sha256,
    async [Symbol.asyncDispose]() {
      listener.close();
      await serving.catch(() => {});
    },
  };
}

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
