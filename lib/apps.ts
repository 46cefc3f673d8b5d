/**
 * Apps in a repository (YAML app specifications): list the index, read
 * metadata, upload. An app's platform comes from its spec's `platform` key.
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
import { type AppMetadata, readAppMetadata } from "./formats/app.ts";
import { apiPath } from "./http.ts";
import { type Session, sessionJson, sessionSend } from "./session.ts";
import type { ProgressCallback } from "./transfer.ts";
import { inspectLocalFile, type LocalArtefact, uploadVerified } from "./upload.ts";

/**
 * One app in a repository.
 *
 * @example
 * ```ts
 * import { type AppRef } from "@hatcher/hatcher";
 * const app: AppRef = {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64", pythonTag: "cp311",
 *   id: "myapp", version: "1.0-1",
 * };
 * ```
 */
export interface AppRef extends EggTarget {
  /** The Python tag it runs with. */
  pythonTag: string;
  /** The app's id. */
  id: string;
  /** Its full version, `<version>-<build>`. */
  version: string;
}

/**
 * An app as the index describes it.
 *
 * @example
 * ```ts
 * import { type AppInfo } from "@hatcher/hatcher";
 * const label = (app: AppInfo) => `${app.name} ${app.fullVersion}`;
 * ```
 */
export interface AppInfo {
  /** The app's id. */
  id: string;
  /** Its display name. */
  name: string;
  /** What it is. */
  description: string;
  /** Its version. */
  version: string;
  /** Its build number. */
  build: number;
  /** `<version>-<build>`. */
  fullVersion: string;
  /** The Python tag it runs with, or `null`. */
  pythonTag: string | null;
  /** Everything the server sent, unchanged (snake_case keys). */
  raw: Record<string, unknown>;
}

function appInfo(raw: Document, fallbackId = ""): AppInfo {
  const version = text(raw, "version");
  const build = number(raw, "build");
  return {
    id: text(raw, "id", fallbackId),
    name: text(raw, "name"),
    description: text(raw, "description"),
    version,
    build,
    fullVersion: text(raw, "full_version", `${version}-${build}`),
    pythonTag: textOrNull(raw, "python_tag"),
    raw,
  };
}

/**
 * Lists the apps of a repository and platform, sorted by id and version.
 *
 * @example
 * ```ts
 * import { listApps, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const apps = await listApps(session, { organization: "acme", repository: "dev", platform: "rh8-x86_64" });
 * ```
 */
export async function listApps(session: Session, target: EggTarget): Promise<AppInfo[]> {
  const path = apiPath("indices", target.organization, target.repository, target.platform, "apps");
  return leaves(await getDocument(session, path, "app index"), 4)
    .map(({ keys, leaf }) => appInfo(leaf, keys[1]))
    .sort((a, b) =>
      compareText(a.id, b.id) || a.version.localeCompare(b.version, "en", { numeric: true }) ||
      a.build - b.build
    );
}

/**
 * Reads the server's metadata of one app; `raw.data` holds its spec.
 *
 * @example
 * ```ts
 * import { getAppMetadata, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const app = await getAppMetadata(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64", pythonTag: "cp311",
 *   id: "myapp", version: "1.0-1",
 * });
 * ```
 */
export async function getAppMetadata(session: Session, app: AppRef): Promise<AppInfo> {
  const path = appPath("metadata", app);
  return appInfo(
    asDocument(await sessionJson<unknown>(session, "GET", path), "app metadata"),
    app.id,
  );
}

function appPath(kind: "metadata" | "data", app: AppRef): string {
  return apiPath(
    kind,
    app.organization,
    app.repository,
    app.platform,
    app.pythonTag,
    "apps",
    app.id,
    app.version,
  );
}

/**
 * Downloads an app spec, verified against the server's SHA-256. It is saved
 * as `<id>-<version>.yaml`: an app's uploaded file name means nothing.
 *
 * @example
 * ```ts
 * import { downloadApp, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const { path } = await downloadApp(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64", pythonTag: "cp311",
 *   id: "myapp", version: "1.0-1",
 * }, { destination: "apps" });
 * ```
 */
export async function downloadApp(
  session: Session,
  app: AppRef,
  options: { destination?: string; onProgress?: ProgressCallback } = {},
): Promise<DownloadedFile> {
  const info = await getAppMetadata(session, app);
  return await downloadVerified(session, {
    path: appPath("data", app),
    filename: safeFileName(undefined, `${app.id}-${app.version}.yaml`),
    sha256: text(info.raw, "sha256"),
    size: number(info.raw, "size"),
  }, { destination: options.destination ?? ".", onProgress: options.onProgress });
}

/**
 * Deletes an app from a repository.
 *
 * @example
 * ```ts
 * import { deleteApp, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await deleteApp(session, {
 *   organization: "acme", repository: "dev", platform: "rh8-x86_64", pythonTag: "cp311",
 *   id: "myapp", version: "1.0-1",
 * });
 * ```
 */
export async function deleteApp(session: Session, app: AppRef): Promise<void> {
  await sessionSend(session, "DELETE", appPath("data", app), { query: { force: "False" } });
}

/**
 * Reads and hashes a local app spec before anything is sent.
 *
 * @throws {InvalidAppError} When the spec is invalid (a required key missing, a bad value).
 *
 * @example
 * ```ts
 * import { inspectLocalApp } from "@hatcher/hatcher";
 * const app = await inspectLocalApp("myapp.yaml");
 * console.log(app.metadata.platform);
 * ```
 */
export async function inspectLocalApp(path: string): Promise<LocalArtefact<AppMetadata>> {
  return await inspectLocalFile(path, (file) => readAppMetadata(file));
}

/**
 * Uploads an app spec; its platform comes from the spec.
 *
 * @example
 * ```ts
 * import { login, uploadApp } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await uploadApp(session, { organization: "acme", repository: "dev" }, "myapp.yaml");
 * ```
 */
export async function uploadApp(
  session: Session,
  target: { organization: string; repository: string },
  path: string | LocalArtefact<AppMetadata>,
  options: { force?: boolean; verify?: boolean; onProgress?: ProgressCallback } = {},
): Promise<{ app: LocalArtefact<AppMetadata>; status: "uploaded" | "unchanged" }> {
  const app = typeof path === "string" ? await inspectLocalApp(path) : path;
  const { platform, pythonTag, id, fullVersion } = app.metadata;
  const { status } = await uploadVerified(session, app, {
    uploadPath: apiPath("data", target.organization, target.repository, platform, "apps", "upload"),
    metadataPath: appPath("metadata", { ...target, platform, pythonTag, id, version: fullVersion }),
    force: options.force ?? false,
    verify: options.verify ?? true,
    onProgress: options.onProgress,
  });
  return { app, status };
}
