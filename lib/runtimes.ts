/**
 * Runtimes in a repository (the Python and Julia interpreters EDM installs):
 * list the index, read metadata, download, upload and delete. API v1
 * addresses a runtime by implementation and version (`cpython`, `3.11.2+2`);
 * API v0 by Python tag and version (`cp311`, `3.11.2+2`).
 *
 * @module
 */
import { compareText } from "./answers.ts";
import {
  asDocument,
  type Document,
  getDocument,
  leaves,
  number,
  text,
  textOrNull,
} from "./documents.ts";
import { type DownloadedFile, downloadVerified, safeFileName } from "./download.ts";
import type { EggTarget } from "./eggs.ts";
import { readRuntimeMetadata, type RuntimeMetadata } from "./formats/runtime.ts";
import { apiPath } from "./http.ts";
import { type Session, sessionJson, sessionSend } from "./session.ts";
import type { ProgressCallback } from "./transfer.ts";
import {
  type CheckedArtefact,
  checkLocalFile,
  inspectLocalFile,
  type LocalArtefact,
  uploadVerified,
} from "./upload.ts";

/**
 * One runtime in a repository: its platform, its implementation (API v1) or
 * Python tag (API v0), and its version.
 *
 * @example
 * ```ts
 * import { type RuntimeRef } from "@hatcher/hatcher";
 * const runtime: RuntimeRef = {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64",
 *   implementation: "cpython", version: "3.11.2+2",
 * };
 * ```
 */
export interface RuntimeRef extends EggTarget {
  /** `cpython`, `pypy`, `julia`: how API v1 addresses it. */
  implementation?: string;
  /** `cp311`: how API v0 addresses it. */
  pythonTag?: string;
  /** The runtime's version, e.g. `3.11.2+2`. */
  version: string;
}

/**
 * A runtime as an index or its metadata describe it.
 *
 * @example
 * ```ts
 * import { type RuntimeInfo } from "@hatcher/hatcher";
 * const label = (runtime: RuntimeInfo) => `${runtime.implementation} ${runtime.version}`;
 * ```
 */
export interface RuntimeInfo {
  /** `cpython`, `pypy` or `julia`. */
  implementation: string;
  /** The runtime version, e.g. `3.11.2+2`. */
  version: string;
  /** The language version, e.g. `3.11.2`. */
  languageVersion: string;
  /** `cp311`, or `null` for a runtime that is not Python. */
  pythonTag: string | null;
  /** The platform ABI, e.g. `gnu`. */
  abi: string;
  /** The file name on the server. */
  filename: string;
  /** SHA-256 of the file, hex. */
  sha256: string;
  /** Size in bytes. */
  size: number;
  /** Everything the server sent, unchanged (snake_case keys). */
  raw: Record<string, unknown>;
}

function runtimeInfo(raw: Document, fallbackImplementation = ""): RuntimeInfo {
  return {
    implementation: text(raw, "implementation", fallbackImplementation),
    version: text(raw, "version"),
    languageVersion: text(raw, "language_version"),
    pythonTag: textOrNull(raw, "python_tag"),
    abi: text(raw, "abi"),
    filename: text(raw, "filename"),
    sha256: text(raw, "sha256"),
    size: number(raw, "size"),
    raw,
  };
}

/** The segment API v1 or v0 addresses a runtime by. */
function runtimeSegment(session: Session, runtime: RuntimeRef): string {
  const segment = session.apiVersion === 0 ? runtime.pythonTag : runtime.implementation;
  if (!segment) {
    throw new TypeError(
      session.apiVersion === 0
        ? "API v0 addresses a runtime by its Python tag: pass pythonTag"
        : "API v1 addresses a runtime by its implementation: pass implementation",
    );
  }
  return segment;
}

