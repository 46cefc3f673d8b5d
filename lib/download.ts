/**
 * Verified downloads of one artefact (an egg today; runtimes and bundles
 * alike) into a local file. What the server says is not trusted with the
 * user's files:
 *
 * - the file name is the artefact's own, derived from its identity by the
 *   caller; a server naming it otherwise (a dotfile, a path) is refused;
 * - neither the file nor its `.partial` is ever written through a symbolic
 *   link;
 * - the bytes must have the SHA-256 the server announced before they take
 *   the file's name (one atomic rename).
 *
 * A download interrupted in one run (a broken connection, Ctrl-C, a killed
 * process) resumes in the next: `<file>.partial` holds the bytes so far and
 * `<file>.partial.json` what they are part of (SHA-256, size, ETag), so the
 * rest is asked for with `Range` guarded by `If-Range`. Both are removed once
 * the file is complete, or when the artefact has changed since.
 *
 * @module
 */
import { lstatSync, renameSync, type Stats, statSync } from "node:fs";
import { lstat, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256File } from "./formats/egg.ts";
import { ChecksumMismatchError, ConnectionError, UnsafeFileError } from "./errors.ts";
import { type Session, sessionRequest } from "./session.ts";
import { type ProgressCallback, writeResponseToFile } from "./transfer.ts";

/** One artefact to download: where its bytes are and what they must be. */
export interface DownloadSource {
  /** API path of the bytes (from `apiPath`). */
  path: string;
  /** The local file name, derived from the artefact's identity (see {@linkcode safeFileName}). */
  filename: string;
  /** SHA-256 the bytes must have, lower-case hex. */
  sha256: string;
  /** Size in bytes the server announced. */
  size: number;
}

/** Where and how to download. */
export interface DownloadOptions {
  /** A directory to save into under the artefact's file name, or a file path. */
  destination: string;
  /** Called as bytes arrive. */
  onProgress?: ProgressCallback;
}

/**
 * Where a downloaded artefact is, and whether it had to be downloaded.
 *
 * @example
 * ```ts
 * import type { DownloadedFile } from "@hatcher/hatcher";
 * const say = (file: DownloadedFile) => file.downloaded ? `Saved ${file.path}` : `Kept ${file.path}`;
 * ```
 */
export interface DownloadedFile {
  /** Where the file is. */
  path: string;
  /** SHA-256 of the file, hex (checked against the server's). */
  sha256: string;
  /** Size in bytes. */
  size: number;
  /** `false` when a file with the right checksum was already there. */
  downloaded: boolean;
}

/** What `<file>.partial.json` records about the bytes in `<file>.partial`. */
interface PartialState {
  sha256: string;
  size: number;
  etag: string;
}

/** Downloads this large or larger keep a state file beside `.partial`, to resume in the next run. */
const RESUME_ACROSS_RUNS_BYTES = 1024 * 1024;

/** Continuations of a body that breaks off within one run. */
const MAX_RESUMES_PER_RUN = 3;

