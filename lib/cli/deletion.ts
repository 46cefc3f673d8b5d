/**
 * The one way commands delete things: refuse early without a terminal and
 * without `--yes`, log in, ask `... will be deleted. Proceed? [y/N]`, delete.
 *
 * @module
 */
import type { Session } from "../../mod.ts";
import type { CommandContext } from "./context.ts";
import { UsageError } from "./errors.ts";
import { confirmDeletion } from "./prompt.ts";

/** Deletes `what` with `remove` once the user has confirmed (or passed `--yes`). */
export async function deleteConfirmed(
  context: CommandContext,
  what: string,
  yes: boolean,
  remove: (session: Session) => Promise<void>,
): Promise<void> {
  if (!yes && !context.io.canPrompt) {
    // Before logging in: a script without -y learns at once, and nothing is touched.
    throw new UsageError(`Refusing to delete ${what} without confirmation: pass --yes (-y)`);
  }
  // The password prompt, if any, comes before the question: both read the terminal.
  const session = await context.session();
  await confirmDeletion(context.io, what, yes);
  await remove(session);
}
