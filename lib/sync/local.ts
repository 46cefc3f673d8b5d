/**
 * The artefacts of an export directory as records, each file read by its
 * format's reader (so a file that is not a valid artefact is found before
 * anything is sent) and hashed.
 *
 * @module
 */
import { readAppMetadata } from "../formats/app.ts";
import { readBundleMetadata } from "../formats/bundle.ts";
import { readEggMetadata } from "../formats/egg.ts";
import { readRuntimeMetadata } from "../formats/runtime.ts";
import { hashFile, type LaidOutFile } from "./inventory.ts";
import type { ArtefactRecord } from "./records.ts";

/**
 * A file of an export directory, read, checked and hashed.
 *
 * @example
 * ```ts
 * import type { LocalRecord } from "@hatcher/hatcher";
 * const where = (record: LocalRecord) => `${record.relative} (${record.size} bytes)`;
 * ```
 */
export interface LocalRecord extends ArtefactRecord {
  /** The file on disk. */
  path: string;
  /** Its path relative to the directory's root. */
  relative: string;
}

/**
 * Reads one laid-out file with its kind's reader. Throws the reader's
 * InvalidArtefactError for a file that is not a valid artefact.
 */
export async function readLocalRecord(
  file: LaidOutFile,
  hashed?: { size: number; sha256: string },
): Promise<LocalRecord> {
  const identity = await identityOf(file);
  const { size, sha256 } = hashed ?? await hashFile(file);
  return {
    kind: file.kind,
    organization: file.organization,
    repository: file.repository,
    platform: identity.platform ?? file.platform,
    pythonTag: file.kind === "runtimes" ? null : identity.pythonTag ?? "none",
    name: identity.name,
    version: identity.version,
    filename: file.filename,
    sha256,
    size,
    path: file.path,
    relative: file.relative,
  };
}

async function identityOf(
  file: LaidOutFile,
): Promise<{ name: string; version: string; pythonTag: string | null; platform: string | null }> {
  switch (file.kind) {
    case "eggs": {
      const egg = await readEggMetadata(file.path);
      // An egg for any platform is filed under the platform it was exported from.
      return { name: egg.name, version: egg.fullVersion, pythonTag: egg.pythonTag, platform: null };
    }
    case "runtimes": {
      const runtime = await readRuntimeMetadata(file.path);
      return {
        name: runtime.implementation,
        version: runtime.version,
        pythonTag: runtime.pythonTag,
        platform: runtime.platform,
      };
    }
    case "bundles": {
      const bundle = await readBundleMetadata(file.path);
      return {
        name: bundle.name,
        version: bundle.fullVersion,
        pythonTag: bundle.pythonTag,
        platform: bundle.platform,
      };
    }
    case "apps": {
      const app = await readAppMetadata(file.path);
      return {
        name: app.id,
        version: app.fullVersion,
        pythonTag: app.pythonTag,
        platform: app.platform,
      };
    }
  }
}
