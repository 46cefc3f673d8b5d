/**
 * Eggs in a repository: list the index, read metadata, download, upload,
 * delete and re-index. Transfers stream from and to disk with constant
 * memory and are checked with SHA-256 both ways.
 *
 * @module
 */
import { basename } from "node:path";
import { compareText } from "./answers.ts";
import { type EggMetadata, InvalidEggError, readEggMetadata } from "./formats/egg.ts";
import { canonicalPlatform } from "./formats/platforms.ts";
import {
  type CheckedArtefact,
  checkLocalFile,
  inspectLocalFile,
  type LocalArtefact,
  uploadVerified,
} from "./upload.ts";
import { downloadVerified, safeFileName } from "./download.ts";
import { HatcherError } from "./errors.ts";
import { apiPath } from "./http.ts";
import { type Session, sessionJson, sessionSend } from "./session.ts";
import type { ProgressCallback } from "./transfer.ts";

/**
 * A repository and platform: where eggs are uploaded.
 *
 * @example
 * ```ts
 * import { type EggTarget } from "@hatcher/hatcher";
 * const target: EggTarget = { organization: "acme", repository: "dev", platform: "rh7-x86_64" };
 * ```
 */
export interface EggTarget {
  /** The organization. */
  organization: string;
  /** The repository within it. */
  repository: string;
  /** An EDS platform, e.g. `rh7-x86_64`. */
  platform: string;
}

/**
 * A repository, platform and Python tag: one egg index.
 *
 * @example
 * ```ts
 * import { type EggIndexRef } from "@hatcher/hatcher";
 * const index: EggIndexRef = {
 *   organization: "acme", repository: "dev", platform: "rh7-x86_64", pythonTag: "cp311",
 * };
 * ```
 */
export interface EggIndexRef extends EggTarget {
  /** The Python tag of the runtime, e.g. `cp311`. */
  pythonTag: string;
}

/**
 * One egg: its index, name and full version (`1.26.4-1`).
 *
 * @example
 * ```ts
 * import { type EggRef } from "@hatcher/hatcher";
 * const egg: EggRef = {
 *   organization: "acme", repository: "dev", platform: "rh7-x86_64", pythonTag: "cp311",
 *   name: "numpy", version: "1.26.4-1",
 * };
 * ```
 */
export interface EggRef extends EggIndexRef {
  /** The egg's name (as in its metadata, e.g. `numpy`). */
  name: string;
  /** The full version, `<version>-<build>`. */
  version: string;
}

/**
 * An entry of an egg index, from {@linkcode listEggs}.
 *
 * @example
 * ```ts
 * import { type EggIndexEntry } from "@hatcher/hatcher";
 * const totalSize = (eggs: EggIndexEntry[]) => eggs.reduce((sum, egg) => sum + egg.size, 0);
 * ```
 */
export interface EggIndexEntry {
  /** File name, e.g. `numpy-1.26.4-1.egg`. */
  filename: string;
  /** The egg's name, lower case (e.g. `mkl`). */
  name: string;
  /** Upstream version, e.g. `1.26.4`. */
  version: string;
  /** Build number. */
  build: number;
  /** `<version>-<build>`, as used in URLs. */
  fullVersion: string;
  /** `null` for an egg that does not depend on Python. */
  pythonTag: string | null;
  /** The platform ABI, e.g. `gnu`, `msvc2019` (never null in a real EDS index). */
  platformAbi: string | null;
  /** Requirements, e.g. `["mkl 2021.4.0-1"]`. */
  packages: string[];
  /** SHA-256 of the file, hex. */
  sha256: string;
  /** MD5 of the file, hex (legacy clients). */
  md5: string | null;
  /** Size in bytes. */
  size: number;
  /** Upload time, seconds since the epoch. */
  mtime: number | null;
}

