/**
 * `hatcher platforms list` and `hatcher python-tags list [--all]`.
 *
 * @module
 */
import { listPlatforms, listPythonTags } from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { lines } from "../format.ts";
import { type CommandResult, runAction } from "../result.ts";

/** `platforms list`: one platform per line, sorted. */
export async function listPlatformsCommand(context: CommandContext): Promise<CommandResult> {
  const platforms = await listPlatforms(await context.session());
  return { data: platforms, text: lines(platforms) };
}

/** `python-tags list [--all]`: one tag per line, in the server's order. */
export async function listPythonTagsCommand(
  context: CommandContext,
  options: { all: boolean },
): Promise<CommandResult> {
  const tags = await listPythonTags(await context.session(), options);
  return { data: tags, text: lines(tags) };
}

/** Adds the `platforms` and `python-tags` groups to the program. */
export function registerCatalogue(program: Command): void {
  program.command("platforms").description("Platforms the server knows")
    .command("list").description("List the platforms")
    .action(runAction((context) => listPlatformsCommand(context)));
  program.command("python-tags").description("Python tags the server knows")
    .command("list").description("List the Python tags of real runtimes")
    .option("--all", "list every tag the server knows")
    .action(
      runAction((context, flags: { all?: boolean }) =>
        listPythonTagsCommand(context, { all: flags.all === true })
      ),
    );
}
