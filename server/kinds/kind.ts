/**
 * What the reference server needs to know about one kind of artefact (eggs,
 * runtimes, bundles, apps): how its URLs look, how to read and check an
 * uploaded file, what identifies it, and the shapes of its index and
 * metadata documents. routes/artefacts.ts serves every kind from this
 * description; storage (artefacts.ts) is the same for all.
 */
import type { ApiVersion } from "../http.ts";
import type {
  Artefact,
  ArtefactKindName,
  IndexRow,
  NewArtefact,
  VersionedIndexRow,
} from "../artefacts.ts";
import type { TextBlocks } from "../text_blocks.ts";

/** Path parameters of an artefact URL, percent-decoded. */
export type PathParams = Record<string, string>;

/** The fields of a new row that come from the file, not from the transfer. */
export type ArtefactFields = Omit<NewArtefact, "path" | "filename" | "sha256" | "md5" | "size">;

/** A row of an index with its entry's JSON text at hand. */
export type IndexedRow = IndexRow & { entry: string };
export type VersionedIndexedRow = VersionedIndexRow & { entry: string };

/** What an index URL asks for. */
export interface IndexRequest {
  params: PathParams;
  apiVersion: ApiVersion;
  /** The canonical platform (the URL may use a legacy spelling). */
  platform: string;
}

/** An address of one artefact: what to match, in the order to try. */
export interface ItemAddress {
  /** Matched against the name, unless null (v0 runtimes are addressed by tag instead). */
  name: string | null;
  fullVersion: string;
  /** Tags to try in turn (eggs fall back to generic and untagged ones); `undefined`: any tag. */
  pythonTags: ReadonlyArray<string | null> | undefined;
  /** How to name it in a 404. */
  describe: string;
}

/**
 * How a kind writes its index document as JSON text into `out`, from the
 * rows of the enabled artefacts of one repository and platform, in its order:
 * by file name, or by name and version (then with those columns).
 */
export type IndexBuilder =
  | {
    indexOrder: "filename";
    indexText(rows: Iterable<IndexedRow>, request: IndexRequest, out: TextBlocks): void;
  }
  | {
    indexOrder: "version";
    indexText(rows: Iterable<VersionedIndexedRow>, request: IndexRequest, out: TextBlocks): void;
  };

export type ArtefactKind<M> = ArtefactKindBase<M> & IndexBuilder;

interface ArtefactKindBase<M> {
  name: ArtefactKindName;
  /** For messages: `egg`, `runtime`... */
  label: string;
  /**
   * Patterns relative to the API root. `item` follows `/metadata` and `/data`;
   * without `:platform` in `upload`, the platform comes from the file.
   */
  paths: { index: string; item: string; upload: string };
  /** Whether uploads may be `enabled=False` and enabled later by a re-index (eggs). */
  reindexable: boolean;
  /** Refuses a bad uploaded file name (throws a HatcherError) before it touches the disk. */
  checkFilename(filename: string): void;
  /** Reads and checks an uploaded file (throws a HatcherError when it is invalid). */
  read(path: string): Promise<M>;
  /** The canonical platform the file is built for, or null for "any platform". */
  platformOf(metadata: M): string | null;
  /** The row's identity and kind-specific fields. */
  fields(metadata: M): ArtefactFields;
  /**
   * The Python tags an index of `params` shows (most specific first; untagged
   * artefacts always), `undefined` for all. Throws an HttpError for a bad tag.
   */
  indexTags(params: PathParams): readonly string[] | undefined;
  /**
   * One artefact's entry in the index, as JSON text. Stored with its row at
   * upload, so it must not depend on the request: what does (an egg's
   * default ABI for the index's tag) is filled in by `indexText`.
   */
  indexEntry(artefact: Artefact): string;
  /** Raised whenever `indexEntry` writes something else, so stored entries are written anew. */
  indexEntryFormat: number;
  /** Whether the index document differs between API versions (else one is built for both). */
  indexByApiVersion: boolean;
  /** What an item URL addresses. */
  address(params: PathParams, apiVersion: ApiVersion): ItemAddress;
  /** The metadata document of one artefact; also the upload's answer. */
  metadataDocument(artefact: Artefact): Record<string, unknown>;
}
