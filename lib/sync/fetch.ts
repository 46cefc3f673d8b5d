/**
 * Downloading and uploading one artefact record, whatever its kind: the
 * per-kind calls that export, import and mirror share.
 *
 * @module
 */
import { deleteApp, downloadApp, uploadApp } from "../apps.ts";
import { deleteBundle, downloadBundle, uploadBundle } from "../bundles.ts";
import type { DownloadedFile } from "../download.ts";
import { deleteEgg, downloadEgg } from "../eggs.ts";
import { deleteRuntime, downloadRuntime, uploadRuntime } from "../runtimes.ts";
import type { Session } from "../session.ts";
import type { ArtefactRecord } from "./records.ts";

/** Downloads `record` from `session`'s server into the directory `directory`. */
export async function downloadRecord(
  session: Session,
  record: ArtefactRecord,
  directory: string,
  onProgress?: (done: number, total?: number) => void,
): Promise<DownloadedFile> {
  const place = {
    organization: record.organization,
    repository: record.repository,
    platform: record.platform,
  };
  const tag = record.pythonTag ?? "none";
  switch (record.kind) {
    case "eggs":
      return await downloadEgg(session, {
        ...place,
        pythonTag: tag,
        name: record.name,
        version: record.version,
      }, { destination: directory, onProgress });
    case "runtimes":
      return await downloadRuntime(session, {
        ...place,
        implementation: record.name,
        version: record.version,
      }, { destination: directory, onProgress });
    case "bundles":
      return await downloadBundle(session, {
        ...place,
        pythonTag: tag,
        name: record.name,
        version: record.version,
      }, { directory, force: true, onProgress });
    case "apps":
      return await downloadApp(session, {
        ...place,
        pythonTag: tag,
        id: record.name,
        version: record.version,
      }, { destination: directory, onProgress });
  }
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
