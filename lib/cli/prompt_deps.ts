/**
 * The prompt library, in a module of its own so it is loaded with a dynamic
 * `import()` only when a password prompt is shown (it costs startup time).
 *
 * @module
 */
export { default as promptPassword } from "npm:@inquirer/password@^4.0.0";
