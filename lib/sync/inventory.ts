/**
 * What a server, a manifest or an export directory holds, as records: the
 * inventories that export, import, diff and mirror compare. A server's is
 * read from its indices (no data is downloaded); a directory's from its
 * files, each hashed.
 *
 * @module
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { getAppMetadata, listApps } from "../apps.ts";
import { getBundleMetadata, listBundles } from "../bundles.ts";
import { listPlatforms, listPythonTags } from "../catalogue.ts";
import { listEggs } from "../eggs.ts";
import { HatcherError, NotFoundError } from "../errors.ts";
import { sha256File } from "../formats/egg.ts";
import { canonicalPlatform } from "../formats/platforms.ts";
import { runPool } from "../pool.ts";
import { listUserRepositories } from "../repositories.ts";
import { listRuntimes } from "../runtimes.ts";
import type { Session } from "../session.ts";
import {
  ARTEFACT_KINDS,
  type ArtefactKindName,
  type ArtefactRecord,
  recordKey,
} from "./records.ts";

/**
 * Which artefacts to take: kinds, `org/repo` names and platforms; an empty
 * or missing list means all.
 *
 * @example
 * ```ts
 * import type { SyncFilters } from "@hatcher/hatcher";
 * const filters: SyncFilters = { kinds: ["eggs"], repositories: ["acme/dev"], platforms: ["rh8-x86_64"] };
 * ```
 */
export interface SyncFilters {
  /** The kinds to take. */
  kinds?: readonly ArtefactKindName[];
  /** `org/repo` names. */
  repositories?: readonly string[];
  /** Platforms, in any spelling. */
  platforms?: readonly string[];
}

/**
 * Something worth telling the user while an inventory is read or a transfer runs.
 *
 * @example
 * ```ts
 * import type { SyncEvent } from "@hatcher/hatcher";
 * const show = (event: SyncEvent) => event.type === "warning" ? event.message : "";
 * ```
 */
export type SyncEvent =
  | { type: "warning"; message: string }
  | { type: "scan"; kind: ArtefactKindName; repository: string; platform: string };

/** Checks `org/repo` spellings; a usage-level problem is a HatcherError. */
export function parseRepositoryName(name: string): { organization: string; repository: string } {
  const match = /^([^/]+)\/([^/]+)$/.exec(name);
  if (!match) throw new HatcherError(`Invalid repository "${name}": expected ORG/REPO`);
  return { organization: match[1]!, repository: match[2]! };
}

/** The canonical names of the platforms a filter gives, refusing unknown ones. */
export function canonicalPlatforms(platforms: readonly string[]): string[] {
  return platforms.map((platform) => {
    const canonical = canonicalPlatform(platform);
    if (canonical === undefined) throw new HatcherError(`Unknown platform '${platform}'`);
    return canonical;
  });
}

function wanted<T>(list: readonly T[] | undefined, all: readonly T[]): readonly T[] {
  return list === undefined || list.length === 0 ? all : list;
}

/**
 * The records of every artefact the session can read on its server, as the
 * indices list them (nothing is downloaded). A repository or platform named
 * in the filters that is not there is a warning, not an error.
 *
 * @example
 * ```ts
 * import { login, serverInventory } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const records = await serverInventory(session, { repositories: ["acme/dev"] });
 * console.log(`${records.length} artefacts`);
 * ```
 */
