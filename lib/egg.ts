/**
 * Enthought eggs: parse `<name>-<version>-<build>.egg` file names and the
 * `EGG-INFO/spec/depend` metadata, map it to an EDS platform, read it from an
 * archive safely and hash a file for upload.
 *
 * {@linkcode readEggMetadata} reads only the zip central directory and the
 * `spec/depend` entry, with random-access reads, so a 1 GiB egg costs
 * milliseconds and constant memory. It refuses unsafe entry names, too many
 * entries and metadata that inflates past a hard limit (zip bombs).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { HatcherError } from "./errors.ts";

/** Path of the Enthought metadata inside an egg. */
export const SPEC_PATH = "EGG-INFO/spec/depend";
const DEFAULT_MAX_SPEC_BYTES = 64 * 1024;
const DEFAULT_MAX_ENTRIES = 100_000;
/** Central directory bytes allowed per permitted entry (and at least 1 MiB). */
export const CENTRAL_DIRECTORY_BYTES_PER_ENTRY = 1024;
const SUPPORTED_METADATA_VERSIONS = ["1.1", "1.2", "1.3"];

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
export class InvalidEggError extends HatcherError {
  /** Base name of the egg file, or `undefined` when only metadata text was parsed. */
  readonly file: string | undefined;

  /**
   * Creates the error.
   *
   * @param message What is wrong, naming the file.
   * @param file Base name of the egg file, when there is one.
   * @param options The underlying `cause`, if any.
   */
  constructor(message: string, file?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidEggError";
    this.file = file;
  }
}

/**
 * The metadata of an egg, from its `EGG-INFO/spec/depend` file.
 *
 * @example Describe an egg
 * ```ts
 * import { type EggMetadata, readEggMetadata } from "@hatcher/hatcher";
 * const metadata: EggMetadata = await readEggMetadata("dist/numpy-1.26.4-1.egg");
 * console.log(`${metadata.name} ${metadata.fullVersion} for ${metadata.pythonTag ?? "any Python"}`);
 * ```
 */
export interface EggMetadata {
  /** Package name, lower case in Enthought eggs (e.g. `mkl` for `MKL-10.3-1.egg`). */
  name: string;
  /** Upstream version, e.g. `1.26.4`. */
  version: string;
  /** Build number, a non-negative integer. */
  build: number;
  /** `<version>-<build>`, e.g. `1.26.4-1`. */
  fullVersion: string;
  /** CPU architecture, e.g. `amd64`, or `null`. */
  arch: string | null;
  /** Python-style platform, e.g. `linux2`, `darwin`, `win32`, or `null`. */
  platform: string | null;
  /** OS distribution, e.g. `RedHat_7`, or `null`. */
  osdist: string | null;
  /** Python version, e.g. `3.11`; `null` for non-Python eggs. */
  python: string | null;
  /** PEP 425 Python tag, e.g. `cp311`; `null` for non-Python eggs. */
  pythonTag: string | null;
  /** PEP 425 ABI tag, e.g. `cp311`, or `null`. */
  abiTag: string | null;
  /** PEP 425 platform tag, e.g. `linux_x86_64`, or `null`. */
  platformTag: string | null;
  /** Requirements, e.g. `["mkl 2021.4.0-1", "six 1.16.0"]`. */
  packages: string[];
  /** Metadata format version: `1.1`, `1.2` or `1.3`. */
  metadataVersion: string;
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

const NAME_PATTERN = /^[A-Za-z0-9_.]+$/;
const VERSION_PATTERN = /^[A-Za-z0-9.+]+$/;
const BUILD_PATTERN = /^[0-9]+$/;

/**
 * Splits an egg file name `<name>-<version>-<build>.egg` on its last two `-`.
 * The name may hold letters, digits, `_` and `.`; the version letters, digits,
 * `.` and `+`; the build is a non-negative integer. Case is kept.
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
  const invalid = () =>
    new InvalidEggError(
      `Invalid egg file name "${filename}": expected "<name>-<version>-<build>.egg"`,
      filename,
    );
  if (!filename.endsWith(".egg")) throw invalid();
  const stem = filename.slice(0, -".egg".length);
  const buildDash = stem.lastIndexOf("-");
  const versionDash = buildDash > 0 ? stem.lastIndexOf("-", buildDash - 1) : -1;
  if (versionDash < 0) throw invalid();
  const name = stem.slice(0, versionDash);
  const version = stem.slice(versionDash + 1, buildDash);
  const buildText = stem.slice(buildDash + 1);
  if (
    !NAME_PATTERN.test(name) || !VERSION_PATTERN.test(version) || !BUILD_PATTERN.test(buildText)
  ) {
    throw invalid();
  }
  const build = Number(buildText);
  if (!Number.isSafeInteger(build)) throw invalid();
  return { name, version, build };
}

// ---------------------------------------------------------------------------
// spec/depend parsing

/** A problem in spec/depend text, worded to follow "Invalid ...: ". */
class SpecProblem extends Error {}

type SpecValue = string | number | null | string[];

interface Token {
  kind: "name" | "string" | "number" | "=" | "[" | "]" | "," | "newline" | "end";
  text: string;
  line: number;
}

const ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  "0": "\0",
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const openBrackets: number[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === " " || char === "\t" || char === "\r" || char === "\f") {
      i++;
    } else if (char === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (char === "\n") {
      if (openBrackets.length === 0) tokens.push({ kind: "newline", text: "\n", line });
      line++;
      i++;
    } else if (char === "=" || char === ",") {
      tokens.push({ kind: char, text: char, line });
      i++;
    } else if (char === "[") {
      openBrackets.push(line);
      tokens.push({ kind: "[", text: char, line });
      i++;
    } else if (char === "]") {
      if (openBrackets.pop() === undefined) {
        throw new SpecProblem(`unmatched "]" on line ${line}`);
      }
      tokens.push({ kind: "]", text: char, line });
      i++;
    } else if (char === "'" || char === '"') {
      const [value, end] = readString(text, i, line);
      tokens.push({ kind: "string", text: value, line });
      i = end;
    } else if (/[A-Za-z_]/.test(char)) {
      let end = i + 1;
      while (end < text.length && /[A-Za-z0-9_]/.test(text[end]!)) end++;
      const word = text.slice(i, end);
      if ((word === "u" || word === "U") && (text[end] === "'" || text[end] === '"')) {
        const [value, stringEnd] = readString(text, end, line);
        tokens.push({ kind: "string", text: value, line });
        i = stringEnd;
      } else {
        tokens.push({ kind: "name", text: word, line });
        i = end;
      }
    } else if (/[0-9-]/.test(char)) {
      const match = /^-?[0-9][0-9A-Za-z_.+-]*/.exec(text.slice(i, i + 64));
      if (!match) throw new SpecProblem(`unexpected "${char}" on line ${line}`);
      tokens.push({ kind: "number", text: match[0], line });
      i += match[0].length;
    } else {
      throw new SpecProblem(`unexpected "${char}" on line ${line}`);
    }
  }
  const unclosed = openBrackets[0];
  if (unclosed !== undefined) throw new SpecProblem(`unclosed "[" opened on line ${unclosed}`);
  tokens.push({ kind: "newline", text: "\n", line }, { kind: "end", text: "", line });
  return tokens;
}

