/**
 * `hatcher teams ...`: teams, their members and their repositories.
 *
 * @module
 */
import {
  addTeamMember,
  addTeamRepository,
  createTeam,
  deleteTeam,
  getTeam,
  isTeamMember,
  listTeamMembers,
  listTeamRepositories,
  listTeams,
  removeTeamMember,
  removeTeamRepository,
  TEAM_GROUPS,
  teamHasRepository,
  type TeamRef,
} from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { lines, sortedJson } from "../format.ts";
import { yesOption } from "../prompt.ts";
import { type CommandResult, runAction } from "../result.ts";
import { formatTable } from "../table.ts";
import { UsageError } from "../errors.ts";
import { nearest } from "../suggestions.ts";

/** `teams list ORG`: a `Name | Group` table, sorted by name. */
export async function listTeamsCommand(
  context: CommandContext,
  options: { organization: string },
): Promise<CommandResult> {
  const teams = await listTeams(await context.session(), options.organization);
  const rows = teams.map((team) => [team.name, team.group]);
  return { data: teams, text: formatTable(["Name", "Group"], rows, { color: context.io.color }) };
}

/** `teams create ORG TEAM GROUP`: says what it created. */
export async function createTeamCommand(
  context: CommandContext,
  options: TeamRef & { group: string },
): Promise<CommandResult> {
  if (!(TEAM_GROUPS as readonly string[]).includes(options.group)) {
    const near = nearest(options.group, [...TEAM_GROUPS]);
    throw new UsageError(
      `Unknown team group '${options.group}': use one of ${TEAM_GROUPS.join(", ")}` +
        (near.length > 0 ? ` (did you mean ${near.join(" or ")}?)` : ""),
    );
  }
  await createTeam(await context.session(), options);
  return {
    data: options,
    text: "",
    report: `Created team ${options.organization}/${options.team} (group ${options.group})\n`,
  };
}

/**
 * `teams delete ORG TEAM [-y]`: does not ask, as in the original hatcher
 * (whose scripts call it without `-y`): a team holds grants, not data.
 */
export async function deleteTeamCommand(
  context: CommandContext,
  options: TeamRef & { yes: boolean },
): Promise<CommandResult> {
  await deleteTeam(await context.session(), options);
  const { yes: _yes, ...target } = options;
  return { data: { ...target, deleted: true }, text: "" };
}

/** `teams metadata ORG TEAM`: JSON, indent 2, sorted keys. */
export async function teamMetadataCommand(
  context: CommandContext,
  options: TeamRef,
): Promise<CommandResult> {
  const team = await getTeam(await context.session(), options);
  return { data: team, text: sortedJson(team) };
}

/** `teams members list ORG TEAM`: one email per line, sorted. */
export async function listMembersCommand(
  context: CommandContext,
  options: TeamRef,
): Promise<CommandResult> {
  const members = await listTeamMembers(await context.session(), options);
  return { data: members, text: lines(members) };
}

/** `teams members add|remove ORG TEAM EMAIL`: an added member is reported. */
export async function changeMemberCommand(
  context: CommandContext,
  options: TeamRef & { email: string; change: "add" | "remove" },
): Promise<CommandResult> {
  const session = await context.session();
  await (options.change === "add" ? addTeamMember : removeTeamMember)(session, options);
  const report = options.change === "add"
    ? `Added ${options.email} to team ${options.organization}/${options.team}\n`
    : undefined;
  return { data: options, text: "", report };
}

/** `teams members query ORG TEAM EMAIL`: one line; exit 0 for yes, 1 for no. */
export async function queryMemberCommand(
  context: CommandContext,
  options: TeamRef & { email: string },
): Promise<CommandResult> {
  const member = await isTeamMember(await context.session(), options);
  const verb = member ? "is a member of" : "is not a member of";
  return {
    data: { ...options, member },
    text: `'${options.email}' ${verb} team '${options.team}'\n`,
    exitCode: member ? 0 : 1,
  };
}

/** `teams repositories list ORG TEAM`: one name per line, sorted. */
export async function listTeamRepositoriesCommand(
  context: CommandContext,
  options: TeamRef,
): Promise<CommandResult> {
  const repositories = await listTeamRepositories(await context.session(), options);
  return { data: repositories, text: lines(repositories) };
}

