/**
 * `hatcher organizations create|list`.
 *
 * @module
 */
import { createOrganization, listOrganizations } from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { lines } from "../format.ts";
import { type CommandResult, runAction } from "../result.ts";

/** `organizations create NAME DESCRIPTION`: says what it created. */
export async function createOrganizationCommand(
  context: CommandContext,
  options: { name: string; description: string },
): Promise<CommandResult> {
  await createOrganization(await context.session(), options);
  return { data: options, text: "", report: `Created organization ${options.name}\n` };
}

/** `organizations list`: one name per line, sorted. */
export async function listOrganizationsCommand(context: CommandContext): Promise<CommandResult> {
  const names = await listOrganizations(await context.session());
  return { data: names, text: lines(names) };
}

/** Adds the `organizations` group to the program. */
export function registerOrganizations(program: Command): void {
  const group = program.command("organizations").description("Create and list organizations");
  group.command("create").description("Create an organization (site administrators)")
    .argument("<name>", "organization name").argument("<description>", "free text")
    .action(
      runAction((context, name: string, description: string) =>
        createOrganizationCommand(context, { name, description })
      ),
    );
  group.command("list").description("List the organizations you can see")
    .action(runAction((context) => listOrganizationsCommand(context)));
}
