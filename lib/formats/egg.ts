/**
 * Enthought eggs: parse `<name>-<version>-<build>.egg` file names and the
 * `EGG-INFO/spec/depend` metadata as okonomiyaki reads it (platform and tags
 * included), read it from an archive safely and hash a file for upload.
 *
 * {@linkcode readEggMetadata} reads only the zip central directory and the
 * `spec/depend` entry, with random-access reads, so a 1 GiB egg costs
 * milliseconds and constant memory. It refuses unsafe entry names, too many
 * entries and metadata that inflates past a hard limit (zip bombs).
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { sha256Hash } from "../builtins.ts";
import { HatcherError } from "../errors.ts";
import { readArchiveEntry } from "./archive.ts";
import {
  type ArtefactKind,
  basename,
  checkLimit,
  decodeUtf8,
  errorText,
  FormatProblem,
  InvalidArtefactError,
  readArtefact,
} from "./artefact.ts";
import {
  eggPlatform,
  guessAbiTag,
  guessPlatformAbi,
  type LegacyPlatformKeys,
  parsePythonTag,
  pythonTagFromPython,
} from "./egg_platform.ts";
import { splitNameVersionBuild } from "./names.ts";
import { type Assignments, parseAssignments, SpecProblem } from "./spec_depend.ts";

export type { LegacyPlatformKeys } from "./egg_platform.ts";

/** Path of the Enthought metadata inside an egg. */
export const SPEC_PATH = "EGG-INFO/spec/depend";
const DEFAULT_MAX_SPEC_BYTES = 64 * 1024;
const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * The file is not a valid egg: a bad file name, a file that is not a zip
 * archive, an unsafe archive, or missing, malformed or mismatched
 * `EGG-INFO/spec/depend` metadata. The message names the file and the problem.
 *
 * @example Skip invalid eggs
 * ```ts
 * import { InvalidEggError, readEggMetadata } from "@hatcher/hatcher";
 * try {
 *   await readEggMetadata("dist/numpy-1.26.4-1.egg");
 * } catch (error) {
 *   if (!(error instanceof InvalidEggError)) throw error;
 *   console.error(`skipping ${error.file}: ${error.message}`);
 * }
 * ```
 */
export class InvalidEggError extends InvalidArtefactError {
  /** Always `"InvalidEggError"`. */
  override readonly name: string = "InvalidEggError";
}

const EGG: ArtefactKind = { noun: "egg", error: InvalidEggError };

/**
 * The metadata of an egg, from its `EGG-INFO/spec/depend` file, read as
 * okonomiyaki (Enthought's egg-format library) reads it: tags that old
 * metadata versions do not carry are derived the same way.
 *
 * @example Describe an egg
 * ```ts
 * import { type EggMetadata, readEggMetadata } from "@hatcher/hatcher";
 * const metadata: EggMetadata = await readEggMetadata("dist/numpy-1.26.4-1.egg");
 * console.log(`${metadata.name} ${metadata.fullVersion} for ${metadata.platform ?? "any platform"}`);
 * ```
 */
export interface EggMetadata {
  /** Package name in lower case, e.g. `mkl` for `MKL-10.3-1.egg`. */
  name: string;
  /** The name as `spec/depend` spells it, e.g. `MKL`. */
  eggBasename: string;
  /** Upstream version, e.g. `1.26.4`. */
  version: string;
  /** Build number, a non-negative integer. */
  build: number;
  /** `<version>-<build>`, e.g. `1.26.4-1`. */
  fullVersion: string;
  /** The EDS platform, e.g. `rh7-x86_64`, or `null` for an egg that runs on any platform. */
  platform: string | null;
  /** Python version, e.g. `3.11`; `null` for eggs that do not say. */
  python: string | null;
  /** PEP 425 Python tag, e.g. `cp311`; `null` for non-Python eggs. */
  pythonTag: string | null;
  /** PEP 425 ABI tag, e.g. `cp311` or `cp27m`, or `null`. */
  abiTag: string | null;
  /** PEP 425 platform tag, e.g. `linux_x86_64`, or `null`. */
  platformTag: string | null;
  /** Platform ABI, e.g. `gnu`, `darwin`, `msvc2019`, or `null` for an egg without a platform. */
  platformAbi: string | null;
  /** Requirements, normalised as okonomiyaki does: `["mkl 2021.4.0-1", "six 1.16.0"]`. */
  packages: string[];
  /** Metadata format version as written, e.g. `1.4`. */
  metadataVersion: string;
  /** The legacy platform keys as written (`arch`, `platform`, `osdist`). */
  legacy: LegacyPlatformKeys;
}

