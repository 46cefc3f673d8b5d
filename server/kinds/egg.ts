/**
 * Eggs (protocol notes §4.3-4.5). `{item}` is
 * `{org}/{repo}/{platform}/{python_tag}/eggs/{name}/{full version}`, where the
 * tag `none` addresses eggs that do not depend on Python and a runtime tag
 * also finds the generic and untagged eggs its index lists.
 */
import { type EggMetadata, parseEggFilename, readEggMetadata } from "../../lib/formats/egg.ts";
import { indexPlatformAbi } from "../../lib/formats/platforms.ts";
import { type Artefact, normalizePythonTag } from "../artefacts.ts";
import { compatibleEggTags, isRuntimePythonTag } from "../catalogue.ts";
import { HttpError } from "../http.ts";
import type { ArtefactKind } from "./kind.ts";

/** The egg-only fields, kept in the row's `metadata`. */
interface EggExtras {
  egg_basename: string;
  python: string | null;
  abi_tag: string | null;
  platform_tag: string | null;
  platform_abi: string | null;
  packages: string[];
}

function extras(egg: Artefact): EggExtras {
  return egg.metadata as unknown as EggExtras;
}

/**
 * One value of the egg index, keyed by file name (§4.5), with the fields of
 * real EDS indices: `platform_abi` is never null there (an egg without one
 * shows its platform's default for the index's Python, which indexText fills
 * in: the stored entry cannot know the index's tag), and `python: null`
 * appears exactly where `python_tag` is null.
 */
function indexEntry(egg: Artefact): string {
  const { platform_abi, packages } = extras(egg);
  return JSON.stringify({
    name: egg.name,
    version: egg.version,
    build: egg.build,
    full_version: egg.fullVersion,
    type: "egg",
    python_tag: egg.pythonTag,
    ...(egg.pythonTag === null ? { python: null } : {}),
    platform_abi: platform_abi ?? null,
    packages,
    md5: egg.md5,
    sha256: egg.sha256,
    size: egg.size,
    mtime: egg.mtime,
    available: true,
    product: null,
  });
}

/**
 * What an entry without its own ABI says until its index's default is put in.
 * The first such text is the key: every field before it is a string, number
 * or null, and inside a JSON string a quote is escaped, so no value matches.
 */
const NO_ABI = '"platform_abi":null';

/** `entry` with the platform's default ABI for `indexTag` where it has none. */
function withDefaultAbi(entry: string, defaultAbi: string): string {
  const at = entry.indexOf(NO_ABI);
  if (at < 0) return entry;
  return `${entry.slice(0, at)}"platform_abi":${defaultAbi}${entry.slice(at + NO_ABI.length)}`;
}

export const EGG_KIND: ArtefactKind<EggMetadata> = {
  name: "egg",
  label: "egg",
  paths: {
    index: "/indices/:org/:repo/:platform/:tag/eggs",
    item: "/:org/:repo/:platform/:tag/eggs/:name/:version",
    upload: "/data/:org/:repo/:platform/eggs/upload",
  },
  reindexable: true,
  checkFilename: (filename) => void parseEggFilename(filename),
  read: (path) => readEggMetadata(path),
  platformOf: (metadata) => metadata.platform,
  fields: (metadata) => ({
    name: metadata.name,
    version: metadata.version,
    build: metadata.build,
    fullVersion: metadata.fullVersion,
    pythonTag: normalizePythonTag(metadata.pythonTag),
    metadata: {
      egg_basename: metadata.eggBasename,
      python: metadata.python,
      abi_tag: metadata.abiTag,
      platform_tag: metadata.platformTag,
      platform_abi: metadata.platformAbi,
      packages: metadata.packages,
    } satisfies EggExtras,
  }),
  indexTags(params) {
    const tag = params.tag!;
    if (!isRuntimePythonTag(tag)) {
      throw new HttpError(
        404,
        `No egg index for Python tag '${tag}': use a runtime tag like cp311`,
      );
    }
    return compatibleEggTags(tag);
  },
  indexEntry,
  indexEntryFormat: 1,
  indexOrder: "filename",
  indexByApiVersion: false,
  indexText(rows, { params, platform }, out) {
    // Rows come by file name, the most specific tag first: when two eggs
    // share a file name, the index keeps that one.
    const defaultAbi = JSON.stringify(indexPlatformAbi(platform, params.tag!));
    let previous: string | undefined;
    for (const row of rows) {
      if (row.filename === previous) continue;
      out.write(previous === undefined ? "{" : ",");
      previous = row.filename;
      out.write(JSON.stringify(row.filename));
      out.write(":");
      out.write(defaultAbi === "null" ? row.entry : withDefaultAbi(row.entry, defaultAbi));
    }
    out.write(previous === undefined ? "{}" : "}");
  },
  address(params) {
    const pythonTag = normalizePythonTag(params.tag);
    // What a runtime's index lists, it can fetch under the same tag: after the
    // exact tag, its generic tag and then untagged eggs, as the index does.
    const fallbacks = pythonTag && isRuntimePythonTag(pythonTag)
      ? [...compatibleEggTags(pythonTag).slice(1), null]
      : [];
    return {
      name: params.name!.toLowerCase(),
      fullVersion: params.version!,
      pythonTags: [pythonTag, ...fallbacks],
      describe: `egg '${params.name}-${params.version}' (${pythonTag ?? "none"})`,
    };
  },
  metadataDocument(egg) {
    const { egg_basename, python, abi_tag, platform_tag, platform_abi, packages } = extras(egg);
    return {
      filename: egg.filename,
      name: egg.name,
      egg_basename,
      version: egg.version,
      build: egg.build,
      full_version: egg.fullVersion,
      packages,
      md5: egg.md5,
      sha256: egg.sha256,
      python_tag: egg.pythonTag,
      python,
      abi_tag,
      platform_tag,
      platform_abi,
      product: null,
      size: egg.size,
      type: "egg",
      enabled: egg.enabled,
      mtime: egg.mtime,
    };
  },
};