/** Reads a quoted string starting at `start`; returns its value and the index after it. */
function readString(text: string, start: number, line: number): [string, number] {
  const quote = text[start]!;
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    const char = text[i]!;
    if (char === quote) return [value, i + 1];
    if (char === "\n") break;
    if (char === "\\") {
      const next = text[i + 1];
      if (next === undefined || next === "\n") break;
      value += ESCAPES[next] ?? `\\${next}`;
      i += 2;
    } else {
      value += char;
      i++;
    }
  }
  throw new SpecProblem(`unterminated string on line ${line}`);
}

function describeToken(token: Token): string {
  if (token.kind === "newline") return "end of line";
  if (token.kind === "end") return "end of text";
  if (token.kind === "string") return `string "${token.text}"`;
  return `"${token.text}"`;
}

/** Parses the assignments; returns each key's value and the line it is on. */
function parseAssignments(text: string): Map<string, { value: SpecValue; line: number }> {
  const tokens = tokenize(text);
  const assignments = new Map<string, { value: SpecValue; line: number }>();
  let position = 0;
  const next = (): Token => tokens[position++]!;
  const peek = (): Token => tokens[position]!;
  const unexpected = (token: Token, expected: string): SpecProblem =>
    new SpecProblem(`expected ${expected} but found ${describeToken(token)} on line ${token.line}`);

  const parseValue = (): SpecValue => {
    const token = next();
    if (token.kind === "string") return token.text;
    if (token.kind === "number") {
      if (!/^-?[0-9]+$/.test(token.text)) {
        throw new SpecProblem(
          `unsupported value "${token.text}" on line ${token.line}: ` +
            "use a quoted string, an integer, None or a list of strings",
        );
      }
      return Number(token.text);
    }
    if (token.kind === "name") {
      if (token.text === "None") return null;
      throw new SpecProblem(
        `unsupported value "${token.text}" on line ${token.line}: ` +
          "use a quoted string, an integer, None or a list of strings",
      );
    }
    if (token.kind === "[") {
      const items: string[] = [];
      while (peek().kind !== "]") {
        const item = next();
        if (item.kind !== "string") throw unexpected(item, "a quoted string in the list");
        items.push(item.text);
        if (peek().kind === ",") next();
        else if (peek().kind !== "]") throw unexpected(peek(), '"," or "]"');
      }
      next();
      return items;
    }
    throw unexpected(token, "a value");
  };

  while (peek().kind !== "end") {
    const key = next();
    if (key.kind === "newline") continue;
    if (key.kind !== "name") throw unexpected(key, "a name");
    const equals = next();
    if (equals.kind !== "=") throw unexpected(equals, `"=" after "${key.text}"`);
    const value = parseValue();
    const end = next();
    if (end.kind !== "newline") throw unexpected(end, "end of line");
    if (assignments.has(key.text)) {
      throw new SpecProblem(`"${key.text}" is assigned twice, again on line ${key.line}`);
    }
    assignments.set(key.text, { value, line: key.line });
  }
  return assignments;
}

