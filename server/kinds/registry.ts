/** Every kind of artefact the server hosts; routes are registered for each. */
import type { ArtefactKind } from "./kind.ts";
import { EGG_KIND } from "./egg.ts";

// deno-lint-ignore no-explicit-any -- each kind reads its own metadata type.
export const ARTEFACT_KINDS: ReadonlyArray<ArtefactKind<any>> = [EGG_KIND];
