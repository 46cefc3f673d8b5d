/**
 * The artefact endpoints of one kind (protocol notes §4.3): index, metadata,
 * download, delete, upload and, for eggs, re-index. Each kind's URLs and
 * documents come from its description in kinds/; the steps are the same for
 * all. Access levels come from permissions.ts (ARTEFACT_ACCESS); see
 * docs/permissions.md. Reads of a public repository need no credentials.
 */
import { canonicalPlatform } from "../../lib/formats/platforms.ts";
import { type AuthContext, authenticate, authenticateIfPresent } from "../auth.ts";
import { receiveArtefact } from "../artefact_upload.ts";
import {
  type Artefact,
  ArtefactConflictError,
  type ArtefactKey,
  ArtefactNotFoundError,
  type ArtefactPlace,
  deleteArtefact,
  enableArtefacts,
  findArtefact,
  findArtefactsBy,
  normalizePythonTag,
  resetIndexEntriesUnlessFormat,
  storeArtefact,
} from "../artefacts.ts";
import { storedDocumentResponse } from "../conditional.ts";
import { fileDownload } from "../downloads.ts";
import {
  type ApiVersion,
  HttpError,
  jsonResponse,
  noContent,
  queryFlag,
  readJson,
  type Router,
} from "../http.ts";
import { indexDocument } from "../indices.ts";
import type { ArtefactKind, ItemAddress, PathParams } from "../kinds/kind.ts";
import type { ObjectStore } from "../objects.ts";
import { type ArtefactAction, requireArtefactAccess } from "../permissions.ts";
import type { Repository } from "../repositories.ts";
import { uploadAudit } from "../audit.ts";
import { noteAudit } from "../request_info.ts";

export interface ArtefactRouteContext extends AuthContext {
  objects: ObjectStore;
  /** Largest accepted artefact file, in bytes (`--max-upload-bytes`). */
  maxUploadBytes: number;
}

/**
 * The most entries one re-index may list (docs/server-limits.md): a batch
 * upload re-indexes what it uploaded, and 10,000 eggs are more than any
 * repository and platform gets at once. More answer 413.
 */
export const MAX_REINDEX_ENTRIES = 10_000;
/** Room for MAX_REINDEX_ENTRIES entries of ~100 bytes of JSON each. */
const REINDEX_JSON_LIMIT_BYTES = 2 * 1024 * 1024;