function buildMetadata(assignments: Map<string, { value: SpecValue; line: number }>): EggMetadata {
  const requireString = (key: string): string => {
    const entry = assignments.get(key);
    if (entry === undefined) throw new SpecProblem(`"${key}" is missing`);
    if (typeof entry.value !== "string" || entry.value === "") {
      throw new SpecProblem(`"${key}" on line ${entry.line} must be a non-empty string`);
    }
    return entry.value;
  };
  const optionalString = (key: string): string | null => {
    const entry = assignments.get(key);
    if (entry === undefined || entry.value === null) return null;
    if (typeof entry.value !== "string") {
      throw new SpecProblem(`"${key}" on line ${entry.line} must be a string or None`);
    }
    return entry.value;
  };

  const metadataVersion = requireString("metadata_version");
  if (!SUPPORTED_METADATA_VERSIONS.includes(metadataVersion)) {
    const line = assignments.get("metadata_version")!.line;
    throw new SpecProblem(
      `unsupported metadata_version "${metadataVersion}" on line ${line}: ` +
        `expected ${SUPPORTED_METADATA_VERSIONS.join(", ")}`,
    );
  }
  const name = requireString("name");
  const version = requireString("version");
  const buildEntry = assignments.get("build");
  if (buildEntry === undefined) throw new SpecProblem(`"build" is missing`);
  const build = buildEntry.value;
  if (typeof build !== "number" || !Number.isSafeInteger(build) || build < 0) {
    throw new SpecProblem(`"build" on line ${buildEntry.line} must be a non-negative integer`);
  }
  const packagesEntry = assignments.get("packages");
  let packages: string[] = [];
  if (packagesEntry !== undefined) {
    if (!Array.isArray(packagesEntry.value)) {
      throw new SpecProblem(`"packages" on line ${packagesEntry.line} must be a list of strings`);
    }
    packages = packagesEntry.value;
    const blank = packages.findIndex((requirement) => requirement.trim() === "");
    if (blank >= 0) {
      throw new SpecProblem(`"packages" on line ${packagesEntry.line} holds an empty requirement`);
    }
  }
  return {
    name,
    version,
    build,
    fullVersion: `${version}-${build}`,
    arch: optionalString("arch"),
    platform: optionalString("platform"),
    osdist: optionalString("osdist"),
    python: optionalString("python"),
    pythonTag: optionalString("python_tag"),
    abiTag: optionalString("abi_tag"),
    platformTag: optionalString("platform_tag"),
    packages,
    metadataVersion,
  };
}

function parseSpec(text: string): EggMetadata {
  return buildMetadata(parseAssignments(text));
}

/**
 * Parses the text of an `EGG-INFO/spec/depend` file: Python-literal
 * assignments (`key = value`) of quoted strings, integers, `None` and lists of
 * strings, with comments and blank lines. Unknown keys are ignored; keys that
 * are absent become `null` (and `packages` an empty list).
 *
 * @param text The file's text.
 * @returns The metadata.
 * @throws {InvalidEggError} When the text cannot be parsed, a required key
 * (`metadata_version`, `name`, `version`, `build`) is missing or has the wrong
 * type, or `metadata_version` is not 1.1, 1.2 or 1.3. The message names the
 * problem and its line.
 *
 * @example
 * ```ts
 * import { parseSpecDepend } from "@hatcher/hatcher";
 * const metadata = parseSpecDepend(`
 * metadata_version = '1.3'
 * name = 'six'
 * version = '1.16.0'
 * build = 1
 * python = None
 * packages = []
 * `);
 * console.log(metadata.fullVersion); // 1.16.0-1
 * ```
 */
export function parseSpecDepend(text: string): EggMetadata {
  try {
    return parseSpec(text);
  } catch (error) {
    if (!(error instanceof SpecProblem)) throw error;
    throw new InvalidEggError(`Invalid spec/depend metadata: ${error.message}`);
  }
}

