/**
 * EDS platforms: the catalogue of canonical names (`rh8-x86_64`), the legacy
 * spellings that still reach servers (`rh5-64`, enstaller's default; `win-32`)
 * and the underscore form of runtime files (`rh8_x86_64`), and the default
 * platform ABI of a platform and Python version, as okonomiyaki assigns them
 * to eggs whose metadata predates `platform_abi`.
 *
 * Client and server share this module, so an alias means the same on both.
 *
 * @module
 */

/**
 * Every platform an EDS repository can hold, canonical spelling.
 *
 * @example
 * ```ts
 * import { PLATFORMS } from "@hatcher/hatcher";
 * console.log(PLATFORMS.includes("rh8-arm64")); // true
 * ```
 */
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
  "rh8-arm64",
  "win-x86",
  "win-x86_64",
  "win-arm64",
];

/** Bit widths of the legacy short names (`rh5-64`) and their architectures. */
const LEGACY_ARCHITECTURES: Record<string, string> = { "32": "x86", "64": "x86_64" };

/**
 * The canonical name of a platform given in any accepted spelling: the
 * canonical one, a legacy short name (`rh5-32`, `rh5-64`, `win-32`,
 * `win-64`, `osx-32`, `osx-64`, and the like for rh6/rh7) or the underscore
 * form of runtime files (`rh8_x86_64`). `undefined` when it names no platform
 * of the catalogue.
 *
 * @example
 * ```ts
 * import { canonicalPlatform } from "@hatcher/hatcher";
 * console.log(canonicalPlatform("rh5-64")); // rh5-x86_64
 * console.log(canonicalPlatform("sparc-64")); // undefined
 * ```
 */
export function canonicalPlatform(name: string): string | undefined {
  const match = /^(osx|rh[0-9]+|win)[-_]([A-Za-z0-9_]+)$/.exec(name);
  if (!match) return undefined;
  const [, os, arch] = match as unknown as [string, string, string];
  const canonical = `${os}-${LEGACY_ARCHITECTURES[arch] ?? arch}`;
  return PLATFORMS.includes(canonical) ? canonical : undefined;
}

/** The operating system family of an EDS platform name (`rh7-x86_64` -> `linux`). */
export function platformOs(platform: string): "osx" | "linux" | "win" | undefined {
  if (platform.startsWith("osx-")) return "osx";
  if (platform.startsWith("win-")) return "win";
  if (/^rh[0-9]+-/.test(platform)) return "linux";
  return undefined;
}

/**
 * Whether okonomiyaki knows an Enthought build for macOS (`osx`) or Windows
 * (`win`) on `arch` at Python (for a runtime: runtime) version `version`:
 * from 3.8 on only x86 and x86_64; from 3.11 on macOS x86_64 and arm64,
 * Windows x86, x86_64 and arm64. Earlier versions (and `null`) have every
 * architecture.
 */
export function hasEnthoughtBuild(
  os: "osx" | "win",
  arch: string,
  version: readonly [number, number] | null,
): boolean {
  const atLeast = (major: number, minor: number) =>
    version !== null && (version[0] > major || (version[0] === major && version[1] >= minor));
  if (atLeast(3, 11)) return os === "osx" ? arch === "x86_64" || arch === "arm64" : arch !== "arm";
  if (atLeast(3, 8)) return arch === "x86_64" || arch === "x86";
  return true;
}

/**
 * The ABI that okonomiyaki assumes for CPython `major.minor` on a platform:
 * `darwin` on macOS, `gnu` on Linux, on Windows the compiler of that Python
 * release (`msvc2008` for 2.x and 3.0-3.2, `msvc2010` 3.3-3.4, `msvc2015`
 * 3.5-3.6, `msvc2019` 3.7-3.8, `msvc2022` after). `undefined` when there is
 * none (an unknown platform, or a Windows Python that is neither 2 nor 3).
 */
export function defaultCpythonAbi(
  platform: string,
  major: number,
  minor: number,
): string | undefined {
  const os = platformOs(platform);
  if (os === "osx") return "darwin";
  if (os === "linux") return "gnu";
  if (os !== "win") return undefined;
  if (major === 2) return "msvc2008";
  if (major !== 3) return undefined;
  if (minor <= 2) return "msvc2008";
  if (minor <= 4) return "msvc2010";
  if (minor <= 6) return "msvc2015";
  if (minor <= 8) return "msvc2019";
  return "msvc2022";
}

/**
 * The platform ABI an index of `platform` and `pythonTag` (`cp311`) shows for
 * an egg that names none: the CPython default of that Python, or of Python
 * 2.7 for an index without a tag, as okonomiyaki does for old eggs.
 */
export function indexPlatformAbi(platform: string, pythonTag: string | null): string | null {
  const match = pythonTag === null ? null : /^[a-z]+([0-9])([0-9]+)$/.exec(pythonTag);
  const [major, minor] = match ? [Number(match[1]), Number(match[2])] : [2, 7];
  return defaultCpythonAbi(platform, major, minor) ?? null;
}
