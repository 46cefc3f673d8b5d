/**
 * Downloading and uploading one artefact record, whatever its kind: the
 * per-kind calls that export, import and mirror share.
 *
 * @module
 */
import { deleteApp, uploadApp } from "../apps.ts";
import { deleteBundle, uploadBundle } from "../bundles.ts";
import { type DownloadedFile, downloadVerified, safeFileName } from "../download.ts";
import { deleteEgg } from "../eggs.ts";
import { apiPath } from "../http.ts";
import { deleteRuntime, uploadRuntime } from "../runtimes.ts";
import type { Session } from "../session.ts";
import type { ArtefactRecord } from "./records.ts";

/** The API path of a record's bytes. */
function dataPath(record: ArtefactRecord): string {
  const place = [record.organization, record.repository, record.platform];
  const tag = record.pythonTag ?? "none";
  switch (record.kind) {
    case "eggs":
      return apiPath("data", ...place, tag, "eggs", record.name, record.version);
    case "runtimes":
      return apiPath("data", ...place, "runtimes", record.name, record.version);
    case "bundles":
      return apiPath("data", ...place, "bundles", tag, record.name, record.version);
    case "apps":
      return apiPath("data", ...place, tag, "apps", record.name, record.version);
  }
}

/** The file name a record's identity implies (the server's may differ in case, for eggs). */
function expectedName(record: ArtefactRecord): string {
  switch (record.kind) {
    case "eggs":
      return `${record.name}-${record.version}.egg`;
    case "runtimes":
    case "bundles":
      // Names that the server's listing gave, checked for safety by safeFileName.
      return record.filename;
    case "apps":
      return `${record.name}-${record.version}.yaml`;
  }
}

/**
 * Downloads `record` from `session`'s server into the directory `directory`,
 * verified against the SHA-256 its listing gave (so no metadata request is
 * needed), resumable, never through a link.
 */
export async function downloadRecord(
  session: Session,
  record: ArtefactRecord,
  directory: string,
  onProgress?: (done: number, total?: number) => void,
): Promise<DownloadedFile> {
  return await downloadVerified(session, {
    path: dataPath(record),
    filename: safeFileName(record.filename, expectedName(record)),
    sha256: record.sha256,
    size: record.size,
  }, { destination: directory, onProgress });
}

/**
 * Uploads one file of a kind other than eggs (eggs go in batches, indexed
 * once); `force` overwrites other content.
 */
export async function uploadRecordFile(
  session: Session,
  record: ArtefactRecord & { path: string },
  force: boolean,
): Promise<"uploaded" | "unchanged"> {
  const target = { organization: record.organization, repository: record.repository };
  const options = { force };
  switch (record.kind) {
    case "runtimes":
      return (await uploadRuntime(session, target, record.path, options)).status;
    case "bundles":
      return (await uploadBundle(
        session,
        { ...target, platform: record.platform },
        record.path,
        options,
      ))
        .status;
    case "apps":
      return (await uploadApp(session, target, record.path, options)).status;
    case "eggs":
      throw new TypeError("eggs are uploaded in batches");
  }
}

/** Deletes `record` from `session`'s server. */
export async function deleteRecord(session: Session, record: ArtefactRecord): Promise<void> {
  const place = {
    organization: record.organization,
    repository: record.repository,
    platform: record.platform,
  };
  const tag = record.pythonTag ?? "none";
  switch (record.kind) {
    case "eggs":
      return await deleteEgg(session, {
        ...place,
        pythonTag: tag,
        name: record.name,
        version: record.version,
      });
    case "runtimes":
      return await deleteRuntime(session, {
        ...place,
        implementation: record.name,
        version: record.version,
      });
    case "bundles":
      return await deleteBundle(session, {
        ...place,
        pythonTag: tag,
        name: record.name,
        version: record.version,
      });
    case "apps":
      return await deleteApp(session, {
        ...place,
        pythonTag: tag,
        id: record.name,
        version: record.version,
      });
  }
}
