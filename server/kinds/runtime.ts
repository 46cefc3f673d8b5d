/**
 * Runtimes (protocol notes §4.3, §4.5, §7): Python and Julia interpreters as
 * `.runtime` zips with `enthought/runtime.json`. API v1 addresses one by
 * `{platform}/runtimes/{implementation}/{version}`; v0 by
 * `{platform}/runtimes/{python_tag}/{version}`, with its own index shape.
 * The platform comes from the file and must be the URL's.
 */
import {
  parseRuntimeFilename,
  readRuntimeMetadata,
  type RuntimeMetadata,
} from "../../lib/formats/runtime.ts";
import { type Artefact, normalizePythonTag } from "../artefacts.ts";
import type { ArtefactKind } from "./kind.ts";
import { fileFields, writeNestedIndex } from "./nested_index.ts";

/** The runtime.json document, as read from the file. */
function runtimeJson(runtime: Artefact): Record<string, unknown> {
  return runtime.metadata.runtime as Record<string, unknown>;
}

function document(runtime: Artefact): Record<string, unknown> {
  return {
    ...runtimeJson(runtime),
    ...fileFields(runtime),
    implementation: runtime.name,
    version: runtime.version,
    python_tag: runtime.pythonTag,
    type: "runtime",
  };
}

/** `3.11.2+2` -> `3.11.2` and build 2, for the v0 index. */
function splitBuild(version: string): [string, string] {
  const plus = version.lastIndexOf("+");
  return plus < 0 ? [version, "0"] : [version.slice(0, plus), version.slice(plus + 1)];
}

export const RUNTIME_KIND: ArtefactKind<RuntimeMetadata> = {
  name: "runtime",
  label: "runtime",
  paths: {
    index: "/indices/:org/:repo/:platform/runtimes",
    item: "/:org/:repo/:platform/runtimes/:name/:version",
    upload: "/data/:org/:repo/:platform/runtimes/upload",
  },
  reindexable: false,
  checkFilename: (filename) => void parseRuntimeFilename(filename),
  read: (path) => readRuntimeMetadata(path),
  platformOf: (metadata) => metadata.platform,
  fields: (metadata) => ({
    name: metadata.implementation,
    version: metadata.version,
    build: null,
    fullVersion: metadata.version,
    pythonTag: metadata.pythonTag,
    metadata: { runtime: metadata.raw },
  }),
  indexTags: () => undefined,
  indexEntry: (runtime) => JSON.stringify(document(runtime)),
  indexEntryFormat: 1,
  indexOrder: "version",
  indexByApiVersion: true,
  indexText(rows, { apiVersion }, out) {
    const path = apiVersion === 0
      ? (
        runtime: { name: string; version: string },
      ) => [runtime.name, ...splitBuild(runtime.version)]
      : (runtime: { name: string; version: string }) => [runtime.name, runtime.version];
    writeNestedIndex(rows, path, out);
  },
  address(params, apiVersion) {
    if (apiVersion === 0) {
      const pythonTag = normalizePythonTag(params.name);
      return {
        name: null,
        fullVersion: params.version!,
        pythonTags: [pythonTag],
        describe: `runtime '${params.version}' (${pythonTag ?? "none"})`,
      };
    }
    return {
      name: params.name!,
      fullVersion: params.version!,
      pythonTags: undefined,
      describe: `runtime '${params.name}-${params.version}'`,
    };
  },
  metadataDocument: document,
};