export async function serverInventory(
  session: Session,
  filters: SyncFilters = {},
  onEvent: (event: SyncEvent) => void = () => {},
): Promise<ArtefactRecord[]> {
  // The filters are checked before anything is asked.
  for (const name of filters.repositories ?? []) parseRepositoryName(name);
  const wantedPlatforms = filters.platforms?.length ? canonicalPlatforms(filters.platforms) : [];
  const kinds = wanted(
    filters.kinds,
    session.apiVersion === 0 ? ARTEFACT_KINDS.filter((kind) => kind !== "bundles") : ARTEFACT_KINDS,
  );
  // Three independent questions: asked together, one round trip.
  const [accessible, serverPlatforms, tags] = await Promise.all([
    listUserRepositories(session),
    listPlatforms(session),
    kinds.includes("eggs") ? listPythonTags(session) : Promise.resolve([]),
  ]);
  const readable = accessible
    .filter((repository) => repository.access !== "read_index")
    .map((repository) => repository.name);
  const repositories = filters.repositories?.length ? [...filters.repositories] : readable;
  for (const name of repositories) {
    if (!readable.includes(name)) {
      onEvent({ type: "warning", message: `No repository '${name}' that you can read: skipped` });
    }
  }
  const platforms = wantedPlatforms.length ? wantedPlatforms : serverPlatforms;
  for (const platform of platforms) {
    if (!serverPlatforms.includes(platform)) {
      onEvent({ type: "warning", message: `The server has no platform '${platform}': skipped` });
    }
  }
  // One index per item: eggs have one per Python tag.
  const indices = repositories.filter((name) => readable.includes(name)).flatMap((name) =>
    platforms.filter((platform) => serverPlatforms.includes(platform)).flatMap((platform) =>
      kinds.flatMap((kind): IndexToRead[] =>
        kind === "eggs"
          ? tags.map((tag) => ({ name, platform, kind, tags: [tag] }))
          : [{ name, platform, kind, tags }]
      )
    )
  );
  const records = new Map<string, ArtefactRecord>();
  const scanned = new Set<string>();
  await runPool(indices, INDEX_REQUESTS_IN_FLIGHT, async ({ name, platform, kind, tags }) => {
    const scan = `${kind} ${name} ${platform}`;
    if (!scanned.has(scan)) {
      scanned.add(scan);
      onEvent({ type: "scan", kind, repository: name, platform });
    }
    const place = { ...parseRepositoryName(name), platform };
    for (const record of await listKind(session, kind, place, tags)) {
      records.set(recordKey(record), record);
    }
  });
  return [...records.values()].sort(compareRecords);
}

interface IndexToRead {
  name: string;
  platform: string;
  kind: ArtefactKindName;
  tags: readonly string[];
}

/**
 * Index requests at a time. They are small and mostly wait on the server; a
 * server with every platform has some 200 of them per repository (one per
 * platform and Python tag for eggs), and 16 at a time read them in half the
 * time 4 at a time took (measured with the reference server on loopback).
 */
const INDEX_REQUESTS_IN_FLIGHT = 16;

/** The records of one kind in one repository and platform. */
async function listKind(
  session: Session,
  kind: ArtefactKindName,
  place: { organization: string; repository: string; platform: string },
  tags: readonly string[],
): Promise<ArtefactRecord[]> {
  try {
    switch (kind) {
      case "eggs": {
        // An egg listed under several tags is one artefact: filed under its own tag.
        const records: ArtefactRecord[] = [];
        for (const pythonTag of tags) {
          for (const egg of await listEggs(session, { ...place, pythonTag })) {
            records.push({
              kind,
              ...place,
              pythonTag: egg.pythonTag ?? "none",
              name: egg.name,
              version: egg.fullVersion,
              filename: egg.filename,
              sha256: egg.sha256,
              size: egg.size,
            });
          }
        }
        return records;
      }
      case "runtimes":
        return (await listRuntimes(session, place)).map((runtime) => ({
          kind,
          ...place,
          pythonTag: null,
          name: runtime.implementation,
          version: runtime.version,
          filename: runtime.filename,
          sha256: runtime.sha256,
          size: runtime.size,
        }));
      case "bundles": {
        // The bundle index has no checksums: each bundle's metadata does.
        const records: ArtefactRecord[] = [];
        for (const bundle of await listBundles(session, place)) {
          const pythonTag = bundle.pythonTag ?? "none";
          const info = await getBundleMetadata(session, {
            ...place,
            pythonTag,
            name: bundle.name,
            version: bundle.fullVersion,
          });
          records.push({
            kind,
            ...place,
            pythonTag,
            name: bundle.name,
            version: bundle.fullVersion,
            filename: String(info.raw.filename ?? `${bundle.name}-${bundle.fullVersion}.bundle`),
            sha256: String(info.raw.sha256 ?? ""),
            size: Number(info.raw.size ?? 0),
          });
        }
        return records;
      }
      case "apps": {
        const records: ArtefactRecord[] = [];
        for (const app of await listApps(session, place)) {
          const pythonTag = app.pythonTag ?? "none";
          const info = await getAppMetadata(session, {
            ...place,
            pythonTag,
            id: app.id,
            version: app.fullVersion,
          });
          records.push({
            kind,
            ...place,
            pythonTag,
            name: app.id,
            version: app.fullVersion,
            // Saved under its identity: an app's uploaded file name means nothing.
            filename: `${app.id}-${app.fullVersion}.yaml`,
            sha256: String(info.raw.sha256 ?? ""),
            size: Number(info.raw.size ?? 0),
          });
        }
        return records;
      }
    }
  } catch (error) {
    // A kind the server does not serve for this place is simply empty.
    if (error instanceof NotFoundError) return [];
    throw error;
  }
}

