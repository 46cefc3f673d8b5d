/**
 * The CLI's npm dependencies, pinned by range in this one module.
 *
 * `deno run <url>/cli.ts` does not read our deno.json import map, so shipped code
 * names its npm packages with explicit `npm:` specifiers, and only here, so a
 * version bump is a one-line change. The library (`mod.ts`) never imports this.
 *
 * @module
 */
export { Command, CommanderError, Option } from "npm:commander@^14.0.0";
export type { OptionValueSource } from "npm:commander@^14.0.0";
export { default as colors } from "npm:picocolors@^1.1.1";