/**
 * The server's metadata of one egg, from {@linkcode getEggMetadata}.
 *
 * @example
 * ```ts
 * import { type EggInfo } from "@hatcher/hatcher";
 * const hidden = (info: EggInfo) => !info.enabled;
 * ```
 */
export interface EggInfo extends EggIndexEntry {
  /** Whether the egg is in the index (uploaded with `enabled`, or re-indexed). */
  enabled: boolean;
  /** Everything the server sent, unchanged (snake_case keys). */
  raw: Record<string, unknown>;
}

/**
 * A local egg, validated and hashed.
 *
 * @example
 * ```ts
 * import { inspectLocalEgg, type LocalEgg } from "@hatcher/hatcher";
 * const egg: LocalEgg = await inspectLocalEgg("dist/numpy-1.26.4-1.egg", { platform: "rh7-x86_64" });
 * ```
 */
export type LocalEgg = LocalArtefact<EggMetadata>;

/**
 * Lists an egg index: the enabled eggs for a runtime's Python tag, including
 * eggs that do not depend on Python. Sorted by name, then version naturally.
 *
 * @example
 * ```ts
 * import { listEggs, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const eggs = await listEggs(session, { organization: "acme", repository: "dev", platform: "rh7-x86_64", pythonTag: "cp311" });
 * for (const egg of eggs) console.log(egg.filename);
 * ```
 */
export async function listEggs(session: Session, index: EggIndexRef): Promise<EggIndexEntry[]> {
  const path = apiPath(
    "indices",
    index.organization,
    index.repository,
    index.platform,
    index.pythonTag,
    "eggs",
  );
  const body = await sessionJson<Record<string, Record<string, unknown>>>(session, "GET", path);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HatcherError("The server's egg index is not an object");
  }
  return Object.entries(body).map(([filename, raw]) => indexEntry(filename, raw)).sort(compareEggs);
}

/**
 * Reads the server's metadata of one egg.
 *
 * @throws {NotFoundError} When there is no such egg (or it is not visible).
 *
 * @example
 * ```ts
 * import { getEggMetadata, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const info = await getEggMetadata(session, {
 *   organization: "acme", repository: "dev", platform: "rh7-x86_64", pythonTag: "cp311",
 *   name: "numpy", version: "1.26.4-1",
 * });
 * console.log(info.sha256);
 * ```
 */
export async function getEggMetadata(session: Session, egg: EggRef): Promise<EggInfo> {
  const raw = await sessionJson<Record<string, unknown>>(session, "GET", eggPath("metadata", egg));
  const entry = indexEntry(typeof raw.filename === "string" ? raw.filename : "", raw);
  return { ...entry, enabled: raw.enabled !== false, raw };
}

/**
 * Options of {@linkcode downloadEgg}.
 *
 * @example
 * ```ts
 * import { type DownloadEggOptions } from "@hatcher/hatcher";
 * const options: DownloadEggOptions = {
 *   destination: "downloads",
 *   onProgress: (done, total) => console.log(`${done} of ${total ?? "?"} bytes`),
 * };
 * ```
 */
export interface DownloadEggOptions {
  /**
   * A directory to save into under the egg's file name, or a file path.
   * @default {"."}
   */
  destination?: string;
  /** Called as bytes arrive. */
  onProgress?: ProgressCallback;
}

/**
 * The outcome of {@linkcode downloadEgg}.
 *
 * @example
 * ```ts
 * import { type DownloadedEgg } from "@hatcher/hatcher";
 * const describe = (egg: DownloadedEgg) => egg.downloaded ? `saved ${egg.path}` : `${egg.path} was up to date`;
 * ```
 */
export interface DownloadedEgg {
  /** Where the egg is. */
  path: string;
  /** SHA-256 of the file, hex (checked against the server's). */
  sha256: string;
  /** Size in bytes. */
  size: number;
  /** `false` when a file with the right checksum was already there. */
  downloaded: boolean;
}

