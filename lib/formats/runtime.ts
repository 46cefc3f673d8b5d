/**
 * Enthought runtimes (v1): zips named
 * `<implementation>-<version>-<platform>-<abi>.runtime` holding
 * `enthought/runtime.json`, read and validated as okonomiyaki (Enthought's
 * format library) reads v1 runtime metadata.
 *
 * {@linkcode readRuntimeMetadata} reads only the zip central directory and
 * `enthought/runtime.json`, with random-access reads, so a 200 MB runtime
 * costs milliseconds and constant memory; unsafe archives and zip bombs are
 * refused as for eggs.
 *
 * Where hatcher is stricter than okonomiyaki: the file name must agree with
 * runtime.json (okonomiyaki parses both but does not compare them; the
 * server files a runtime under its metadata and clients fetch it by those
 * names), the platform must be one of the EDS catalogue, and a Python
 * runtime's `python_tag` must agree with its implementation and language
 * version (a `cp27` tag on a Python 3.11 runtime would be served to 2.7
 * installs). No runtime of the corpus is affected.
 *
 * @module
 */
import { readArchiveEntry } from "./archive.ts";
import {
  type ArtefactKind,
  basename,
  checkLimit,
  decodeUtf8,
  FormatProblem,
  InvalidArtefactError,
  type JsonObject,
  parseJsonObject,
  readArtefact,
} from "./artefact.ts";
import {
  describeImplementations,
  isPythonImplementation,
  isRuntimeVersion,
  majorMinor,
  parsePythonTag,
  pythonTagFor,
  RUNTIME_IMPLEMENTATIONS,
} from "./implementations.ts";
import { isValidName } from "./names.ts";
import { canonicalPlatform, hasEnthoughtBuild, platformOs } from "./platforms.ts";

/** Path of the metadata inside a runtime. */
export const RUNTIME_METADATA_PATH = "enthought/runtime.json";
const DEFAULT_MAX_METADATA_BYTES = 64 * 1024;
const DEFAULT_MAX_ENTRIES = 100_000;
const EXPECTED_NAME = "<implementation>-<version>-<platform>-<abi>.runtime";
/** The file-name ABI of a runtime without one, as okonomiyaki writes it. */
const NO_ABI = "none";

/**
 * The file is not a valid runtime: a bad file name, a file that is not a zip
 * archive, an unsafe archive, or missing, malformed or mismatched
 * `enthought/runtime.json`. The message names the file and the problem.
 *
 * @example Skip invalid runtimes
 * ```ts
 * import { InvalidRuntimeError, readRuntimeMetadata } from "@hatcher/hatcher";
 * try {
 *   await readRuntimeMetadata("dist/cpython-3.11.2+2-rh8_x86_64-gnu.runtime");
 * } catch (error) {
 *   if (!(error instanceof InvalidRuntimeError)) throw error;
 *   console.error(`skipping ${error.file}: ${error.message}`);
 * }
 * ```
 */
export class InvalidRuntimeError extends InvalidArtefactError {
  /** Always `"InvalidRuntimeError"`. */
  override readonly name: string = "InvalidRuntimeError";
}

const RUNTIME: ArtefactKind = { noun: "runtime", error: InvalidRuntimeError };

/**
 * The metadata of a v1 runtime, from its `enthought/runtime.json`, as
 * okonomiyaki reads it.
 *
 * @example Describe a runtime
 * ```ts
 * import { readRuntimeMetadata, type RuntimeMetadata } from "@hatcher/hatcher";
 * const runtime: RuntimeMetadata = await readRuntimeMetadata(
 *   "dist/cpython-3.11.2+2-rh8_x86_64-gnu.runtime",
 * );
 * console.log(`${runtime.implementation} ${runtime.version} for ${runtime.platform}`);
 * ```
 */
