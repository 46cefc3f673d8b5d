/**
 * How the reference server keeps built index documents: large ones in files
 * (server/kept_bytes.ts), small ones in memory, and their gzip form made on
 * another thread while the document is built (server/background_gzip.ts).
 * The gzip form must be one valid member that every decoder reads back to
 * the same bytes (node:zlib and the system's gzip), for documents of one
 * block, of many, and of none; evicted entries must leave no files behind,
 * and a response already sending a file finishes after it is discarded.
 * Run: deno test -A tests/server_kept_documents_test.ts
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { crc32, gunzipSync, inflateRawSync } from "node:zlib";
import { BackgroundGzip } from "../server/background_gzip.ts";
import { IndexCache } from "../server/index_cache.ts";
import { IN_MEMORY_MAX_BYTES, KeptBytes } from "../server/kept_bytes.ts";
import { TextBlocks } from "../server/text_blocks.ts";
import { withTempDir } from "./helpers/files.ts";

/** JSON-like text of about `bytes` bytes, varied enough that compression has work to do. */
function documentText(bytes: number): string[] {
  const pieces: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const digest = createHash("sha256").update(String(i)).digest("hex");
    const piece = `"package${i}-1.${i % 13}.0-1.egg":{"sha256":"${digest}","size":${i * 7}},`;
    pieces.push(piece);
    size += piece.length;
  }
  return pieces;
}

/** The document built as indices.ts builds one: its blocks and its gzip pieces. */
function build(pieces: string[]) {
  const gzip = new BackgroundGzip();
  const out = new TextBlocks((block, last) => last ? gzip.finish(block) : gzip.push(block));
  for (const piece of pieces) out.write(piece);
  return { blocks: out.finish(), gzipped: gzip.result() };
}

const concat = (blocks: readonly Uint8Array[]) => {
  const all = new Uint8Array(blocks.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const block of blocks) all.set(block, (at += block.byteLength) - block.byteLength);
  return all;
};

async function systemGunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command("gzip", { args: ["-dc"], stdin: "piped", stdout: "piped" })
    .spawn();
  const output = child.output(); // read while writing: the pipes are small
  const writer = child.stdin.getWriter();
  await writer.write(bytes);
  await writer.close();
  const { code, stdout } = await output;
  assert.equal(code, 0, "gzip -dc refused the member");
  return stdout;
}

for (const [what, size] of [["empty", 0], ["one block", 50_000], ["many blocks", 3_500_000]]) {
  Deno.test(`background gzip, ${what}: one member, the same bytes back`, async () => {
    const { blocks, gzipped } = build(documentText(size as number));
    const identity = concat(blocks);
    const member = concat(await gzipped);
    assert.deepEqual(new Uint8Array(gunzipSync(member)), identity);
    assert.deepEqual(await systemGunzip(member), identity);
    // One member: one deflate stream between the header and the CRC-32 and length.
    assert.deepEqual(new Uint8Array(inflateRawSync(member.subarray(10, -8))), identity);
    const trailer = new DataView(member.buffer, member.byteOffset + member.byteLength - 8);
    assert.equal(trailer.getUint32(0, true), crc32(identity));
    assert.equal(trailer.getUint32(4, true), identity.byteLength);
    if ((size as number) > 1_000_000) {
      assert.ok(blocks.length > 1, "the document spans several blocks");
      assert.ok(member.byteLength < identity.byteLength / 2, "and it is compressed");
    }
  });
}

Deno.test("background gzip: jobs side by side keep their own blocks", async () => {
  const first = build(documentText(2_500_000));
  const second = build(documentText(1_200_000).reverse());
  assert.deepEqual(new Uint8Array(gunzipSync(concat(await second.gzipped))), concat(second.blocks));
  assert.deepEqual(new Uint8Array(gunzipSync(concat(await first.gzipped))), concat(first.blocks));
});

Deno.test("kept bytes: small in memory, large in a file that is streamed and removed", async () => {
  await withTempDir(async (dir) => {
    const small = KeptBytes.keep([new TextEncoder().encode("{}")], dir);
    assert.ok(small.body() instanceof Uint8Array);
    assert.deepEqual(readdirSync(dir), []);

    const blocks = build(documentText(IN_MEMORY_MAX_BYTES + 2_000_000)).blocks;
    const large = KeptBytes.keep(blocks, dir);
    assert.equal(readdirSync(dir).length, 1);
    assert.equal(large.size, concat(blocks).byteLength);
    const body = large.body();
    assert.ok(body instanceof ReadableStream);
    // Discarded while a response is being sent: that response still gets every byte.
    large.discard();
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(large.intact(), false);
    assert.deepEqual(await new Response(body).bytes(), concat(blocks));
  });
});

Deno.test("index cache: an evicted or replaced entry leaves no file behind", async () => {
  await withTempDir(async (dir) => {
    const large = documentText(IN_MEMORY_MAX_BYTES + 1_000_000);
    // Room for two entries, each with its gzip form, and not three.
    const probe = new IndexCache().store("probe", 1, build(large));
    const entryBytes = probe.identity.size + (await probe.gzipped()).size;
    const cache = new IndexCache({ fileDir: dir, budgetBytes: 2.5 * entryBytes });
    const store = async (key: string, generation: number) => {
      const entry = cache.store(key, generation, build(large));
      await entry.gzipped();
      return entry;
    };
    await store("a", 1);
    assert.equal(readdirSync(dir).length, 1, "the document in a file, its gzip form in memory");
    await store("a", 2); // replaced
    assert.equal(readdirSync(dir).length, 1);
    await store("b", 1);
    assert.equal(readdirSync(dir).length, 2);
    await store("c", 1); // over budget: "a", the least recently used, goes
    assert.equal(cache.current("a", 2), undefined);
    assert.ok(cache.current("b", 1) && cache.current("c", 1));
    assert.equal(readdirSync(dir).length, 2);
    // A file removed behind the cache's back is not served: the entry is built anew.
    for (const name of readdirSync(dir)) Deno.removeSync(join(dir, name));
    assert.equal(cache.current("c", 1), undefined);
  });
});
