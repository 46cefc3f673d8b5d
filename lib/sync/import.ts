/**
 * `import`: an export directory into a server. Nothing is sent until every
 * file has been checked: against the directory's manifest when it has one
 * (a corrupted or truncated copy is refused and named), and by its kind's
 * reader. Then the target is asked what it has: what it lacks is uploaded
 * (eggs in batches, indexed once per repository and platform), identical
 * artefacts are skipped, and differing ones are an error naming both
 * checksums unless `force`.
 *
 * @module
 */
import { join } from "node:path";
import { batchUploadEggs } from "../batch_upload.ts";
import { ChecksumMismatchError, HatcherError, NotFoundError } from "../errors.ts";
import { runPool } from "../pool.ts";
import { createRepository, listUserRepositories } from "../repositories.ts";
import type { Session } from "../session.ts";
import { uploadRecordFile } from "./fetch.ts";
import {
  hashFile,
  type LaidOutFile,
  laidOutFiles,
  serverInventory,
  type SyncEvent,
  type SyncFilters,
} from "./inventory.ts";
import { type LocalRecord, readLocalRecord } from "./local.ts";
import { MANIFEST_FILE, readManifest, recordKey, repositoryName } from "./records.ts";

/**
 * Options of {@linkcode importArtefacts}.
 *
 * @example
 * ```ts
 * import type { ImportOptions } from "@hatcher/hatcher";
 * const options: ImportOptions = { createMissing: true, jobs: 4 };
 * ```
 */
export interface ImportOptions extends SyncFilters {
  /** Overwrite artefacts the target has with other content. */
  force?: boolean;
  /** Create repositories the target lacks (organizations must exist). */
  createMissing?: boolean;
  /**
   * Parallel uploads.
   * @default {4}
   */
  jobs?: number;
  /** Warnings and progress. */
  onEvent?: (event: ImportEvent) => void;
}

/**
 * What an import tells as it goes.
 *
 * @example
 * ```ts
 * import type { ImportEvent } from "@hatcher/hatcher";
 * const onEvent = (event: ImportEvent) => {
 *   if (event.type === "updating") console.log(`Updating ${event.repository} for ${event.platform}`);
 * };
 * ```
 */
export type ImportEvent =
  | SyncEvent
  | { type: "updating"; repository: string; platform: string }
  | { type: "uploading"; kind: string; count: number }
  | { type: "created"; repository: string };

/**
 * The outcome of {@linkcode importArtefacts}.
 *
 * @example
 * ```ts
 * import type { ImportResult } from "@hatcher/hatcher";
 * const summary = (result: ImportResult) => `${result.uploaded.length} uploaded`;
 * ```
 */
export interface ImportResult {
  /** Files uploaded. */
  uploaded: LocalRecord[];
  /** Files the target already had, byte for byte. */
  unchanged: LocalRecord[];
  /** Repositories created (`--create-missing`). */
  created: string[];
}

/** The description of repositories that import creates, as the original hatcher wrote it. */
export const CREATED_DESCRIPTION = "Created automatically with `hatcher import`";

/**
 * Checks every artefact file under `directory`, nothing sent: its size and
 * SHA-256 against the directory's manifest when it has one, and, for files
 * the manifest does not vouch for, its kind's reader. Files the manifest
 * vouches for take their identity from it; {@linkcode validateRecords} reads
 * them too, before any of them is sent.
 *
 * @throws {HatcherError} Naming every file that does not match the manifest.
 * @throws {InvalidArtefactError} For the first file that is not a valid artefact.
 */
export async function checkExportDirectory(
  directory: string,
  filters: SyncFilters = {},
): Promise<CheckedRecord[]> {
  const files = await laidOutFiles(directory, filters);
  let manifest;
  try {
    manifest = await readManifest(join(directory, MANIFEST_FILE));
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== "ENOENT") throw error;
  }
  const listed = new Map((manifest?.artefacts ?? []).map((entry) => [entry.path, entry]));
  const records: CheckedRecord[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const hashed = await hashFile(file);
    const entry = listed.get(file.relative);
    if (manifest && !entry) problems.push(`${file.relative} is not in the manifest`);
    else if (entry && entry.size !== hashed.size) {
      problems.push(`${file.relative} has ${hashed.size} bytes, the manifest says ${entry.size}`);
    } else if (entry && entry.sha256 !== hashed.sha256) {
      problems.push(
        `${file.relative} has SHA-256 ${hashed.sha256}, the manifest says ${entry.sha256}`,
      );
    } else if (entry) {
      const { path: _path, ...identity } = entry;
      records.push({ ...identity, path: file.path, relative: file.relative, file, read: false });
    } else {
      records.push({ ...await readLocalRecord(file, hashed), file, read: true });
    }
  }
  if (manifest?.withData) {
    const present = new Set(files.map((file) => file.relative));
    for (const entry of manifest.artefacts) {
      const selected = !filters.kinds?.length || filters.kinds.includes(entry.kind);
      if (selected && matches(entry, filters) && !present.has(entry.path)) {
        problems.push(`${entry.path} is in the manifest but missing`);
      }
    }
  }
  if (problems.length > 0) {
    throw new HatcherError(
      `Refusing to import ${directory}: ${problems.length} file(s) do not match ` +
        `${MANIFEST_FILE}, nothing was uploaded: ${problems.join("; ")}`,
    );
  }
  return records;
}

