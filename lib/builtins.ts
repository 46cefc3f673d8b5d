/**
 * Node built-ins that most commands never touch, loaded on first use. A
 * bundle hoists every static import of a built-in to its top, and the
 * compiled binary then loads node:zlib and node:crypto at each start: 17 and
 * 13 ms (measured: a Bun binary that imports only one of them, against one
 * that imports nothing, 9 ms), more than all of hatcher's own start-up.
 *
 * @module
 */
import type * as ChildProcess from "node:child_process";
import type * as Crypto from "node:crypto";
import type * as Zlib from "node:zlib";

let crypto: Promise<typeof Crypto> | undefined;
let zlib: Promise<typeof Zlib> | undefined;
let childProcess: Promise<typeof ChildProcess> | undefined;

/** A new SHA-256 hash. */
export async function sha256Hash(): Promise<Crypto.Hash> {
  return (await (crypto ??= import("node:crypto"))).createHash("sha256");
}

/** node:zlib. */
export function nodeZlib(): Promise<typeof Zlib> {
  return zlib ??= import("node:zlib");
}

/** node:child_process. */
export function nodeChildProcess(): Promise<typeof ChildProcess> {
  return childProcess ??= import("node:child_process");
}
