/** Assertions shared by the tests of the artefact readers (eggs, runtimes, bundles, apps). */
import assert from "node:assert/strict";
import type { InvalidArtefactError } from "../../mod.ts";

/**
 * Runs `body`, which must throw an `errorClass` error (named after its class,
 * on one line) whose message matches `pattern`; when `file` is given, the
 * error's `file` is it and the message quotes it.
 */
export async function assertRefused<E extends InvalidArtefactError>(
  body: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any -- any constructor of the error class.
  errorClass: new (...args: any[]) => E,
  pattern: RegExp,
  file?: string,
): Promise<E> {
  let caught: unknown;
  try {
    await body();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof errorClass, `expected ${errorClass.name}, got ${caught}`);
  assert.equal(caught.name, errorClass.name);
  assert.ok(!caught.message.includes("\n"), `one line: ${caught.message}`);
  assert.match(caught.message, pattern);
  if (file !== undefined) {
    assert.equal(caught.file, file);
    assert.ok(caught.message.includes(`"${file}"`), caught.message);
  }
  return caught;
}
