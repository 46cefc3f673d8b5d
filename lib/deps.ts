/**
 * The npm packages the library uses, each through one explicit specifier.
 *
 * @module
 */
export * as zip from "npm:@zip.js/zip.js@^2.8.0";