/**
 * The parts of an egg file name, as returned by {@linkcode parseEggFilename}.
 *
 * @example
 * ```ts
 * import { type EggFilename, parseEggFilename } from "@hatcher/hatcher";
 * const { name, version, build }: EggFilename = parseEggFilename("MKL-10.3-1.egg");
 * ```
 */
export interface EggFilename {
  /** Package name as spelled in the file name, e.g. `MKL`. */
  name: string;
  /** Upstream version, e.g. `10.3`. */
  version: string;
  /** Build number. */
  build: number;
}

/**
 * Options of {@linkcode readEggMetadata}.
 *
 * @example Accept bigger metadata, fewer files
 * ```ts
 * import { readEggMetadata, type ReadEggMetadataOptions } from "@hatcher/hatcher";
 * const options: ReadEggMetadataOptions = { maxSpecBytes: 1024 * 1024, maxEntries: 10_000 };
 * await readEggMetadata("dist/numpy-1.26.4-1.egg", options);
 * ```
 */
export interface ReadEggMetadataOptions {
  /**
   * Largest accepted `EGG-INFO/spec/depend`, in bytes once inflated. Bigger
   * metadata is refused before or while it is inflated, never allocated.
   * @default {65536}
   */
  maxSpecBytes?: number;
  /**
   * Largest accepted number of entries in the archive.
   * @default {100000}
   */
  maxEntries?: number;
}

/**
 * Splits an egg file name `<name>-<version>-<build>.egg` on its last two `-`.
 * The name may hold letters, digits, `_` and `.`; the version letters, digits,
 * `_`, `.` and `+`; neither may be dots alone; the build is a non-negative
 * integer. Case is kept.
 *
 * @param filename A file name without directory, e.g. `numpy-1.26.4-1.egg`.
 * @returns The name, version and build.
 * @throws {InvalidEggError} When the name does not have that form.
 *
 * @example
 * ```ts
 * import { parseEggFilename } from "@hatcher/hatcher";
 * const { name, version, build } = parseEggFilename("foo_bar-1.0.0+local.1-12.egg");
 * console.log(name, version, build); // foo_bar 1.0.0+local.1 12
 * ```
 */
export function parseEggFilename(filename: string): EggFilename {
  // setuptools names its eggs `<name>-<version>-py<X.Y>[-<platform>].egg`.
  const setuptools = /-py[0-9]+(\.[0-9]+)?(-[^/\\]+)?\.egg$/.test(filename)
    ? "a setuptools egg, not an Enthought egg; "
    : "";
  const invalid = () =>
    new InvalidEggError(
      `Invalid egg file name "${filename}": ${setuptools}expected "<name>-<version>-<build>.egg"`,
      filename,
    );
  const parts = splitNameVersionBuild(filename, ".egg");
  if (parts === undefined) throw invalid();
  return parts;
}

// ---------------------------------------------------------------------------
// spec/depend meaning

/** The keys each known metadata version requires, as okonomiyaki lists them. */
const KEYS_1_1 = [
  "metadata_version",
  "name",
  "version",
  "build",
  "arch",
  "platform",
  "osdist",
  "python",
  "packages",
];
const KEYS_BY_VERSION: Record<string, string[]> = {
  "1.1": KEYS_1_1,
  "1.2": [...KEYS_1_1, "python_tag"],
  "1.3": [...KEYS_1_1, "python_tag", "abi_tag", "platform_tag"],
  "1.4": [...KEYS_1_1, "python_tag", "abi_tag", "platform_tag", "platform_abi"],
};
/** The newest metadata version this reader knows; newer 1.x versions are read as it. */
const NEWEST_KNOWN_VERSION = "1.4";

