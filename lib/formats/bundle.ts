/**
 * EDM bundles: JSON files named `<name>-<version>-<build>.bundle` that pin
 * an environment (a runtime and the exact packages installed on it), in
 * EDM's bundle formats 1.0 and 2.0. The EDS platform and Python tag of a
 * bundle come from its `runtime` block, as the server derives them.
 *
 * @module
 */
import {
  type ArtefactKind,
  basename,
  checkLimit,
  FormatProblem,
  InvalidArtefactError,
  type JsonObject,
  parseJsonObject,
  readArtefact,
} from "./artefact.ts";
import { readBoundedText } from "./files.ts";
import { Fields, itemFields } from "./fields.ts";
import {
  describeImplementations,
  isRuntimeVersion,
  pythonTagFor,
  RUNTIME_IMPLEMENTATIONS,
} from "./implementations.ts";
import {
  isValidName,
  isValidVersion,
  type NameVersionBuild,
  splitNameVersionBuild,
} from "./names.ts";
import { canonicalPlatform } from "./platforms.ts";

/**
 * The largest bundle file read by default (16 MiB); real bundles are a few KiB.
 *
 * @example
 * ```ts
 * import { MAX_BUNDLE_BYTES } from "@hatcher/hatcher";
 * console.log(MAX_BUNDLE_BYTES); // 16777216
 * ```
 */
export const MAX_BUNDLE_BYTES: number = 16 * 1024 * 1024;
/** The bundle formats EDM writes, as `metadata_version` names them. */
const FORMAT_VERSIONS = ["1.0", "2.0"];
const MARK_STATES = ["manual", "auto"];
const MODIFIERS = ["allow_any", "allow_newer", "allow_older"];
const SHA256_PATTERN = /^[0-9a-fA-F]{64}$/;
// `organization/repository`, each a plain URL segment.
const REPOSITORY_PATTERN = /^(?!\.+\/)[A-Za-z0-9_.-]+\/(?!\.+$)[A-Za-z0-9_.-]+$/;

/**
 * The file is not a valid bundle: a bad file name, a file that is too large
 * or not JSON, or a bundle whose format, runtime block, requirements,
 * modifiers or marks are invalid. The message names the file and the problem.
 *
 * @example Skip invalid bundles
 * ```ts
 * import { InvalidBundleError, readBundleMetadata } from "@hatcher/hatcher";
 * try {
 *   await readBundleMetadata("science-1.0.0-1.bundle");
 * } catch (error) {
 *   if (!(error instanceof InvalidBundleError)) throw error;
 *   console.error(`skipping ${error.file}: ${error.message}`);
 * }
 * ```
 */
export class InvalidBundleError extends InvalidArtefactError {
  /** Always `"InvalidBundleError"`. */
  override readonly name: string = "InvalidBundleError";
}

const BUNDLE: ArtefactKind = { noun: "bundle", error: InvalidBundleError };

/**
 * The runtime a bundle is for, from its `runtime` block.
 *
 * @example
 * ```ts
 * import { type BundleRuntime, readBundleMetadata } from "@hatcher/hatcher";
 * const runtime: BundleRuntime = (await readBundleMetadata("science-1.0.0-1.bundle")).runtime;
 * console.log(runtime.implementation, runtime.version); // cpython 3.11.2+2
 * ```
 */
export interface BundleRuntime {
  /** `cpython`, `pypy` or `julia`. */
  implementation: string;
  /** The runtime's version, e.g. `3.11.2+2`. */
  version: string;
  /** The language version, when the block gives one (`language_version`); else `null`. */
  languageVersion: string | null;
  /** The EDS platform, e.g. `rh8-x86_64`. */
  platform: string;
  /** The platform as the bundle spells it, e.g. `rh8_x86_64`. */
  runtimePlatform: string;
  /** The platform ABI (`abi` or `platform_abi`), e.g. `gnu`. */
  abi: string;
  /** The repository the runtime comes from (format 2.0), e.g. `enthought/free`; else `null`. */
  repository: string | null;
  /** SHA-256 of the runtime file (format 2.0); else `null`. */
  sha256: string | null;
}

