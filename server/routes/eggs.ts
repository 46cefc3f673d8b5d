/**
 * EDS egg endpoints (protocol notes §4.3-4.5): index, metadata, download,
 * upload, delete and re-index. `{egg}` below is
 * `{org}/{repo}/{platform}/{python_tag}/eggs/{name}/{full version}`, where
 * the tag `none` addresses eggs that do not depend on Python. Access levels
 * come from permissions.ts (EGG_ACCESS); see docs/permissions.md.
 */
import { type AuthContext, authenticate } from "../auth.ts";
import { compatibleEggTags, isPlatform, isRuntimePythonTag } from "../catalogue.ts";
import { fileDownload } from "../downloads.ts";
import { receiveEgg } from "../egg_upload.ts";
import {
  deleteEgg,
  type Egg,
  EggConflictError,
  type EggKey,
  EggNotFoundError,
  enableEggs,
  findEgg,
  listIndexEggs,
  normalizePythonTag,
  storeEgg,
} from "../eggs.ts";
import { HttpError, jsonResponse, noContent, queryFlag, readJson, type Router } from "../http.ts";
import type { ObjectStore } from "../objects.ts";
import { uploadAudit } from "../audit.ts";
import { requireEggAccess } from "../permissions.ts";
import { noteAudit } from "../request_info.ts";
import type { Repository } from "../repositories.ts";

export interface EggRouteContext extends AuthContext {
  objects: ObjectStore;
  /** Largest accepted egg file, in bytes (`--max-upload-bytes`). */
  maxUploadBytes: number;
}

/** A re-index of thousands of eggs must fit: each entry is ~80 bytes of JSON. */
const REINDEX_JSON_LIMIT_BYTES = 8 * 1024 * 1024;

const EGG_PATH = "/:org/:repo/:platform/:tag/eggs/:name/:version";

function requirePlatform(platform: string): string {
  if (!isPlatform(platform)) throw new HttpError(404, `Unknown platform '${platform}'`);
  return platform;
}

function noEgg(repository: Repository, platform: string, key: EggKey): HttpError {
  return new HttpError(
    404,
    `No egg '${key.name}-${key.fullVersion}' (${key.pythonTag ?? "none"}) in ` +
      `${repository.orgName}/${repository.name} for ${platform}`,
  );
}

/** One value of the egg index, keyed by file name (§4.5). */
function indexEntry(egg: Egg) {
  return {
    name: egg.name,
    version: egg.version,
    build: egg.build,
    full_version: egg.fullVersion,
    type: "egg",
    python_tag: egg.pythonTag,
    platform_abi: null,
    packages: egg.packages,
    md5: egg.md5,
    sha256: egg.sha256,
    size: egg.size,
    mtime: egg.mtime,
    available: true,
    product: null,
  };
}

/** The metadata document of one egg (§4.5); also the upload's response body. */
function metadataDocument(egg: Egg) {
  return {
    filename: egg.filename,
    name: egg.name,
    egg_basename: egg.eggBasename,
    version: egg.version,
    build: egg.build,
    full_version: egg.fullVersion,
    packages: egg.packages,
    md5: egg.md5,
    sha256: egg.sha256,
    python_tag: egg.pythonTag,
    python: egg.python,
    product: null,
    size: egg.size,
    type: "egg",
    enabled: egg.enabled,
    mtime: egg.mtime,
  };
}

function requireReindexKeys(body: Record<string, unknown>): EggKey[] {
  const rule = 'Body must be {"eggs": [{"name": ..., "version": ..., "python_tag": ... or null}]}';
  if (!Array.isArray(body.eggs)) throw new HttpError(400, rule);
  return body.eggs.map((item: unknown) => {
    const { name, version, python_tag: tag } = (item ?? {}) as Record<string, unknown>;
    if (
      typeof name !== "string" || typeof version !== "string" ||
      (tag !== undefined && tag !== null && typeof tag !== "string")
    ) {
      throw new HttpError(400, rule);
    }
    return { name, fullVersion: version, pythonTag: normalizePythonTag(tag) };
  });
}