/** Characters no downloaded file name may hold: separators, controls, and what shells and Windows trip on. */
// deno-lint-ignore no-control-regex
const UNSAFE_NAME_CHARACTERS = /[\/\\\x00-\x1f\x7f-\x9f:*?"<>|]/;

/**
 * The file name to save an artefact under. `expected` is derived from the
 * artefact's identity (e.g. `<name>-<version>.egg`); the server's own name
 * is used only when it is the same name (its spelling may differ in case,
 * `MKL-2.0-1.egg` for `mkl`), and anything else from the server is refused.
 *
 * @throws {UnsafeFileError} When the server names another file, or the name is
 *   a dotfile, holds a path separator or control characters.
 */
export function safeFileName(serverName: string | undefined, expected: string): string {
  const name = serverName === undefined || serverName === "" ? expected : serverName;
  const refuse = (why: string) =>
    new UnsafeFileError(
      `Refusing to save the download as ${JSON.stringify(name)}: ${why}`,
      { path: name, reason: "file-name" },
    );
  if (name.toLowerCase() !== expected.toLowerCase()) {
    throw refuse(`the file should be named ${JSON.stringify(expected)}`);
  }
  if (name.startsWith(".")) throw refuse("a hidden file or a relative path");
  if (UNSAFE_NAME_CHARACTERS.test(name)) {
    throw refuse("it holds a path separator or a control character");
  }
  return name;
}

/**
 * Downloads `source` into `options.destination`, verified and atomic, and
 * resumable across runs (see the module documentation). A file that already
 * has the right checksum is kept without a download.
 *
 * @throws {UnsafeFileError} When the file or its `.partial` is a symbolic link.
 * @throws {ChecksumMismatchError} When the bytes do not match (nothing is kept).
 * @throws {ConnectionError} When the transfer breaks off for good; the bytes
 *   so far are kept for the next run.
 */
export async function downloadVerified(
  session: Session,
  source: DownloadSource,
  options: DownloadOptions,
): Promise<DownloadedFile> {
  const target = targetPath(options.destination, source.filename);
  const partial = `${target}.partial`;
  const statePath = `${partial}.json`;
  // A small file restarts in no time: resuming it across runs is not worth a state file.
  const acrossRuns = source.size >= RESUME_ACROSS_RUNS_BYTES;
  const targetInfo = refuseSymlink(target);
  const partialInfo = refuseSymlink(partial);
  const stateInfo = acrossRuns ? refuseSymlink(statePath) : undefined;
  // Leftovers of an earlier run; what is not there need not be removed (a thousand small
  // downloads notice).
  const leftovers = () =>
    Promise.all([
      partialInfo ? rm(partial, { force: true }) : undefined,
      stateInfo ? rm(statePath, { force: true }) : undefined,
    ]);
  if (
    targetInfo?.isFile() && (source.size === 0 || targetInfo.size === source.size) &&
    await sha256File(target) === source.sha256
  ) {
    await leftovers();
    return { path: target, sha256: source.sha256, size: source.size, downloaded: false };
  }

  let keep = acrossRuns && partialInfo ? await resumableBytes(partial, statePath, source) : 0;
  if (keep === 0) await leftovers();
  if (keep > 0 && keep === source.size) {
    // Complete but never renamed (killed at the very end): check it as it is.
    if (await sha256File(partial) === source.sha256) {
      return await finish(partial, target, statePath, source.sha256, source.size);
    }
    await leftovers();
    keep = 0;
  }
  const state = keep > 0 ? await readState(statePath) : undefined;
  const first = await sessionRequest(
    session,
    "GET",
    source.path,
    state ? { headers: { range: `bytes=${keep}-`, "if-range": state.etag } } : {},
  );
  // 206 continues the partial file; a 200 (the artefact changed) starts over.
  if (first.status !== 206 || !continues(first, keep)) keep = 0;
  const etag = first.headers.get("etag");
  const resumable = first.headers.get("accept-ranges") === "bytes" && etag !== null;
  if (keep === 0 && acrossRuns && resumable) {
    // Recorded before the first byte, so even a killed process leaves a resumable file.
    await writeState(statePath, { sha256: source.sha256, size: source.size, etag });
  }

  let broken: unknown;
  let resumes = 0;
  try {
    const written = await writeResponseToFile(first, partial, {
      total: source.size || keep + (Number(first.headers.get("content-length")) || 0),
      keep,
      onProgress: options.onProgress,
      next: async (offset, error) => {
        const rest = resumable && resumes++ < MAX_RESUMES_PER_RUN
          ? await sessionRequest(session, "GET", source.path, {
            headers: { range: `bytes=${offset}-`, "if-range": etag },
          }).catch(() => undefined)
          : undefined;
        if (rest?.status === 206 && continues(rest, offset)) return rest;
        await rest?.body?.cancel();
        broken = error;
        return undefined;
      },
    });
    if (written.sha256 !== source.sha256) {
      throw new ChecksumMismatchError(`Checksum failed for '${source.filename}'`, {
        file: source.filename,
        expected: source.sha256,
        actual: written.sha256,
      });
    }
    return await finish(
      partial,
      target,
      acrossRuns ? statePath : undefined,
      written.sha256,
      written.bytes,
    );
  } catch (error) {
    if (error instanceof UnsafeFileError || isSymlinkLoop(error)) {
      // Nothing of ours to remove: the link is someone else's.
      throw new UnsafeFileError(`Refusing to write through the symbolic link ${partial}`, {
        path: partial,
        reason: "symlink",
      });
    }
    if (broken !== undefined && error === broken && resumable && acrossRuns) {
      const done = (await stat(partial).catch(() => undefined))?.size ?? 0;
      throw new ConnectionError(
        `The download of ${source.filename} broke off after ${done} of ${source.size} bytes; ` +
          "run the same command again to resume",
        session.url,
        { cause: error },
      );
    }
    // Whatever this run wrote goes: a partial file of bytes that cannot be trusted.
    await Promise.all([rm(partial, { force: true }), rm(statePath, { force: true })]);
    throw error;
  }
}

async function finish(
  partial: string,
  target: string,
  statePath: string | undefined,
  sha256: string,
  size: number,
): Promise<DownloadedFile> {
  refuseSymlink(target);
  renameSync(partial, target);
  if (statePath !== undefined) await rm(statePath, { force: true });
  return { path: target, sha256, size, downloaded: true };
}

/** A 206 whose Content-Range starts where the file left off. */
function continues(response: Response, offset: number): boolean {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
  return match !== null && Number(match[1]) === offset;
}

/**
 * How many bytes of an earlier run's `.partial` can be kept: all of them when
 * its state file describes this very artefact (same SHA-256 and size) and
 * it is a plain file no longer than the artefact; none otherwise.
 */
async function resumableBytes(
  partial: string,
  statePath: string,
  source: DownloadSource,
): Promise<number> {
  const state = await readState(statePath);
  if (!state || state.sha256 !== source.sha256 || state.size !== source.size) return 0;
  const info = await lstat(partial).catch(() => undefined);
  if (!info?.isFile() || info.size > source.size) return 0;
  return info.size;
}

async function readState(path: string): Promise<PartialState | undefined> {
  try {
    const value = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    const { sha256, size, etag } = value;
    if (typeof sha256 !== "string" || typeof size !== "number" || typeof etag !== "string") {
      return undefined;
    }
    return { sha256, size, etag };
  } catch {
    return undefined;
  }
}

/** Written to a fresh file (never through a link), then renamed over the old state. */
async function writeState(path: string, state: PartialState): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}`;
  await writeFile(temporary, JSON.stringify(state) + "\n", { flag: "wx" });
  await rename(temporary, path);
}

/**
 * What is at `path` (undefined for nothing), refusing a symbolic link. The
 * checks of a download are synchronous: each is a few microseconds, where an
 * asynchronous one waits 40-80 µs on the runtime's thread pool, which a
 * thousand small downloads notice (see hashed_file.ts).
 */
function refuseSymlink(path: string): Stats | undefined {
  let info: Stats | undefined;
  try {
    info = lstatSync(path);
  } catch {
    info = undefined;
  }
  if (info?.isSymbolicLink()) {
    throw new UnsafeFileError(`Refusing to replace ${path}: it is a symbolic link`, {
      path,
      reason: "symlink",
    });
  }
  return info;
}

function isSymlinkLoop(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ELOOP";
}

/** A directory to save `filename` in, or the path of the file itself. */
function targetPath(destination: string, filename: string): string {
  try {
    if (statSync(destination).isDirectory()) return join(destination, filename);
  } catch {
    // Not there yet: it names the file to write.
  }
  return destination;
}
