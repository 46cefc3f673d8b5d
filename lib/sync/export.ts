/**
 * `export`: a server's artefacts into a directory in the original hatcher's
 * layout, with a manifest of every file. Incremental and resumable: a file
 * already there with the right SHA-256 is kept without a request for it, and
 * a transfer cut off is resumed. With a manifest of what another server
 * holds, only what it lacks is written.
 *
 * @module
 */
import { type Stats, statSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { sha256File } from "../formats/egg.ts";
import { runPool } from "../pool.ts";
import type { Session } from "../session.ts";
import { downloadRecord } from "./fetch.ts";
import { serverInventory, type SyncEvent, type SyncFilters } from "./inventory.ts";
import {
  type ArtefactRecord,
  buildManifest,
  layoutPath,
  type Manifest,
  MANIFEST_FILE,
  parseManifest,
  recordKey,
  repositoryName,
  unsafeLayout,
  writeManifest,
} from "./records.ts";

/**
 * Options of {@linkcode exportArtefacts}.
 *
 * @example
 * ```ts
 * import type { ExportOptions } from "@hatcher/hatcher";
 * const options: ExportOptions = { kinds: ["eggs", "runtimes"], repositories: ["acme/dev"], jobs: 4 };
 * ```
 */
export interface ExportOptions extends SyncFilters {
  /**
   * Parallel downloads.
   * @default {4}
   */
  jobs?: number;
  /** Write only the manifest of what the server holds, no data. */
  manifestOnly?: boolean;
  /** Write only what this manifest (of another server) lacks or has with other content. */
  missingFrom?: Manifest;
  /** Warnings and progress. */
  onEvent?: (event: ExportEvent) => void;
}

/**
 * What an export tells as it goes.
 *
 * @example
 * ```ts
 * import type { ExportEvent } from "@hatcher/hatcher";
 * const onEvent = (event: ExportEvent) => {
 *   if (event.type === "exporting") console.log(`Exporting ${event.kind} from ${event.repository}`);
 * };
 * ```
 */
export type ExportEvent =
  | SyncEvent
  | { type: "exporting"; kind: string; repository: string; platform: string }
  | { type: "progress"; done: number; total: number; bytes: number };

/**
 * The outcome of {@linkcode exportArtefacts}.
 *
 * @example
 * ```ts
 * import type { ExportResult } from "@hatcher/hatcher";
 * const summary = (result: ExportResult) =>
 *   `${result.downloaded.length} downloaded, ${result.kept.length} already there`;
 * ```
 */
export interface ExportResult {
  /** Records written in this run. */
  downloaded: ArtefactRecord[];
  /** Records whose file was already there with the right SHA-256. */
  kept: ArtefactRecord[];
  /** Records left out because the other side's manifest has them. */
  alreadyThere: number;
  /** Bytes downloaded. */
  bytes: number;
  /** The manifest written. */
  manifest: string;
}

/**
 * Exports what the session can read into `directory`.
 *
 * @example
 * ```ts
 * import { exportArtefacts, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const result = await exportArtefacts(session, "export", { repositories: ["acme/dev"] });
 * console.log(`${result.downloaded.length} files, manifest ${result.manifest}`);
 * ```
 */
export async function exportArtefacts(
  session: Session,
  directory: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const onEvent = options.onEvent ?? (() => {});
  // Read while the server is asked; parsed after, so as not to hold up the first requests.
  const previousText = options.manifestOnly
    ? Promise.resolve(undefined)
    : readFile(join(directory, MANIFEST_FILE), "utf8").catch(() => undefined);
  // Names from the server become directories: one that cannot is left out, and said so.
  let records = (await serverInventory(session, options, onEvent)).filter((record) => {
    const why = unsafeLayout(record);
    if (why) onEvent({ type: "warning", message: `${record.filename}: ${why}: skipped` });
    return why === undefined;
  });
  let alreadyThere = 0;
  if (options.missingFrom) {
    const theirs = new Map(
      options.missingFrom.artefacts.map((record) => [recordKey(record), record]),
    );
    const before = records.length;
    records = records.filter((record) => theirs.get(recordKey(record))?.sha256 !== record.sha256);
    alreadyThere = before - records.length;
  }
  await mkdir(directory, { recursive: true });
  const result: ExportResult = { downloaded: [], kept: [], alreadyThere, bytes: 0, manifest: "" };
  // Each file's modification time as this run leaves it, for the next run's quick check.
  const mtimes = new Map<string, number>();
  if (!options.manifestOnly) {
    const previous = previousEntries(directory, await previousText);
    const announced = new Set<string>();
    const announce = (record: ArtefactRecord) => {
      const place = `${record.kind} ${repositoryName(record)} ${record.platform}`;
      if (announced.has(place)) return;
      announced.add(place);
      onEvent({
        type: "exporting",
        kind: record.kind,
        repository: repositoryName(record),
        platform: record.platform,
      });
    };
    let done = 0;
    const progress = () =>
      onEvent({ type: "progress", done: ++done, total: records.length, bytes: result.bytes });
    // First what the previous export vouches for, without a wait: a second export of
    // a thousand unchanged files is a thousand stats.
    const toFetch: Array<{ record: ArtefactRecord; relative: string }> = [];
    for (const record of records) {
      announce(record);
      const relative = layoutPath(record, session.apiVersion);
      const unchanged = quickCheck(join(directory, relative), record, previous.get(relative));
      if (unchanged === undefined) {
        toFetch.push({ record, relative });
        continue;
      }
      result.kept.push(record);
      mtimes.set(relative, unchanged);
      progress();
    }
    const made = new Set<string>();
    await runPool(toFetch, options.jobs ?? 4, async ({ record, relative }) => {
      const path = join(directory, relative);
      const kept = await hashedContentTime(path, record);
      if (kept !== undefined) {
        result.kept.push(record);
        mtimes.set(relative, kept);
      } else {
        if (!made.has(dirname(path))) {
          await mkdir(dirname(path), { recursive: true });
          made.add(dirname(path));
        }
        const file = await downloadRecord(session, record, dirname(path));
        result.bytes += file.downloaded ? file.size : 0;
        (file.downloaded ? result.downloaded : result.kept).push(record);
        mtimes.set(relative, statSync(file.path).mtimeMs);
      }
      progress();
    });
  }
  const manifest = buildManifest(records, {
    source: session.url,
    apiVersion: session.apiVersion,
    withData: !options.manifestOnly,
  });
  for (const entry of manifest.artefacts) entry.mtimeMs = mtimes.get(entry.path);
  result.manifest = writeManifest(directory, manifest);
  return result;
}

type PreviousEntry = { sha256: string; size: number; mtimeMs?: number };

/**
 * The modification time of `path` when the previous export vouches for its
 * content (same checksum, size and modification time, as rsync's quick
 * check), else undefined. Synchronous: a `stat` takes a few microseconds
 * that way and 40-80 µs through the runtime's thread pool.
 */
function quickCheck(
  path: string,
  record: ArtefactRecord,
  previous: PreviousEntry | undefined,
): number | undefined {
  if (previous?.sha256 !== record.sha256 || previous.size !== record.size) return undefined;
  let info: Stats | undefined;
  try {
    info = statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  return info?.isFile() && info.size === record.size && info.mtimeMs === previous.mtimeMs
    ? info.mtimeMs
    : undefined;
}

/**
 * The modification time of `path` when it already holds the record's bytes
 * by their SHA-256 (a file the previous export did not vouch for), else
 * undefined.
 */
async function hashedContentTime(
  path: string,
  record: ArtefactRecord,
): Promise<number | undefined> {
  let info: Stats;
  try {
    info = statSync(path);
  } catch {
    return undefined;
  }
  if (!info.isFile() || info.size !== record.size) return undefined;
  const sha256 = await sha256File(path).catch(() => undefined);
  return sha256 === record.sha256 ? info.mtimeMs : undefined;
}

/** The entries of the manifest an earlier export left in `directory`, by path. */
function previousEntries(directory: string, text: string | undefined): Map<string, PreviousEntry> {
  if (text === undefined) return new Map();
  try {
    const manifest = parseManifest(text, join(directory, MANIFEST_FILE));
    return new Map(manifest.artefacts.map((entry) => [entry.path, entry]));
  } catch {
    return new Map();
  }
}
