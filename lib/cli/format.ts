/**
 * Plain output shapes shared by commands: one item per line, and JSON with
 * sorted keys (stable for diffs and scripts).
 *
 * @module
 */
import { escapeControls, terminalSafeJson } from "./terminal_text.ts";

/** One item per line (control characters escaped); nothing at all for an empty list. */
export function lines(items: readonly string[]): string {
  return items.map((item) => `${escapeControls(item)}\n`).join("");
}

/**
 * JSON, indent 2, object keys sorted at every level, with a final newline;
 * the controls JSON leaves raw are written as `\uXXXX`.
 */
export function sortedJson(value: unknown): string {
  return terminalSafeJson(`${JSON.stringify(sortKeys(value), null, 2)}\n`);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value).sort().map((
      key,
    ) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