/** okonomiyaki's one known bad requirement, which it reads as `numpy 1.8.0`. */
const MISSPELLED_REQUIREMENTS: Record<string, string> = { "numpy-1.8.0": "numpy 1.8.0" };

/**
 * A requirement of `packages` normalised as okonomiyaki prints it: `name`,
 * `name version` or `name version-build` (a build of 0 is left out).
 */
function normalizeRequirement(text: string, line: number): string {
  const parts = (MISSPELLED_REQUIREMENTS[text] ?? text).split(/\s+/).filter((part) => part);
  const invalid = (why: string) =>
    new SpecProblem(`requirement '${text}' in "packages" on line ${line} ${why}`);
  if (parts.length === 1) {
    if (parts[0]!.includes("-")) throw invalid("has a '-' in its name (write 'name version')");
    return parts[0]!;
  }
  if (parts.length !== 2) throw invalid("is not 'name', 'name version' or 'name version-build'");
  const [name, version] = parts as [string, string];
  const pieces = version.split("-");
  if (pieces.length !== 2) return `${name} ${version}`;
  const [upstream, buildText] = pieces as [string, string];
  if (!/^[+-]?[0-9]+$/.test(buildText.trim())) throw invalid(`has a non-numeric build number`);
  const build = Number(buildText);
  return build > 0 ? `${name} ${upstream}-${build}` : `${name} ${upstream}`;
}

function versionParts(text: string): [number, number] {
  const match = /^([0-9]+)\.([0-9]+)$/.exec(text);
  return match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
}

function isBefore(version: [number, number], major: number, minor: number): boolean {
  return version[0] < major || (version[0] === major && version[1] < minor);
}

function buildMetadata(assignments: Assignments): EggMetadata {
  const entry = (key: string) => assignments.get(key)!;
  const stringOrNone = (key: string): string | null => {
    const { value, line } = entry(key);
    if (value !== null && typeof value !== "string") {
      throw new SpecProblem(`"${key}" on line ${line} must be a string or None`);
    }
    return value;
  };
  const nonEmptyString = (key: string): string => {
    const { value, line } = entry(key);
    if (typeof value !== "string" || value === "") {
      throw new SpecProblem(`"${key}" on line ${line} must be a non-empty string`);
    }
    return value;
  };

  const versionEntry = assignments.get("metadata_version");
  if (versionEntry === undefined) throw new SpecProblem(`"metadata_version" is missing`);
  const metadataVersion = versionEntry.value;
  if (typeof metadataVersion !== "string" || !/^[0-9]+\.[0-9]+$/.test(metadataVersion)) {
    throw new SpecProblem(
      `"metadata_version" on line ${versionEntry.line} must be a string "<major>.<minor>"`,
    );
  }
  const version = versionParts(metadataVersion);
  if (version[0] !== 1) {
    throw new SpecProblem(
      `unsupported metadata_version "${metadataVersion}" on line ${versionEntry.line}: ` +
        "hatcher reads metadata versions 1.x",
    );
  }
  const keys = KEYS_BY_VERSION[metadataVersion] ?? KEYS_BY_VERSION[NEWEST_KNOWN_VERSION]!;
  const missing = keys.filter((key) => !assignments.has(key));
  if (missing.length > 0) {
    throw new SpecProblem(
      `${missing.map((key) => `"${key}"`).join(", ")} ${missing.length === 1 ? "is" : "are"} ` +
        `missing (metadata_version ${metadataVersion} requires ${
          missing.length === 1 ? "it" : "them"
        })`,
    );
  }

  const eggBasename = nonEmptyString("name");
  const upstream = nonEmptyString("version");
  const { value: build, line: buildLine } = entry("build");
  if (typeof build !== "number" || !Number.isSafeInteger(build) || build < 0) {
    throw new SpecProblem(`"build" on line ${buildLine} must be a non-negative integer`);
  }
  const { value: packagesValue, line: packagesLine } = entry("packages");
  if (!Array.isArray(packagesValue)) {
    throw new SpecProblem(`"packages" on line ${packagesLine} must be a list of strings`);
  }
  const packages = packagesValue.map((requirement) =>
    normalizeRequirement(requirement, packagesLine)
  );
  const legacy: LegacyPlatformKeys = {
    arch: stringOrNone("arch"),
    platform: stringOrNone("platform"),
    osdist: stringOrNone("osdist"),
  };
  const python = stringOrNone("python");
  const platform = eggPlatform(legacy, python);

  const pythonTag = isBefore(version, 1, 2)
    ? pythonTagFromPython(python)
    : stringOrNone("python_tag");
  if (pythonTag !== null) checkPythonTag(pythonTag, python);
  const [abiTag, platformTag] = isBefore(version, 1, 3)
    ? [guessAbiTag(platform, pythonTag), platform?.pep425Tag ?? null]
    : [stringOrNone("abi_tag"), stringOrNone("platform_tag")];
  const platformAbi = isBefore(version, 1, 4)
    ? guessPlatformAbi(platform, pythonTag)
    : stringOrNone("platform_abi");

  return {
    name: eggBasename.toLowerCase(),
    eggBasename,
    version: upstream,
    build,
    fullVersion: `${upstream}-${build}`,
    platform: platform?.name ?? null,
    python,
    pythonTag,
    abiTag,
    platformTag,
    platformAbi,
    packages,
    metadataVersion,
    legacy,
  };
}

