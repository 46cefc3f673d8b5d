/**
 * `hatcher audit list [ORG]`: the server's audit trail.
 *
 * @module
 */
import { listAuditEntries } from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { type CommandResult, runAction } from "../result.ts";
import { formatTable } from "../table.ts";

/** `audit list [ORG]`: a `Time | Actor | Action | Target` table, oldest first. */
export async function listAuditCommand(
  context: CommandContext,
  options: { organization?: string },
): Promise<CommandResult> {
  const entries = await listAuditEntries(await context.session(), options);
  const rows = entries.map((entry) => [entry.at, entry.actor, entry.action, entry.target]);
  return {
    data: entries,
    text: formatTable(["Time", "Actor", "Action", "Target"], rows, { color: context.io.color }),
  };
}

/** Adds the `audit` group to the program. */
export function registerAudit(program: Command): void {
  const group = program.command("audit").description("Read the audit trail (administrators)");
  group.command("list").description(
    "Who changed what: one organization's entries, or all of them (site administrators)",
  )
    .argument("[org]", "organization name")
    .action(
      runAction((context, organization?: string) => listAuditCommand(context, { organization })),
    );
}
