/**
 * Input rules: one per kind of name (organization, repository and team
 * names, emails, token names), plus descriptions and passwords. Each check
 * throws a 400 HttpError whose message states the rule, so a client can show
 * it as is. Every name may end up in a URL path and on someone's terminal,
 * so none may hold control or bidirectional-formatting characters, or be a
 * path segment a URL would normalise away (`.`, `..`).
 */
import { HttpError } from "./http.ts";

/** A letter or digit first, so names never start with '.' or '-' (paths, CLI flags). */
const OBJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const MAX_DESCRIPTION_LENGTH = 1000;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

export type ObjectKind = "Organization" | "Repository" | "Team";

export function nameRule(kind: ObjectKind): string {
  return `${kind} name must be 1-64 characters: a letter or digit, ` +
    "then letters, digits, '-', '_' or '.'";
}

export function isValidObjectName(name: unknown): name is string {
  return typeof name === "string" && OBJECT_NAME.test(name);
}

export function requireObjectName(kind: ObjectKind, name: unknown): string {
  if (!isValidObjectName(name)) throw new HttpError(400, nameRule(kind));
  return name;
}

/** Optional; a missing or null description is stored as "". */
export function requireDescription(description: unknown): string {
  if (description === undefined || description === null) return "";
  if (typeof description !== "string" || description.length > MAX_DESCRIPTION_LENGTH) {
    throw new HttpError(
      400,
      `Description must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters`,
    );
  }
  return description;
}

/**
 * Controls (C0, DEL, C1), bidirectional marks, embeddings, overrides and
 * isolates, zero-width characters and the BOM, line/paragraph separators.
 */
const INVISIBLE_OR_CONTROL =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

export const EMAIL_RULE = "Email must be an address like 'name@example.com' " +
  "(at most 254 characters, no spaces, control characters, '/' or '\\')";

/**
 * An email address, loosely: one "@" with something on both sides, and
 * nothing that would break a URL path (`/`, `\`) or a terminal line.
 */
export function isValidEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@/\\]+@[^\s@/\\]+$/.test(email) &&
    !INVISIBLE_OR_CONTROL.test(email);
}

export function requireEmail(email: unknown): string {
  if (typeof email !== "string" || !isValidEmail(email)) throw new HttpError(400, EMAIL_RULE);
  return email;
}

const TOKEN_NAME = /^[A-Za-z0-9._-]{1,100}$/;
export const TOKEN_NAME_RULE =
  "Token name must be 1-100 characters of letters, digits, '-', '_' or '.' (and not '.' or '..')";

/** "." and ".." are excluded because URL normalisation would eat them in DELETE paths. */
export function isValidTokenName(name: unknown): name is string {
  return typeof name === "string" && TOKEN_NAME.test(name) && name !== "." && name !== "..";
}

export function requireTokenName(name: unknown): string {
  if (!isValidTokenName(name)) throw new HttpError(400, TOKEN_NAME_RULE);
  return name;
}

export function requirePassword(password: unknown): string {
  if (
    typeof password !== "string" || password.length < MIN_PASSWORD_LENGTH ||
    password.length > MAX_PASSWORD_LENGTH
  ) {
    throw new HttpError(
      400,
      `Password must be a string of ${MIN_PASSWORD_LENGTH}-${MAX_PASSWORD_LENGTH} characters`,
    );
  }
  return password;
}