export function compareRecords(a: ArtefactRecord, b: ArtefactRecord): number {
  const left = recordKey(a);
  const right = recordKey(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** A file of an export directory, as the layout places it. */
export interface LaidOutFile {
  /** Path on disk. */
  path: string;
  /** Path relative to the root, with `/`. */
  relative: string;
  apiVersion: number;
  kind: ArtefactKindName;
  organization: string;
  repository: string;
  platform: string;
  pythonTag: string | null;
  filename: string;
}

/**
 * Every artefact file under `root` in the export layout, filtered; other
 * files (the manifest, `.partial` leftovers) are left out. Nothing is read.
 */
export async function laidOutFiles(
  root: string,
  filters: SyncFilters = {},
): Promise<LaidOutFile[]> {
  const files: LaidOutFile[] = [];
  const list = async (dir: string) => {
    try {
      return await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
  };
  const kinds = wanted(filters.kinds, ARTEFACT_KINDS);
  const platforms = filters.platforms?.length ? canonicalPlatforms(filters.platforms) : undefined;
  for (const version of await list(root)) {
    const apiMatch = /^v([01])$/.exec(version.name);
    if (!version.isDirectory() || !apiMatch) continue;
    const apiDir = join(root, version.name);
    for (const org of await list(apiDir)) {
      for (const repo of await list(join(apiDir, org.name))) {
        const name = `${org.name}/${repo.name}`;
        if (filters.repositories?.length && !filters.repositories.includes(name)) continue;
        for (const platform of await list(join(apiDir, org.name, repo.name))) {
          if (platforms && !platforms.includes(platform.name)) continue;
          for (const kind of kinds) {
            const kindDir = join(apiDir, org.name, repo.name, platform.name, kind);
            const tagDirs = kind === "runtimes"
              ? [{ dir: kindDir, tag: null }]
              : (await list(kindDir)).filter((entry) => entry.isDirectory()).map((entry) => ({
                dir: join(kindDir, entry.name),
                tag: entry.name,
              }));
            for (const { dir, tag } of tagDirs) {
              for (const file of await list(dir)) {
                if (!file.isFile() || /\.partial(\.json)?$/.test(file.name)) continue;
                files.push({
                  path: join(dir, file.name),
                  relative: [version.name, org.name, repo.name, platform.name, kind]
                    .concat(tag === null ? [] : [tag], [file.name]).join("/"),
                  apiVersion: Number(apiMatch[1]),
                  kind,
                  organization: org.name,
                  repository: repo.name,
                  platform: platform.name,
                  pythonTag: tag,
                  filename: file.name,
                });
              }
            }
          }
        }
      }
    }
  }
  return files.sort((a, b) => a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0);
}

/** Hashes a laid-out file: its size and SHA-256. */
export async function hashFile(file: LaidOutFile): Promise<{ size: number; sha256: string }> {
  return { size: (await stat(file.path)).size, sha256: await sha256File(file.path) };
}