function runtimePath(session: Session, kind: "metadata" | "data", runtime: RuntimeRef): string {
  return apiPath(
    kind,
    runtime.organization,
    runtime.repository,
    runtime.platform,
    "runtimes",
    runtimeSegment(session, runtime),
    runtime.version,
  );
}

/**
 * Lists the runtimes of a repository and platform, sorted by implementation
 * and version.
 *
 * @example
 * ```ts
 * import { listRuntimes, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const runtimes = await listRuntimes(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64",
 * });
 * for (const runtime of runtimes) console.log(runtime.implementation, runtime.version);
 * ```
 */
export async function listRuntimes(session: Session, target: EggTarget): Promise<RuntimeInfo[]> {
  const path = apiPath(
    "indices",
    target.organization,
    target.repository,
    target.platform,
    "runtimes",
  );
  const index = await getDocument(session, path, "runtime index");
  // v1: {implementation: {version: entry}}; v0: {language: {version: {build: entry}}}.
  const depth = session.apiVersion === 0 ? 3 : 2;
  return leaves(index, depth)
    .map(({ keys, leaf }) => runtimeInfo(leaf, keys[0]))
    .sort((a, b) =>
      compareText(a.implementation, b.implementation) ||
      a.version.localeCompare(b.version, "en", { numeric: true })
    );
}

/**
 * Reads the server's metadata of one runtime.
 *
 * @throws {NotFoundError} When there is no such runtime (or it is not visible).
 *
 * @example
 * ```ts
 * import { getRuntimeMetadata, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const { sha256 } = await getRuntimeMetadata(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64",
 *   implementation: "cpython", version: "3.11.2+2",
 * });
 * ```
 */
export async function getRuntimeMetadata(
  session: Session,
  runtime: RuntimeRef,
): Promise<RuntimeInfo> {
  const raw = await sessionJson<unknown>(session, "GET", runtimePath(session, "metadata", runtime));
  return runtimeInfo(asDocument(raw, "runtime metadata"), runtime.implementation);
}

/**
 * Options of {@linkcode downloadRuntime}.
 *
 * @example
 * ```ts
 * import { type DownloadRuntimeOptions } from "@hatcher/hatcher";
 * const options: DownloadRuntimeOptions = { destination: "runtimes" };
 * ```
 */
export interface DownloadRuntimeOptions {
  /**
   * A directory to save into under the runtime's file name, or a file path.
   * @default {"."}
   */
  destination?: string;
  /** Called as bytes arrive. */
  onProgress?: ProgressCallback;
}

/**
 * Downloads a runtime, verified against the server's SHA-256 and resumable,
 * as eggs are (see {@linkcode downloadEgg}). It is saved as
 * `<implementation>-<version>-<platform>-<abi>.runtime`, whatever else the
 * server calls it.
 *
 * @example
 * ```ts
 * import { downloadRuntime, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const { path } = await downloadRuntime(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64",
 *   implementation: "cpython", version: "3.11.2+2",
 * }, { destination: "runtimes" });
 * ```
 */
export async function downloadRuntime(
  session: Session,
  runtime: RuntimeRef,
  options: DownloadRuntimeOptions = {},
): Promise<DownloadedFile> {
  const info = await getRuntimeMetadata(session, runtime);
  const platform = runtime.platform.replace("-", "_");
  const expected = `${info.implementation}-${runtime.version}-${platform}-${
    info.abi || "none"
  }.runtime`;
  return await downloadVerified(session, {
    path: runtimePath(session, "data", runtime),
    filename: safeFileName(info.filename, expected),
    sha256: info.sha256,
    size: info.size,
  }, { destination: options.destination ?? ".", onProgress: options.onProgress });
}

/**
 * Deletes a runtime from a repository.
 *
 * @example
 * ```ts
 * import { deleteRuntime, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await deleteRuntime(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64",
 *   implementation: "cpython", version: "3.11.2+2",
 * });
 * ```
 */
