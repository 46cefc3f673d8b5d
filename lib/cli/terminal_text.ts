/**
 * Text from the server made safe for a terminal. Names, emails and error
 * texts come from the server, and a control character in them could retitle
 * the window, clear the screen, move the cursor or reorder what is shown
 * (bidirectional overrides). Such characters are shown escaped instead:
 * `\x1b`, `\x07`, `\u202e`.
 *
 * @module
 */

/**
 * C0 controls and DEL, C1 controls (0x9b is a one-byte CSI on some
 * terminals), bidirectional marks, embeddings, overrides and isolates, and
 * the Unicode line and paragraph separators.
 */
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escaped(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One value (a table cell, a list item, an error line): every control character escaped, line breaks too. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escaped);
}

/**
 * A whole output: line breaks and tabs stay, and so do the styling sequences
 * the CLI itself adds (SGR, `ESC [ ... m`: colour and bold, which cannot move
 * the cursor or change the terminal); everything else is escaped.
 */
export function terminalSafe(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /\x1b\[[0-9;]*m|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (match) => match.length > 1 ? match : escaped(match),
  );
}

/**
 * JSON text with the characters `JSON.stringify` leaves raw (DEL, C1,
 * bidirectional controls) written as `\uXXXX`: the same JSON value, and
 * nothing a terminal acts on. They can only occur inside strings.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(
    /[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
