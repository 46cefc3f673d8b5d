/**
 * Typed access to the keys of a parsed JSON or YAML document, for the
 * readers of bundles and apps: each accessor returns the value with its
 * type or throws a {@linkcode FormatProblem} that names the key by its path
 * (`runtime.platform`, `requirements[2].name`).
 *
 * @module
 */
import { FormatProblem, isObject, type JsonObject, type JsonValue } from "./artefact.ts";

/** The keys of one mapping of a document, and where that mapping is. */
export class Fields {
  readonly #object: JsonObject;
  readonly #prefix: string;

  /**
   * @param object The mapping.
   * @param prefix Its path with a trailing dot (`runtime.`), or `""` at the top.
   */
  constructor(object: JsonObject, prefix = "") {
    this.#object = object;
    this.#prefix = prefix;
  }

  /** The path of `key`, for messages. */
  path(key: string): string {
    return `${this.#prefix}${key}`;
  }

  /** True when `key` is present (even as null). */
  has(key: string): boolean {
    return Object.hasOwn(this.#object, key);
  }

  /** The value of a required key. */
  required(key: string): JsonValue {
    if (!this.has(key)) throw new FormatProblem(`"${this.path(key)}" is missing`);
    return this.#object[key]!;
  }

  /** A required string; `nonEmpty` refuses `""` and blanks. */
  string(key: string, options: { nonEmpty?: boolean } = {}): string {
    return this.#asString(key, this.required(key), options.nonEmpty ?? false);
  }

  /** An optional string: `undefined` when the key is absent. */
  optionalString(key: string): string | undefined {
    return this.has(key) ? this.#asString(key, this.#object[key]!, true) : undefined;
  }

  /** A required mapping, as Fields. */
  object(key: string): Fields {
    const value = this.required(key);
    if (!isObject(value)) throw new FormatProblem(`"${this.path(key)}" must be a mapping`);
    return new Fields(value, `${this.path(key)}.`);
  }

  /** An optional mapping: `undefined` when the key is absent. */
  optionalObject(key: string): Fields | undefined {
    return this.has(key) ? this.object(key) : undefined;
  }

  /** A required list; each item comes with its path (`requirements[0]`). */
  list(key: string): { value: JsonValue; path: string }[] {
    const value = this.required(key);
    if (!Array.isArray(value)) throw new FormatProblem(`"${this.path(key)}" must be a list`);
    return value.map((item, index) => ({ value: item, path: `${this.path(key)}[${index}]` }));
  }

  /** An optional list of strings, each checked by `check` (what is wrong, or undefined). */
  optionalStringList(key: string, check: (item: string) => string | undefined): string[] {
    if (!this.has(key)) return [];
    return this.list(key).map(({ value, path }) => {
      if (typeof value !== "string") throw new FormatProblem(`"${path}" must be a string`);
      const problem = check(value);
      if (problem !== undefined) throw new FormatProblem(`"${path}" '${value}' ${problem}`);
      return value;
    });
  }

  #asString(key: string, value: JsonValue, nonEmpty: boolean): string {
    if (typeof value !== "string" || (nonEmpty && value.trim() === "")) {
      throw new FormatProblem(
        `"${this.path(key)}" must be a ${nonEmpty ? "non-empty " : ""}string`,
      );
    }
    return value;
  }
}

/** Fields of a list item that must be a mapping. */
export function itemFields(item: { value: JsonValue; path: string }): Fields {
  if (!isObject(item.value)) throw new FormatProblem(`"${item.path}" must be a mapping`);
  return new Fields(item.value, `${item.path}.`);
}
