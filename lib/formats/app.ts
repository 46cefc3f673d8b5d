/**
 * App specs: a YAML file (`myapp.yaml`) that describes an application for
 * an EDS repository. Its identity (`id`, `version`, `build`), where it goes
 * (`platform`, `python_tag`) and what it shows (`name`, `description`) are
 * required keys; any other key is kept as data.
 *
 * The YAML parser loads only when a spec is read (`yaml_mapping.ts`), not
 * with the CLI.
 *
 * @module
 */
import {
  type ArtefactKind,
  basename,
  checkLimit,
  FormatProblem,
  InvalidArtefactError,
  readArtefact,
} from "./artefact.ts";
import { readBoundedText } from "./files.ts";
import { Fields } from "./fields.ts";
import { isStrictPythonTag } from "./implementations.ts";
import { displayNameProblem, isValidName, isValidVersion, parseBuild } from "./names.ts";
import { canonicalPlatform } from "./platforms.ts";
import type { YamlMapping } from "./yaml_mapping.ts";

/**
 * The largest app spec read by default (1 MiB), checked before reading.
 *
 * @example
 * ```ts
 * import { MAX_APP_SPEC_BYTES } from "@hatcher/hatcher";
 * console.log(MAX_APP_SPEC_BYTES); // 1048576
 * ```
 */
export const MAX_APP_SPEC_BYTES: number = 1024 * 1024;

/**
 * The keys every app spec must have, in the order messages list them.
 *
 * @example
 * ```ts
 * import { APP_SPEC_REQUIRED_KEYS } from "@hatcher/hatcher";
 * console.log(APP_SPEC_REQUIRED_KEYS.join(", "));
 * // id, name, version, build, description, platform, python_tag
 * ```
 */
export const APP_SPEC_REQUIRED_KEYS: readonly string[] = [
  "id",
  "name",
  "version",
  "build",
  "description",
  "platform",
  "python_tag",
];
const MAX_NAME_LENGTH = 200;

/**
 * The file is not a valid app spec: not a `.yaml`/`.yml` file, too large,
 * not YAML, a YAML alias bomb, or a spec with a missing or invalid key. The
 * message names the file and the problem (a missing key by its name).
 *
 * @example Skip invalid app specs
 * ```ts
 * import { InvalidAppError, readAppMetadata } from "@hatcher/hatcher";
 * try {
 *   await readAppMetadata("myapp.yaml");
 * } catch (error) {
 *   if (!(error instanceof InvalidAppError)) throw error;
 *   console.error(`skipping ${error.file}: ${error.message}`);
 * }
 * ```
 */
export class InvalidAppError extends InvalidArtefactError {
  /** Always `"InvalidAppError"`. */
  override readonly name: string = "InvalidAppError";
}

const APP: ArtefactKind = { noun: "app spec", error: InvalidAppError };

/**
 * The metadata of an app, from its YAML spec.
 *
 * @example Describe an app
 * ```ts
 * import { type AppMetadata, readAppMetadata } from "@hatcher/hatcher";
 * const app: AppMetadata = await readAppMetadata("myapp.yaml");
 * console.log(`${app.name} (${app.id} ${app.fullVersion}) for ${app.platform} ${app.pythonTag}`);
 * ```
 */
export interface AppMetadata {
  /** The app's identifier, its name in URLs and indices, e.g. `myapp`. */
  id: string;
  /** Its display name, e.g. `My App`. */
  name: string;
  /** Its version, e.g. `1.0`. */
  version: string;
  /** Its build number. */
  build: number;
  /** `<version>-<build>`, e.g. `1.0-1`. */
  fullVersion: string;
  /** What it is, as written (may span lines). */
  description: string;
  /** The EDS platform, canonical, e.g. `rh8-x86_64`. */
  platform: string;
  /** The Python tag it runs with, e.g. `cp311`. */
  pythonTag: string;
  /** The whole parsed spec, for the server's metadata. */
  data: Record<string, unknown>;
}

/**
 * Options of {@linkcode readAppMetadata}.
 *
 * @example Accept only small specs
 * ```ts
 * import { readAppMetadata, type ReadAppMetadataOptions } from "@hatcher/hatcher";
 * const options: ReadAppMetadataOptions = { maxBytes: 64 * 1024 };
 * await readAppMetadata("myapp.yaml", options);
 * ```
 */
export interface ReadAppMetadataOptions {
  /**
   * Largest accepted spec file, in bytes; a bigger one is refused before it
   * is read.
   * @default {1048576}
   */
  maxBytes?: number;
}

/**
 * A version: a YAML string, or a number as written (`version: 1.10` is
 * `1.10`, not `1.1`).
 */
