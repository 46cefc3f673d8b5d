/**
 * Verified uploads of one artefact file (eggs, runtimes, bundles, apps): the
 * file is checked locally first, then, unless forced, the server is asked
 * whether it already has that artefact (the same SHA-256 is a success without
 * sending a byte, another one an error naming both), and finally the
 * protocol's multipart body (the file and a JSON part with its SHA-256)
 * streams from disk in constant memory.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { sha256Hash } from "./builtins.ts";
import { ChecksumMismatchError, ConflictError, HatcherError, NotFoundError } from "./errors.ts";
import { sha256File } from "./formats/egg.ts";
import { type Session, sessionJson, sessionRequest } from "./session.ts";
import { fileStream, multipartBody, type ProgressCallback } from "./transfer.ts";

/**
 * A local artefact file, read by its format module and hashed.
 *
 * @example
 * ```ts
 * import { inspectLocalEgg, type LocalArtefact } from "@hatcher/hatcher";
 * const egg: LocalArtefact<unknown> = await inspectLocalEgg("dist/numpy-1.26.4-1.egg", {
 *   platform: "rh7-x86_64",
 * });
 * console.log(egg.filename, egg.sha256, egg.size);
 * ```
 */
export interface LocalArtefact<M> {
  /** Path on disk. */
  path: string;
  /** File name. */
  filename: string;
  /** What the file's format says about it. */
  metadata: M;
  /** SHA-256 of the file, hex. */
  sha256: string;
  /** Size in bytes. */
  size: number;
}

/**
 * A local artefact checked by its format's reader, not hashed yet: an
 * upload of it hashes the file as it sends it.
 *
 * @example
 * ```ts
 * import { type CheckedArtefact, checkLocalEgg } from "@hatcher/hatcher";
 * const egg: CheckedArtefact<unknown> = await checkLocalEgg("dist/numpy-1.26.4-1.egg", {
 *   platform: "rh7-x86_64",
 * });
 * console.log(egg.filename, egg.size);
 * ```
 */
export type CheckedArtefact<M> = Omit<LocalArtefact<M>, "sha256">;

/**
 * Reads a local artefact with its format's reader.
 *
 * @throws The reader's error (an invalid file), or a HatcherError when the file cannot be read.
 */
