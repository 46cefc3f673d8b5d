/**
 * The fixed vocabularies of this server: the platforms and Python tags that
 * repositories can hold. The metadata routes publish them, and upload routes
 * validate URL segments against them.
 */

/** EDS 0.15 platforms plus osx-arm64. Legacy spellings (rh5-64, win-32) are not accepted. */
export const PLATFORMS: readonly string[] = [
  "osx-x86",
  "osx-x86_64",
  "osx-arm64",
  "rh5-x86",
  "rh5-x86_64",
  "rh6-x86",
  "rh6-x86_64",
  "rh7-x86",
  "rh7-x86_64",
  "rh8-x86_64",
  "win-x86",
  "win-x86_64",
];

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

/** Tags an egg may carry without naming one interpreter; `none` marks non-Python eggs. */
export const GENERIC_PYTHON_TAGS: readonly string[] = [
  "py2",
  "py27",
  "py3",
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
  "cp2",
  "cp3",
  "none",
];

/** Every tag the server knows, runtime tags first. */
export const ALL_PYTHON_TAGS: readonly string[] = [...PYTHON_TAGS, ...GENERIC_PYTHON_TAGS];

export function isPlatform(name: string): boolean {
  return PLATFORMS.includes(name);
}

/** A specific runtime tag (cp36, pp27), as index and metadata URLs need. */
export function isRuntimePythonTag(tag: string): boolean {
  return PYTHON_TAGS.includes(tag);
}

export function isKnownPythonTag(tag: string): boolean {
  return ALL_PYTHON_TAGS.includes(tag);
}

/**
 * The egg tags a runtime can use, most specific first: itself, then the
 * generic tags of its Python version (`cp311` -> `py311`, `cp3`, `py3`;
 * `pp27` -> `py27`, `py2`). Eggs without a tag suit every runtime and are
 * not listed here. Indices use this to pick eggs.
 */
export function compatibleEggTags(runtimeTag: string): string[] {
  const match = /^(cp|pp)(\d)(\d+)$/.exec(runtimeTag);
  if (!match) return [runtimeTag];
  const [, implementation, major, minor] = match;
  const tags = [runtimeTag, `py${major}${minor}`];
  if (implementation === "cp") tags.push(`cp${major}`);
  tags.push(`py${major}`);
  return tags;
}
