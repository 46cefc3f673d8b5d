/**
 * Write-size benchmark: the CPU a download's writes cost for each size of
 * write call, the way lib/hashed_file.ts writes (node:fs writeSync into a new
 * file). Each run writes the same bytes from memory after `sync`, sizes
 * alternate within a round, and the kernel time of each run is reported as
 * median, min and max: on these VMs some sizes are not just slower but erratic.
 *
 * Run: `deno run -A scripts/bench_write_size.ts [--size-mb 1024] [--rounds 8]
 * [--sizes 16,64,256,1024]` (write sizes in KiB)
 */
import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { cpuUsage } from "node:process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { inAlternatingRounds, median, print, settle } from "./bench_helpers.ts";

const { values } = parseArgs({
  options: {
    "size-mb": { type: "string", default: "1024" },
    rounds: { type: "string", default: "8" },
    sizes: { type: "string", default: "16,64,256,512,1024" },
  },
});
const totalBytes = Number(values["size-mb"]) << 20;
const rounds = Number(values.rounds);
const writeSizes = values.sizes.split(",").map((kib) => Number(kib) << 10);

interface Run {
  wallSeconds: number;
  userSeconds: number;
  kernelSeconds: number;
}

/** Writes `totalBytes` into a new file in calls of `writeBytes`. */
function writeFile(path: string, writeBytes: number): Run {
  const piece = new Uint8Array(1 << 20).fill(0x5a);
  const before = cpuUsage();
  const started = performance.now();
  const fd = openSync(path, "w");
  for (let written = 0; written < totalBytes; written += piece.length) {
    for (let done = 0; done < piece.length;) {
      done += writeSync(fd, piece, done, Math.min(writeBytes, piece.length - done));
    }
  }
  closeSync(fd);
  const used = cpuUsage(before);
  return {
    wallSeconds: (performance.now() - started) / 1000,
    userSeconds: used.user / 1e6,
    kernelSeconds: used.system / 1e6,
  };
}

const dir = await Deno.makeTempDir({ prefix: "hatcher-write-bench-" });
try {
  const path = join(dir, "out.bin");
  const runs = new Map<number, Run[]>(writeSizes.map((size) => [size, []]));
  await inAlternatingRounds(writeSizes, rounds, async (size, counted) => {
    try {
      unlinkSync(path);
    } catch { /* first run */ }
    await settle();
    const run = writeFile(path, size);
    if (counted) runs.get(size)!.push(run);
  });
  print(
    `\n${values["size-mb"]} MiB per run, ${rounds} rounds after a warm-up\n` +
      "| write size | wall s (median) | user s (median) | kernel s (median / min / max) |\n" +
      "|---|---|---|---|\n",
  );
  for (const [size, list] of runs) {
    const kernel = list.map((r) => r.kernelSeconds);
    print(
      `| ${size >> 10} KiB | ${median(list.map((r) => r.wallSeconds)).toFixed(2)} | ${
        median(list.map((r) => r.userSeconds)).toFixed(2)
      } | ${median(kernel).toFixed(2)} / ${Math.min(...kernel).toFixed(2)} / ${
        Math.max(...kernel).toFixed(2)
      } |\n`,
    );
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
