/**
 * The npm packages of the library, each behind one explicit, versioned
 * specifier. Only this file names `npm:` packages (checked by
 * `scripts/check_boundaries.ts`); the rest of `lib/` imports from here.
 *
 * @module
 */

/**
 * zip.js: reads zip archives through a random-access {@linkcode zip.Reader},
 * so only the central directory and the wanted entry are read from disk.
 */
export * as zip from "npm:@zip.js/zip.js@^2.24.0";

/**
 * yaml: a maintained YAML 1.2 parser with limits against alias ("billion
 * laughs") expansion; loaded only when an app spec is read.
 */
export * as yaml from "npm:yaml@^2.8.1";