export async function checkLocalFile<M>(
  path: string,
  read: (path: string) => Promise<M>,
): Promise<CheckedArtefact<M>> {
  const metadata = await read(path);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new HatcherError(`Cannot read "${basename(path)}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { path, filename: basename(path), metadata, size };
}

/**
 * Reads a local artefact with its format's reader, then hashes it.
 *
 * @throws The reader's error (an invalid file) before the file is hashed.
 */
export async function inspectLocalFile<M>(
  path: string,
  read: (path: string) => Promise<M>,
  onHashProgress?: (bytes: number) => void,
): Promise<LocalArtefact<M>> {
  const checked = await checkLocalFile(path, read);
  return { ...checked, sha256: await sha256File(path, onHashProgress) };
}

/** Where an upload goes and what it says. */
export interface UploadRequest {
  /** API path of the upload endpoint (from `apiPath`). */
  uploadPath: string;
  /** API path of the artefact's metadata, asked first unless `force` or `verify: false`. */
  metadataPath: string;
  /** The `data` part; `sha256` is added. */
  data?: Record<string, unknown>;
  /** More query parameters (`enabled=False` for eggs in a batch). */
  query?: Record<string, string>;
  /** Replace an artefact of the same identity with other content. */
  force: boolean;
  /** Ask the server first (see the module's description). */
  verify: boolean;
  /** Called as bytes are sent. */
  onProgress?: ProgressCallback;
}

/** What {@linkcode uploadVerified} did, and the SHA-256 of the bytes it sent or compared. */
export interface VerifiedUpload {
  /** `"unchanged"` when the server already had these exact bytes. */
  status: "uploaded" | "unchanged";
  /** The server's answer (its metadata of the artefact, where it sends one). */
  answer: Record<string, unknown> | undefined;
  sha256: string;
}

/**
 * Uploads one checked artefact file. A small file is not asked about first:
 * sending it costs less than the question, and the server's answer tells the
 * same (the reference server answers 200 for bytes it already had, 409 for
 * other bytes under that name, which is then looked up to tell the two
 * apart on any server).
 *
 * A file not hashed yet is hashed as it is sent, the `data` part with its
 * SHA-256 after the file (servers read the parts in either order): one pass
 * over the file instead of two. It is hashed first only when there is
 * something to compare with: a small file, or one the server already has.
 *
 * @throws {ChecksumMismatchError} When the server has other bytes for it (unless `force`).
 */
export async function uploadVerified(
  session: Session,
  file: LocalArtefact<unknown> | CheckedArtefact<unknown>,
  request: UploadRequest,
): Promise<VerifiedUpload> {
  let sha256 = "sha256" in file ? file.sha256 : undefined;
  const askFirst = request.verify && !request.force && file.size >= ASK_FIRST_BYTES;
  const mismatch = (existing: string, actual: string) =>
    new ChecksumMismatchError(
      `A file called ${file.filename} has already been uploaded with different content`,
      { file: file.filename, expected: existing, actual },
    );
  if (askFirst) {
    const existing = await existingChecksum(session, request.metadataPath);
    if (existing !== undefined) {
      sha256 ??= await sha256File(file.path);
      if (existing === sha256) return { status: "unchanged", answer: undefined, sha256 };
      throw mismatch(existing, sha256);
    }
  }
  if (sha256 === undefined && file.size < ASK_FIRST_BYTES) sha256 = await sha256File(file.path);
  const known = sha256;
  const hash = known === undefined ? await sha256Hash() : undefined;
  let sent = 0;
  const filePart = {
    name: "file",
    filename: file.filename,
    size: file.size,
    stream: fileStream(file.path, (chunk) => {
      hash?.update(chunk);
      sent += chunk.byteLength;
      request.onProgress?.(sent, file.size);
    }, file.size),
  };
  const body = multipartBody(
    known !== undefined
      ? [{ name: "data", json: { ...request.data, sha256: known } }, filePart]
      : [filePart, {
        name: "data",
        json: () => ({ ...request.data, sha256: sha256 = hash!.digest("hex") }),
        sameLengthAs: { ...request.data, sha256: "0".repeat(64) },
      }],
  );
  let response: Response;
  try {
    response = await sessionRequest(session, "POST", request.uploadPath, {
      body: body.stream,
      headers: { "content-type": body.contentType, "content-length": String(body.length) },
      query: { overwrite: request.force ? "True" : "False", ...request.query },
    });
  } catch (error) {
    if (!(error instanceof ConflictError) || askFirst || !request.verify) throw error;
    sha256 ??= await sha256File(file.path);
    const existing = await existingChecksum(session, request.metadataPath);
    if (existing === sha256) return { status: "unchanged", answer: undefined, sha256 };
    throw existing === undefined ? error : mismatch(existing, sha256);
  }
  const answer = await response.json().catch(() => undefined) as
    | Record<string, unknown>
    | undefined;
  if (sha256 === undefined) throw new HatcherError("The upload ended before its file was sent");
  return { status: response.status === 200 ? "unchanged" : "uploaded", answer, sha256 };
}

/** Files this large or larger are asked about before they are sent. */
const ASK_FIRST_BYTES = 1024 * 1024;

/** The server's SHA-256 of the artefact at `metadataPath`, if it has one. */
async function existingChecksum(
  session: Session,
  metadataPath: string,
): Promise<string | undefined> {
  try {
    const raw = await sessionJson<Record<string, unknown>>(session, "GET", metadataPath);
    return typeof raw.sha256 === "string" ? raw.sha256 : "";
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