/**
 * A Python tag must parse as okonomiyaki parses it and, unlike okonomiyaki,
 * hatcher also wants it to agree with `python`: a `cp27` egg that says
 * `python = '3.11'` would be served to Python 2.7 installs.
 */
function checkPythonTag(pythonTag: string, python: string | null): void {
  const { major, minor } = parsePythonTag(pythonTag);
  const match = python === null ? null : /^([0-9]+)\.([0-9]+)/.exec(python);
  if (match && (Number(match[1]) !== major || Number(match[2]) !== minor)) {
    throw new SpecProblem(
      `"python_tag" '${pythonTag}' does not agree with "python" '${python}'`,
    );
  }
}

function parseSpec(text: string): EggMetadata {
  return buildMetadata(parseAssignments(text.replaceAll("\r", "")));
}

/**
 * Parses the text of an `EGG-INFO/spec/depend` file: Python-literal
 * assignments (`key = value`) of quoted strings, integers, `None` and lists of
 * strings, with comments and blank lines. Every key of its metadata version
 * must be present; unknown keys are ignored. Any metadata version 1.x is
 * read (versions after 1.4 as 1.4); tags the version does not carry are
 * derived as okonomiyaki derives them.
 *
 * @param text The file's text.
 * @returns The metadata.
 * @throws {InvalidEggError} When the text cannot be parsed, a required key is
 * missing or has the wrong type, the metadata version is not 1.x, the
 * platform cannot be determined, or a tag is invalid. The message names the
 * problem and its line.
 *
 * @example
 * ```ts
 * import { parseSpecDepend } from "@hatcher/hatcher";
 * const metadata = parseSpecDepend(`
 * metadata_version = '1.1'
 * name = 'six'
 * version = '1.16.0'
 * build = 1
 * arch = None
 * platform = None
 * osdist = None
 * python = '2.7'
 * packages = []
 * `);
 * console.log(metadata.fullVersion, metadata.pythonTag); // 1.16.0-1 cp27
 * ```
 */
export function parseSpecDepend(text: string): EggMetadata {
  try {
    return parseSpec(text);
  } catch (error) {
    if (!(error instanceof FormatProblem)) throw error;
    throw new InvalidEggError(`Invalid spec/depend metadata: ${error.message}`);
  }
}

