/**
 * `hatcher repositories list|create|delete`.
 *
 * @module
 */
import { createRepository, deleteRepository, listRepositories } from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { lines } from "../format.ts";
import { deleteConfirmed } from "../deletion.ts";
import { yesOption } from "../prompt.ts";
import { type CommandResult, runAction } from "../result.ts";

/** `repositories list ORG`: one name per line, sorted. */
export async function listRepositoriesCommand(
  context: CommandContext,
  options: { organization: string },
): Promise<CommandResult> {
  const names = await listRepositories(await context.session(), options.organization);
  return { data: names, text: lines(names) };
}

/** `repositories create ORG REPO DESCRIPTION`: says what it created. */
export async function createRepositoryCommand(
  context: CommandContext,
  options: { organization: string; name: string; description: string },
): Promise<CommandResult> {
  await createRepository(await context.session(), options);
  return {
    data: options,
    text: "",
    report: `Created repository ${options.organization}/${options.name}\n`,
  };
}

/** `repositories delete ORG REPO [--force] [-y]`: asks first on a terminal. */
export async function deleteRepositoryCommand(
  context: CommandContext,
  options: { organization: string; name: string; force: boolean; yes: boolean },
): Promise<CommandResult> {
  await deleteConfirmed(
    context,
    `${options.organization}/${options.name}`,
    options.yes,
    (session) => deleteRepository(session, options),
  );
  const { yes: _yes, ...target } = options;
  return { data: { ...target, deleted: true }, text: "" };
}

/** Adds the `repositories` group to the program. */
export function registerRepositories(program: Command): void {
  const group = program.command("repositories").description("List, create and delete repositories");
  group.command("list").description(
    "List an organization's repositories (organization administrators)",
  )
    .argument("<org>", "organization")
    .action(
      runAction((context, organization: string) =>
        listRepositoriesCommand(context, { organization })
      ),
    );
  group.command("create").description("Create a repository (organization administrators)")
    .argument("<org>", "organization").argument("<repo>", "repository name")
    .argument("<description>", "free text")
    .action(
      runAction((context, organization: string, name: string, description: string) =>
        createRepositoryCommand(context, { organization, name, description })
      ),
    );
  group.command("delete").description("Delete a repository")
    .argument("<org>", "organization").argument("<repo>", "repository name")
    .option("--force", "delete it even if it still holds eggs")
    .addOption(yesOption())
    .action(runAction((
      context,
      organization: string,
      name: string,
      flags: { force?: boolean; yes?: boolean },
    ) =>
      deleteRepositoryCommand(context, {
        organization,
        name,
        force: flags.force === true,
        yes: flags.yes === true,
      })
    ));
}
