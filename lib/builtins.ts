/**
 * Node built-ins that most commands never touch, loaded on first use. A
 * bundle hoists every static import of a built-in to its top, and the
 * compiled binary then loads them at each start. Alone, each costs a Bun
 * binary that imports nothing else (9 ms to start) 13 ms (node:crypto) and
 * 17 ms (node:zlib); beside hatcher's other imports, less: `--version` went
 * from 25.6 to 24.8 ms.
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