/**
 * The metadata of a bundle, from its file name and its JSON.
 *
 * @example Describe a bundle
 * ```ts
 * import { type BundleMetadata, readBundleMetadata } from "@hatcher/hatcher";
 * const bundle: BundleMetadata = await readBundleMetadata("science-1.0.0-1.bundle");
 * console.log(`${bundle.name} ${bundle.fullVersion} for ${bundle.platform} ${bundle.pythonTag}`);
 * ```
 */
export interface BundleMetadata {
  /** The bundle's name, from the file name, e.g. `science`. */
  name: string;
  /** Its version, e.g. `1.0.0`. */
  version: string;
  /** Its build number. */
  build: number;
  /** `<version>-<build>`, e.g. `1.0.0-1`. */
  fullVersion: string;
  /** The bundle format, `1.0` or `2.0` (its `metadata_version`). */
  formatVersion: string;
  /** The EDS platform of its runtime, e.g. `rh8-x86_64`. */
  platform: string;
  /** The Python tag of its runtime, e.g. `cp311`; `null` for a runtime that is not Python. */
  pythonTag: string | null;
  /** Its runtime block. */
  runtime: BundleRuntime;
  /** The whole parsed bundle JSON, for the server's metadata. */
  data: Record<string, unknown>;
}

/**
 * The parts of a bundle file name, as returned by {@linkcode parseBundleFilename}.
 *
 * @example
 * ```ts
 * import { type BundleFilename, parseBundleFilename } from "@hatcher/hatcher";
 * const { name, version, build }: BundleFilename = parseBundleFilename("up_down-3.1.2-3.bundle");
 * ```
 */
export type BundleFilename = NameVersionBuild;

/**
 * Options of {@linkcode readBundleMetadata}.
 *
 * @example Accept only small bundles
 * ```ts
 * import { readBundleMetadata, type ReadBundleMetadataOptions } from "@hatcher/hatcher";
 * const options: ReadBundleMetadataOptions = { maxBytes: 1024 * 1024 };
 * await readBundleMetadata("science-1.0.0-1.bundle", options);
 * ```
 */
export interface ReadBundleMetadataOptions {
  /**
   * Largest accepted bundle file, in bytes; a bigger one is refused before
   * it is read.
   * @default {16777216}
   */
  maxBytes?: number;
}

/**
 * Splits a bundle file name `<name>-<version>-<build>.bundle` on its last
 * two `-`. The name may hold only letters, digits, `_` and `.`
 * (`up_down-3.1.2-3.bundle`; not `foo-bar-1.0.0-1.bundle`); the version
 * letters, digits, `_`, `.` and `+`; neither may be dots alone; the build is
 * a non-negative integer.
 *
 * @param filename A file name without directory.
 * @returns The name, version and build.
 * @throws {InvalidBundleError} When the name does not have that form.
 *
 * @example
 * ```ts
 * import { parseBundleFilename } from "@hatcher/hatcher";
 * console.log(parseBundleFilename("foo-1.0.0rc1-1.bundle")); // { name: "foo", version: "1.0.0rc1", build: 1 }
 * ```
 */
export function parseBundleFilename(filename: string): BundleFilename {
  const parts = splitNameVersionBuild(filename, ".bundle");
  if (parts === undefined) {
    throw new InvalidBundleError(
      `Invalid bundle file name "${filename}": expected "<name>-<version>-<build>.bundle" ` +
        "with a name of letters, digits, _ and . only",
      filename,
    );
  }
  return parts;
}

function checked(value: string, path: string, valid: boolean, what: string): string {
  if (!valid) throw new FormatProblem(`"${path}" '${value}' is not ${what}`);
  return value;
}