const OS_BY_PLATFORM: Record<string, string> = { darwin: "osx", win32: "win" };
const ARCH_NAMES: Record<string, string> = {
  amd64: "x86_64",
  x86_64: "x86_64",
  x86: "x86",
  i386: "x86",
  i686: "x86",
  arm64: "arm64",
  aarch64: "arm64",
};

/**
 * Maps egg metadata to an EDS platform name such as `rh7-x86_64`,
 * `osx-arm64` or `win-x86`. RedHat eggs (`osdist` `RedHat_<N>`, platform
 * `linux2` or unset) map to `rh<N>`, `darwin` to `osx`, `win32` to `win`;
 * `amd64`/`x86_64` to `x86_64`, `x86`/`i386`/`i686` to `x86` and
 * `arm64`/`aarch64` to `arm64`.
 *
 * @param metadata The egg's `arch`, `platform` and `osdist`.
 * @returns The EDS platform, or `null` for a platform-independent egg
 * (no platform) or one whose OS or architecture has no EDS name.
 *
 * @example
 * ```ts
 * import { edsPlatform } from "@hatcher/hatcher";
 * console.log(edsPlatform({ arch: "amd64", platform: "linux2", osdist: "RedHat_7" })); // rh7-x86_64
 * console.log(edsPlatform({ arch: null, platform: null, osdist: null })); // null
 * ```
 */
export function edsPlatform(
  metadata: Pick<EggMetadata, "arch" | "platform" | "osdist">,
): string | null {
  const { arch, platform, osdist } = metadata;
  let os: string | undefined;
  const redHat = osdist === null ? null : /^RedHat_([0-9]+)$/.exec(osdist);
  if (redHat && (platform === null || platform.startsWith("linux"))) {
    os = `rh${redHat[1]}`;
  } else if (platform !== null) {
    os = OS_BY_PLATFORM[platform];
  }
  const cpu = arch === null ? undefined : ARCH_NAMES[arch.toLowerCase()];
  return os === undefined || cpu === undefined ? null : `${os}-${cpu}`;
}

// ---------------------------------------------------------------------------
// Reading an archive

/** A problem with an archive, worded to follow `Invalid egg "<file>": `. */
export class ArchiveProblem extends Error {}

const FS_ERRORS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory",
};

/** An error's message to follow a colon: known file-system codes in words, else lower-cased. */
export function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && FS_ERRORS[code]) return FS_ERRORS[code];
  const text = error instanceof Error ? error.message : String(error);
  const lowered = /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
  return lowered.replace(/\.$/, "");
}

function basename(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

function checkLimit(option: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Invalid ${option} "${value}": must be a positive integer`);
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
 * import { edsPlatform, readEggMetadata } from "@hatcher/hatcher";
 * const metadata = await readEggMetadata("dist/numpy-1.26.4-1.egg");
 * console.log(metadata.pythonTag, edsPlatform(metadata)); // cp311 rh7-x86_64
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
  const invalid = (problem: string, cause?: unknown) =>
    new InvalidEggError(`Invalid egg "${file}": ${problem}`, file, { cause });

  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new InvalidEggError(`Cannot read egg "${file}": ${errorText(error)}`, file, {
      cause: error,
    });
  }
  let text: string;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ArchiveProblem("not a regular file");
    // zip.js and zlib load only when an egg is read, not with the CLI.
    const { readSpecText } = await import("./egg_archive.ts");
    text = await readSpecText(handle, stat.size, maxSpecBytes, maxEntries);
  } catch (error) {
    if (error instanceof ArchiveProblem) throw invalid(error.message, error.cause);
    throw new InvalidEggError(`Cannot read egg "${file}": ${errorText(error)}`, file, {
      cause: error,
    });
  } finally {
    await handle.close();
  }

  let metadata: EggMetadata;
  try {
    metadata = parseSpec(text);
  } catch (error) {
    if (error instanceof SpecProblem) throw invalid(`in ${SPEC_PATH}, ${error.message}`);
    throw error;
  }
  if (metadata.name.toLowerCase() !== fromName.name.toLowerCase()) {
    throw invalid(
      `name "${metadata.name}" in ${SPEC_PATH} does not match the file name ("${fromName.name}")`,
    );
  }
  if (metadata.version !== fromName.version) {
    throw invalid(
      `version "${metadata.version}" in ${SPEC_PATH} does not match the file name ` +
        `("${fromName.version}")`,
    );
  }
  if (metadata.build !== fromName.build) {
    throw invalid(
      `build ${metadata.build} in ${SPEC_PATH} does not match the file name (${fromName.build})`,
    );
  }
  return metadata;
}

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
  const hash = createHash("sha256");
  let bytes = 0;
  try {
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