/**
 * Downloads an egg: streams it to `<target>.partial` while hashing, checks
 * the SHA-256 against the server's metadata, then renames it into place. A
 * target that already has the right checksum is kept without downloading; a
 * broken-off transfer resumes with a `Range` request, in this run or the
 * next. The file is named `<name>-<version>.egg`: a server that names it
 * otherwise is refused, and no file is written through a symbolic link.
 *
 * @throws {ChecksumMismatchError} When the bytes do not match (the partial file is removed).
 * @throws {UnsafeFileError} When the server names another file, or a link is in the way.
 *
 * @example
 * ```ts
 * import { downloadEgg, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const { path } = await downloadEgg(session, {
 *   organization: "acme", repository: "dev", platform: "rh7-x86_64", pythonTag: "cp311",
 *   name: "numpy", version: "1.26.4-1",
 * }, { destination: "downloads" });
 * ```
 */
export async function downloadEgg(
  session: Session,
  egg: EggRef,
  options: DownloadEggOptions = {},
): Promise<DownloadedEgg> {
  const info = await getEggMetadata(session, egg);
  return await downloadVerified(session, {
    path: eggPath("data", egg),
    // The egg's own name, whatever the server's metadata says.
    filename: safeFileName(info.filename, `${egg.name}-${egg.version}.egg`),
    sha256: info.sha256,
    size: info.size,
  }, { destination: options.destination ?? ".", onProgress: options.onProgress });
}

/**
 * Deletes an egg from a repository.
 *
 * @example
 * ```ts
 * import { deleteEgg, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await deleteEgg(session, {
 *   organization: "acme", repository: "dev", platform: "rh7-x86_64", pythonTag: "cp311",
 *   name: "numpy", version: "1.26.4-1",
 * });
 * ```
 */
export async function deleteEgg(session: Session, egg: EggRef): Promise<void> {
  await sessionSend(session, "DELETE", eggPath("data", egg), { query: { force: "False" } });
}

/**
 * A local egg checked by {@linkcode checkLocalEgg}, not hashed yet.
 *
 * @example
 * ```ts
 * import { checkLocalEgg, type CheckedEgg } from "@hatcher/hatcher";
 * const egg: CheckedEgg = await checkLocalEgg("dist/numpy-1.26.4-1.egg", { platform: "rh7-x86_64" });
 * ```
 */
export type CheckedEgg = CheckedArtefact<EggMetadata>;

/** The reader of eggs meant for `platform` (a platform-specific egg for another one is refused). */
function eggFor(platform: string): (path: string) => Promise<EggMetadata> {
  const canonical = canonicalPlatform(platform) ?? platform;
  return async (file) => {
    const metadata = await readEggMetadata(file);
    if (metadata.platform !== null && metadata.platform !== canonical) {
      const filename = basename(file);
      throw new InvalidEggError(
        `${filename} is built for platform '${metadata.platform}', not '${platform}'`,
        filename,
      );
    }
    return metadata;
  };
}

/**
 * Reads and checks a local egg before anything is sent, as
 * {@linkcode inspectLocalEgg} does, without hashing it: an upload of it
 * ({@linkcode uploadEgg}) hashes it as it sends it, in one pass.
 *
 * @throws {InvalidEggError} When the egg is broken or for another platform.
 *
 * @example
 * ```ts
 * import { checkLocalEgg } from "@hatcher/hatcher";
 * const egg = await checkLocalEgg("dist/numpy-1.26.4-1.egg", { platform: "rh7-x86_64" });
 * console.log(egg.metadata.name, egg.size);
 * ```
 */
export async function checkLocalEgg(
  path: string,
  options: { platform: string },
): Promise<CheckedEgg> {
  return await checkLocalFile(path, eggFor(options.platform));
}

