/**
 * What export, import, diff and mirror talk about: one record per artefact
 * (its kind, place, identity and SHA-256), the original hatcher's directory
 * layout for it, and the manifest that lists the records of an export.
 *
 * Layout: `v<api>/<org>/<repo>/<platform>/<kind>/[<python_tag>/]<file>`, the
 * Python tag for eggs, bundles and apps (`none` for those that do not depend
 * on Python), none for runtimes.
 *
 * @module
 */
import { renameSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { HatcherError } from "../errors.ts";

/**
 * The kinds, as the CLI and the layout spell them.
 *
 * @example
 * ```ts
 * import type { ArtefactKindName } from "@hatcher/hatcher";
 * const kinds: ArtefactKindName[] = ["eggs", "runtimes"];
 * ```
 */
export type ArtefactKindName = "eggs" | "runtimes" | "bundles" | "apps";

/** Every kind, in the order they are exported and imported. */
export const ARTEFACT_KINDS: readonly ArtefactKindName[] = ["eggs", "runtimes", "bundles", "apps"];

/**
 * One artefact, wherever it is (a server, a manifest, an export directory).
 *
 * @example
 * ```ts
 * import type { ArtefactRecord } from "@hatcher/hatcher";
 * const egg: ArtefactRecord = {
 *   kind: "eggs", organization: "acme", repository: "dev", platform: "rh7-x86_64",
 *   pythonTag: "cp311", name: "numpy", version: "1.26.4-1", filename: "numpy-1.26.4-1.egg",
 *   sha256: "0".repeat(64), size: 1234,
 * };
 * ```
 */
export interface ArtefactRecord {
  /** `eggs`, `runtimes`, `bundles` or `apps`. */
  kind: ArtefactKindName;
  /** The organization. */
  organization: string;
  /** The repository within it. */
  repository: string;
  /** Canonical EDS platform. */
  platform: string;
  /** `cp311`, `none`; `null` for runtimes, which the layout keeps without one. */
  pythonTag: string | null;
  /** Egg or bundle name, runtime implementation, app id. */
  name: string;
  /** Full version (`1.26.4-1`, `3.11.2+2`). */
  version: string;
  /** The file's name. */
  filename: string;
  /** SHA-256, lower-case hex. */
  sha256: string;
  /** Size in bytes. */
  size: number;
}

/** What identifies an artefact, whatever its content: equal keys, same artefact. */
export function recordKey(record: ArtefactRecord): string {
  return [
    record.kind,
    record.organization,
    record.repository,
    record.platform,
    record.kind === "runtimes" ? "" : record.pythonTag ?? "none",
    record.kind === "eggs" ? record.name.toLowerCase() : record.name,
    record.version,
  ].join("\0");
}

/** `org/repo`. */
export function repositoryName(record: { organization: string; repository: string }): string {
  return `${record.organization}/${record.repository}`;
}

/**
 * Why a record from a server cannot be written where the layout puts it, or
 * undefined when it can: every directory name of its path comes from the
 * server, so none may be empty, `.` or `..`, or hold a separator or a
 * control character (the file name is checked when it is downloaded).
 */
export function unsafeLayout(record: ArtefactRecord): string | undefined {
  const parts: Array<[string, string | null]> = [
    ["organization", record.organization],
    ["repository", record.repository],
    ["platform", record.platform],
    ["Python tag", record.kind === "runtimes" ? null : record.pythonTag ?? "none"],
  ];
  for (const [what, value] of parts) {
    // deno-lint-ignore no-control-regex
    if (value !== null && (/^\.*$/.test(value) || /[\/\\\x00-\x1f\x7f]/.test(value))) {
      return `the ${what} ${JSON.stringify(value)} cannot be a directory name`;
    }
  }
  return undefined;
}

/** The record's path in an export directory, relative to its root (with `/`). */
export function layoutPath(record: ArtefactRecord, apiVersion: number): string {
  return [
    `v${apiVersion}`,
    record.organization,
    record.repository,
    record.platform,
    record.kind,
    ...(record.kind === "runtimes" ? [] : [record.pythonTag ?? "none"]),
    record.filename,
  ].join("/");
}

/** The manifest's file name, at the root of an export directory. */
export const MANIFEST_FILE = "MANIFEST.json";
const MANIFEST_FORMAT = "hatcher-manifest/1";

/**
 * An export's manifest: where it came from, when, and every artefact with
 * its path in the directory.
 *
 * @example
 * ```ts
 * import { type Manifest, readManifest } from "@hatcher/hatcher";
 * const manifest: Manifest = await readManifest("export/MANIFEST.json");
 * console.log(`${manifest.artefacts.length} artefacts from ${manifest.source}`);
 * ```
 */
export interface Manifest {
  /** `hatcher-manifest/1`. */
  format: string;
  /** The server the records describe (its URL). */
  source: string;
  /** When it was written, ISO 8601. */
  created: string;
  /** The API generation of the layout (`v1/...`). */
  apiVersion: number;
  /** Whether the files are in the directory (`false` for `--manifest-only`). */
  withData: boolean;
  /**
   * The artefacts, each with its path relative to the manifest's directory
   * and, when the file is there, its modification time: a later export trusts
   * a file whose size and time are unchanged without hashing it again.
   */
  artefacts: Array<ArtefactRecord & { path: string; mtimeMs?: number }>;
}

/** Builds a manifest of `records` laid out for `apiVersion`. */
export function buildManifest(
  records: readonly ArtefactRecord[],
  options: { source: string; apiVersion: number; withData: boolean },
): Manifest {
  const artefacts = records
    .map((record) => ({ ...record, path: layoutPath(record, options.apiVersion) }))
    .sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return {
    format: MANIFEST_FORMAT,
    source: options.source,
    created: new Date().toISOString(),
    apiVersion: options.apiVersion,
    withData: options.withData,
    artefacts,
  };
}

/**
 * Writes `manifest` as `dir/MANIFEST.json`, atomically (temporary file, then
 * rename): one artefact per line, so that it reads and diffs well (and is a
 * quarter smaller than indented JSON). Synchronously: two calls, where the
 * thread pool's round trips cost more than writing the bytes.
 */
export function writeManifest(dir: string, manifest: Manifest): string {
  const path = join(dir, MANIFEST_FILE);
  const temporary = `${path}.tmp`;
  const { artefacts, ...head } = manifest;
  const fields = Object.entries(head).map(([key, value]) =>
    `  ${JSON.stringify(key)}: ${JSON.stringify(value)},\n`
  );
  const lines = artefacts.map((artefact) => `    ${JSON.stringify(artefact)}`);
  writeFileSync(
    temporary,
    `{\n${fields.join("")}  "artefacts": [${
      lines.length ? `\n${lines.join(",\n")}\n  ` : ""
    }]\n}\n`,
  );
  renameSync(temporary, path);
  return path;
}

const SHA256 = /^[0-9a-f]{64}$/;
const KINDS = new Set<string>(ARTEFACT_KINDS);

/**
 * Reads and checks a manifest file: every record must be complete and
 * safe (no path outside the directory).
 *
 * @throws {HatcherError} When the file cannot be read or is not a hatcher manifest.
 *
 * @example
 * ```ts
 * import { readManifest } from "@hatcher/hatcher";
 * const { artefacts } = await readManifest("offline-site.json");
 * ```
 */
export async function readManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new HatcherError(`Cannot read the manifest ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseManifest(text, path);
}

/** Parses and checks the text of a manifest read from `path` (named in errors), as readManifest. */
export function parseManifest(text: string, path: string): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HatcherError(`Cannot read the manifest ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const bad = (why: string) => new HatcherError(`${path} is not a hatcher manifest: ${why}`);
  const manifest = parsed as Partial<Manifest>;
  if (typeof parsed !== "object" || parsed === null || manifest.format !== MANIFEST_FORMAT) {
    throw bad(`"format" is not "${MANIFEST_FORMAT}"`);
  }
  if (!Array.isArray(manifest.artefacts)) throw bad(`"artefacts" is not a list`);
  for (const [index, item] of manifest.artefacts.entries()) {
    const record = item as Partial<ArtefactRecord & { path: string }>;
    const strings = ["organization", "repository", "platform", "name", "version", "filename"];
    const complete = KINDS.has(String(record.kind)) &&
      strings.every((key) => typeof record[key as keyof typeof record] === "string") &&
      typeof record.size === "number" && typeof record.sha256 === "string" &&
      SHA256.test(record.sha256) && typeof record.path === "string" &&
      (record.pythonTag === null || typeof record.pythonTag === "string");
    if (!complete) throw bad(`artefact ${index + 1} is incomplete`);
    const parts = record.path!.split("/");
    if (record.path!.startsWith("/") || parts.includes("..") || parts.includes(".")) {
      throw bad(`artefact ${index + 1} has an unsafe path ${JSON.stringify(record.path)}`);
    }
  }
  return {
    format: MANIFEST_FORMAT,
    source: String(manifest.source ?? ""),
    created: String(manifest.created ?? ""),
    apiVersion: Number(manifest.apiVersion ?? 1),
    withData: manifest.withData !== false,
    artefacts: manifest.artefacts as Manifest["artefacts"],
  };
}
