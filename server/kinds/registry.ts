/** Every kind of artefact the server hosts; routes are registered for each. */
import type { ArtefactKind } from "./kind.ts";
import { APP_KIND } from "./app.ts";
import { BUNDLE_KIND } from "./bundle.ts";
import { EGG_KIND } from "./egg.ts";
import { RUNTIME_KIND } from "./runtime.ts";

/**
 * In the order their URLs are matched: an egg path's `{python_tag}` segment
 * could spell `bundles`, but no valid tag does, so the kinds with a literal
 * segment in that place come first.
 */
// deno-lint-ignore no-explicit-any -- each kind reads its own metadata type.
export const ARTEFACT_KINDS: ReadonlyArray<ArtefactKind<any>> = [
  BUNDLE_KIND,
  APP_KIND,
  RUNTIME_KIND,
  EGG_KIND,
];
