/**
 * Batch upload: every egg is checked first, uploaded out of the index with a
 * few parallel transfers, and the index is rebuilt once at the end, so a
 * repository never shows half a batch.
 *
 * @module
 */
import { ConflictError, HatcherError, NotFoundError } from "./errors.ts";
import { InvalidEggError } from "./formats/egg.ts";
import {
  eggIdentity,
  type EggTarget,
  getEggMetadata,
  inspectLocalEgg,
  type LocalEgg,
  reindexEggs,
  uploadEgg,
} from "./eggs.ts";
import { runPool } from "./pool.ts";
import type { Session } from "./session.ts";
import { waitUntilVisible } from "./egg_visibility.ts";

/**
 * Options of {@linkcode batchUploadEggs}.
 *
 * @example
 * ```ts
 * import { type BatchUploadOptions } from "@hatcher/hatcher";
 * const options: BatchUploadOptions = { jobs: 8, skipExisting: true, index: true };
 * ```
 */
export interface BatchUploadOptions {
  /**
   * Parallel transfers.
   * @default {4}
   */
  jobs?: number;
  /**
   * Rebuild the index once all eggs are up.
   * @default {true}
   */
  index?: boolean;
  /**
   * Leave eggs the server already has alone, whatever their content.
   * @default {false}
   */
  skipExisting?: boolean;
  /**
   * Overwrite eggs the server has with other content.
   * @default {false}
   */
  force?: boolean;
  /** Called with the bytes sent so far across the whole batch, and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Called once each egg is checked locally (before any upload). */
  onChecked?: (egg: LocalEgg) => void;
  /**
   * Before re-indexing, how many times (1 s apart) to look for the uploaded
   * eggs on the server: the original hatcher's `--index_timeout`.
   * @default {10}
   */
  indexTimeout?: number;
  /** Called once the uploaded eggs are visible: on which attempt, of how many. */
  onVisible?: (attempt: number, attempts: number) => void;
}

/**
 * What happened to each egg of a batch.
 *
 * @example
 * ```ts
 * import { type BatchUploadResult } from "@hatcher/hatcher";
 * const summary = (r: BatchUploadResult) => `${r.uploaded.length} uploaded, ${r.skipped.length} skipped`;
 * ```
 */
export interface BatchUploadResult {
  /** Sent to the server. */
  uploaded: LocalEgg[];
  /** The server already had these exact bytes. */
  unchanged: LocalEgg[];
  /** The server had an egg of that name and version; left alone (`skipExisting`). */
  skipped: LocalEgg[];
  /** Whether the index was rebuilt. */
  indexed: boolean;
}

/**
 * Uploads many eggs as one unit: a bad egg fails the batch before anything is
 * sent; a failed upload stops the batch, names the file and leaves the index
 * untouched; otherwise the eggs are indexed together, once.
 *
 * @throws {InvalidEggError} When any egg is invalid (nothing is sent).
 * @throws {HatcherError} `Error uploading <file>: ...` when an upload fails.
 *
 * @example
 * ```ts
 * import { batchUploadEggs, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const result = await batchUploadEggs(session, {
 *   organization: "acme", repository: "dev", platform: "rh7-x86_64",
 * }, ["dist/a-1.0-1.egg", "dist/b-2.0-1.egg"], { jobs: 4, skipExisting: true });
 * console.log(`${result.uploaded.length} uploaded`);
 * ```
 */
