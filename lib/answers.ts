/**
 * Checks the shape of the server's JSON answers, so a misbehaving server or
 * proxy gives a clear error instead of `undefined` deep in a caller.
 *
 * @module
 */
import { HatcherError } from "./errors.ts";

/** The array of strings under `key`, in the server's order. */
export function stringList(body: unknown, key: string): string[] {
  const value = field(body, key);
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new HatcherError(`The server's answer has no list of "${key}"`);
  }
  return value as string[];
}

/** The array of objects under `key`. */
export function objectList(body: unknown, key: string): Record<string, unknown>[] {
  const value = field(body, key);
  if (!Array.isArray(value) || !value.every((item) => typeof item === "object" && item !== null)) {
    throw new HatcherError(`The server's answer has no list of "${key}"`);
  }
  return value as Record<string, unknown>[];
}

/** The string under `key`. */
export function text(body: unknown, key: string): string {
  const value = field(body, key);
  if (typeof value !== "string") throw new HatcherError(`The server's answer has no "${key}"`);
  return value;
}

/** Code-point order: stable across locales, which `localeCompare` is not. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function field(body: unknown, key: string): unknown {
  return typeof body === "object" && body !== null
    ? (body as Record<string, unknown>)[key]
    : undefined;
}
