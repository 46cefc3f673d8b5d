/**
 * Bundles in a repository (EDM environment specifications, API v1 only):
 * list the index, read it raw, read metadata, download, upload and delete.
 * A bundle's platform and Python tag come from its `runtime` block.
 *
 * @module
 */
import { lstat } from "node:fs/promises";
import { join } from "node:path";
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
import { HatcherError } from "./errors.ts";
import { type BundleMetadata, InvalidBundleError, readBundleMetadata } from "./formats/bundle.ts";
import { canonicalPlatform } from "./formats/platforms.ts";
import { apiPath } from "./http.ts";
import { type Session, sessionJson, sessionSend } from "./session.ts";
import type { ProgressCallback } from "./transfer.ts";
import { inspectLocalFile, type LocalArtefact, uploadVerified } from "./upload.ts";

/**
 * One bundle in a repository.
 *
 * @example
 * ```ts
 * import { type BundleRef } from "@hatcher/hatcher";
 * const bundle: BundleRef = {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64", pythonTag: "cp311",
 *   name: "science", version: "1.0.0-1",
 * };
 * ```
 */
export interface BundleRef extends EggTarget {
  /** The Python tag of its runtime, e.g. `cp311` (`none` for a runtime that is not Python). */
  pythonTag: string;
  /** The bundle's name. */
  name: string;
  /** Its full version, `<version>-<build>`. */
  version: string;
}

/**
 * A bundle as the index describes it; metadata adds its document.
 *
 * @example
 * ```ts
 * import { type BundleInfo } from "@hatcher/hatcher";
 * const label = (bundle: BundleInfo) => `${bundle.name} ${bundle.fullVersion}`;
 * ```
 */
export interface BundleInfo {
  /** The bundle's name. */
  name: string;
  /** Its version, e.g. `1.0.0`. */
  version: string;
  /** Its build number. */
  build: number;
  /** `<version>-<build>`. */
  fullVersion: string;
  /** Its platform. */
  platform: string;
  /** The Python tag of its runtime, or `null`. */
  pythonTag: string | null;
  /** Everything the server sent, unchanged (snake_case keys). */
  raw: Record<string, unknown>;
}

function bundleInfo(raw: Document): BundleInfo {
  const version = text(raw, "version");
  const build = number(raw, "build");
  return {
    name: text(raw, "name"),
    version,
    build,
    fullVersion: text(raw, "full_version", `${version}-${build}`),
    platform: text(raw, "platform"),
    pythonTag: textOrNull(raw, "python_tag"),
    raw,
  };
}

function bundlePath(kind: "metadata" | "data", bundle: BundleRef): string {
  return apiPath(
    kind,
    bundle.organization,
    bundle.repository,
    bundle.platform,
    "bundles",
    bundle.pythonTag,
    bundle.name,
    bundle.version,
  );
}

function requireApiV1(session: Session): void {
  if (session.apiVersion === 0) {
    throw new HatcherError("Bundles exist only in API v1: drop --api-version 0");
  }
}

/**
 * The bundle index of a repository and platform, as the server sends it:
 * `{python_tag: {name: {version: {build: entry}}}}`.
 *
 * @example
 * ```ts
 * import { getBundleIndex, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const index = await getBundleIndex(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64",
 * });
 * ```
 */
export async function getBundleIndex(
  session: Session,
  target: EggTarget,
): Promise<Record<string, unknown>> {
  requireApiV1(session);
  const path = apiPath(
    "indices",
    target.organization,
    target.repository,
    target.platform,
    "bundles",
  );
  return await getDocument(session, path, "bundle index");
}

/**
 * Lists the bundles of a repository and platform, sorted by name and version.
 *
 * @example
 * ```ts
 * import { listBundles, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * for (const bundle of await listBundles(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64",
 * })) console.log(bundle.name, bundle.fullVersion, bundle.pythonTag);
 * ```
 */
export async function listBundles(session: Session, target: EggTarget): Promise<BundleInfo[]> {
  return leaves(await getBundleIndex(session, target), 4)
    .map(({ leaf }) => bundleInfo(leaf))
    .sort((a, b) =>
      compareText(a.name, b.name) ||
      a.version.localeCompare(b.version, "en", { numeric: true }) || a.build - b.build
    );
}

/**
 * Reads the server's metadata of one bundle: its index entry and, in `raw.data`,
 * the bundle's JSON document.
 *
 * @example
 * ```ts
 * import { getBundleMetadata, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const { raw } = await getBundleMetadata(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64", pythonTag: "cp311",
 *   name: "science", version: "1.0.0-1",
 * });
 * ```
 */
export async function getBundleMetadata(session: Session, bundle: BundleRef): Promise<BundleInfo> {
  requireApiV1(session);
  const raw = await sessionJson<unknown>(session, "GET", bundlePath("metadata", bundle));
  return bundleInfo(asDocument(raw, "bundle metadata"));
}

/**
 * A bundle file is already where a download would put it.
 *
 * @example
 * ```ts
 * import { BundleExistsError, downloadBundle, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const ref = {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64", pythonTag: "cp311",
 *   name: "science", version: "1.0.0-1",
 * };
 * try {
 *   await downloadBundle(session, ref, { directory: "bundles" });
 * } catch (error) {
 *   if (!(error instanceof BundleExistsError)) throw error;
 *   await downloadBundle(session, ref, { directory: "bundles", force: true });
 * }
 * ```
 */
export class BundleExistsError extends HatcherError {
  /** The file that is in the way. */
  readonly path: string;