/**
 * Reads and checks a local egg before anything is sent: valid zip, metadata
 * matching the file name, platform matching the target, and its SHA-256.
 *
 * @param path The egg file.
 * @param options `platform`: the EDS platform it is meant for (a
 *   platform-specific egg for another one is refused); `onHashProgress`:
 *   called with the bytes hashed so far.
 * @throws {InvalidEggError} When the egg is broken or for another platform.
 *
 * @example
 * ```ts
 * import { inspectLocalEgg } from "@hatcher/hatcher";
 * const egg = await inspectLocalEgg("dist/numpy-1.26.4-1.egg", { platform: "rh7-x86_64" });
 * console.log(egg.sha256);
 * ```
 */
export async function inspectLocalEgg(
  path: string,
  options: { platform: string; onHashProgress?: (bytes: number) => void },
): Promise<LocalEgg> {
  return await inspectLocalFile(path, eggFor(options.platform), options.onHashProgress);
}

/**
 * Options of {@linkcode uploadEgg}.
 *
 * @example
 * ```ts
 * import { type UploadEggOptions } from "@hatcher/hatcher";
 * const replace: UploadEggOptions = { force: true };
 * ```
 */
export interface UploadEggOptions {
  /**
   * Replace an egg of the same name and version with other content.
   * @default {false}
   */
  force?: boolean;
  /**
   * Ask the server first: the same SHA-256 is a success without upload, a
   * different one a {@linkcode ChecksumMismatchError}.
   * @default {true}
   */
  verify?: boolean;
  /**
   * Put the egg in the index at once; batch uploads send `false` and
   * re-index once at the end.
   * @default {true}
   */
  enabled?: boolean;
  /** Called as bytes are sent. */
  onProgress?: ProgressCallback;
}

/**
 * The outcome of {@linkcode uploadEgg}.
 *
 * @example
 * ```ts
 * import { type UploadedEgg } from "@hatcher/hatcher";
 * const wasSent = (result: UploadedEgg) => result.status === "uploaded";
 * ```
 */
export interface UploadedEgg {
  /** The local egg, as checked before the upload, with the SHA-256 of what was sent. */
  egg: LocalEgg;
  /** `"unchanged"` when the server already had these exact bytes. */
  status: "uploaded" | "unchanged";
  /**
   * Whether the server's answer showed the egg with these bytes (its
   * metadata): then it is known to be visible, and a batch need not look again.
   */
  confirmed: boolean;
}

/**
 * Uploads an egg: checks it locally, then streams the multipart body of the
 * protocol (the file and a JSON part with its SHA-256) from disk. An egg not
 * hashed yet (a path, or from {@linkcode checkLocalEgg}) is hashed as it is
 * sent, unless the server's copy must be compared first.
 *
 * @param session From {@linkcode login}.
 * @param target Organization, repository and platform.
 * @param path The egg file, or an egg already checked by {@linkcode checkLocalEgg} or
 *   {@linkcode inspectLocalEgg}.
 * @throws {InvalidEggError} Before any request, when the egg is broken.
 * @throws {ChecksumMismatchError} When the server has other bytes under that name (unless `force`).
 *
 * @example
 * ```ts
 * import { login, uploadEgg } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const { status } = await uploadEgg(session, {
 *   organization: "acme", repository: "dev", platform: "rh7-x86_64",
 * }, "dist/numpy-1.26.4-1.egg");
 * ```
 */
export async function uploadEgg(
  session: Session,
  target: EggTarget,
  path: string | LocalEgg | CheckedEgg,
  options: UploadEggOptions = {},
): Promise<UploadedEgg> {
  const egg = typeof path === "string" ? await checkLocalEgg(path, target) : path;
  const { status, answer, sha256 } = await uploadVerified(session, egg, {
    uploadPath: apiPath(
      "data",
      target.organization,
      target.repository,
      target.platform,
      "eggs",
      "upload",
    ),
    metadataPath: eggPath("metadata", { ...target, ...eggIdentity(egg) }),
    query: { enabled: (options.enabled ?? true) ? "True" : "False" },
    force: options.force ?? false,
    verify: options.verify ?? true,
    onProgress: options.onProgress,
  });
  return { egg: { ...egg, sha256 }, status, confirmed: answer?.sha256 === sha256 };
}