function versionOf(top: Fields, spec: YamlMapping): string {
  const value = top.required("version");
  const text = typeof value === "number" ? spec.sourceOf("version") : value;
  if (typeof text !== "string" || !isValidVersion(text)) {
    throw new FormatProblem(
      `"version" ${JSON.stringify(value)} is not a version (letters, digits, _, . and +)`,
    );
  }
  return text;
}

function buildOf(top: Fields): number {
  const value = top.required("build");
  const build = typeof value === "number"
    ? (Number.isSafeInteger(value) && value >= 0 ? value : undefined)
    : typeof value === "string"
    ? parseBuild(value)
    : undefined;
  if (build === undefined) {
    throw new FormatProblem(`"build" ${JSON.stringify(value)} is not a non-negative integer`);
  }
  return build;
}

/** The meaning of a parsed spec. */
function appFromSpec(spec: YamlMapping): AppMetadata {
  const top = new Fields(spec.data);
  const missing = APP_SPEC_REQUIRED_KEYS.filter((key) => !top.has(key));
  if (missing.length > 0) {
    throw new FormatProblem(
      `${missing.map((key) => `"${key}"`).join(", ")} ${missing.length === 1 ? "is" : "are"} ` +
        `missing (an app spec needs ${APP_SPEC_REQUIRED_KEYS.join(", ")})`,
    );
  }
  const id = top.string("id");
  if (!isValidName(id)) {
    throw new FormatProblem(
      `"id" '${id}' is not an app id (letters, digits, _ and . only, not dots alone)`,
    );
  }
  const name = top.string("name", { nonEmpty: true });
  const nameProblem = displayNameProblem(name, MAX_NAME_LENGTH);
  if (nameProblem !== undefined) throw new FormatProblem(`"name" ${nameProblem}`);
  const version = versionOf(top, spec);
  const build = buildOf(top);
  const description = top.string("description", { nonEmpty: true });
  const platformText = top.string("platform");
  const platform = canonicalPlatform(platformText);
  if (platform === undefined) {
    throw new FormatProblem(`"platform" '${platformText}' is not an EDS platform`);
  }
  const pythonTag = top.string("python_tag");
  if (!isStrictPythonTag(pythonTag)) {
    throw new FormatProblem(`"python_tag" '${pythonTag}' is not a Python tag such as cp311`);
  }
  return {
    id,
    name,
    version,
    build,
    fullVersion: `${version}-${build}`,
    description,
    platform,
    pythonTag,
    data: spec.data,
  };
}

/**
 * Reads and checks an app spec: a YAML file (`.yaml` or `.yml`) whose top
 * level is a mapping with these keys (others are kept in `data`):
 *
 * | Key | Type | Rule |
 * | --- | --- | --- |
 * | `id` | string | letters, digits, `_` and `.`, not dots alone: the app's name in URLs and indices |
 * | `name` | string | display name: one line, at most 200 characters, no control characters, no `/` or `\` |
 * | `version` | string (a number is taken as written) | letters, digits, `_`, `.` and `+` |
 * | `build` | integer (or a string of digits) | non-negative |
 * | `description` | string | not blank; may span lines |
 * | `platform` | string | an EDS platform in any spelling (`rh8-x86_64`, `rh8_x86_64`, `rh5-64`); returned canonical |
 * | `python_tag` | string | a Python tag such as `cp311`, `pp27`, `cp3_11` |
 *
 * The spec is refused when a key is missing (the message names it), has the
 * wrong type or breaks its rule; when the file is larger than `maxBytes`
 * (checked before reading), not UTF-8, not one YAML document, has duplicate
 * keys, or resolves more than 100 YAML aliases (an alias bomb).
 *
 * @param path Path of the spec.
 * @param options The size limit.
 * @returns The app's metadata.
 * @throws {InvalidAppError} When the spec is refused or cannot be read; the
 * message names the file and the problem.
 * @throws {RangeError} When `maxBytes` is not a positive integer.
 *
 * @example Where an app goes on the server
 * ```ts
 * import { readAppMetadata } from "@hatcher/hatcher";
 * const app = await readAppMetadata("myapp.yaml");
 * console.log(app.platform, app.pythonTag, app.id, app.fullVersion); // rh8-x86_64 cp311 myapp 1.0-1
 * ```
 */
export async function readAppMetadata(
  path: string,
  options: ReadAppMetadataOptions = {},
): Promise<AppMetadata> {
  const maxBytes = options.maxBytes ?? MAX_APP_SPEC_BYTES;
  checkLimit("maxBytes", maxBytes);
  const file = basename(path);
  if (!/\.ya?ml$/.test(file)) {
    throw new InvalidAppError(
      `Invalid app spec file name "${file}": expected a .yaml or .yml file`,
      file,
    );
  }
  return await readArtefact(APP, file, async () => {
    const text = await readBoundedText(path, maxBytes);
    const { parseYamlMapping } = await import("./yaml_mapping.ts");
    return appFromSpec(parseYamlMapping(text));
  });
}