export async function batchUploadEggs(
  session: Session,
  target: EggTarget,
  paths: string[],
  options: BatchUploadOptions = {},
): Promise<BatchUploadResult> {
  const jobs = options.jobs ?? 4;
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new RangeError(`Invalid jobs "${jobs}": must be a whole number, 1 or more`);
  }
  const eggs = await checkAll(paths, target.platform, jobs, options.onChecked);
  const total = eggs.reduce((sum, egg) => sum + egg.size, 0);
  const sentPerEgg = new Map<LocalEgg, number>();
  let sent = 0;
  const result: BatchUploadResult = { uploaded: [], unchanged: [], skipped: [], indexed: false };
  const confirmed = new Set<LocalEgg>();

  await runPool(eggs, jobs, async (egg) => {
    try {
      const outcome = await uploadOne(session, target, egg, options, (done) => {
        sent += done - (sentPerEgg.get(egg) ?? 0);
        sentPerEgg.set(egg, done);
        options.onProgress?.(sent, total);
      }, confirmed);
      result[outcome].push(egg);
      // Unchanged and skipped eggs still count as done bytes.
      sent += egg.size - (sentPerEgg.get(egg) ?? 0);
      sentPerEgg.set(egg, egg.size);
      options.onProgress?.(sent, total);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new HatcherError(`Error uploading ${egg.path}: ${reason}`, { cause: error });
    }
  });

  if (options.index ?? true) {
    const toIndex = [...result.uploaded, ...result.unchanged];
    if (toIndex.length > 0) {
      const attempts = options.indexTimeout ?? 10;
      // Eggs whose upload answer showed them are visible already: only the rest are looked for.
      const unconfirmed = result.uploaded.filter((egg) => !confirmed.has(egg));
      const attempt = await waitUntilVisible(session, target, unconfirmed, { attempts, jobs });
      options.onVisible?.(attempt, attempts);
      await reindexEggs(session, target, toIndex);
    }
    result.indexed = true;
  }
  return result;
}

/** Eggs this large or larger are looked up before they are sent (`--skip-existing`). */
const LOOK_UP_FIRST_BYTES = 1024 * 1024;

async function uploadOne(
  session: Session,
  target: EggTarget,
  egg: LocalEgg,
  options: BatchUploadOptions,
  onProgress: (done: number) => void,
  confirmed: Set<LocalEgg>,
): Promise<keyof Omit<BatchUploadResult, "indexed">> {
  const skipExisting = options.skipExisting && !options.force;
  if (skipExisting && egg.size >= LOOK_UP_FIRST_BYTES) {
    try {
      const existing = await getEggMetadata(session, { ...target, ...eggIdentity(egg) });
      return existing.sha256 === egg.sha256 ? "unchanged" : "skipped";
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  try {
    const result = await uploadEgg(session, target, egg, {
      force: options.force ?? false,
      enabled: false,
      // A small egg is sent at once: the server's answer says whether it had it.
      verify: !skipExisting,
      onProgress,
    });
    if (result.confirmed) confirmed.add(egg);
    return result.status === "uploaded" ? "uploaded" : "unchanged";
  } catch (error) {
    // Other bytes under that name, and --skip-existing: leave them alone.
    if (skipExisting && error instanceof ConflictError) return "skipped";
    throw error;
  }
}

/** Reads and hashes every egg; all problems are reported together. */
async function checkAll(
  paths: string[],
  platform: string,
  jobs: number,
  onChecked: ((egg: LocalEgg) => void) | undefined,
): Promise<LocalEgg[]> {
  const eggs: LocalEgg[] = new Array(paths.length);
  const problems: string[] = [];
  await runPool(paths.map((path, index) => ({ path, index })), jobs, async ({ path, index }) => {
    try {
      eggs[index] = await inspectLocalEgg(path, { platform });
      onChecked?.(eggs[index]!);
    } catch (error) {
      if (!(error instanceof InvalidEggError)) throw error;
      problems.push(error.message);
    }
  }, { stopOnError: false });
  if (problems.length > 0) {
    const prefix = problems.length === 1
      ? ""
      : `${problems.length} of ${paths.length} eggs are invalid: `;
    throw new InvalidEggError(`${prefix}${problems.sort().join("; ")}; nothing was uploaded`);
  }
  const seen = new Map<string, string>();
  for (const egg of eggs) {
    const { name, version, pythonTag } = eggIdentity(egg);
    const key = `${name}/${version}/${pythonTag}`;
    const other = seen.get(key);
    if (other) {
      throw new InvalidEggError(
        `${other} and ${egg.path} are the same egg (${key}); nothing was uploaded`,
      );
    }
    seen.set(key, egg.path);
  }
  return eggs;
}
