/**
 * Periodic cleanup of what crashed clients leave behind: artefacts (eggs)
 * uploaded disabled (a batch upload's first step) whose batch never
 * re-indexed them.
 * After `disabledTtlMs` without a change such a row is deleted, with its file
 * if nothing else uses it. Runs at start and then every hour.
 */
import type { Database } from "./db.ts";
import { type Artefact, deleteArtefact, findArtefactById } from "./artefacts.ts";
import type { ObjectStore } from "./objects.ts";

/** A day: far longer than any batch upload takes between its uploads and its re-index. */
export const DEFAULT_DISABLED_TTL_MS = 24 * 3600 * 1000;
const SWEEP_INTERVAL_MS = 3600 * 1000;

/** Removes disabled eggs untouched for `ttlMs`; returns how many. */
export function removeStaleDisabledEggs(
  db: Database,
  objects: ObjectStore,
  ttlMs: number,
  now = Date.now(),
): number {
  const rows = db.prepare("SELECT id FROM artefacts WHERE enabled = 0 AND mtime < ?")
    .all((now - ttlMs) / 1000) as Array<{ id: number }>;
  let removed = 0;
  for (const { id } of rows) {
    const artefact: Artefact | undefined = findArtefactById(db, id);
    if (artefact && !artefact.enabled) {
      deleteArtefact(db, objects, artefact);
      removed++;
    }
  }
  return removed;
}

/** Sweeps now and every hour until the signal aborts; failures are logged, never fatal. */
export function startHousekeeping(
  db: Database,
  objects: ObjectStore,
  options: { disabledTtlMs: number; log: (line: string) => void; signal: AbortSignal },
): void {
  const sweep = () => {
    try {
      const removed = removeStaleDisabledEggs(db, objects, options.disabledTtlMs);
      if (removed > 0) options.log(`removed ${removed} disabled eggs older than the TTL`);
    } catch (error) {
      options.log(`housekeeping failed: ${(error as Error).message}`);
    }
  };
  sweep();
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
  Deno.unrefTimer(timer);
  options.signal.addEventListener("abort", () => clearInterval(timer));
}
