/**
 * The index documents of every kind, built once per version (index_cache.ts)
 * from the rows' stored entries (artefacts.ts, listIndexRows) by the kind's
 * indexText. Who may read an index is checked before this is asked.
 */
import {
  type ArtefactPlace,
  findArtefactById,
  indexGeneration,
  type IndexRow,
  listArtefactsWithoutIndexEntry,
  listIndexRows,
  storeIndexEntries,
} from "./artefacts.ts";
import { type Database, inReadTransaction } from "./db.ts";
import { BackgroundGzip } from "./background_gzip.ts";
import { type BuiltDocument, type CachedIndex, indexCacheOf } from "./index_cache.ts";
import type { ArtefactKind, IndexRequest } from "./kinds/kind.ts";
import { TextBlocks } from "./text_blocks.ts";
import { whileUnchanged } from "./while_unchanged.ts";

/** Path parameters that name the place, not the document within it. */
const PLACE_PARAMS = new Set(["org", "repo", "platform"]);

/** What tells one index of a place from another: its other URL parameters, maybe its API version. */
function variantKey(kind: ArtefactKind<unknown>, request: IndexRequest): string {
  const parts = Object.entries(request.params)
    .filter(([name]) => !PLACE_PARAMS.has(name))
    .sort(([a], [b]) => a < b ? -1 : 1)
    .map(([name, value]) => `${name}=${value}`);
  if (kind.indexByApiVersion) parts.push(`v${request.apiVersion}`);
  return parts.join("&");
}

/** Stores the entries of rows written before entries were (once, on the first build after). */
function fillIndexEntries(db: Database, kind: ArtefactKind<unknown>, place: ArtefactPlace): void {
  const missing = listArtefactsWithoutIndexEntry(db, place);
  storeIndexEntries(
    db,
    new Map(missing.map((artefact) => [artefact.id, kind.indexEntry(artefact)])),
  );
}

/** `rows` with every entry at hand: one missing is written now (never stored by this read). */
function* withEntries<R extends IndexRow>(
  db: Database,
  kind: ArtefactKind<unknown>,
  rows: Iterable<R>,
): Generator<R & { entry: string }> {
  for (const row of rows) {
    // Only a row another process stored without its entry since fillIndexEntries.
    if (row.entry === null) row.entry = kind.indexEntry(findArtefactById(db, row.id)!);
    yield row as R & { entry: string };
  }
}

function buildIndex(
  db: Database,
  kind: ArtefactKind<unknown>,
  place: ArtefactPlace,
  request: IndexRequest,
  pythonTags: readonly string[] | undefined,
): BuiltDocument {
  const gzip = new BackgroundGzip();
  const out = new TextBlocks((block, last) => last ? gzip.finish(block) : gzip.push(block));
  try {
    if (kind.indexOrder === "filename") {
      const rows = listIndexRows(db, place, pythonTags, "filename");
      kind.indexText(withEntries(db, kind, rows), request, out);
    } else {
      const rows = listIndexRows(db, place, pythonTags, "version");
      kind.indexText(withEntries(db, kind, rows), request, out);
    }
  } catch (error) {
    gzip.finish(); // the worker lets go of the job
    throw error;
  }
  return { blocks: out.finish(), gzipped: gzip.result() };
}

/** The current index document of `place` for `request`, built now unless kept. */
export function indexDocument(
  db: Database,
  kind: ArtefactKind<unknown>,
  place: ArtefactPlace,
  request: IndexRequest,
  pythonTags: readonly string[] | undefined,
): CachedIndex {
  const cache = indexCacheOf(db);
  const key = `${place.repositoryId}/${place.kind}/${place.platform}?${variantKey(kind, request)}`;
  const current = whileUnchanged<number>(db, "index generations").get(
    `${place.repositoryId}/${place.kind}/${place.platform}`,
    () => indexGeneration(db, place),
  );
  const kept = cache.current(key, current);
  if (kept !== undefined) return kept;
  fillIndexEntries(db, kind, place);
  // One snapshot: the generation the document is kept under is the one its rows had.
  const { generation, built } = inReadTransaction(db, () => ({
    generation: indexGeneration(db, place),
    built: buildIndex(db, kind, place, request, pythonTags),
  }));
  return cache.store(key, generation, built);
}
