/**
 * `hatcher users create|delete` and `hatcher user repositories`.
 *
 * @module
 */
import { createUser, deleteUser, listUserRepositories } from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { UsageError } from "../errors.ts";
import { lines } from "../format.ts";
import { deleteConfirmed } from "../deletion.ts";
import { yesOption } from "../prompt.ts";
import { type CommandResult, runAction } from "../result.ts";
import { formatTable } from "../table.ts";

/**
 * `users create ORG EMAIL [--password-stdin] [--team T]...`: without a given
 * password one is generated, printed this once.
 */
export async function createUserCommand(
  context: CommandContext,
  options: { organization: string; email: string; passwordStdin: boolean; teams: string[] },
): Promise<CommandResult> {
  let password: string | undefined;
  if (options.passwordStdin) {
    const { globals, io } = context;
    // Both passwords cannot come from one stdin: check before either is read.
    if (globals.username && globals.password === undefined && !io.canPrompt) {
      throw new UsageError(
        "--password-stdin needs stdin for the new user's password: log in with --token or --password",
      );
    }
    await context.session();
    const line = await io.readLine();
    password = line?.replace(/\r$/, "");
    if (!password) throw new UsageError("--password-stdin: no password on stdin");
  }
  const created = await createUser(await context.session(), {
    organization: options.organization,
    email: options.email,
    password,
    teams: options.teams.length > 0 ? options.teams : undefined,
  });
  // A generated password is shown this once: it is the result, never silenced.
  if (created.generatedPassword) {
    return {
      data: created,
      text: `Created user ${created.email} with password '${created.generatedPassword}'\n`,
    };
  }
  return {
    data: created,
    text: "",
    report: `Created user ${created.email} in organization ${options.organization}\n`,
  };
}

/** `users delete ORG EMAIL [-y]`: asks first on a terminal. */
export async function deleteUserCommand(
  context: CommandContext,
  options: { organization: string; email: string; yes: boolean },
): Promise<CommandResult> {
  await deleteConfirmed(
    context,
    options.email,
    options.yes,
    (session) => deleteUser(session, options),
  );
  const { yes: _yes, ...target } = options;
  return { data: { ...target, deleted: true }, text: "" };
}

/**
 * `user repositories [--include-indexable]`: the repositories you can reach,
 * with your access (names only from an API v0 server, which does not say).
 */
export async function userRepositoriesCommand(
  context: CommandContext,
  options: { includeIndexable: boolean },
): Promise<CommandResult> {
  const session = await context.session();
  const repositories = await listUserRepositories(session, options);
  if (session.apiVersion === 0) {
    return { data: repositories, text: lines(repositories.map((repository) => repository.name)) };
  }
  const rows = repositories.map((r) => [r.name, r.access ?? "", r.description ?? ""]);
  return {
    data: repositories,
    text: formatTable(["Repository", "Access", "Description"], rows, { color: context.io.color }),
  };
}

/** Adds the `users` and `user` groups to the program. */
export function registerUsers(program: Command): void {
  const users = program.command("users").description(
    "Create and delete users (organization administrators)",
  );
  users.command("create").description("Create a user in an organization")
    .argument("<org>", "organization").argument("<email>", "the user's email (user name)")
    .option("--password-stdin", "read the new user's password from the first line of stdin")
    .option("--team <team>", "add the user to this team (repeatable)", collect, [])
    .action(runAction((
      context,
      organization: string,
      email: string,
      flags: { passwordStdin?: boolean; team: string[] },
    ) =>
      createUserCommand(context, {
        organization,
        email,
        passwordStdin: flags.passwordStdin === true,
        teams: flags.team,
      })
    ));
  users.command("delete").description("Remove a user from an organization")
    .argument("<org>", "organization").argument("<email>", "the user's email")
    .addOption(yesOption())
    .action(
      runAction((context, organization: string, email: string, flags: { yes?: boolean }) =>
        deleteUserCommand(context, { organization, email, yes: flags.yes === true })
      ),
    );

  const user = program.command("user").description("Information about the logged-in user");
  user.command("repositories").description("List the repositories you can reach")
    .option("--include-indexable", "also list repositories you may only see in indexes")
    .action(
      runAction((context, flags: { includeIndexable?: boolean }) =>
        userRepositoriesCommand(context, { includeIndexable: flags.includeIndexable === true })
      ),
    );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
