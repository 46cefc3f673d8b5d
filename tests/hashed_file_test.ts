/**
 * The hashing file writer behind downloads, on the calling thread and on a
 * worker: same bytes and same SHA-256 as a direct hash, caller's buffers left
 * intact unless handed over whole, and write/open failures reported, never lost.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { openHashedFile } from "../lib/hashed_file.ts";
import { randomBytes, withTempDir } from "./helpers/files.ts";

const MODES = [{ offThread: false }, { offThread: true }, { inMemory: 8 << 20 }];
const PIECE = 1 << 20;

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

for (const mode of MODES) {
  const where = "inMemory" in mode ? "in memory" : mode.offThread ? "on a worker" : "in thread";

  Deno.test(`hashed file ${where}: bytes and sha256 match, pieces of every shape`, async () => {
    await withTempDir(async (dir) => {
      const content = randomBytes(5 * PIECE + 12345);
      const path = join(dir, "out.bin");
      const file = await openHashedFile(path, mode);
      // Whole buffers from the file (handed over), then views into a larger
      // buffer the caller keeps (must be copied, not taken away).
      let at = 0;
      for (let i = 0; i < 3; i++, at += PIECE) {
        const piece = file.buffer(PIECE);
        piece.set(content.subarray(at, at + PIECE));
        await file.write(piece);
      }
      const kept = content.slice(at);
      for (let offset = 0; offset < kept.length; offset += 700_000) {
        await file.write(kept.subarray(offset, Math.min(kept.length, offset + 700_000)));
      }
      assert.equal(kept.byteLength, content.length - at, "a view's buffer was taken away");
      assert.deepEqual(kept, content.subarray(at), "a view's bytes were changed");
      assert.equal(await file.finish(), sha256(content));
      await file.close();
      assert.deepEqual(new Uint8Array(await readFile(path)), content);
    });
  });

  Deno.test(`hashed file ${where}: an empty file`, async () => {
    await withTempDir(async (dir) => {
      const file = await openHashedFile(join(dir, "empty.bin"), mode);
      assert.equal(await file.finish(), sha256(new Uint8Array()));
      await file.close();
      assert.equal((await Deno.stat(join(dir, "empty.bin"))).size, 0);
    });
  });

  Deno.test(`hashed file ${where}: a failed write (disk full) is reported`, async () => {
    // /dev/full accepts the open and fails every write with ENOSPC.
    const file = await openHashedFile("/dev/full", mode);
    const write = async () => {
      for (let i = 0; i < 8; i++) await file.write(file.buffer(PIECE));
      await file.finish();
    };
    await assert.rejects(write, (error: Error & { code?: string }) => {
      assert.equal(error.code, "ENOSPC");
      return true;
    });
    await file.close();
    await file.close(); // twice is harmless
  });

  Deno.test(`hashed file ${where}: a file that cannot be opened is reported`, async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "missing", "out.bin");
      const attempt = async () => {
        const file = await openHashedFile(path, mode);
        try {
          await file.write(file.buffer(PIECE));
          await file.finish();
        } finally {
          await file.close();
        }
      };
      await assert.rejects(attempt, (error: Error & { code?: string }) => {
        assert.equal(error.code, "ENOENT");
        return true;
      });
    });
  });
}

Deno.test("hashed file in memory: more bytes than expected are refused, nothing is written", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "out.bin");
    const file = await openHashedFile(path, { inMemory: 1000 });
    await file.write(randomBytes(600));
    await assert.rejects(file.write(randomBytes(600)), RangeError);
    await file.close();
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
  });
});

Deno.test("hashed file in memory: never written through a symbolic link", async () => {
  await withTempDir(async (dir) => {
    const victim = join(dir, "victim.txt");
    await Deno.writeTextFile(victim, "keep me");
    const path = join(dir, "out.bin");
    await Deno.symlink(victim, path);
    const file = await openHashedFile(path, { inMemory: 1000 });
    await file.write(randomBytes(10));
    await assert.rejects(file.finish(), (error: Error & { code?: string }) => {
      assert.equal(error.code, "ELOOP");
      return true;
    });
    assert.equal(await Deno.readTextFile(victim), "keep me");
  });
});