/** `teams repositories add|remove ORG TEAM REPO`: an added repository is reported. */
export async function changeTeamRepositoryCommand(
  context: CommandContext,
  options: TeamRef & { repository: string; change: "add" | "remove" },
): Promise<CommandResult> {
  const session = await context.session();
  await (options.change === "add" ? addTeamRepository : removeTeamRepository)(session, options);
  const report = options.change === "add"
    ? `Added repository ${options.organization}/${options.repository} to team ` +
      `${options.organization}/${options.team}\n`
    : undefined;
  return { data: options, text: "", report };
}

/** `teams repositories query ORG TEAM REPO`: one line; exit 0 for yes, 1 for no. */
export async function queryTeamRepositoryCommand(
  context: CommandContext,
  options: TeamRef & { repository: string },
): Promise<CommandResult> {
  const access = await teamHasRepository(await context.session(), options);
  const verb = access ? "has access to" : "does not have access to";
  return {
    data: { ...options, access },
    text: `'${options.team}' ${verb} '${options.repository}'\n`,
    exitCode: access ? 0 : 1,
  };
}

/** Adds the `teams` group (with `members` and `repositories`) to the program. */
export function registerTeams(program: Command): void {
  const teams = program.command("teams").description(
    "Manage teams, their members and repositories",
  );
  teams.command("list").description("List an organization's teams")
    .argument("<org>", "organization")
    .action(
      runAction((context, organization: string) => listTeamsCommand(context, { organization })),
    );
  teams.command("create").description("Create a team")
    .argument("<org>", "organization").argument("<team>", "team name")
    .argument("<group>", `permission group: ${TEAM_GROUPS.join(", ")}`)
    .action(
      runAction((context, organization: string, team: string, group: string) =>
        createTeamCommand(context, { organization, team, group })
      ),
    );
  teams.command("delete").description("Delete a team (its members and grants; no data)")
    .argument("<org>", "organization").argument("<team>", "team name")
    // Accepted for symmetry with the other deletes; a team delete never asks.
    .addOption(yesOption())
    .action(
      runAction((context, organization: string, team: string, flags: { yes?: boolean }) =>
        deleteTeamCommand(context, { organization, team, yes: flags.yes === true })
      ),
    );
  teams.command("metadata").description("Print a team's details as JSON")
    .argument("<org>", "organization").argument("<team>", "team name")
    .action(
      runAction((context, organization: string, team: string) =>
        teamMetadataCommand(context, { organization, team })
      ),
    );

  const members = teams.command("members").description("A team's members");
  members.command("list").description("List a team's members")
    .argument("<org>", "organization").argument("<team>", "team name")
    .action(
      runAction((context, organization: string, team: string) =>
        listMembersCommand(context, { organization, team })
      ),
    );
  for (const change of ["add", "remove"] as const) {
    members.command(change).description(
      `${change === "add" ? "Add a user to" : "Remove a user from"} a team`,
    )
      .argument("<org>", "organization").argument("<team>", "team name").argument("<email>", "user")
      .action(
        runAction((context, organization: string, team: string, email: string) =>
          changeMemberCommand(context, { organization, team, email, change })
        ),
      );
  }
  members.command("query").description("Is a user a member? (exit 0 yes, 1 no)")
    .argument("<org>", "organization").argument("<team>", "team name").argument("<email>", "user")
    .action(
      runAction((context, organization: string, team: string, email: string) =>
        queryMemberCommand(context, { organization, team, email })
      ),
    );

  const repositories = teams.command("repositories").description("A team's repositories");
  repositories.command("list").description("List the repositories a team can reach")
    .argument("<org>", "organization").argument("<team>", "team name")
    .action(
      runAction((context, organization: string, team: string) =>
        listTeamRepositoriesCommand(context, { organization, team })
      ),
    );
  for (const change of ["add", "remove"] as const) {
    repositories.command(change)
      .description(
        `${change === "add" ? "Give a team access to" : "Take from a team"} a repository`,
      )
      .argument("<org>", "organization").argument("<team>", "team name").argument(
        "<repo>",
        "repository",
      )
      .action(
        runAction((context, organization: string, team: string, repository: string) =>
          changeTeamRepositoryCommand(context, { organization, team, repository, change })
        ),
      );
  }
  repositories.command("query").description("Does a team have access? (exit 0 yes, 1 no)")
    .argument("<org>", "organization").argument("<team>", "team name").argument(
      "<repo>",
      "repository",
    )
    .action(
      runAction((context, organization: string, team: string, repository: string) =>
        queryTeamRepositoryCommand(context, { organization, team, repository })
      ),
    );
}
