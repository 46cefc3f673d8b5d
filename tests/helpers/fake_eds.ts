/**
 * A raw TCP server playing EDS for the client's download tests, where the
 * reference server cannot misbehave on demand: bodies that break off or
 * stall after some bytes, ranges answered (or not) with other content, and
 * metadata of the test's choosing (a hostile file name).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

export interface FakeOptions {
  /** The first full response stops (with a network error) after this many bytes. */
  breakAfter: number;
  /** Answer ranges at all. */
  ranges?: boolean;
  /** Bytes served for ranged requests, when they should differ from the egg's. */
  rangedContent?: Uint8Array;
  /** Hold the first full response open after `breakAfter` bytes instead of hanging up. */
  stall?: boolean;
  /** Fields of the metadata document that replace the true ones (e.g. `filename`). */
  metadata?: Record<string, unknown>;
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
export function fakeEds(content: Uint8Array, options: FakeOptions) {
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
      const metadata = {
        filename: "big-1.0-1.egg",
        name: "big",
        version: "1.0",
        build: 1,
        sha256,
        size: content.length,
        ...options.metadata,
      };
      return await send("200 OK", { "content-type": "application/json" }, json(metadata));
    }
    const range = headers.get("range");
    ranges.push(range);
    const fields: Record<string, string> = { etag, "content-type": "application/octet-stream" };
    if (options.ranges !== false) fields["accept-ranges"] = "bytes";
    if (range === null) {
      // Announce the whole egg, send part of it, hang up (or hold the line).
      await send("200 OK", fields, content.subarray(0, options.breakAfter), content.length);
      if (options.stall) await stopped.promise;
      return;
    }
    assert.equal(headers.get("if-range"), etag, "a resumed request names the version");
    const start = Number(/^bytes=(\d+)-$/.exec(range)![1]);
    fields["content-range"] = `bytes ${start}-${content.length - 1}/${content.length}`;
    await send("206 Partial Content", fields, (options.rangedContent ?? content).subarray(start));
  }

  const stopped = Promise.withResolvers<void>();
  const answering = new Set<Promise<void>>();
  const serving = (async () => {
    for await (const connection of listener) {
      const answered = answer(connection).catch(() => {}).finally(() => {
        answering.delete(answered);
        try {
          connection.close();
        } catch { /* closed by the client */ }
      });
      answering.add(answered);
    }
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    ranges,
    sha256,
    async [Symbol.asyncDispose]() {
      stopped.resolve();
      listener.close();
      await serving.catch(() => {});
      await Promise.all(answering);
    },
  };
}
