/**
 * "Did you mean ...?" for egg commands the server answered with 404: a
 * platform or Python tag it does not know gets the nearest ones it does, a
 * version without its build number gets the versions that exist.
 *
 * @module
 */
import {
  type EggRef,
  HatcherError,
  listEggs,
  listPlatforms,
  listPythonTags,
  NotFoundError,
  type Session,
} from "../../mod.ts";

/** The coordinates an egg command was given; name and version only for one egg. */
export type EggQuery = Omit<EggRef, "name" | "version" | "pythonTag"> & {
  pythonTag?: string;
  name?: string;
  version?: string;
};

/**
 * Runs an egg command; when the server says 404, looks for the likely
 * mistake and throws a message that names it (the lookups' own failures
 * leave the original error as it was).
 */
export async function withSuggestions<T>(
  session: Session,
  query: EggQuery,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    let suggestion: string | undefined;
    try {
      suggestion = await suggest(session, query, error.message);
    } catch {
      // The suggestion is a courtesy: never let it hide the real answer.
    }
    if (!suggestion) throw error;
    throw new HatcherError(`${error.message}: ${suggestion}`, { cause: error });
  }
}

async function suggest(
  session: Session,
  query: EggQuery,
  message: string,
): Promise<string | undefined> {
  // The server's message may already name the value; then only the guess is added.
  const named = (value: string) => message.includes(`'${value}'`);
  const platforms = await listPlatforms(session);
  if (!platforms.includes(query.platform)) {
    const what = named(query.platform) ? undefined : "platform";
    return nearestText(what, query.platform, platforms, "hatcher platforms list");
  }
  if (query.pythonTag !== undefined) {
    const tags = await listPythonTags(session, { all: true });
    if (!tags.includes(query.pythonTag) && query.pythonTag !== "none") {
      const what = named(query.pythonTag) ? undefined : "Python tag";
      return nearestText(what, query.pythonTag, tags, "hatcher python-tags list --all");
    }
  }
  if (query.name === undefined || query.version === undefined || query.pythonTag === undefined) {
    return undefined;
  }
  const eggs = await listEggs(session, { ...query, pythonTag: query.pythonTag });
  const name = query.name.toLowerCase();
  const versions = eggs.filter((egg) => egg.name === name).map((egg) => egg.fullVersion);
  if (versions.length === 0) {
    const names = [...new Set(eggs.map((egg) => egg.name))];
    const near = nearest(name, names);
    return near.length > 0 ? `did you mean ${near.join(" or ")}?` : undefined;
  }
  const shown = versions.slice(-10).join(", ");
  if (!/-\d+$/.test(query.version)) {
    return `a version includes its build number, e.g. ${query.version}-1 (versions of ` +
      `${query.name} here: ${shown})`;
  }
  return `versions of ${query.name} here: ${shown}`;
}

function nearestText(
  what: string | undefined,
  value: string,
  known: string[],
  command: string,
): string {
  const near = nearest(value, known);
  const guess = near.length > 0 ? `did you mean ${near.join(" or ")}? ` : "";
  const unknown = what ? `'${value}' is not a ${what} the server knows; ` : "";
  return `${unknown}${guess}(\`${command}\` lists them)`;
}

/**
 * The candidates closest to `value`, at most three, if close enough: by edit
 * distance, with a candidate that holds all of `value`'s characters in
 * order (`rh7-x64` in `rh7-x86_64`) counted as one edit away.
 */
export function nearest(value: string, candidates: string[]): string[] {
  const limit = Math.max(2, Math.floor(value.length / 3));
  return candidates
    .map((candidate) => {
      const edits = editDistance(value, candidate);
      return { candidate, edits, distance: isSubsequence(value, candidate) ? 1 : edits };
    })
    .filter(({ distance }) => distance <= limit)
    .sort((a, b) =>
      a.distance - b.distance || a.edits - b.edits || a.candidate.localeCompare(b.candidate)
    )
    .slice(0, 3)
    .map(({ candidate }) => candidate);
}

function isSubsequence(short: string, long: string): boolean {
  let at = 0;
  for (const char of long) if (char === short[at]) at++;
  return at === short.length && short.length >= 3;
}

/** Levenshtein distance with transpositions (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}
