/**
 * The nested index shape that runtimes, bundles and apps share:
 * `{outer: {name: {version: {build: entry}}}}` and its shorter relatives, built
 * from artefacts already sorted by name and version.
 */
import { type Artefact, normalizePythonTag } from "../artefacts.ts";
import type { ItemAddress, PathParams } from "./kind.ts";

/** Puts `entry` at `keys` inside `tree`, creating the levels on the way. */
export function nest(tree: Record<string, unknown>, keys: readonly string[], entry: unknown): void {
  let level = tree;
  for (const key of keys.slice(0, -1)) {
    level = (level[key] ??= {}) as Record<string, unknown>;
  }
  level[keys[keys.length - 1]!] = entry;
}

/** An index of `artefacts`, each at the keys `path` gives it. */
export function nestedIndex(
  artefacts: readonly Artefact[],
  path: (artefact: Artefact) => readonly string[],
  entry: (artefact: Artefact) => unknown,
): Record<string, unknown> {
  const tree: Record<string, unknown> = {};
  for (const artefact of artefacts) nest(tree, path(artefact), entry(artefact));
  return tree;
}

/** The fields of the stored file that every metadata document shows. */
export function fileFields(artefact: Artefact) {
  return {
    filename: artefact.filename,
    sha256: artefact.sha256,
    md5: artefact.md5,
    size: artefact.size,
    mtime: artefact.mtime,
  };
}

/**
 * The index of kinds addressed by Python tag, name and full version
 * (bundles, apps): `{python_tag: {name: {version: {build: entry}}}}`, with
 * `none` for artefacts that do not depend on Python.
 */
export function taggedIndex(
  artefacts: readonly Artefact[],
  entry: (artefact: Artefact) => unknown,
): Record<string, unknown> {
  return nestedIndex(
    artefacts,
    (artefact) => [
      artefact.pythonTag ?? "none",
      artefact.name,
      artefact.version,
      String(artefact.build),
    ],
    entry,
  );
}

/** The address of such a kind's item URL (`:tag`, `:name`, `:version`). */
export function taggedAddress(label: string, params: PathParams): ItemAddress {
  const pythonTag = normalizePythonTag(params.tag);
  return {
    name: params.name!,
    fullVersion: params.version!,
    pythonTags: [pythonTag],
    describe: `${label} '${params.name}-${params.version}' (${pythonTag ?? "none"})`,
  };
}
