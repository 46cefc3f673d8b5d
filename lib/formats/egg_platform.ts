/**
 * What an egg's `spec/depend` means for platforms and tags, by okonomiyaki's
 * rules (Enthought's egg-format library, the reference for real eggs):
 *
 * - the EDS platform from the legacy `arch`, `platform` and `osdist` keys
 *   (`linux2` with no `osdist` is rh5; an unknown combination is an error;
 *   no `platform` and no `osdist` means "any platform");
 * - for metadata older than 1.2 the Python tag from `python` (`2.7` -> `cp27`),
 *   older than 1.3 the ABI and PEP 425 platform tags, older than 1.4 the
 *   platform ABI (`gnu`, `darwin`, `msvc2008`...).
 *
 * Every function throws {@linkcode SpecProblem} where okonomiyaki refuses.
 *
 * @module
 */
import { parsePythonTag } from "./implementations.ts";
import { defaultCpythonAbi, hasEnthoughtBuild, platformOs } from "./platforms.ts";
import { SpecProblem } from "./spec_depend.ts";

export { parsePythonTag } from "./implementations.ts";

/**
 * The legacy platform keys of `spec/depend`, as written there.
 *
 * @example
 * ```ts
 * import { type LegacyPlatformKeys, readEggMetadata } from "@hatcher/hatcher";
 * const { legacy }: { legacy: LegacyPlatformKeys } = await readEggMetadata("dist/numpy-1.26.4-1.egg");
 * console.log(legacy.arch, legacy.platform, legacy.osdist); // amd64 linux2 RedHat_7
 * ```
 */
export interface LegacyPlatformKeys {
  /** CPU architecture, e.g. `amd64`, `x86`, `arm64`, or `null`. */
  arch: string | null;
  /** Python's `sys.platform`, e.g. `linux2`, `darwin`, `win32`, or `null`. */
  platform: string | null;
  /** OS distribution, e.g. `RedHat_7`, or `null`. */
  osdist: string | null;
}

type Arch = "x86" | "x86_64" | "arm" | "arm64";

// okonomiyaki's architecture names; case matters, as there.
const ARCHITECTURES: Record<string, Arch> = {
  x86: "x86",
  i386: "x86",
  i686: "x86",
  arm: "arm",
  ARM: "arm",
  armv7: "arm",
  ARMv7: "arm",
  AArch32: "arm",
  aarch32: "arm",
  amd64: "x86_64",
  AMD64: "x86_64",
  x86_64: "x86_64",
  "x86-64": "x86_64",
  arm64: "arm64",
  ARM64: "arm64",
  armv8: "arm64",
  ARMv8: "arm64",
  armv9: "arm64",
  ARMv9: "arm64",
  AArch64: "arm64",
  aarch64: "arm64",
};

const RED_HAT: Record<string, string> = {
  RedHat_3: "rh3",
  RedHat_5: "rh5",
  RedHat_6: "rh6",
  RedHat_7: "rh7",
  RedHat_8: "rh8",
};

/** A Python version as `[major, minor]`, or null when `python` is none or not a version. */
function pythonVersion(python: string | null): [number, number] | null {
  const match = python === null ? null : /^([0-9]+)(?:\.([0-9]+))?/.exec(python);
  return match ? [Number(match[1]), Number(match[2] ?? 0)] : null;
}

function atLeast(version: [number, number] | null, major: number, minor: number): boolean {
  return version !== null && (version[0] > major || (version[0] === major && version[1] >= minor));
}

function describe(keys: LegacyPlatformKeys): string {
  const show = (value: string | null) => value === null ? "None" : `'${value}'`;
  return `arch = ${show(keys.arch)}, platform = ${show(keys.platform)}, ` +
    `osdist = ${show(keys.osdist)}`;
}

/** The macOS release okonomiyaki assumes for an egg of this Python, or undefined if none. */
function macosRelease(arch: Arch, python: [number, number] | null): string | undefined {
  if (!hasEnthoughtBuild("osx", arch, python)) return undefined;
  if (atLeast(python, 3, 11)) return "12.0";
  if (atLeast(python, 3, 8)) return "10.14";
  return "10.6";
}

/** An egg's platform: EDS name and PEP 425 platform tag. */
export interface EggPlatform {
  /** EDS spelling, e.g. `rh8-arm64`. */
  name: string;
  /** The PEP 425 tag okonomiyaki gives it, e.g. `linux_aarch64`, `macosx_10_6_x86_64`. */
  pep425Tag: string;
}

/**
 * The platform of an egg from its legacy keys and `python`, or null for an
 * egg that runs anywhere (neither `platform` nor `osdist` set).
 */
