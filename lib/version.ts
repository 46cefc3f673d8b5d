/**
 * The hatcher version, sent in the `User-Agent` header and printed by `--version`.
 * A test keeps it equal to the version in deno.json.
 *
 * @example Print the version
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(`hatcher ${VERSION}`);
 * ```
 */
export const VERSION = "0.1.0";
