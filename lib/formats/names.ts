/**
 * The name rules of artefacts and the `<name>-<version>-<build>.<extension>`
 * file names of eggs and bundles. Names and versions become URL path
 * segments and file names on the server, so none may be `.` or `..` alone
 * (URLs normalise those away) or hold a path separator or control
 * character: the patterns allow only letters, digits, `_`, `.` (and `+` in
 * versions).
 *
 * @module
 */

/** An artefact name: letters, digits, `_` and `.`, not dots alone. */
export const NAME_PATTERN: RegExp = /^(?!\.+$)[A-Za-z0-9_.]+$/;
/** A version in a file name or URL: letters, digits, `_`, `.` and `+`, not dots alone. */
export const VERSION_PATTERN: RegExp = /^(?!\.+$)[A-Za-z0-9_.+]+$/;
const BUILD_PATTERN = /^[0-9]+$/;

/** True when `name` follows {@linkcode NAME_PATTERN}. */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** True when `version` follows {@linkcode VERSION_PATTERN}. */
export function isValidVersion(version: string): boolean {
  return VERSION_PATTERN.test(version);
}

/** A build number: a non-negative safe integer, or undefined. */
export function parseBuild(text: string): number | undefined {
  if (!BUILD_PATTERN.test(text)) return undefined;
  const build = Number(text);
  return Number.isSafeInteger(build) ? build : undefined;
}

/** The parts of a `<name>-<version>-<build>.<extension>` file name. */
export interface NameVersionBuild {
  /** As spelled in the file name. */
  name: string;
  /** Upstream version. */
  version: string;
  /** Build number. */
  build: number;
}

/**
 * Splits `<name>-<version>-<build><extension>` on its last two `-`, or
 * returns undefined when the name does not have that form: another
 * extension, a name outside {@linkcode NAME_PATTERN} (so a `-` in the name
 * is refused), a version outside {@linkcode VERSION_PATTERN}, a build that is
 * not a non-negative integer.
 *
 * @param filename A file name without directory.
 * @param extension The required extension with its dot, e.g. `.egg`.
 */
export function splitNameVersionBuild(
  filename: string,
  extension: string,
): NameVersionBuild | undefined {
  if (!filename.endsWith(extension)) return undefined;
  const stem = filename.slice(0, -extension.length);
  const buildDash = stem.lastIndexOf("-");
  const versionDash = buildDash > 0 ? stem.lastIndexOf("-", buildDash - 1) : -1;
  if (versionDash < 0) return undefined;
  const name = stem.slice(0, versionDash);
  const version = stem.slice(versionDash + 1, buildDash);
  const build = parseBuild(stem.slice(buildDash + 1));
  if (!isValidName(name) || !isValidVersion(version) || build === undefined) return undefined;
  return { name, version, build };
}

/**
 * A display string (an app's name): one line, no control characters, no
 * path separators, not `.`/`..` alone, at most `maxLength` characters.
 * Returns what is wrong, or undefined.
 */
export function displayNameProblem(text: string, maxLength: number): string | undefined {
  if (text.trim() === "") return "must not be empty";
  if (text.length > maxLength) return `must be at most ${maxLength} characters`;
  // deno-lint-ignore no-control-regex -- control characters are what is refused.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return "must not contain control characters";
  if (/[/\\]/.test(text)) return "must not contain / or \\";
  if (/^\.+$/.test(text.trim())) return "must not be dots alone";
  return undefined;
}