/** Reads every record the manifest vouched for with its kind's reader (see checkExportDirectory). */
export async function validateRecords(records: readonly CheckedRecord[]): Promise<void> {
  for (const record of records) {
    if (!record.read) await readLocalRecord(record.file, record);
  }
}

/** A record of an export directory, and whether its kind's reader has read it yet. */
export interface CheckedRecord extends LocalRecord {
  file: LaidOutFile;
  read: boolean;
}

function matches(
  entry: { organization: string; repository: string; platform: string },
  filters: SyncFilters,
): boolean {
  return (!filters.repositories?.length || filters.repositories.includes(repositoryName(entry))) &&
    (!filters.platforms?.length || filters.platforms.includes(entry.platform));
}

/**
 * Imports an export directory into the session's server.
 *
 * @example
 * ```ts
 * import { importArtefacts, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const { uploaded } = await importArtefacts(session, "export", { createMissing: true });
 * ```
 */
export async function importArtefacts(
  session: Session,
  directory: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const onEvent = options.onEvent ?? (() => {});
  const records = await checkExportDirectory(directory, options);
  const result: ImportResult = { uploaded: [], unchanged: [], created: [] };
  const repositories = [...new Set(records.map(repositoryName))].sort();
  const readable = new Set((await listUserRepositories(session, { includeIndexable: true }))
    .map((repository) => repository.name));
  for (const name of repositories) {
    if (readable.has(name)) continue;
    if (!options.createMissing) {
      throw new HatcherError(
        `No repository '${name}' on ${session.url}: create it, or pass --create-missing`,
      );
    }
    const [organization, repository] = name.split("/") as [string, string];
    try {
      await createRepository(session, {
        organization,
        name: repository,
        description: CREATED_DESCRIPTION,
      });
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new HatcherError(
          `No organization '${organization}' on ${session.url}: import creates repositories, ` +
            "not organizations",
          { cause: error },
        );
      }
      throw error;
    }
    result.created.push(name);
    onEvent({ type: "created", repository: name });
  }

  // What the target has, so that only the difference is sent.
  const theirs = new Map(
    (await serverInventory(session, {
      kinds: [...new Set(records.map((record) => record.kind))],
      repositories,
      platforms: [...new Set(records.map((record) => record.platform))],
    })).map((record) => [recordKey(record), record]),
  );
  const pending: CheckedRecord[] = [];
  for (const record of records) {
    const existing = theirs.get(recordKey(record));
    if (existing === undefined) pending.push(record);
    else if (existing.sha256 === record.sha256) result.unchanged.push(record);
    else if (options.force) pending.push(record);
    else {
      throw new ChecksumMismatchError(
        `${record.relative}: ${repositoryName(record)} already has ${record.filename} with ` +
          `other content (SHA-256 ${existing.sha256} there, ${record.sha256} here); ` +
          "pass --force to overwrite",
        { file: record.filename, expected: existing.sha256, actual: record.sha256 },
      );
    }
  }

  // Every file about to be sent is read by its kind's reader first, all before the first upload.
  await validateRecords(pending);
  const groups = new Map<string, CheckedRecord[]>();
  for (const record of pending) {
    const key = `${repositoryName(record)}\0${record.platform}`;
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    onEvent({ type: "updating", repository: repositoryName(first), platform: first.platform });
    const eggs = group.filter((record) => record.kind === "eggs");
    if (eggs.length > 0) {
      onEvent({ type: "uploading", kind: "eggs", count: eggs.length });
      await batchUploadEggs(
        session,
        {
          organization: first.organization,
          repository: first.repository,
          platform: first.platform,
        },
        eggs.map((record) => record.path),
        { jobs: options.jobs ?? 4, force: options.force },
      );
      result.uploaded.push(...eggs);
    }
    const others = group.filter((record) => record.kind !== "eggs");
    for (const kind of ["runtimes", "bundles", "apps"]) {
      const ofKind = others.filter((record) => record.kind === kind);
      if (ofKind.length === 0) continue;
      onEvent({ type: "uploading", kind, count: ofKind.length });
      await runPool(ofKind, options.jobs ?? 4, async (record) => {
        const status = await uploadRecordFile(session, record, options.force ?? false);
        (status === "uploaded" ? result.uploaded : result.unchanged).push(record);
      });
    }
  }
  return result;
}
