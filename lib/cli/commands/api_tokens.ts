/**
 * `hatcher api-tokens create|list|delete`: manage the user's API tokens.
 *
 * @module
 */
import { type ApiToken, createToken, listTokens, revokeToken } from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { UsageError } from "../errors.ts";
import { yesOption } from "../prompt.ts";
import { type CommandResult, runAction } from "../result.ts";
import { formatTable } from "../table.ts";

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `30d`, `12h`, `90m`, `3600s` (or plain seconds) as seconds; a usage error otherwise. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * DURATION_UNITS[match[2] || "s"]! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) {
    throw new UsageError(
      `Invalid duration '${text}': use a number with s, m, h or d, e.g. 30d or 12h`,
    );
  }
  return seconds;
}

/** `api-tokens create NAME [--expires-in 30d]`: prints the token once, quoted. */
export async function createTokenCommand(
  context: CommandContext,
  options: { name: string; expiresIn?: string },
): Promise<CommandResult> {
  const expiresIn = options.expiresIn === undefined ? undefined : parseDuration(options.expiresIn);
  const created = await createToken(await context.session(), options.name, { expiresIn });
  return { data: created, text: `Created API token ${created.name}: '${created.token}'\n` };
}

/**
 * `api-tokens list`: a `Name | Created | Last Used` table, sorted by name,
 * with an `Expires` column only when some token expires.
 */
export async function listTokensCommand(context: CommandContext): Promise<CommandResult> {
  const tokens: ApiToken[] = await listTokens(await context.session());
  const expiring = tokens.some((token) => token.expires !== undefined);
  const rows = tokens.map((token) => [
    token.name,
    token.created,
    token.lastUsed ?? "",
    ...(expiring ? [token.expires ?? ""] : []),
  ]);
  const header = ["Name", "Created", "Last Used", ...(expiring ? ["Expires"] : [])];
  return { data: tokens, text: formatTable(header, rows, { color: context.io.color }) };
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
    .option("--expires-in <duration>", "make it stop working after e.g. 30d, 12h, 90m")
    .action(
      runAction((context, name: string, options: { expiresIn?: string }) =>
        createTokenCommand(context, { name, expiresIn: options.expiresIn })
      ),
    );
  group.command("list").description("List your API tokens")
    .action(runAction((context) => listTokensCommand(context)));
  group.command("delete").argument("<name>", "the token's name")
    .description("Delete (revoke) an API token")
    // Accepted for the original hatcher's scripts; revoking loses no data, so it never asks.
    .addOption(yesOption())
    .action(runAction((context, name: string) => deleteTokenCommand(context, { name })));
}