export function registerEggRoutes(router: Router, context: EggRouteContext): void {
  const { db, objects } = context;

  /** Authenticates, checks access and the platform, and reads the egg key from the path. */
  async function eggTarget(
    request: Request,
    params: Record<string, string>,
    action: "metadata" | "download" | "delete",
  ) {
    const { user } = await authenticate(request, context);
    const repository = requireEggAccess(db, user, params.org!, params.repo!, action);
    const platform = requirePlatform(params.platform!);
    const key: EggKey = {
      name: params.name!,
      fullVersion: params.version!,
      pythonTag: normalizePythonTag(params.tag),
    };
    return { repository, platform, key };
  }

  async function existingEgg(
    request: Request,
    params: Record<string, string>,
    action: "metadata" | "download",
  ): Promise<Egg> {
    const { repository, platform, key } = await eggTarget(request, params, action);
    // What a runtime's index lists, it can fetch under the same tag: after the
    // exact tag, try its generic tags and then untagged eggs, as the index does.
    const fallbacks = key.pythonTag && isRuntimePythonTag(key.pythonTag)
      ? [...compatibleEggTags(key.pythonTag).slice(1), null]
      : [];
    for (const pythonTag of [key.pythonTag, ...fallbacks]) {
      const egg = findEgg(db, repository.id, platform, { ...key, pythonTag });
      if (egg) return egg;
    }
    throw noEgg(repository, platform, key);
  }

  router.add("GET", "/indices/:org/:repo/:platform/:tag/eggs", async ({ request, params }) => {
    const { user } = await authenticate(request, context);
    const repository = requireEggAccess(db, user, params.org!, params.repo!, "list");
    const platform = requirePlatform(params.platform!);
    const tag = params.tag!;
    if (!isRuntimePythonTag(tag)) {
      throw new HttpError(
        404,
        `No egg index for Python tag '${tag}': use a runtime tag like cp311`,
      );
    }
    // Most specific tag first: when two eggs share a file name, the index keeps that one.
    const entries = new Map<string, ReturnType<typeof indexEntry>>();
    for (const egg of listIndexEggs(db, repository.id, platform, compatibleEggTags(tag))) {
      if (!entries.has(egg.filename)) entries.set(egg.filename, indexEntry(egg));
    }
    const sorted = [...entries].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
    return jsonResponse(Object.fromEntries(sorted));
  });

  // Disabled eggs are included: batch uploads read them before re-indexing.
  router.add("GET", `/metadata${EGG_PATH}`, async ({ request, params }) => {
    return jsonResponse(metadataDocument(await existingEgg(request, params, "metadata")));
  });

  router.add("GET", `/data${EGG_PATH}`, async ({ request, params }) => {
    const egg = await existingEgg(request, params, "download");
    return await fileDownload(request, objects.path(egg.sha256), {
      filename: egg.filename,
      sha256: egg.sha256,
    });
  });

  // hatcher always sends ?force=False; eggs have no dependents to force past, so it is only validated.
  router.add("DELETE", `/data${EGG_PATH}`, async ({ request, url, params }) => {
    const { repository, platform, key } = await eggTarget(request, params, "delete");
    queryFlag(url, "force");
    if (!deleteEgg(db, objects, repository.id, platform, key)) {
      throw noEgg(repository, platform, key);
    }
    return noContent();
  });

  router.add("POST", "/data/:org/:repo/:platform/eggs/upload", async ({ request, url, params }) => {
    const { user } = await authenticate(request, context);
    const repository = requireEggAccess(db, user, params.org!, params.repo!, "upload");
    const platform = requirePlatform(params.platform!);
    const overwrite = queryFlag(url, "overwrite", false);
    const enabled = queryFlag(url, "enabled", true);
    // Every check above runs before a byte of the body is read.
    const received = await receiveEgg(request, {
      objects,
      platform,
      maxFileBytes: context.maxUploadBytes,
    });
    try {
      const { metadata } = received;
      const { egg, outcome } = storeEgg(db, objects, repository.id, platform, {
        path: received.path,
        filename: received.filename,
        eggBasename: received.eggBasename,
        name: metadata.name.toLowerCase(),
        version: metadata.version,
        build: metadata.build,
        fullVersion: metadata.fullVersion,
        pythonTag: normalizePythonTag(metadata.pythonTag),
        python: metadata.python,
        packages: metadata.packages,
        sha256: received.sha256,
        md5: received.md5,
        size: received.size,
      }, { overwrite, enabled });
      noteAudit(
        request,
        uploadAudit("egg", outcome, `${params.org}/${params.repo}/${platform}`, egg),
      );
      return jsonResponse(metadataDocument(egg), outcome === "unchanged" ? 200 : 201);
    } catch (error) {
      if (error instanceof EggConflictError) throw new HttpError(409, error.message);
      throw error;
    } finally {
      await objects.removeTemporary(received.dir);
    }
  });

  router.add("POST", "/data/:org/:repo/:platform/eggs/re-index", async ({ request, params }) => {
    const { user } = await authenticate(request, context);
    const repository = requireEggAccess(db, user, params.org!, params.repo!, "re-index");
    const platform = requirePlatform(params.platform!);
    const keys = requireReindexKeys(await readJson(request, REINDEX_JSON_LIMIT_BYTES));
    try {
      return jsonResponse({ indexed: enableEggs(db, repository.id, platform, keys) });
    } catch (error) {
      if (error instanceof EggNotFoundError) throw noEgg(repository, platform, error.key);
      throw error;
    }
  });
}