  /**
   * Creates the error.
   *
   * @param message The original hatcher's message.
   * @param path The file that is in the way.
   */
  constructor(message: string, path: string) {
    super(message);
    this.name = "BundleExistsError";
    this.path = path;
  }
}

/**
 * Options of {@linkcode downloadBundle}.
 *
 * @example
 * ```ts
 * import { type DownloadBundleOptions } from "@hatcher/hatcher";
 * const options: DownloadBundleOptions = { directory: "bundles", force: true };
 * ```
 */
export interface DownloadBundleOptions {
  /** The directory to save `<name>-<version>-<build>.bundle` into. */
  directory: string;
  /**
   * Replace a bundle file that is already there.
   * @default {false}
   */
  force?: boolean;
  /** Called as bytes arrive. */
  onProgress?: ProgressCallback;
}

/**
 * Downloads a bundle file into a directory, verified against the server's
 * SHA-256. A file of that name already there is an error unless `force`.
 *
 * @throws {BundleExistsError} When the file is there and `force` is not set.
 *
 * @example
 * ```ts
 * import { downloadBundle, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const { path } = await downloadBundle(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64", pythonTag: "cp311",
 *   name: "science", version: "1.0.0-1",
 * }, { directory: "bundles" });
 * ```
 */
export async function downloadBundle(
  session: Session,
  bundle: BundleRef,
  options: DownloadBundleOptions,
): Promise<DownloadedFile> {
  const info = await getBundleMetadata(session, bundle);
  const filename = safeFileName(
    text(info.raw, "filename"),
    `${bundle.name}-${bundle.version}.bundle`,
  );
  const target = join(options.directory, filename);
  if (!options.force && await exists(target)) {
    throw new BundleExistsError(
      `A bundle already exists in ${options.directory} with name="${bundle.name}" and ` +
        `version="${bundle.version}". Add "--force" if you wish to overwrite it.`,
      target,
    );
  }
  return await downloadVerified(session, {
    path: bundlePath("data", bundle),
    filename,
    sha256: text(info.raw, "sha256"),
    size: number(info.raw, "size"),
  }, { destination: options.directory, onProgress: options.onProgress });
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Deletes a bundle from a repository.
 *
 * @example
 * ```ts
 * import { deleteBundle, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await deleteBundle(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64", pythonTag: "cp311",
 *   name: "science", version: "1.0.0-1",
 * });
 * ```
 */
export async function deleteBundle(session: Session, bundle: BundleRef): Promise<void> {
  requireApiV1(session);
  await sessionSend(session, "DELETE", bundlePath("metadata", bundle));
}

/**
 * Reads and hashes a local bundle; with `platform`, a bundle for another
 * platform is refused, naming both.
 *
 * @throws {InvalidBundleError} When the bundle is invalid or for another platform.
 *
 * @example
 * ```ts
 * import { inspectLocalBundle } from "@hatcher/hatcher";
 * const bundle = await inspectLocalBundle("science-1.0.0-1.bundle", { platform: "rh8-x86_64" });
 * console.log(bundle.metadata.pythonTag);
 * ```
 */
export async function inspectLocalBundle(
  path: string,
  options: { platform?: string } = {},
): Promise<LocalArtefact<BundleMetadata>> {
  return await inspectLocalFile(path, async (file) => {
    const metadata = await readBundleMetadata(file);
    const wanted = options.platform === undefined
      ? undefined
      : canonicalPlatform(options.platform) ?? options.platform;
    if (wanted !== undefined && metadata.platform !== wanted) {
      throw new InvalidBundleError(
        `${metadata.name}-${metadata.fullVersion}.bundle is for platform '${metadata.platform}' ` +
          `(its runtime), not '${options.platform}'`,
      );
    }
    return metadata;
  });
}

/**
 * Options of {@linkcode uploadBundle}.
 *
 * @example
 * ```ts
 * import { type UploadBundleOptions } from "@hatcher/hatcher";
 * const options: UploadBundleOptions = { force: true };
 * ```
 */
export interface UploadBundleOptions {
  /**
   * Replace a bundle of the same name and version with other content.
   * @default {false}
   */
  force?: boolean;
  /**
   * Ask the server first, as for eggs.
   * @default {true}
   */
  verify?: boolean;
  /** Called as bytes are sent. */
  onProgress?: ProgressCallback;
}

/**
 * Uploads a bundle. `target.platform` must be the platform of the bundle's runtime.
 *
 * @example
 * ```ts
 * import { login, uploadBundle } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await uploadBundle(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64",
 * }, "science-1.0.0-1.bundle");
 * ```
 */
export async function uploadBundle(
  session: Session,
  target: EggTarget,
  path: string | LocalArtefact<BundleMetadata>,
  options: UploadBundleOptions = {},
): Promise<{ bundle: LocalArtefact<BundleMetadata>; status: "uploaded" | "unchanged" }> {
  requireApiV1(session);
  const bundle = typeof path === "string"
    ? await inspectLocalBundle(path, { platform: target.platform })
    : path;
  const { name, version, build, fullVersion, platform, pythonTag } = bundle.metadata;
  const { status } = await uploadVerified(session, bundle, {
    uploadPath: apiPath("data", target.organization, target.repository, "bundles", "upload"),
    metadataPath: bundlePath("metadata", {
      ...target,
      platform,
      pythonTag: pythonTag ?? "none",
      name,
      version: fullVersion,
    }),
    data: { bundle_name: name, bundle_version: version, bundle_build: build },
    force: options.force ?? false,
    verify: options.verify ?? true,
    onProgress: options.onProgress,
  });
  return { bundle, status };
}
