/**
 * Plain text tables: `Name | Created | Last Used`, padded so the bars align.
 *
 * The header is bold only when styling is on (a TTY without `NO_COLOR`);
 * otherwise the output is plain text that scripts can parse.
 *
 * @module
 */
import { colors } from "./deps.ts";
import { escapeControls } from "./terminal_text.ts";

/**
 * Formats rows under a header, sorted as given; cells never wrap, and a
 * cell's control characters (from the server) are shown escaped.
 */
export function formatTable(
  header: readonly string[],
  cells: readonly (readonly string[])[],
  options: { color?: boolean } = {},
): string {
  const rows = cells.map((row) => row.map(escapeControls));
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length))
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ").trimEnd();
  const head = line(header);
  return [options.color ? colors.bold(head) : head, ...rows.map(line)].join("\n") + "\n";
}
