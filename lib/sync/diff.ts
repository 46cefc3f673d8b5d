/**
 * What one side has that the other lacks, has extra, or has with other
 * content: the comparison behind `diff`, `export --missing-from` and `mirror`.
 *
 * @module
 */
import { type ArtefactRecord, recordKey } from "./records.ts";

/**
 * The difference between a source and a target.
 *
 * @example
 * ```ts
 * import { diffRecords, type RecordDiff } from "@hatcher/hatcher";
 * const diff: RecordDiff = diffRecords([], []);
 * console.log(diff.missing.length + diff.extra.length + diff.different.length === 0);
 * ```
 */
export interface RecordDiff {
  /** In the source, not in the target. */
  missing: ArtefactRecord[];
  /** In the target, not in the source. */
  extra: ArtefactRecord[];
  /** In both, with other content: the source's record and the target's. */
  different: Array<{ source: ArtefactRecord; target: ArtefactRecord }>;
  /** In both, the same bytes. */
  same: number;
}

/**
 * Compares two inventories by identity, then SHA-256.
 *
 * @example
 * ```ts
 * import { diffRecords, readManifest } from "@hatcher/hatcher";
 * const [here, there] = await Promise.all([readManifest("a.json"), readManifest("b.json")]);
 * const { missing } = diffRecords(here.artefacts, there.artefacts);
 * ```
 */
export function diffRecords(
  source: readonly ArtefactRecord[],
  target: readonly ArtefactRecord[],
): RecordDiff {
  const theirs = new Map(target.map((record) => [recordKey(record), record]));
  const ours = new Set<string>();
  const diff: RecordDiff = { missing: [], extra: [], different: [], same: 0 };
  for (const record of source) {
    const key = recordKey(record);
    ours.add(key);
    const other = theirs.get(key);
    if (other === undefined) diff.missing.push(record);
    else if (other.sha256 !== record.sha256) diff.different.push({ source: record, target: other });
    else diff.same++;
  }
  for (const record of target) if (!ours.has(recordKey(record))) diff.extra.push(record);
  return diff;
}