/** The runtime block; format 2.0 also pins the runtime's repository and SHA-256. */
function bundleRuntime(fields: Fields, formatVersion: string): BundleRuntime {
  const implementation = fields.string("implementation");
  if (!RUNTIME_IMPLEMENTATIONS.includes(implementation)) {
    throw new FormatProblem(
      `"${fields.path("implementation")}" '${implementation}' is not a runtime implementation ` +
        `(${describeImplementations()})`,
    );
  }
  const version = fields.string("version");
  checked(version, fields.path("version"), isRuntimeVersion(version), "a runtime version");
  const languageVersion = fields.optionalString("language_version") ?? null;
  if (languageVersion !== null) {
    checked(
      languageVersion,
      fields.path("language_version"),
      isRuntimeVersion(languageVersion),
      "a runtime version",
    );
  }
  const runtimePlatform = fields.string("platform");
  const platform = canonicalPlatform(runtimePlatform);
  if (platform === undefined) {
    throw new FormatProblem(
      `"${fields.path("platform")}" '${runtimePlatform}' is not an EDS platform`,
    );
  }
  const abi = fields.optionalString("abi");
  const platformAbi = fields.optionalString("platform_abi");
  if (abi === undefined && platformAbi === undefined) {
    throw new FormatProblem(`"${fields.path("abi")}" (or "platform_abi") is missing`);
  }
  if (abi !== undefined && platformAbi !== undefined && abi !== platformAbi) {
    throw new FormatProblem(
      `"${fields.path("abi")}" '${abi}' and "platform_abi" '${platformAbi}' disagree`,
    );
  }
  const theAbi = (abi ?? platformAbi)!;
  checked(theAbi, fields.path(abi ? "abi" : "platform_abi"), isValidName(theAbi), "an ABI");
  const pinned = formatVersion === "2.0";
  return {
    implementation,
    version,
    languageVersion,
    platform,
    runtimePlatform,
    abi: theAbi,
    repository: pinned ? repositoryOf(fields) : null,
    sha256: pinned ? sha256Of(fields) : null,
  };
}

function repositoryOf(fields: Fields): string {
  const value = fields.string("repository");
  return checked(
    value,
    fields.path("repository"),
    REPOSITORY_PATTERN.test(value),
    "an <organization>/<repository>",
  );
}

function sha256Of(fields: Fields): string {
  const value = fields.string("sha256");
  return checked(value, fields.path("sha256"), SHA256_PATTERN.test(value), "a SHA-256 digest");
}

/** Requirements `{name, version}`; format 2.0 pins full versions, repositories and digests. */
function checkRequirements(top: Fields, formatVersion: string): void {
  const seen = new Set<string>();
  for (const item of top.list("requirements")) {
    const fields = itemFields(item);
    const name = fields.string("name");
    checked(name, fields.path("name"), isValidName(name), "a package name");
    if (seen.has(name.toLowerCase())) {
      throw new FormatProblem(`"${fields.path("name")}" '${name}' is required twice`);
    }
    seen.add(name.toLowerCase());
    const version = fields.string("version");
    if (formatVersion === "2.0") {
      const match = /^(.+)-([0-9]+)$/.exec(version);
      checked(
        version,
        fields.path("version"),
        match !== null && isValidVersion(match[1]!),
        "a full version <version>-<build>",
      );
      repositoryOf(fields);
      sha256Of(fields);
    } else {
      checked(
        version,
        fields.path("version"),
        /^(?!\.+$)[A-Za-z0-9_.+-]+$/.test(version),
        "a version",
      );
    }
  }
}

const nameProblem = (name: string) => isValidName(name) ? undefined : "is not a package name";
const repositoryProblem = (ref: string) =>
  REPOSITORY_PATTERN.test(ref) ? undefined : "is not an <organization>/<repository>";

/** The optional blocks: `repositories`, `modifiers` and `mark`. */
function checkOptionalBlocks(top: Fields): void {
  const repositories = top.optionalObject("repositories");
  repositories?.optionalStringList("packages", repositoryProblem);
  repositories?.optionalStringList("runtimes", repositoryProblem);
  const modifiers = top.optionalObject("modifiers");
  for (const key of MODIFIERS) modifiers?.optionalStringList(key, nameProblem);
  if (top.has("mark")) {
    for (const item of top.list("mark")) {
      const fields = itemFields(item);
      const name = fields.string("name");
      checked(name, fields.path("name"), isValidName(name), "a package name");
      const state = fields.string("state");
      checked(state, fields.path("state"), MARK_STATES.includes(state), "manual or auto");
    }
  }
}