export interface RuntimeMetadata {
  /** `cpython`, `pypy` or `julia`. */
  implementation: string;
  /** The runtime's version, e.g. `3.11.2+2` (PyPy: PyPy's own version, `2.6.0+1`). */
  version: string;
  /** The language version, e.g. `3.11.2` (PyPy 2.6.0: `2.7.9`). */
  languageVersion: string;
  /** The EDS platform, e.g. `rh8-x86_64`. */
  platform: string;
  /** The platform as runtime.json spells it, e.g. `rh8_x86_64`. */
  runtimePlatform: string;
  /** The platform ABI, e.g. `gnu`, `darwin`, `msvc2022`, `mingw`. */
  abi: string;
  /** PEP 425 Python tag, e.g. `cp311`, `pp27`; `null` for a runtime that is not Python. */
  pythonTag: string | null;
  /** Enthought's internal build revision; informative only, may be empty. */
  buildRevision: string;
  /** The interpreter, templated, e.g. `${prefix}/bin/python`. */
  executable: string;
  /** `metadata_version` as written: `1.0`. */
  metadataVersion: string;
  /** The whole parsed runtime.json, for the server's metadata. */
  raw: Record<string, unknown>;
}

/**
 * The parts of a runtime file name, as returned by
 * {@linkcode parseRuntimeFilename}.
 *
 * @example
 * ```ts
 * import { parseRuntimeFilename, type RuntimeFilename } from "@hatcher/hatcher";
 * const parts: RuntimeFilename = parseRuntimeFilename("cpython-3.11.2+2-rh8_x86_64-gnu.runtime");
 * console.log(parts.platform); // rh8-x86_64
 * ```
 */
export interface RuntimeFilename {
  /** `cpython`, `pypy` or `julia`. */
  implementation: string;
  /** The runtime version, e.g. `3.11.2+2`. */
  version: string;
  /** The EDS platform, e.g. `rh8-x86_64` (from `rh8_x86_64`). */
  platform: string;
  /** The ABI, or `null` for `none`. */
  abi: string | null;
}

/**
 * Options of {@linkcode readRuntimeMetadata}.
 *
 * @example Accept more files in the runtime
 * ```ts
 * import { readRuntimeMetadata, type ReadRuntimeMetadataOptions } from "@hatcher/hatcher";
 * const options: ReadRuntimeMetadataOptions = { maxEntries: 500_000 };
 * await readRuntimeMetadata("dist/cpython-3.11.2+2-rh8_x86_64-gnu.runtime", options);
 * ```
 */
export interface ReadRuntimeMetadataOptions {
  /**
   * Largest accepted `enthought/runtime.json`, in bytes once inflated.
   * Bigger metadata is refused before or while it is inflated, never allocated.
   * @default {65536}
   */
  maxMetadataBytes?: number;
  /**
   * Largest accepted number of entries in the archive.
   * @default {100000}
   */
  maxEntries?: number;
}

/**
 * Parses a runtime file name as okonomiyaki does: the implementation up to
 * the first `-`, then the version, platform and ABI split on the last two
 * `-`. The implementation must be one okonomiyaki reads (cpython, pypy,
 * julia), the version of its PEP 440 subset (`3.11.2+2`), the platform an EDS
 * platform in the underscore form (`rh8_x86_64`, legacy `rh5_64`), the ABI letters, digits,
 * `_` and `.` (`none`: no ABI), and the extension `.runtime`.
 *
 * @param filename A file name without directory.
 * @returns The implementation, version, EDS platform and ABI.
 * @throws {InvalidRuntimeError} When the name does not have that form.
 *
 * @example
 * ```ts
 * import { parseRuntimeFilename } from "@hatcher/hatcher";
 * const { implementation, version, platform, abi } = parseRuntimeFilename(
 *   "pypy-2.6.0+1-rh5_x86_64-gnu.runtime",
 * );
 * console.log(implementation, version, platform, abi); // pypy 2.6.0+1 rh5-x86_64 gnu
 * ```
 */
export function parseRuntimeFilename(filename: string): RuntimeFilename {
  const invalid = (why: string) =>
    new InvalidRuntimeError(
      `Invalid runtime file name "${filename}": ${why}`,
      filename,
    );
  if (!filename.endsWith(".runtime")) {
    throw invalid(`the extension must be ".runtime", expected "${EXPECTED_NAME}"`);
  }
  const stem = filename.slice(0, -".runtime".length);
  const firstDash = stem.indexOf("-");
  const abiDash = stem.lastIndexOf("-");
  const platformDash = abiDash > 0 ? stem.lastIndexOf("-", abiDash - 1) : -1;
  if (firstDash < 0 || platformDash <= firstDash) throw invalid(`expected "${EXPECTED_NAME}"`);
  const implementation = stem.slice(0, firstDash);
  const version = stem.slice(firstDash + 1, platformDash);
  const platformText = stem.slice(platformDash + 1, abiDash);
  const abi = stem.slice(abiDash + 1);
  if (!RUNTIME_IMPLEMENTATIONS.includes(implementation)) {
    throw invalid(unsupportedImplementation(implementation));
  }
  if (!isRuntimeVersion(version)) throw invalid(`"${version}" is not a runtime version`);
  const platform = canonicalPlatform(platformText);
  if (platform === undefined) throw invalid(`"${platformText}" is not an EDS platform`);
  if (!isValidName(abi)) throw invalid(`"${abi}" is not an ABI`);
  return { implementation, version, platform, abi: abi === NO_ABI ? null : abi };
}