/** The canonical name of the platform in a URL, which may be a legacy spelling (`rh5-64`). */
function requirePlatform(platform: string): string {
  const canonical = canonicalPlatform(platform);
  if (canonical === undefined) throw new HttpError(404, `Unknown platform '${platform}'`);
  return canonical;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function missing(repository: Repository, platform: string, what: string): HttpError {
  return new HttpError(
    404,
    `No ${what} in ${repository.orgName}/${repository.name} for ${platform}`,
  );
}

function requireReindexKeys(body: Record<string, unknown>): ArtefactKey[] {
  const rule = 'Body must be {"eggs": [{"name": ..., "version": ..., "python_tag": ... or null}]}';
  if (!Array.isArray(body.eggs)) throw new HttpError(400, rule);
  if (body.eggs.length > MAX_REINDEX_ENTRIES) {
    throw new HttpError(
      413,
      `A re-index lists at most ${MAX_REINDEX_ENTRIES} eggs (this one lists ${body.eggs.length})`,
    );
  }
  return body.eggs.map((item: unknown) => {
    const { name, version, python_tag: tag } = (item ?? {}) as Record<string, unknown>;
    if (
      typeof name !== "string" || typeof version !== "string" ||
      (tag !== undefined && tag !== null && typeof tag !== "string")
    ) {
      throw new HttpError(400, rule);
    }
    return { name: name.toLowerCase(), fullVersion: version, pythonTag: normalizePythonTag(tag) };
  });
}

/** The first artefact an address matches, trying its tags in order. */
function lookup(
  context: ArtefactRouteContext,
  place: ArtefactPlace,
  address: ItemAddress,
): Artefact | undefined {
  const { db } = context;
  if (address.pythonTags === undefined) {
    return findArtefactsBy(db, place, "name", address.name, address.fullVersion)[0];
  }
  for (const pythonTag of address.pythonTags) {
    if (address.name === null) {
      const found = findArtefactsBy(db, place, "python_tag", pythonTag, address.fullVersion)[0];
      if (found) return found;
      continue;
    }
    const found = findArtefact(db, place, {
      name: address.name,
      fullVersion: address.fullVersion,
      pythonTag,
    });
    if (found) return found;
  }
  return undefined;
}

/** Registers the endpoints of `kind`. */
export function registerArtefactRoutes<M>(
  router: Router,
  context: ArtefactRouteContext,
  kind: ArtefactKind<M>,
): void {
  const { db, objects } = context;
  resetIndexEntriesUnlessFormat(db, kind.name, kind.indexEntryFormat);

  /** Authenticates (reads may be anonymous) and checks access to the repository. */
  async function access(request: Request, params: PathParams, action: ArtefactAction) {
    const reads = action === "list" || action === "metadata" || action === "download";
    const caller = reads
      ? await authenticateIfPresent(request, context)
      : await authenticate(request, context);
    return requireArtefactAccess(db, caller?.user ?? null, params.org!, params.repo!, action);
  }

  async function existing(
    request: Request,
    params: PathParams,
    apiVersion: ApiVersion,
    action: "metadata" | "download" | "delete",
  ): Promise<Artefact> {
    const repository = await access(request, params, action);
    const platform = requirePlatform(params.platform!);
    const address = kind.address(params, apiVersion);
    const found = lookup(
      context,
      { repositoryId: repository.id, kind: kind.name, platform },
      address,
    );
    if (!found) throw missing(repository, platform, address.describe);
    return found;
  }

  // Built once per version and kept (indices.ts); the access check runs on every request first.
  router.add("GET", kind.paths.index, async ({ request, params, apiVersion }) => {
    const repository = await access(request, params, "list");
    const platform = requirePlatform(params.platform!);
    const tags = kind.indexTags(params);
    const place = { repositoryId: repository.id, kind: kind.name, platform };
    const document = indexDocument(db, kind, place, { params, apiVersion, platform }, tags);
    return await storedDocumentResponse(request, document, {
      contentType: "application/json",
      shared: repository.public,
    });
  });

  // Disabled artefacts are included: batch uploads read them before re-indexing.
  router.add("GET", `/metadata${kind.paths.item}`, async ({ request, params, apiVersion }) => {
    const artefact = await existing(request, params, apiVersion, "metadata");
    return jsonResponse(kind.metadataDocument(artefact));
  });

  router.add("GET", `/data${kind.paths.item}`, async ({ request, params, apiVersion }) => {
    const artefact = await existing(request, params, apiVersion, "download");
    return await fileDownload(request, objects.path(artefact.sha256), {
      filename: artefact.filename,
      sha256: artefact.sha256,
    });
  });

  // hatcher always sends ?force=False; artefacts have no dependents to force past, so it is only validated.
  const remove = async (
    { request, url, params, apiVersion }: {
      request: Request;
      url: URL;
      params: PathParams;
      apiVersion: ApiVersion;
    },
  ) => {
    const artefact = await existing(request, params, apiVersion, "delete");
    queryFlag(url, "force");
    deleteArtefact(db, objects, artefact);
    noteAudit(request, { action: `${kind.name}.delete` });
    return noContent();
  };
  router.add("DELETE", `/data${kind.paths.item}`, remove);
  router.add("DELETE", `/metadata${kind.paths.item}`, remove);

  router.add("POST", kind.paths.upload, async ({ request, url, params }) => {
    const repository = await access(request, params, "upload");
    const urlPlatform = params.platform === undefined
      ? undefined
      : requirePlatform(params.platform);
    const overwrite = queryFlag(url, "overwrite", false);
    const enabled = kind.reindexable ? queryFlag(url, "enabled", true) : true;
    // Every check above runs before a byte of the body is read.
    const received = await receiveArtefact(request, {
      objects,
      maxFileBytes: context.maxUploadBytes,
      label: kind.label,
      checkFilename: kind.checkFilename,
      read: kind.read,
    });
    try {
      const built = kind.platformOf(received.metadata);
      if (urlPlatform !== undefined && built !== null && built !== urlPlatform) {
        throw new HttpError(
          400,
          `${capitalized(kind.label)} ${received.filename} is built for platform '${built}', ` +
            `not '${urlPlatform}'`,
        );
      }
      const platform = urlPlatform ?? built;
      if (platform === null) {
        throw new HttpError(400, `${received.filename} names no platform`);
      }
      const { artefact, outcome } = storeArtefact(
        db,
        objects,
        { repositoryId: repository.id, kind: kind.name, platform },
        {
          ...kind.fields(received.metadata),
          path: received.path,
          filename: received.filename,
          sha256: received.sha256,
          md5: received.md5,
          size: received.size,
        },
        { overwrite, enabled, indexEntry: kind.indexEntry },
      );
      noteAudit(
        request,
        uploadAudit(
          kind.name,
          outcome,
          `${repository.orgName}/${repository.name}/${platform}`,
          artefact,
        ),
      );
      return jsonResponse(kind.metadataDocument(artefact), outcome === "unchanged" ? 200 : 201);
    } catch (error) {
      if (error instanceof ArtefactConflictError) throw new HttpError(409, error.message);
      throw error;
    } finally {
      await objects.removeTemporary(received.dir);
    }
  });

  if (!kind.reindexable) return;
  const reindexPath = kind.paths.upload.replace(/\/upload$/, "/re-index");
  router.add("POST", reindexPath, async ({ request, params }) => {
    const repository = await access(request, params, "re-index");
    const platform = requirePlatform(params.platform!);
    const keys = requireReindexKeys(await readJson(request, REINDEX_JSON_LIMIT_BYTES));
    const place = { repositoryId: repository.id, kind: kind.name, platform };
    try {
      const indexed = enableArtefacts(db, place, keys);
      noteAudit(request, { action: `${kind.name}.reindex` });
      return jsonResponse({ indexed });
    } catch (error) {
      if (error instanceof ArtefactNotFoundError) {
        const { key } = error;
        throw missing(
          repository,
          platform,
          `${kind.label} '${key.name}-${key.fullVersion}' (${key.pythonTag ?? "none"})`,
        );
      }
      throw error;
    }
  });
}
