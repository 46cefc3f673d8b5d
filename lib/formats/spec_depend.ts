/**
 * The text of `EGG-INFO/spec/depend`: Python-literal assignments
 * (`key = value`) of quoted strings, integers, `None` and lists of strings,
 * with comments and blank lines. A small parser of that subset, so no Python
 * is needed to read an egg.
 *
 * @module
 */

import { FormatProblem } from "./artefact.ts";

/** A problem in spec/depend text, worded to follow "Invalid ...: ". */
export class SpecProblem extends FormatProblem {}

/** A value of an assignment. */
export type SpecValue = string | number | null | string[];

/** Each assigned key's value and the line it is on. */
export type Assignments = Map<string, { value: SpecValue; line: number }>;

interface Token {
  kind: "name" | "string" | "number" | "=" | "[" | "]" | "," | "newline" | "end";
  text: string;
  line: number;
}

const ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  "0": "\0",
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const openBrackets: number[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === " " || char === "\t" || char === "\r" || char === "\f") {
      i++;
    } else if (char === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (char === "\n") {
      if (openBrackets.length === 0) tokens.push({ kind: "newline", text: "\n", line });
      line++;
      i++;
    } else if (char === "=" || char === ",") {
      tokens.push({ kind: char, text: char, line });
      i++;
    } else if (char === "[") {
      openBrackets.push(line);
      tokens.push({ kind: "[", text: char, line });
      i++;
    } else if (char === "]") {
      if (openBrackets.pop() === undefined) {
        throw new SpecProblem(`unmatched "]" on line ${line}`);
      }
      tokens.push({ kind: "]", text: char, line });
      i++;
    } else if (char === "'" || char === '"') {
      const [value, end] = readString(text, i, line);
      tokens.push({ kind: "string", text: value, line });
      i = end;
    } else if (/[A-Za-z_]/.test(char)) {
      let end = i + 1;
      while (end < text.length && /[A-Za-z0-9_]/.test(text[end]!)) end++;
      const word = text.slice(i, end);
      if ((word === "u" || word === "U") && (text[end] === "'" || text[end] === '"')) {
        const [value, stringEnd] = readString(text, end, line);
        tokens.push({ kind: "string", text: value, line });
        i = stringEnd;
      } else {
        tokens.push({ kind: "name", text: word, line });
        i = end;
      }
    } else if (/[0-9-]/.test(char)) {
      const match = /^-?[0-9][0-9A-Za-z_.+-]*/.exec(text.slice(i, i + 64));
      if (!match) throw new SpecProblem(`unexpected "${char}" on line ${line}`);
      tokens.push({ kind: "number", text: match[0], line });
      i += match[0].length;
    } else {
      throw new SpecProblem(`unexpected "${char}" on line ${line}`);
    }
  }
  const unclosed = openBrackets[0];
  if (unclosed !== undefined) throw new SpecProblem(`unclosed "[" opened on line ${unclosed}`);
  tokens.push({ kind: "newline", text: "\n", line }, { kind: "end", text: "", line });
  return tokens;
}

/** Reads a quoted string starting at `start`; returns its value and the index after it. */
function readString(text: string, start: number, line: number): [string, number] {
  const quote = text[start]!;
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    const char = text[i]!;
    if (char === quote) return [value, i + 1];
    if (char === "\n") break;
    if (char === "\\") {
      const next = text[i + 1];
      if (next === undefined || next === "\n") break;
      value += ESCAPES[next] ?? `\\${next}`;
      i += 2;
    } else {
      value += char;
      i++;
    }
  }
  throw new SpecProblem(`unterminated string on line ${line}`);
}

function describeToken(token: Token): string {
  if (token.kind === "newline") return "end of line";
  if (token.kind === "end") return "end of text";
  if (token.kind === "string") return `string "${token.text}"`;
  return `"${token.text}"`;
}

/** Parses the assignments; returns each key's value and the line it is on. */
export function parseAssignments(text: string): Assignments {
  const tokens = tokenize(text);
  const assignments: Assignments = new Map();
  let position = 0;
  const next = (): Token => tokens[position++]!;
  const peek = (): Token => tokens[position]!;
  const unexpected = (token: Token, expected: string): SpecProblem =>
    new SpecProblem(`expected ${expected} but found ${describeToken(token)} on line ${token.line}`);

  const parseValue = (): SpecValue => {
    const token = next();
    if (token.kind === "string") return token.text;
    if (token.kind === "number") {
      if (!/^-?[0-9]+$/.test(token.text)) {
        throw new SpecProblem(
          `unsupported value "${token.text}" on line ${token.line}: ` +
            "use a quoted string, an integer, None or a list of strings",
        );
      }
      return Number(token.text);
    }
    if (token.kind === "name") {
      if (token.text === "None") return null;
      throw new SpecProblem(
        `unsupported value "${token.text}" on line ${token.line}: ` +
          "use a quoted string, an integer, None or a list of strings",
      );
    }
    if (token.kind === "[") {
      const items: string[] = [];
      while (peek().kind !== "]") {
        const item = next();
        if (item.kind !== "string") throw unexpected(item, "a quoted string in the list");
        items.push(item.text);
        if (peek().kind === ",") next();
        else if (peek().kind !== "]") throw unexpected(peek(), '"," or "]"');
      }
      next();
      return items;
    }
    throw unexpected(token, "a value");
  };

  while (peek().kind !== "end") {
    const key = next();
    if (key.kind === "newline") continue;
    if (key.kind !== "name") throw unexpected(key, "a name");
    const equals = next();
    if (equals.kind !== "=") throw unexpected(equals, `"=" after "${key.text}"`);
    const value = parseValue();
    const end = next();
    if (end.kind !== "newline") throw unexpected(end, "end of line");
    if (assignments.has(key.text)) {
      throw new SpecProblem(`"${key.text}" is assigned twice, again on line ${key.line}`);
    }
    assignments.set(key.text, { value, line: key.line });
  }
  return assignments;
}