function unsupportedImplementation(implementation: string): string {
  return `unsupported implementation "${implementation}" (hatcher reads ` +
    `${describeImplementations()} runtimes, as okonomiyaki does)`;
}

/** okonomiyaki's required keys of runtime.json v1 for every runtime, and Python's. */
const REQUIRED_STRINGS = [
  "metadata_version",
  "implementation",
  "version",
  "abi",
  "language_version",
  "platform",
  "build_revision",
  "executable",
];
const REQUIRED_LISTS = ["paths", "post_install"];
const REQUIRED_PYTHON_STRINGS = ["scriptsdir", "site_packages", "python_tag"];

/** The meaning of a parsed runtime.json, checked as okonomiyaki's schema and factory check it. */
function runtimeFromJson(document: JsonObject): RuntimeMetadata {
  const where = `in ${RUNTIME_METADATA_PATH}`;
  // okonomiyaki picks the reader by these two before anything else.
  for (const key of ["metadata_version", "implementation"]) {
    if (!(key in document)) throw new FormatProblem(`"${key}" is missing ${where}`);
  }
  const { metadata_version: metadataVersion, implementation } = document;
  if (metadataVersion !== "1.0") {
    throw new FormatProblem(
      `unsupported metadata_version ${JSON.stringify(metadataVersion)} ${where}: ` +
        `hatcher reads runtime metadata 1.0`,
    );
  }
  if (typeof implementation !== "string" || !RUNTIME_IMPLEMENTATIONS.includes(implementation)) {
    throw new FormatProblem(
      `${unsupportedImplementation(String(implementation))} ${where}`,
    );
  }
  const isPython = isPythonImplementation(implementation);
  const strings = [...REQUIRED_STRINGS, ...(isPython ? REQUIRED_PYTHON_STRINGS : [])];
  const missing = [...strings, ...REQUIRED_LISTS].filter((key) => !(key in document));
  if (missing.length > 0) {
    throw new FormatProblem(
      `${missing.map((key) => `"${key}"`).join(", ")} ${missing.length === 1 ? "is" : "are"} ` +
        `missing ${where} (required for ${implementation} runtimes)`,
    );
  }
  for (const key of strings) {
    if (typeof document[key] !== "string") {
      throw new FormatProblem(`"${key}" ${where} must be a string`);
    }
  }
  for (const key of REQUIRED_LISTS) {
    const value = document[key];
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
      throw new FormatProblem(`"${key}" ${where} must be a list of strings`);
    }
  }
  const text = (key: string) => document[key] as string;

  const version = text("version");
  const languageVersion = text("language_version");
  for (const [key, value] of [["version", version], ["language_version", languageVersion]]) {
    if (!isRuntimeVersion(value!)) {
      throw new FormatProblem(`"${key}" '${value}' ${where} is not a runtime version`);
    }
  }
  const runtimePlatform = text("platform");
  const platform = canonicalPlatform(runtimePlatform);
  if (platform === undefined) {
    throw new FormatProblem(`"platform" '${runtimePlatform}' ${where} is not an EDS platform`);
  }
  // okonomiyaki has no record of such builds (its platform tables fail on them).
  const os = platformOs(platform);
  if (
    (os === "osx" || os === "win") &&
    !hasEnthoughtBuild(os, platform.split("-")[1]!, majorMinor(version)!)
  ) {
    throw new FormatProblem(
      `no ${platform} build of version ${version} is known to okonomiyaki ${where}`,
    );
  }

  let pythonTag: string | null = null;
  if (isPython) {
    pythonTag = text("python_tag");
    const parsed = parsePythonTag(pythonTag);
    const expected = pythonTagFor(implementation, languageVersion);
    if (parsed.implementation !== implementation || pythonTag !== expected) {
      throw new FormatProblem(
        `"python_tag" '${pythonTag}' ${where} does not agree with ${implementation} ` +
          `${languageVersion} (expected '${expected}')`,
      );
    }
  }
  return {
    implementation,
    version,
    languageVersion,
    platform,
    runtimePlatform,
    abi: text("abi"),
    pythonTag,
    buildRevision: text("build_revision"),
    executable: text("executable"),
    metadataVersion,
    raw: document,
  };
}

