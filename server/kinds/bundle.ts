/**
 * Bundles (protocol notes §4.3, §4.5, §7): EDM environment specifications,
 * JSON files `<name>-<version>-<build>.bundle`. The upload URL has no
 * platform: the server takes it, and the Python tag, from the bundle's
 * `runtime` block. API v1 only.
 */
import {
  type BundleMetadata,
  parseBundleFilename,
  readBundleMetadata,
} from "../../lib/formats/bundle.ts";
import type { Artefact } from "../artefacts.ts";
import type { ArtefactKind } from "./kind.ts";
import { fileFields, taggedAddress, writeTaggedIndex } from "./nested_index.ts";

function entry(bundle: Artefact) {
  return {
    name: bundle.name,
    version: bundle.version,
    build: bundle.build,
    full_version: bundle.fullVersion,
    platform: bundle.platform,
    python_tag: bundle.pythonTag,
  };
}

export const BUNDLE_KIND: ArtefactKind<BundleMetadata> = {
  name: "bundle",
  label: "bundle",
  paths: {
    index: "/indices/:org/:repo/:platform/bundles",
    item: "/:org/:repo/:platform/bundles/:tag/:name/:version",
    upload: "/data/:org/:repo/bundles/upload",
  },
  reindexable: false,
  checkFilename: (filename) => void parseBundleFilename(filename),
  read: (path) => readBundleMetadata(path),
  platformOf: (metadata) => metadata.platform,
  fields: (metadata) => ({
    name: metadata.name,
    version: metadata.version,
    build: metadata.build,
    fullVersion: metadata.fullVersion,
    pythonTag: metadata.pythonTag,
    metadata: { data: metadata.data },
  }),
  indexTags: () => undefined,
  indexEntry: (bundle) => JSON.stringify(entry(bundle)),
  indexEntryFormat: 1,
  indexOrder: "version",
  indexByApiVersion: false,
  indexText: (rows, _request, out) => writeTaggedIndex(rows, out),
  address: (params) => taggedAddress("bundle", params),
  metadataDocument: (bundle) => ({
    ...entry(bundle),
    ...fileFields(bundle),
    data: bundle.metadata.data,
    type: "bundle",
  }),
};
