/**
 * The worker of background_gzip.ts: compresses each job's blocks in the
 * order they come, each as raw deflate ended by a sync flush (the last one
 * by the final block), with the gzip header before the first and the CRC-32
 * and length after the last: the pieces joined are one gzip member.
 */
import { constants, crc32, deflateRawSync } from "node:zlib";

/** zlib's default: a 100,000-egg index (40 MB) becomes 7.2 MB. */
const LEVEL = 6;
/** Magic, deflate, no flags, no time, no extra flags, unknown OS (RFC 1952). */
const HEADER = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

interface Block {
  job: number;
  block: Uint8Array;
  last: boolean;
}

const running = new Map<number, { crc: number; size: number }>();

self.onmessage = ({ data }: MessageEvent<Block>) => {
  const { job, block, last } = data;
  const state = running.get(job);
  const first = state === undefined;
  const crc = crc32(block, state?.crc ?? 0);
  const size = (state?.size ?? 0) + block.byteLength;
  try {
    const deflated = deflateRawSync(block, {
      level: LEVEL,
      finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    });
    const piece = new Uint8Array(
      (first ? HEADER.length : 0) + deflated.byteLength + (last ? 8 : 0),
    );
    if (first) piece.set(HEADER);
    piece.set(deflated, first ? HEADER.length : 0);
    if (last) {
      const trailer = new DataView(piece.buffer, piece.byteLength - 8);
      trailer.setUint32(0, crc >>> 0, true);
      trailer.setUint32(4, size >>> 0, true); // the length modulo 2^32, as RFC 1952 says
      running.delete(job);
    } else {
      running.set(job, { crc, size });
    }
    self.postMessage({ job, piece }, [piece.buffer]);
  } catch (error) {
    running.delete(job);
    self.postMessage({ job, error: String((error as Error)?.message ?? error) });
  }
};