/**
 * Enables the given eggs and rebuilds the index once
 * (`POST .../eggs/re-index`).
 *
 * @example Index local eggs that were uploaded with `enabled: false`
 * ```ts
 * import { inspectLocalEgg, login, reindexEggs } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const egg = await inspectLocalEgg("dist/numpy-1.26.4-1.egg", { platform: "rh7-x86_64" });
 * await reindexEggs(session, { organization: "acme", repository: "dev", platform: "rh7-x86_64" }, [egg]);
 * ```
 */
export async function reindexEggs(
  session: Session,
  target: EggTarget,
  eggs: LocalEgg[],
): Promise<void> {
  const path = apiPath(
    "data",
    target.organization,
    target.repository,
    target.platform,
    "eggs",
    "re-index",
  );
  const entries = eggs.map((egg) => {
    const { name, version, pythonTag } = eggIdentity(egg);
    return { name, version, python_tag: pythonTag === "none" ? null : pythonTag };
  });
  // Servers bound one re-index (the reference server: 10,000 entries); more go in turns.
  for (let start = 0; start < entries.length || start === 0; start += REINDEX_BATCH) {
    await sessionSend(session, "POST", path, {
      json: { eggs: entries.slice(start, start + REINDEX_BATCH) },
    });
  }
}

/** Eggs per re-index request: the reference server's limit. */
const REINDEX_BATCH = 10_000;

/** The name, full version and URL python tag of a local egg. */
export function eggIdentity(
  egg: CheckedEgg,
): { name: string; version: string; pythonTag: string } {
  return {
    name: egg.metadata.name,
    version: egg.metadata.fullVersion,
    pythonTag: egg.metadata.pythonTag ?? "none",
  };
}

function eggPath(kind: "metadata" | "data", egg: EggRef): string {
  return apiPath(
    kind,
    egg.organization,
    egg.repository,
    egg.platform,
    egg.pythonTag,
    "eggs",
    egg.name,
    egg.version,
  );
}

function indexEntry(filename: string, raw: Record<string, unknown>): EggIndexEntry {
  const build = Number(raw.build ?? 0);
  const version = String(raw.version ?? "");
  return {
    filename,
    name: String(raw.name ?? ""),
    version,
    build,
    fullVersion: typeof raw.full_version === "string" ? raw.full_version : `${version}-${build}`,
    pythonTag: typeof raw.python_tag === "string" ? raw.python_tag : null,
    platformAbi: typeof raw.platform_abi === "string" ? raw.platform_abi : null,
    packages: Array.isArray(raw.packages) ? raw.packages.map(String) : [],
    sha256: String(raw.sha256 ?? ""),
    md5: typeof raw.md5 === "string" ? raw.md5 : null,
    size: Number(raw.size ?? 0),
    mtime: typeof raw.mtime === "number" ? raw.mtime : null,
  };
}

/**
 * By name, then version in natural order (`1.10` after `1.9`), then build.
 *
 * @example
 * ```ts
 * import { compareEggs, type EggIndexEntry } from "@hatcher/hatcher";
 * declare const eggs: EggIndexEntry[];
 * const newestLast = [...eggs].sort(compareEggs);
 * ```
 */
export function compareEggs(a: EggIndexEntry, b: EggIndexEntry): number {
  return compareText(a.name.toLowerCase(), b.name.toLowerCase()) ||
    compareNatural(a.version, b.version) || a.build - b.build;
}

function compareNatural(a: string, b: string): number {
  const left = a.split(/(\d+)/);
  const right = b.split(/(\d+)/);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const x = left[i] ?? "";
    const y = right[i] ?? "";
    if (x === y) continue;
    const numeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    return numeric ? Number(x) - Number(y) : compareText(x, y);
  }
  return 0;
}