/** The meaning of a bundle's JSON, named `fromName`. */
function bundleFromJson(document: JsonObject, fromName: BundleFilename): BundleMetadata {
  const top = new Fields(document);
  const formatVersion = top.string("metadata_version");
  if (!FORMAT_VERSIONS.includes(formatVersion)) {
    throw new FormatProblem(
      `unsupported bundle format "metadata_version" '${formatVersion}': ` +
        "hatcher reads bundle formats 1.0 and 2.0",
    );
  }
  const runtime = bundleRuntime(top.object("runtime"), formatVersion);
  checkRequirements(top, formatVersion);
  checkOptionalBlocks(top);
  const { name, version, build } = fromName;
  return {
    name,
    version,
    build,
    fullVersion: `${version}-${build}`,
    formatVersion,
    platform: runtime.platform,
    // A PyPy block may carry the language version, as runtime.json does.
    pythonTag: pythonTagFor(runtime.implementation, runtime.languageVersion ?? runtime.version),
    runtime,
    data: document,
  };
}

/**
 * Reads and checks an EDM bundle file (format 1.0 or 2.0). Its name, version
 * and build come from the file name; its platform and Python tag from its
 * `runtime` block (a CPython 3.11 runtime means `cp311`, a PyPy runtime `pp`
 * and the major and minor of its `language_version` if the block has one,
 * else of its `version`; a Julia runtime no tag).
 *
 * The bundle is refused when its file name is not
 * `<name>-<version>-<build>.bundle` with a name of letters, digits, `_` and
 * `.` only; it is larger than `maxBytes` (checked before reading), not UTF-8
 * or not a JSON object; `metadata_version` is not `1.0` or `2.0`; the
 * `runtime` block lacks an `implementation` (cpython, pypy or julia), a
 * `version`, an EDS `platform` or an `abi`/`platform_abi` (the two must agree
 * when both are given); `requirements` is not a list of `{name, version}`
 * with package names, each required once; in format 2.0 the runtime or a
 * requirement lacks `repository` (`org/repo`) or `sha256`, or a
 * requirement's version is not a full version (`9.0.1-1`); or the optional
 * `repositories` (`packages`, `runtimes`: lists of `org/repo`), `modifiers`
 * (`allow_any`, `allow_newer`, `allow_older`: lists of package names) or
 * `mark` (a list of `{name, state: manual|auto}`) are malformed.
 *
 * @param path Path of the `.bundle` file.
 * @param options The size limit.
 * @returns The bundle's metadata.
 * @throws {InvalidBundleError} When the bundle is refused or cannot be read;
 * the message names the file and the problem.
 * @throws {RangeError} When `maxBytes` is not a positive integer.
 *
 * @example Where a bundle goes on the server
 * ```ts
 * import { readBundleMetadata } from "@hatcher/hatcher";
 * const bundle = await readBundleMetadata("science-1.0.0-1.bundle");
 * console.log(bundle.platform, bundle.pythonTag, bundle.name, bundle.fullVersion);
 * // rh8-x86_64 cp311 science 1.0.0-1
 * ```
 */
export async function readBundleMetadata(
  path: string,
  options: ReadBundleMetadataOptions = {},
): Promise<BundleMetadata> {
  const maxBytes = options.maxBytes ?? MAX_BUNDLE_BYTES;
  checkLimit("maxBytes", maxBytes);
  const file = basename(path);
  const fromName = parseBundleFilename(file);
  return await readArtefact(BUNDLE, file, async () => {
    const text = await readBoundedText(path, maxBytes);
    return bundleFromJson(parseJsonObject(text, "the bundle"), fromName);
  });
}
