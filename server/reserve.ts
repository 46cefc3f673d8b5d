/**
 * A few megabytes of disk kept in reserve (`DATA/reserve`) for a full disk.
 * When the disk fills up, the database cannot even record a delete, so
 * space could not be freed through the API. The reserve is given up at the
 * first "disk full", which lets deletes (and the small writes around reads)
 * go through; uploads are refused while it cannot be put back, so they
 * never eat into it.
 */
import { join } from "node:path";

/** Enough for SQLite to record many deletes (a few pages of WAL each). */
export const RESERVE_BYTES = 4 * 1024 * 1024;

export class DiskReserve {
  readonly path: string;
  readonly #bytes: number;

  constructor(dataDir: string, bytes = RESERVE_BYTES) {
    this.path = join(dataDir, "reserve");
    this.#bytes = bytes;
  }

  /** Puts the reserve in place if it is missing; false when the disk has no room for it. */
  ensure(): boolean {
    try {
      if (Deno.statSync(this.path).size === this.#bytes) return true;
    } catch { /* missing */ }
    try {
      // Real blocks (not a sparse file), so the space is truly held.
      Deno.writeFileSync(this.path, new Uint8Array(this.#bytes), { mode: 0o600 });
      return true;
    } catch {
      this.release();
      return false;
    }
  }

  /** Frees the reserve; returns whether there was one to free. */
  release(): boolean {
    try {
      Deno.removeSync(this.path);
      return true;
    } catch {
      return false;
    }
  }
}