/**
 * Reads and checks the metadata of an egg file. Only the zip central
 * directory and `EGG-INFO/spec/depend` are read, with random-access reads, so
 * the cost does not depend on the size of the egg.
 *
 * The egg is refused when its file name is not `<name>-<version>-<build>.egg`,
 * it is not a zip archive, any entry has an absolute path or a `..` segment,
 * it has more than `maxEntries` entries, `spec/depend` is missing, inflates to
 * more than `maxSpecBytes` or cannot be parsed, or its name (compared without
 * case), version or build differ from the file name.
 *
 * @param path Path of the `.egg` file.
 * @param options Limits on the archive.
 * @returns The metadata from `EGG-INFO/spec/depend`.
 * @throws {InvalidEggError} When the egg is refused or cannot be read; the
 * message names the file and the problem.
 * @throws {RangeError} When an option is not a positive integer.
 *
 * @example Print the EDS platform of an egg
 * ```ts
 * import { readEggMetadata } from "@hatcher/hatcher";
 * const metadata = await readEggMetadata("dist/numpy-1.26.4-1.egg");
 * console.log(metadata.pythonTag, metadata.platform); // cp311 rh7-x86_64
 * ```
 */
export async function readEggMetadata(
  path: string,
  options: ReadEggMetadataOptions = {},
): Promise<EggMetadata> {
  const maxSpecBytes = options.maxSpecBytes ?? DEFAULT_MAX_SPEC_BYTES;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  checkLimit("maxSpecBytes", maxSpecBytes);
  checkLimit("maxEntries", maxEntries);
  const file = basename(path);
  const fromName = parseEggFilename(file);
  return await readArtefact(EGG, file, async () => {
    const bytes = await readArchiveEntry(path, SPEC_PATH, {
      maxEntryBytes: maxSpecBytes,
      maxEntries,
    });
    const text = decodeUtf8(bytes, SPEC_PATH);
    let metadata: EggMetadata;
    try {
      metadata = parseSpec(text);
    } catch (error) {
      if (error instanceof FormatProblem) {
        throw new FormatProblem(`in ${SPEC_PATH}, ${error.message}`);
      }
      throw error;
    }
    checkAgainstFilename(metadata, fromName);
    return metadata;
  });
}

/**
 * okonomiyaki does not compare the two; hatcher does, because the server
 * files an egg under its metadata's identity and clients look it up by file name.
 */
function checkAgainstFilename(metadata: EggMetadata, fromName: EggFilename): void {
  if (metadata.name !== fromName.name.toLowerCase()) {
    throw new FormatProblem(
      `name "${metadata.eggBasename}" in ${SPEC_PATH} does not match the file name ` +
        `("${fromName.name}")`,
    );
  }
  if (metadata.version !== fromName.version) {
    throw new FormatProblem(
      `version "${metadata.version}" in ${SPEC_PATH} does not match the file name ` +
        `("${fromName.version}")`,
    );
  }
  if (metadata.build !== fromName.build) {
    throw new FormatProblem(
      `build ${metadata.build} in ${SPEC_PATH} does not match the file name (${fromName.build})`,
    );
  }
}

/** Files up to this size are hashed from one read. */
const SMALL_FILE_BYTES = 1024 * 1024;

/**
 * Computes the SHA-256 digest of a file, streaming it in 1 MiB chunks.
 *
 * @param path Path of the file.
 * @param onProgress Called after each chunk with the number of bytes hashed so far.
 * @returns The lower-case hex digest.
 * @throws {HatcherError} When the file cannot be read.
 *
 * @example Hash an egg before upload
 * ```ts
 * import { sha256File } from "@hatcher/hatcher";
 * const digest = await sha256File("dist/numpy-1.26.4-1.egg", (bytes) => {
 *   console.error(`${bytes} bytes hashed`);
 * });
 * console.log(digest);
 * ```
 */
export async function sha256File(
  path: string,
  onProgress?: (bytes: number) => void,
): Promise<string> {
  const hash = await sha256Hash();
  let bytes = 0;
  try {
    // Small files in one read: a stream's set-up costs more than hashing them
    // (an export checking a thousand small eggs).
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      if (size <= SMALL_FILE_BYTES) {
        const data = await handle.readFile();
        hash.update(data);
        onProgress?.(data.length);
        return hash.digest("hex");
      }
    } finally {
      await handle.close();
    }
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      hash.update(chunk as Uint8Array);
      bytes += (chunk as Uint8Array).length;
      onProgress?.(bytes);
    }
  } catch (error) {
    throw new HatcherError(`Cannot read "${basename(path)}": ${errorText(error)}`, {
      cause: error,
    });
  }
  return hash.digest("hex");
}
