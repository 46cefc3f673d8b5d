/**
 * `mirror`: copies what a target server lacks from a source server, one
 * artefact at a time through a temporary file (never a copy of the whole
 * repository), each verified by SHA-256 on the way down and up. Eggs are
 * uploaded out of the index and indexed once per repository and platform.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspectLocalEgg, type LocalEgg, reindexEggs, uploadEgg } from "../eggs.ts";
import { HatcherError, NotFoundError } from "../errors.ts";
import { runPool } from "../pool.ts";
import { createRepository, listUserRepositories } from "../repositories.ts";
import type { Session } from "../session.ts";
import { diffRecords, type RecordDiff } from "./diff.ts";
import { deleteRecord, downloadRecord, uploadRecordFile } from "./fetch.ts";
import { CREATED_DESCRIPTION } from "./import.ts";
import { serverInventory, type SyncEvent, type SyncFilters } from "./inventory.ts";
import { type ArtefactRecord, repositoryName } from "./records.ts";

/**
 * Options of {@linkcode mirrorArtefacts}.
 *
 * @example
 * ```ts
 * import type { MirrorOptions } from "@hatcher/hatcher";
 * const options: MirrorOptions = { repositories: ["acme/dev"], createMissing: true, dryRun: true };
 * ```
 */
export interface MirrorOptions extends SyncFilters {
  /** Create repositories the target lacks (organizations must exist). */
  createMissing?: boolean;
  /** Only plan: change nothing. */
  dryRun?: boolean;
  /** Also delete from the target what the source no longer has. */
  delete?: boolean;
  /** Replace artefacts the target has with other content (otherwise they fail). */
  force?: boolean;
  /**
   * Artefacts copied at once.
   * @default {4}
   */
  jobs?: number;
  /** Warnings and progress. */
  onEvent?: (event: MirrorEvent) => void;
  /**
   * Called with the plan before anything changes (not for a dry run): a
   * confirmation of the deletions may throw here to stop with nothing done.
   */
  onPlan?: (plan: RecordDiff) => Promise<void>;
}

/**
 * What a mirror tells as it goes.
 *
 * @example
 * ```ts
 * import type { MirrorEvent } from "@hatcher/hatcher";
 * const onEvent = (event: MirrorEvent) => {
 *   if (event.type === "failed") console.error(`${event.record.filename}: ${event.message}`);
 * };
 * ```
 */
export type MirrorEvent =
  | SyncEvent
  | { type: "copied"; record: ArtefactRecord; bytes: number }
  | { type: "failed"; record: ArtefactRecord; message: string }
  | { type: "deleted"; record: ArtefactRecord };

/**
 * The outcome of {@linkcode mirrorArtefacts}: the plan, and what came of it.
 *
 * @example
 * ```ts
 * import type { MirrorResult } from "@hatcher/hatcher";
 * const line = (r: MirrorResult) =>
 *   `copied ${r.copied.length}, skipped ${r.skipped}, failed ${r.failed.length}, ${r.bytes} bytes`;
 * ```
 */
export interface MirrorResult {
  /** What the comparison found. */
  plan: RecordDiff;
  /** Copied to the target. */
  copied: ArtefactRecord[];
  /** Already on the target with the same bytes. */
  skipped: number;
  /** Not copied, with why. */
  failed: Array<{ record: ArtefactRecord; message: string }>;
  /** Deleted from the target (`delete`). */
  deleted: ArtefactRecord[];
  /** Bytes copied. */
  bytes: number;
}

/**
 * Mirrors `source` into `target`.
 *
 * @example
 * ```ts
 * import { login, mirrorArtefacts } from "@hatcher/hatcher";
 * const source = await login("https://eds.example.com", { token: "<source token>" });
 * const target = await login("http://127.0.0.1:8080", { token: "<target token>" });
 * const result = await mirrorArtefacts(source, target, { repositories: ["acme/dev"] });
 * console.log(`${result.copied.length} copied`);
 * ```
 */
export async function mirrorArtefacts(
  source: Session,
  target: Session,
  options: MirrorOptions = {},
): Promise<MirrorResult> {
  const onEvent = options.onEvent ?? (() => {});
  const ours = await serverInventory(source, options, onEvent);
  const repositories = options.repositories?.length
    ? [...options.repositories]
    : [...new Set(ours.map(repositoryName))];
  const present = new Set((await listUserRepositories(target, { includeIndexable: true }))
    .map((repository) => repository.name));
  const missingRepositories = repositories.filter((name) => !present.has(name));
  // Only the mirrored repositories count on the target: its others are none of our business.
  const shared = repositories.filter((name) => present.has(name));
  const theirs = shared.length === 0
    ? []
    : await serverInventory(target, { ...options, repositories: shared });
  const plan = diffRecords(ours, theirs);
  const result: MirrorResult = {
    plan,
    copied: [],
    skipped: plan.same,
    failed: [],
    deleted: [],
    bytes: 0,
  };
  if (options.dryRun) return result;
  await options.onPlan?.(plan);

  for (const name of missingRepositories) {
    if (!options.createMissing) continue;
    const [organization, repository] = name.split("/") as [string, string];
    try {
      await createRepository(target, {
        organization,
        name: repository,
        description: CREATED_DESCRIPTION,
      });
      present.add(name);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      onEvent({ type: "warning", message: `No organization '${organization}' on ${target.url}` });
    }
  }
  const work = [
    ...plan.missing,
    ...plan.different.map(({ source }) => source),
  ];
  const conflicts = new Set(plan.different.map(({ source }) => source));
  const eggsToIndex = new Map<string, { place: ArtefactRecord; eggs: LocalEgg[] }>();
  const scratch = await mkdtemp(join(tmpdir(), "hatcher-mirror-"));
  try {
    await runPool(work, options.jobs ?? 4, async (record) => {
      const fail = (message: string) => {
        result.failed.push({ record, message });
        onEvent({ type: "failed", record, message });
      };
      if (!present.has(repositoryName(record))) {
        return fail(`no repository ${repositoryName(record)} on the target (--create-missing)`);
      }
      if (conflicts.has(record) && !options.force) {
        return fail("the target has other content under this name (--force replaces it)");
      }
      const dir = await mkdtemp(join(scratch, "a-"));
      try {
        const file = await downloadRecord(source, record, dir);
        if (record.kind === "eggs") {
          const place = {
            organization: record.organization,
            repository: record.repository,
            platform: record.platform,
          };
          const egg = await inspectLocalEgg(file.path, place);
          await uploadEgg(target, place, egg, {
            enabled: false,
            verify: false,
            force: options.force,
          });
          const key = `${repositoryName(record)}\0${record.platform}`;
          const group = eggsToIndex.get(key) ?? { place: record, eggs: [] };
          group.eggs.push(egg);
          eggsToIndex.set(key, group);
        } else {
          await uploadRecordFile(target, { ...record, path: file.path }, options.force ?? false);
        }
        result.copied.push(record);
        result.bytes += file.size;
        onEvent({ type: "copied", record, bytes: file.size });
      } catch (error) {
        if (!(error instanceof HatcherError)) throw error;
        fail(error.message);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, { stopOnError: false });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  for (const { place, eggs } of eggsToIndex.values()) {
    await reindexEggs(target, place, eggs);
  }
  if (options.delete) {
    for (const record of plan.extra) {
      await deleteRecord(target, record);
      result.deleted.push(record);
      onEvent({ type: "deleted", record });
    }
  }
  return result;
}
