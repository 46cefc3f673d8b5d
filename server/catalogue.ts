/**
 * The fixed vocabularies of this server: the platforms and Python tags that
 * repositories can hold. The metadata routes publish them, and upload routes
 * validate URL segments against them.
 */

/** The platforms, shared with the client (legacy spellings are aliases there). */
export { PLATFORMS } from "../lib/formats/platforms.ts";

/** Runtime tags: what `eggs list` and the egg index accept (a specific interpreter). */
export const PYTHON_TAGS: readonly string[] = [
  "cp27",
  "cp34",
  "cp35",
  "cp36",
  "cp37",
  "cp38",
  "cp39",
  "cp310",
  "cp311",
  "cp312",
  "cp313",
  "pp27",
];

/** Tags an egg may carry without naming one interpreter (`py311`); `none` marks non-Python eggs. */
export const GENERIC_PYTHON_TAGS: readonly string[] = [
  "py27",
  "py34",
  "py35",
  "py36",
  "py37",
  "py38",
  "py39",
  "py310",
  "py311",
  "py312",
  "py313",
  "none",
];

/** Every tag the server knows, runtime tags first. */
export const ALL_PYTHON_TAGS: readonly string[] = [...PYTHON_TAGS, ...GENERIC_PYTHON_TAGS];

/** A specific runtime tag (cp36, pp27), as index and metadata URLs need. */
export function isRuntimePythonTag(tag: string): boolean {
  return PYTHON_TAGS.includes(tag);
}

export function isKnownPythonTag(tag: string): boolean {
  return ALL_PYTHON_TAGS.includes(tag);
}

/**
 * The egg tags a runtime can use, most specific first: itself, then the
 * generic tag of its Python version (`cp311` -> `py311`, `pp27` -> `py27`).
 * Single-digit tags (`py3`) do not exist: okonomiyaki refuses eggs that carry
 * them. Eggs without a tag suit every runtime and are not listed here.
 * Indices use this to pick eggs.
 */
export function compatibleEggTags(runtimeTag: string): string[] {
  const match = /^(cp|pp)(\d)(\d+)$/.exec(runtimeTag);
  return match ? [runtimeTag, `py${match[2]}${match[3]}`] : [runtimeTag];
}