/** hatcher's rule: the file name names the runtime its metadata describes. */
function checkAgainstFilename(metadata: RuntimeMetadata, fromName: RuntimeFilename): void {
  const mismatch = (what: string, inMetadata: string, inName: string) =>
    new FormatProblem(
      `${what} "${inMetadata}" in ${RUNTIME_METADATA_PATH} does not match the file name ` +
        `("${inName}")`,
    );
  if (metadata.implementation !== fromName.implementation) {
    throw mismatch("implementation", metadata.implementation, fromName.implementation);
  }
  if (metadata.version !== fromName.version) {
    throw mismatch("version", metadata.version, fromName.version);
  }
  if (metadata.platform !== fromName.platform) {
    throw mismatch("platform", metadata.runtimePlatform, fromName.platform);
  }
  const abi = metadata.abi === "" ? null : metadata.abi;
  if (abi !== fromName.abi) {
    throw mismatch("abi", metadata.abi, fromName.abi ?? NO_ABI);
  }
}

/**
 * Reads and checks the metadata of a v1 runtime file. Only the zip central
 * directory and `enthought/runtime.json` are read, with random-access reads,
 * so the cost does not depend on the size of the runtime.
 *
 * The runtime is refused when its file name is not
 * `<implementation>-<version>-<platform>-<abi>.runtime` (see
 * {@linkcode parseRuntimeFilename}); it is not a zip archive, any entry has an
 * absolute path or a `..` segment, it has more than `maxEntries` entries;
 * runtime.json is missing, inflates to more than `maxMetadataBytes`, is not a
 * JSON object; its `metadata_version` is not `1.0` or its `implementation`
 * not cpython, pypy or julia (okonomiyaki refuses `r`); a key okonomiyaki's
 * schema requires is missing or of the wrong type (every runtime:
 * `metadata_version`, `implementation`, `version`, `language_version`,
 * `platform`, `abi`, `build_revision`, `executable` strings, `paths` and
 * `post_install` lists of strings; Python runtimes also `scriptsdir`,
 * `site_packages`, `python_tag`); a version is not of okonomiyaki's PEP 440
 * subset; the platform is not an EDS platform or one okonomiyaki knows no
 * build for; the Python tag disagrees with the implementation and language
 * version; or the implementation, version, platform or ABI differ from the
 * file name.
 *
 * @param path Path of the `.runtime` file.
 * @param options Limits on the archive.
 * @returns The metadata from `enthought/runtime.json`.
 * @throws {InvalidRuntimeError} When the runtime is refused or cannot be
 * read; the message names the file and the problem.
 * @throws {RangeError} When an option is not a positive integer.
 *
 * @example Print the index identity of a runtime
 * ```ts
 * import { readRuntimeMetadata } from "@hatcher/hatcher";
 * const runtime = await readRuntimeMetadata("dist/cpython-3.11.2+2-rh8_x86_64-gnu.runtime");
 * console.log(runtime.platform, runtime.implementation, runtime.version); // rh8-x86_64 cpython 3.11.2+2
 * ```
 */
export async function readRuntimeMetadata(
  path: string,
  options: ReadRuntimeMetadataOptions = {},
): Promise<RuntimeMetadata> {
  const maxMetadataBytes = options.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  checkLimit("maxMetadataBytes", maxMetadataBytes);
  checkLimit("maxEntries", maxEntries);
  const file = basename(path);
  const fromName = parseRuntimeFilename(file);
  return await readArtefact(RUNTIME, file, async () => {
    const bytes = await readArchiveEntry(path, RUNTIME_METADATA_PATH, {
      maxEntryBytes: maxMetadataBytes,
      maxEntries,
    });
    const text = decodeUtf8(bytes, RUNTIME_METADATA_PATH);
    const metadata = runtimeFromJson(parseJsonObject(text, RUNTIME_METADATA_PATH));
    checkAgainstFilename(metadata, fromName);
    return metadata;
  });
}