export async function deleteRuntime(session: Session, runtime: RuntimeRef): Promise<void> {
  await sessionSend(session, "DELETE", runtimePath(session, "data", runtime), {
    query: { force: "False" },
  });
}

/**
 * Reads a local runtime before anything is sent, as
 * {@linkcode inspectLocalRuntime} does, without hashing it: an upload of it
 * ({@linkcode uploadRuntime}) hashes it as it sends it, in one pass.
 *
 * @throws {InvalidRuntimeError} When the runtime is broken or misnamed.
 *
 * @example
 * ```ts
 * import { checkLocalRuntime } from "@hatcher/hatcher";
 * const runtime = await checkLocalRuntime("cpython-3.11.2+2-rh8_x86_64-gnu.runtime");
 * console.log(runtime.metadata.platform, runtime.size);
 * ```
 */
export async function checkLocalRuntime(path: string): Promise<CheckedArtefact<RuntimeMetadata>> {
  return await checkLocalFile(path, (file) => readRuntimeMetadata(file));
}

/**
 * Reads and hashes a local runtime before anything is sent.
 *
 * @throws {InvalidRuntimeError} When the runtime is broken or misnamed.
 *
 * @example
 * ```ts
 * import { inspectLocalRuntime } from "@hatcher/hatcher";
 * const runtime = await inspectLocalRuntime("cpython-3.11.2+2-rh8_x86_64-gnu.runtime");
 * console.log(runtime.metadata.platform, runtime.sha256);
 * ```
 */
export async function inspectLocalRuntime(
  path: string,
  options: { onHashProgress?: (bytes: number) => void } = {},
): Promise<LocalArtefact<RuntimeMetadata>> {
  return await inspectLocalFile(path, (file) => readRuntimeMetadata(file), options.onHashProgress);
}

/**
 * Options of {@linkcode uploadRuntime}.
 *
 * @example
 * ```ts
 * import { type UploadRuntimeOptions } from "@hatcher/hatcher";
 * const options: UploadRuntimeOptions = { force: true };
 * ```
 */
export interface UploadRuntimeOptions {
  /**
   * Replace a runtime of the same implementation and version with other content.
   * @default {false}
   */
  force?: boolean;
  /**
   * Ask the server first: the same SHA-256 is a success without upload, a
   * different one a {@linkcode ChecksumMismatchError}.
   * @default {true}
   */
  verify?: boolean;
  /** Called as bytes are sent. */
  onProgress?: ProgressCallback;
}

/**
 * Uploads a runtime to a repository; its platform comes from the file.
 *
 * @returns The local runtime as checked and `"unchanged"` when the server had these bytes.
 *
 * @example
 * ```ts
 * import { login, uploadRuntime } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await uploadRuntime(session, { organization: "acme", repository: "dev" },
 *   "cpython-3.11.2+2-rh8_x86_64-gnu.runtime");
 * ```
 */
export async function uploadRuntime(
  session: Session,
  target: { organization: string; repository: string },
  path: string | LocalArtefact<RuntimeMetadata> | CheckedArtefact<RuntimeMetadata>,
  options: UploadRuntimeOptions = {},
): Promise<{ runtime: LocalArtefact<RuntimeMetadata>; status: "uploaded" | "unchanged" }> {
  const runtime = typeof path === "string" ? await checkLocalRuntime(path) : path;
  const { platform, implementation, version, pythonTag } = runtime.metadata;
  const ref: RuntimeRef = {
    ...target,
    platform,
    implementation,
    pythonTag: pythonTag ?? "none",
    version,
  };
  const { status, sha256 } = await uploadVerified(session, runtime, {
    uploadPath: apiPath(
      "data",
      target.organization,
      target.repository,
      platform,
      "runtimes",
      "upload",
    ),
    metadataPath: runtimePath(session, "metadata", ref),
    force: options.force ?? false,
    verify: options.verify ?? true,
    onProgress: options.onProgress,
  });
  return { runtime: { ...runtime, sha256 }, status };
}
