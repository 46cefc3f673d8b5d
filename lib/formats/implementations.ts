/**
 * Runtime implementations, their versions and the Python tags they imply,
 * as okonomiyaki (Enthought's format library) defines them: runtimes are
 * `cpython`, `pypy` or `julia`; a Python tag is an abbreviation and a
 * `major minor` version (`cp311`, `pp27`, `cp3_11`); runtime versions are
 * okonomiyaki's subset of PEP 440 (`3.11.2+2`).
 *
 * Throws {@linkcode FormatProblem} where okonomiyaki refuses.
 *
 * @module
 */
import { FormatProblem } from "./artefact.ts";

/** The runtime implementations okonomiyaki reads (it refuses `r`). */
export const RUNTIME_IMPLEMENTATIONS: readonly string[] = ["cpython", "pypy", "julia"];

/** The implementations that are Python, with the abbreviation of their Python tags. */
const PYTHON_ABBREVIATIONS: Record<string, string> = { cpython: "cp", pypy: "pp" };

/** True for a runtime implementation that is Python (`cpython`, `pypy`), not `julia`. */
export function isPythonImplementation(implementation: string): boolean {
  return Object.hasOwn(PYTHON_ABBREVIATIONS, implementation);
}

/** The implementation an abbreviation stands for, as okonomiyaki names them. */
const IMPLEMENTATIONS: Record<string, string> = {
  cp: "cpython",
  py: "python",
  pp: "pypy",
  ip: "ironpython",
  jy: "jython",
};

/** "cpython, pypy and julia". */
export function describeImplementations(): string {
  const names = [...RUNTIME_IMPLEMENTATIONS];
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** A Python tag's implementation and version, e.g. `cp311` -> `cpython` 3.11. */
export interface PythonTagParts {
  /** `cpython`, `python` (generic `py` tags), `pypy`, `ironpython`, `jython`, or as written. */
  implementation: string;
  major: number;
  minor: number;
}

/**
 * Parses a Python tag as okonomiyaki does: letters, then two or three digits
 * (`cp27`, `cp311`) or `major_minor` (`cp3_11`). Throws FormatProblem otherwise
 * (`none`, `py3`).
 */
export function parsePythonTag(tag: string): PythonTagParts {
  const match = /^([^0-9]+)([0-9_]+)/.exec(tag);
  const invalid = () => new FormatProblem(`"python_tag" = '${tag}' is not a valid Python tag`);
  if (!match) throw invalid();
  const [, abbreviation, digits] = match as unknown as [string, string, string];
  let major: number;
  let minor: number;
  if (digits.includes("_")) {
    const parts = digits.split("_");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") throw invalid();
    [major, minor] = [Number(parts[0]), Number(parts[1])];
  } else if (digits.length > 1 && digits.length < 4) {
    [major, minor] = [Number(digits[0]), Number(digits.slice(1))];
  } else {
    throw invalid();
  }
  const implementation = Object.hasOwn(IMPLEMENTATIONS, abbreviation)
    ? IMPLEMENTATIONS[abbreviation]!
    : abbreviation;
  return { implementation, major, minor };
}

/**
 * True for a Python tag that okonomiyaki parses and that is also a plain URL
 * segment: lower-case letters then the version, nothing after
 * (`cp311`, `pp27`, `cp3_11`).
 */
export function isStrictPythonTag(tag: string): boolean {
  // Every tag of this form parses as okonomiyaki parses tags.
  return /^[a-z]+(?:[0-9]{2,3}|[0-9]+_[0-9]+)$/.test(tag);
}

// okonomiyaki's PEP 440 subset: release, a/b/rc, .postN, .devN, a local part of one or two
// segments. No epoch: `!` is not allowed in a file name on the server.
const RUNTIME_VERSION_PATTERN =
  /^v?[0-9]+(?:\.[0-9]+)*(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?(?:\+[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)?)?$/;

/** True for a version of okonomiyaki's PEP 440 subset (`3.11.2+2`, `2.7.10`), epochs aside. */
export function isRuntimeVersion(version: string): boolean {
  return RUNTIME_VERSION_PATTERN.test(version);
}

/** The major and minor of a version (`3.11.2+2` -> [3, 11]; `3` -> [3, 0]), or undefined. */
export function majorMinor(version: string): [number, number] | undefined {
  const match = /^v?([0-9]+)(?:\.([0-9]+))?/.exec(version);
  return match ? [Number(match[1]), Number(match[2] ?? 0)] : undefined;
}

/**
 * The Python tag of a runtime implementation at a language version, as
 * runtimes carry it: `cpython` 3.11.2 -> `cp311`, `pypy` (language) 2.7.9 ->
 * `pp27`; `null` for an implementation that is not Python (`julia`).
 */
export function pythonTagFor(implementation: string, languageVersion: string): string | null {
  if (!isPythonImplementation(implementation)) return null;
  const abbreviation = PYTHON_ABBREVIATIONS[implementation]!;
  const version = majorMinor(languageVersion);
  if (version === undefined) {
    throw new FormatProblem(`'${languageVersion}' is not a ${implementation} version`);
  }
  return `${abbreviation}${version[0]}${version[1]}`;
}
