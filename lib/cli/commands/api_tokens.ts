/**
 * `hatcher api-tokens create|list|delete`: manage the user's API tokens.
 *
 * @module
 */
import { type ApiToken, createToken, listTokens, revokeToken } from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { yesOption } from "../prompt.ts";
import { type CommandResult, runAction } from "../result.ts";
import { formatTable } from "../table.ts";

/** `api-tokens create NAME`: prints the token once, quoted. */
export async function createTokenCommand(
  context: CommandContext,
  options: { name: string },
): Promise<CommandResult> {
  const created = await createToken(await context.session(), options.name);
  return { data: created, text: `Created API token ${created.name}: '${created.token}'\n` };
}

/** `api-tokens list`: a `Name | Created | Last Used` table, sorted by name. */
export async function listTokensCommand(context: CommandContext): Promise<CommandResult> {
  const tokens: ApiToken[] = await listTokens(await context.session());
  const rows = tokens.map((token) => [token.name, token.created, token.lastUsed ?? ""]);
  return {
    data: tokens,
    text: formatTable(["Name", "Created", "Last Used"], rows, { color: context.io.color }),
  };
}

/** `api-tokens delete NAME`: silent on success. */
export async function deleteTokenCommand(
  context: CommandContext,
  options: { name: string },
): Promise<CommandResult> {
  await revokeToken(await context.session(), options.name);
  return { data: { name: options.name, deleted: true }, text: "" };
}

/** Adds the `api-tokens` group to the program. */
export function registerApiTokens(program: Command): void {
  const group = program.command("api-tokens").description("Create, list and delete API tokens");
  group.command("create").argument("<name>", "a name for the new token")
    .description("Create an API token; it is shown once")
    .action(runAction((context, name: string) => createTokenCommand(context, { name })));
  group.command("list").description("List your API tokens")
    .action(runAction((context) => listTokensCommand(context)));
  group.command("delete").argument("<name>", "the token's name")
    .description("Delete (revoke) an API token")
    // Accepted for the original hatcher's scripts; revoking loses no data, so it never asks.
    .addOption(yesOption())
    .action(runAction((context, name: string) => deleteTokenCommand(context, { name })));
}
