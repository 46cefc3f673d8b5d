/**
 * Reading the JSON documents an EDS sends (indices, metadata) without
 * trusting their shape: objects are checked to be objects, and fields are
 * read with the type they should have or a fallback.
 *
 * @module
 */
import { HatcherError } from "./errors.ts";
import { type Session, sessionJson } from "./session.ts";

/** A JSON object as the server sent it. */
export type Document = Record<string, unknown>;

/** `value` if it is a JSON object; otherwise a HatcherError naming `what`. */
export function asDocument(value: unknown, what: string): Document {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HatcherError(`The server's ${what} is not a JSON object`);
  }
  return value as Document;
}

/** GETs `path` and checks that the answer is a JSON object. */
export async function getDocument(session: Session, path: string, what: string): Promise<Document> {
  return asDocument(await sessionJson<unknown>(session, "GET", path), what);
}

/** A string field, or `fallback`. */
export function text(raw: Document, key: string, fallback = ""): string {
  const value = raw[key];
  return typeof value === "string" ? value : fallback;
}

/** A string field, or null. */
export function textOrNull(raw: Document, key: string): string | null {
  const value = raw[key];
  return typeof value === "string" ? value : null;
}

/** A finite number field, or `fallback`. */
export function number(raw: Document, key: string, fallback = 0): number {
  const value = raw[key];
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/**
 * The leaves of a nested index (`{a: {b: {c: leaf}}}` at `depth` 3), each
 * with the keys that lead to it; levels that are not objects are skipped.
 */
export function leaves(index: Document, depth: number): Array<{ keys: string[]; leaf: Document }> {
  const found: Array<{ keys: string[]; leaf: Document }> = [];
  const walk = (level: unknown, keys: string[]) => {
    if (typeof level !== "object" || level === null || Array.isArray(level)) return;
    if (keys.length === depth) {
      found.push({ keys, leaf: level as Document });
      return;
    }
    for (const [key, value] of Object.entries(level)) walk(value, [...keys, key]);
  };
  walk(index, []);
  return found;
}
