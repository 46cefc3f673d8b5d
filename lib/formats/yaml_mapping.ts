/**
 * The YAML side of reading an app spec: one YAML 1.2 document whose top is a
 * mapping, parsed with the `yaml` package's limits (unique keys, at most
 * {@linkcode MAX_ALIAS_COUNT} alias expansions, so an alias "billion laughs"
 * bomb is refused instead of expanded). Loaded on demand by `app.ts`, so the
 * CLI starts without the YAML parser.
 *
 * @module
 */
import { yaml } from "../deps.ts";
import { FormatProblem, isObject, type JsonObject } from "./artefact.ts";

/** The most alias nodes a spec may resolve, counted as `yaml` counts them (its default). */
export const MAX_ALIAS_COUNT = 100;

/** A parsed mapping and the source text of its top-level scalars. */
export interface YamlMapping {
  /** The document as plain data. */
  data: JsonObject;
  /** The text of a top-level scalar as written (`1.10` stays `1.10`), or undefined. */
  sourceOf(key: string): string | undefined;
}

/** The first line of a `yaml` error, which says what and where ("... at line 3, column 5"). */
function firstLine(error: Error): string {
  return (error.message.split("\n")[0] ?? "").replace(/:$/, "");
}

/** Parses `text` as one YAML document with a mapping at its top; throws FormatProblem. */
export function parseYamlMapping(text: string): YamlMapping {
  const document = yaml.parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const error = document.errors[0];
  if (error?.code === "MULTIPLE_DOCS") {
    throw new FormatProblem("it holds more than one YAML document");
  }
  if (error !== undefined) throw new FormatProblem(`not valid YAML (${firstLine(error)})`);
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof ReferenceError && /excessive alias/i.test(error.message)) {
      throw new FormatProblem(
        `it expands more than ${MAX_ALIAS_COUNT} YAML aliases (refused as an alias bomb)`,
      );
    }
    throw new FormatProblem(`not valid YAML (${firstLine(error as Error)})`, { cause: error });
  }
  if (!isObject(data)) throw new FormatProblem("its top level is not a YAML mapping");
  return {
    data,
    sourceOf(key: string): string | undefined {
      const node = document.get(key, true);
      return yaml.isScalar(node) && typeof node.source === "string" ? node.source : undefined;
    },
  };
}
