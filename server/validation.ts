/**
 * Input rules for administration requests: object names, descriptions,
 * passwords and email addresses. Each check throws a 400 HttpError whose
 * message states the rule, so a client can show it as is.
 */
import { HttpError } from "./http.ts";
import { isPlausibleEmail } from "./users.ts";

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

export function requireEmail(email: unknown): string {
  if (typeof email !== "string" || !isPlausibleEmail(email)) {
    throw new HttpError(400, "Email must be an address like 'name@example.com'");
  }
  return email;
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
