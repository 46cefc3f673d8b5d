/**
 * Receives one artefact upload (protocol notes §4.4): a multipart body with a
 * `data` part (JSON, at least `{"sha256": hex}`) and a `file` part, in
 * either order. The file streams to DATA/tmp/<random>/<filename> while its
 * SHA-256, MD5 and size are computed, then its kind reads and checks it.
 * Either a complete, valid artefact comes back, or an HttpError is thrown and
 * the temporary directory is already gone.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { HatcherError } from "../lib/errors.ts";
import { DEFAULT_JSON_LIMIT_BYTES, HttpError } from "./http.ts";
import { multipartBoundary, MultipartError, MultipartReader, type Part } from "./multipart.ts";
import type { ObjectStore } from "./objects.ts";

/** 8 GiB: bigger than any artefact seen in practice, small enough to stop a runaway client. */
export const DEFAULT_MAX_UPLOAD_BYTES = 8 * 1024 ** 3;
/** Room for the multipart framing and the JSON part on top of the file itself. */
const FRAMING_ALLOWANCE_BYTES = DEFAULT_JSON_LIMIT_BYTES + 64 * 1024;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

export interface ReceivedArtefact<M> {
  /** The private temporary directory; the caller removes it when done. */
  dir: string;
  /** The file inside `dir`, named as uploaded. */
  path: string;
  filename: string;
  /** What the kind read from the file. */
  metadata: M;
  /** The `data` part. */
  data: Record<string, unknown>;
  sha256: string;
  md5: string;
  size: number;
}

export interface ReceiveOptions<M> {
  objects: ObjectStore;
  maxFileBytes: number;
  /** "egg", "runtime"...: for messages. */
  label: string;
  /** Refuses a bad file name (by throwing) before it becomes a path on disk. */
  checkFilename(filename: string): void;
  /** Reads and checks the received file; a HatcherError it throws becomes a 400. */
  read(path: string): Promise<M>;
}

/** "An egg", "A runtime". */
export function withArticle(label: string): string {
  return `${/^[aeiou]/.test(label) ? "An" : "A"} ${label}`;
}

function tooLarge(label: string, maxFileBytes: number): HttpError {
  return new HttpError(
    413,
    `The ${label} is larger than the upload limit of ${maxFileBytes} bytes`,
  );
}

/** Writes all of `bytes`; Deno's write may take fewer bytes than given. */
async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}

export async function receiveArtefact<M>(
  request: Request,
  options: ReceiveOptions<M>,
): Promise<ReceivedArtefact<M>> {
  const { objects, maxFileBytes, label } = options;
  const boundary = multipartBoundary(request.headers.get("content-type"));
  if (!boundary || !request.body) {
    throw new HttpError(400, `${withArticle(label)} upload must be a multipart/form-data body`);
  }
  // Refuse an announced oversize body before reading any of it.
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxFileBytes + FRAMING_ALLOWANCE_BYTES) {
    throw tooLarge(label, maxFileBytes);
  }

  const reader = new MultipartReader(request.body, boundary);
  let dir: string | undefined;
  try {
    let data: Record<string, unknown> | undefined;
    let file:
      | { path: string; filename: string; sha256: string; md5: string; size: number }
      | undefined;
    for (let part = await reader.nextPart(); part; part = await reader.nextPart()) {
      if (part.name === "data" && data === undefined) {
        data = await readJsonPart(part);
      } else if (part.name === "file" && file === undefined) {
        const filename = part.filename ?? "";
        // Checked before anything touches the disk: the name becomes a path component.
        options.checkFilename(filename);
        dir = await objects.createTemporary();
        file = { filename, ...await streamToFile(part, join(dir, filename), label, maxFileBytes) };
      } else {
        throw new HttpError(
          400,
          `Unexpected form field '${part.name}': ${
            withArticle(label).toLowerCase()
          } upload has one 'data' and one 'file' part`,
        );
      }
    }
    if (!file) throw new HttpError(400, "The upload has no 'file' part");
    if (!data) throw new HttpError(400, "The upload has no 'data' part");
    const declaredSha = data.sha256;
    if (typeof declaredSha !== "string" || !SHA256_HEX.test(declaredSha)) {
      throw new HttpError(
        400,
        `The 'data' part must hold the ${label}'s 'sha256' as 64 hex digits`,
      );
    }
    if (declaredSha.toLowerCase() !== file.sha256) {
      throw new HttpError(
        400,
        `Checksum mismatch: declared ${declaredSha.toLowerCase()}, received ${file.sha256}`,
      );
    }
    return { dir: dir!, ...file, data, metadata: await options.read(file.path) };
  } catch (error) {
    await reader.cancel();
    if (dir !== undefined) await objects.removeTemporary(dir);
    if (error instanceof HatcherError) throw new HttpError(400, error.message);
    if (error instanceof MultipartError) throw new HttpError(400, error.message);
    throw error;
  }
}

async function readJsonPart(part: Part): Promise<Record<string, unknown>> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let chunk = await part.read(); chunk; chunk = await part.read()) {
    total += chunk.length;
    if (total > DEFAULT_JSON_LIMIT_BYTES) {
      throw new HttpError(413, `The 'data' part is larger than ${DEFAULT_JSON_LIMIT_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new HttpError(400, "The 'data' part is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, "The 'data' part must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

/**
 * Bytes per hash update and write call. Network chunks (16-64 KiB) are
 * gathered into buffers this size: each asynchronous write waits on the
 * thread pool, and waiting after every network chunk left the server idle
 * more than half of an upload (profiled: 512 MiB from curl, 59% idle).
 */
const WRITE_BYTES = 256 << 10;

/**
 * Streams a part into a new file, hashing as it goes; refuses to grow past
 * `maxBytes`. Two buffers: one fills from the network while the other is
 * being written.
 */
async function streamToFile(
  part: Part,
  path: string,
  label: string,
  maxBytes: number,
): Promise<{ path: string; sha256: string; md5: string; size: number }> {
  const sha256 = createHash("sha256");
  const md5 = createHash("md5");
  let size = 0;
  let filling = new Uint8Array(WRITE_BYTES);
  let spare = new Uint8Array(WRITE_BYTES);
  let used = 0;
  let writing: Promise<void> = Promise.resolve();
  const file = await Deno.open(path, { createNew: true, write: true });
  const flush = async () => {
    const full = filling.subarray(0, used);
    sha256.update(full);
    md5.update(full);
    await writing; // the spare buffer is free once its write is done
    writing = writeAll(file, full);
    writing.catch(() => {}); // awaited at the next flush or at the end
    [filling, spare] = [spare, filling];
    used = 0;
  };
  try {
    for (let chunk = await part.read(); chunk; chunk = await part.read()) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(label, maxBytes);
      for (let at = 0; at < chunk.length;) {
        const taken = Math.min(chunk.length - at, WRITE_BYTES - used);
        filling.set(chunk.subarray(at, at + taken), used);
        used += taken;
        at += taken;
        if (used === WRITE_BYTES) await flush();
      }
    }
    if (used > 0) await flush();
    await writing;
  } finally {
    await writing.catch(() => {});
    file.close();
  }
  return { path, sha256: sha256.digest("hex"), md5: md5.digest("hex"), size };
}