export function eggPlatform(keys: LegacyPlatformKeys, python: string | null): EggPlatform | null {
  const { platform, osdist } = keys;
  if (platform === null && osdist === null) return null;
  const unknown = (why: string) =>
    new SpecProblem(`the egg's platform cannot be determined (${describe(keys)}): ${why}`);
  const arch = keys.arch === null ? undefined : ARCHITECTURES[keys.arch];
  if (arch === undefined) {
    throw unknown(keys.arch === null ? "no architecture" : "unknown architecture");
  }
  const version = pythonVersion(python);
  const bits = { x86: "i386", x86_64: "x86_64", arm64: "arm64", arm: "arm" }[arch];
  let os: string;
  let pep425Tag: string;
  if (platform === "darwin") {
    const release = macosRelease(arch, version);
    if (release === undefined || arch === "arm") throw unknown(`no macOS build for ${arch}`);
    os = "osx";
    pep425Tag = `macosx_${release.replace(".", "_")}_${bits}`;
  } else if (platform === "win32") {
    if (!hasEnthoughtBuild("win", arch, version) || arch === "arm") {
      throw unknown(`no Windows build for ${arch}`);
    }
    os = "win";
    pep425Tag = { x86: "win32", x86_64: "win_amd64", arm64: "win_arm64", arm: "" }[arch];
  } else if (platform !== null && platform.startsWith("linux")) {
    const redHat = osdist === null ? "rh5" : RED_HAT[osdist];
    if (redHat === undefined) throw unknown("unknown Linux distribution");
    if (arch === "arm" || (arch === "arm64" && redHat !== "rh8")) {
      throw unknown(`no ${redHat} build for ${arch}`);
    }
    os = redHat;
    pep425Tag = { x86: "linux_i686", x86_64: "linux_x86_64", arm64: "linux_aarch64", arm: "" }[
      arch
    ];
  } else {
    throw unknown("unknown platform");
  }
  return { name: `${os}-${arch}`, pep425Tag };
}

/** okonomiyaki's Python tag for metadata before 1.2: `cp` and the major and minor of `python`. */
export function pythonTagFromPython(python: string | null): string | null {
  if (python === null || python === "") return null;
  const match = /([0-9]+)\.([0-9]+)/.exec(python);
  if (!match) throw new SpecProblem(`"python" = '${python}' is not a Python version`);
  return `cp${match[1]}${match[2]}`;
}

/** okonomiyaki's ABI tag for metadata before 1.3 (`cp27m`; `cp38` from 3.8 on). */
export function guessAbiTag(platform: EggPlatform | null, pythonTag: string | null): string | null {
  if (pythonTag === null || platform === null) return null;
  // Only the legacy tag forms: `cp27`, `py2` (2.7); okonomiyaki refuses `cp311` here.
  const match = /^(?:cp|pp|cpython|py)([0-9_]+)/.exec(pythonTag);
  const digits = match?.[1];
  let version: [number, number];
  if (digits === "2") version = [2, 7];
  else if (digits !== undefined && /^[0-9]{2}$/.test(digits)) {
    version = [Number(digits[0]), Number(digits[1])];
  } else {
    throw new SpecProblem(
      `"python_tag" '${pythonTag}' has no ABI that metadata before 1.3 can imply`,
    );
  }
  return atLeast(version, 3, 8) ? `cp${version[0]}${version[1]}` : `cp${version[0]}${version[1]}m`;
}

/** okonomiyaki's platform ABI for metadata before 1.4 (no Python tag counts as Python 2.7). */
export function guessPlatformAbi(
  platform: EggPlatform | null,
  pythonTag: string | null,
): string | null {
  const { implementation, major, minor } = parsePythonTag(pythonTag ?? "cp27");
  if (platform === null || implementation === "python") return null;
  const unsupported = () =>
    new SpecProblem(
      `no platform ABI is known for ${implementation} ${major}.${minor} on ${platform.name}`,
    );
  const os = platformOs(platform.name);
  switch (implementation) {
    case "cpython": {
      const abi = defaultCpythonAbi(platform.name, major, minor);
      if (abi === undefined) throw unsupported();
      return abi;
    }
    case "pypy":
      if (os === "win") {
        if (major < 4 || (major === 4 && minor <= 1)) return "msvc2008";
        throw unsupported();
      }
      return os === "linux" ? "gnu" : "darwin";
    case "ironpython":
    case "jython":
      return major === 2 && minor === 7 ? defaultCpythonAbi(platform.name, 2, 7) ?? null : null;
    case "julia":
      return os === "win" ? "mingw" : os === "linux" ? "gnu" : "darwin";
    default:
      throw new SpecProblem(`unsupported Python implementation "${implementation}"`);
  }
}
