/**
 * The nested index shape that runtimes, bundles and apps share:
 * `{outer: {name: {version: {build: entry}}}}` and its shorter relatives, built
 * as JSON text from rows already sorted by name and version whose entries
 * are stored JSON text: the tree holds the texts as they are, so no entry is
 * parsed or serialized again.
 */
import { type Artefact, normalizePythonTag } from "../artefacts.ts";
import type { TextBlocks } from "../text_blocks.ts";
import type { ItemAddress, PathParams, VersionedIndexedRow } from "./kind.ts";

/** A leaf of a tree written by {@linkcode treeText}: JSON text to copy as is. */
class JsonText {
  constructor(readonly text: string) {}
}

type Tree = { [key: string]: Tree | JsonText };

/** Object.create(null): a key like `__proto__` must be a plain key. */
function emptyTree(): Tree {
  return Object.create(null) as Tree;
}

/** Puts `entry` at `keys` inside `tree`, creating the levels on the way; a later entry wins. */
function nest(tree: Tree, keys: readonly string[], entry: JsonText): void {
  let level = tree;
  for (const key of keys.slice(0, -1)) {
    const next = level[key];
    level = next instanceof JsonText || next === undefined ? (level[key] = emptyTree()) : next;
  }
  level[keys[keys.length - 1]!] = entry;
}

/** What JSON.stringify writes for the tree, in the same key order, with the leaves' texts. */
function treeText(tree: Tree, out: TextBlocks): void {
  out.write("{");
  let first = true;
  for (const key of Object.keys(tree)) {
    if (!first) out.write(",");
    first = false;
    out.write(JSON.stringify(key));
    out.write(":");
    const value = tree[key]!;
    if (value instanceof JsonText) out.write(value.text);
    else treeText(value, out);
  }
  out.write("}");
}

/** Writes the index of `rows` as JSON text, each row's entry at the keys `path` gives it. */
export function writeNestedIndex(
  rows: Iterable<VersionedIndexedRow>,
  path: (row: VersionedIndexedRow) => readonly string[],
  out: TextBlocks,
): void {
  const tree = emptyTree();
  for (const row of rows) nest(tree, path(row), new JsonText(row.entry));
  treeText(tree, out);
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
 * Writes the index of kinds addressed by Python tag, name and full version
 * (bundles, apps): `{python_tag: {name: {version: {build: entry}}}}`, with
 * `none` for artefacts that do not depend on Python.
 */
export function writeTaggedIndex(rows: Iterable<VersionedIndexedRow>, out: TextBlocks): void {
  writeNestedIndex(
    rows,
    (row) => [row.pythonTag ?? "none", row.name, row.version, String(row.build)],
    out,
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
