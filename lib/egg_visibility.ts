/**
 * Waiting until uploaded eggs are visible on the server, before the one
 * re-index of a batch: a server may store an upload before it can show it,
 * and re-indexing an egg it cannot see yet would leave it out.
 *
 * @module
 */
import { HatcherError, NotFoundError } from "./errors.ts";
import { eggIdentity, type EggTarget, getEggMetadata, type LocalEgg } from "./eggs.ts";
import type { Session } from "./session.ts";

/** Options of {@linkcode waitUntilVisible}. */
export interface VisibilityOptions {
  /**
   * How many times to look (the original hatcher's `--index_timeout`).
   * @default {10}
   */
  attempts?: number;
  /**
   * Milliseconds between two looks.
   * @default {1000}
   */
  interval?: number;
  /**
   * Metadata requests in flight at once.
   * @default {4}
   */
  jobs?: number;
}

/** What the original hatcher says when the eggs never show up. */
export const VISIBILITY_TIMEOUT_MESSAGE = "Time out waiting for eggs to be available for indexing.";

/**
 * Asks the server for each egg's metadata until every one is there with the
 * uploaded SHA-256, looking again one interval later for those missing.
 *
 * @returns The attempt on which the last egg was seen (1 when all were there at once).
 * @throws {HatcherError} {@linkcode VISIBILITY_TIMEOUT_MESSAGE} after the last attempt.
 */
export async function waitUntilVisible(
  session: Session,
  target: EggTarget,
  eggs: LocalEgg[],
  options: VisibilityOptions = {},
): Promise<number> {
  const attempts = options.attempts ?? 10;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(`Invalid attempts "${attempts}": must be a whole number, 1 or more`);
  }
  let missing = eggs;
  for (let attempt = 1;; attempt++) {
    const seen = await inParallel(
      missing,
      options.jobs ?? 4,
      (egg) => isVisible(session, target, egg),
    );
    missing = missing.filter((_, index) => !seen[index]);
    if (missing.length === 0) return attempt;
    if (attempt >= attempts) throw new HatcherError(VISIBILITY_TIMEOUT_MESSAGE);
    await new Promise((resolve) => setTimeout(resolve, options.interval ?? 1000));
  }
}

async function isVisible(session: Session, target: EggTarget, egg: LocalEgg): Promise<boolean> {
  try {
    const info = await getEggMetadata(session, { ...target, ...eggIdentity(egg) });
    return info.sha256 === egg.sha256;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

async function inParallel<T, R>(items: T[], jobs: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}
