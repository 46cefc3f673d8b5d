/**
 * Serving a document kept as bytes (index_cache.ts): a strong ETag per
 * representation, 304 for a matching If-None-Match, and gzip for clients
 * that accept it. `no-transform` keeps Deno.serve from compressing anew on
 * every request what is already compressed once, or meant to go as it is.
 */
import { HttpError } from "./http.ts";
import type { KeptBytes } from "./kept_bytes.ts";

/** A document as kept: its bytes, their strong ETag, and its gzip form on demand. */
export interface StoredDocument {
  readonly identity: KeptBytes;
  /** Strong, quoted: `"…"`: the identity's; the gzip form's is derived (gzipEtag). */
  readonly etag: string;
  /** Compressed once per version. */
  gzipped(): Promise<KeptBytes>;
}

/** Shorter documents go as they are, whatever the client accepts (as nginx's gzip_min_length). */
export const GZIP_MIN_BYTES = 256;

/** The gzip representation's own strong ETag (RFC 9110 §8.8.3: one per representation). */
export function gzipEtag(etag: string): string {
  return `${etag.slice(0, -1)}-gzip"`;
}

/**
 * Whether `accept-encoding` lets gzip through: named (or `x-gzip`, or `*`)
 * with a non-zero quality, and not refused by name.
 */
export function acceptsGzip(header: string | null): boolean {
  if (header === null) return false;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const item of header.split(",")) {
    const [coding = "", ...parameters] = item.split(";").map((part) => part.trim());
    const q = parameters.find((parameter) => /^q=/i.test(parameter));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    const name = coding.toLowerCase();
    if (name === "gzip" || name === "x-gzip") gzip = Math.max(gzip ?? 0, quality || 0);
    else if (name === "*") any = quality || 0;
  }
  return (gzip ?? any ?? 0) > 0;
}

/** Whether `if-none-match` names one of `etags` (weak comparison, as RFC 9110 §13.1.2 says), or `*`. */
export function noneMatchHits(header: string | null, etags: readonly string[]): boolean {
  if (header === null) return false;
  if (header.trim() === "*") return true;
  for (const item of header.split(",")) {
    const tag = item.trim().replace(/^W\//, "");
    if (etags.includes(tag)) return true;
  }
  return false;
}

/**
 * The response to a GET of `document`. Both representations' ETags count for
 * a 304: they name the same version. `shared`: a public repository's
 * document, which shared caches may keep too (they must still revalidate).
 */
export async function storedDocumentResponse(
  request: Request,
  document: StoredDocument,
  options: { contentType: string; shared: boolean },
): Promise<Response> {
  // A document of a few bytes (an empty index is `{}`) gains nothing from gzip.
  const gzip = document.identity.size >= GZIP_MIN_BYTES &&
    acceptsGzip(request.headers.get("accept-encoding"));
  const identityTag = document.etag;
  const gzipTag = gzipEtag(identityTag);
  const headers: Record<string, string> = {
    etag: gzip ? gzipTag : identityTag,
    vary: "accept-encoding",
    "cache-control": `${options.shared ? "public" : "private"}, no-cache, no-transform`,
  };
  if (noneMatchHits(request.headers.get("if-none-match"), [identityTag, gzipTag])) {
    return new Response(null, { status: 304, headers });
  }
  headers["content-type"] = options.contentType;
  if (gzip) headers["content-encoding"] = "gzip";
  const kept = gzip ? await document.gzipped() : document.identity;
  let body: BodyInit;
  try {
    body = kept.body();
  } catch {
    // Its file went while the gzip form was awaited: the document was replaced or evicted.
    throw new HttpError(503, "The index changed while it was being sent: try again", {
      "retry-after": "1",
    });
  }
  // An array's length Deno.serve sends itself; a file's stream would go chunked.
  if (body instanceof ReadableStream) headers["content-length"] = String(kept.size);
  return new Response(body, { status: 200, headers });
}
