/**
 * `hatcher repositories list|create|show|edit|delete`.
 *
 * @module
 */
import {
  createRepository,
  deleteRepository,
  getRepository,
  listRepositories,
  type RepositorySettings,
  updateRepository,
} from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import { type Command, Option } from "../deps.ts";
import { UsageError } from "../errors.ts";
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

/** `repositories create ORG REPO DESCRIPTION [--public]`: says what it created. */
export async function createRepositoryCommand(
  context: CommandContext,
  options: { organization: string; name: string; description: string; public: boolean },
): Promise<CommandResult> {
  await createRepository(await context.session(), options);
  return {
    data: options,
    text: "",
    report: `Created repository ${options.organization}/${options.name}\n`,
  };
}

function settingsText(settings: RepositorySettings): string {
  return `${settings.organization}/${settings.name} is ${
    settings.public ? "public: anyone may read it" : "private"
  }\n`;
}

/** `repositories show ORG REPO`: its description and visibility. */
export async function showRepositoryCommand(
  context: CommandContext,
  options: { organization: string; name: string },
): Promise<CommandResult> {
  const settings = await getRepository(await context.session(), options);
  return {
    data: settings,
    text: `${settingsText(settings)}Description: ${settings.description}\n`,
  };
}

/** `repositories edit ORG REPO [--public | --private] [--description TEXT]`. */
export async function editRepositoryCommand(
  context: CommandContext,
  options: { organization: string; name: string; public?: boolean; description?: string },
): Promise<CommandResult> {
  if (options.public === undefined && options.description === undefined) {
    throw new UsageError("Nothing to change: pass --public, --private or --description");
  }
  const settings = await updateRepository(await context.session(), options);
  return { data: settings, text: settingsText(settings) };
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
    .option("--public", "let anyone read it, even without credentials")
    .action(
      runAction((
        context,
        organization: string,
        name: string,
        description: string,
        flags: { public?: boolean },
      ) =>
        createRepositoryCommand(context, {
          organization,
          name,
          description,
          public: flags.public === true,
        })
      ),
    );
  group.command("show").description("Show a repository's settings (organization administrators)")
    .argument("<org>", "organization").argument("<repo>", "repository name")
    .action(
      runAction((context, organization: string, name: string) =>
        showRepositoryCommand(context, { organization, name })
      ),
    );
  group.command("edit").description(
    "Change a repository's description or visibility (organization administrators)",
  )
    .argument("<org>", "organization").argument("<repo>", "repository name")
    .addOption(
      new Option("--public", "let anyone read it, even without credentials").conflicts("private"),
    )
    .option("--private", "only its teams may read it")
    .option("--description <text>", "a new description")
    .action(runAction((
      context,
      organization: string,
      name: string,
      flags: { public?: boolean; private?: boolean; description?: string },
    ) =>
      editRepositoryCommand(context, {
        organization,
        name,
        public: flags.public ? true : flags.private ? false : undefined,
        description: flags.description,
      })
    ));
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
