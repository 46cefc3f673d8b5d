/**
 * Apps (protocol notes §2-4, §7): YAML app specifications whose `platform`
 * key selects the platform; addressed by
 * `{platform}/{python_tag}/apps/{app_id}/{version}` like eggs.
 */
import { type AppMetadata, readAppMetadata } from "../../lib/formats/app.ts";
import { InvalidAppError } from "../../lib/formats/app.ts";
import type { Artefact } from "../artefacts.ts";
import type { ArtefactKind } from "./kind.ts";
import { fileFields, taggedAddress, writeTaggedIndex } from "./nested_index.ts";

function entry(app: Artefact) {
  return {
    id: app.name,
    name: app.metadata.name,
    description: app.metadata.description,
    version: app.version,
    build: app.build,
    full_version: app.fullVersion,
    platform: app.platform,
    python_tag: app.pythonTag,
  };
}

export const APP_KIND: ArtefactKind<AppMetadata> = {
  name: "app",
  label: "app",
  paths: {
    index: "/indices/:org/:repo/:platform/apps",
    item: "/:org/:repo/:platform/:tag/apps/:name/:version",
    upload: "/data/:org/:repo/:platform/apps/upload",
  },
  reindexable: false,
  checkFilename(filename) {
    // The file's name means nothing but must be a plain name with the spec's extension.
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.+-]*\.ya?ml$/.test(filename)) {
      throw new InvalidAppError(
        `Invalid app spec file name "${filename}": expected a .yaml or .yml file name`,
        filename,
      );
    }
  },
  read: (path) => readAppMetadata(path),
  platformOf: (metadata) => metadata.platform,
  fields: (metadata) => ({
    name: metadata.id,
    version: metadata.version,
    build: metadata.build,
    fullVersion: metadata.fullVersion,
    pythonTag: metadata.pythonTag,
    metadata: { name: metadata.name, description: metadata.description, data: metadata.data },
  }),
  indexTags: () => undefined,
  indexEntry: (app) => JSON.stringify(entry(app)),
  indexEntryFormat: 1,
  indexOrder: "version",
  indexByApiVersion: false,
  indexText: (rows, _request, out) => writeTaggedIndex(rows, out),
  address: (params) => taggedAddress("app", params),
  metadataDocument: (app) => ({
    ...entry(app),
    ...fileFields(app),
    data: app.metadata.data,
    type: "app",
  }),
};
