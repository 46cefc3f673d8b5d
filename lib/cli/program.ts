/**
 * The `hatcher` command tree: global options (each also read from its
 * `HATCHER_*` environment variable) and the command groups.
 *
 * @module
 */
import { VERSION } from "../version.ts";
import { registerApiTokens } from "./commands/api_tokens.ts";
import { registerAudit } from "./commands/audit.ts";
import { registerAuth } from "./commands/auth.ts";
import { registerCatalogue } from "./commands/catalogue.ts";
import { registerCompletions } from "./commands/completions.ts";
import { registerApps } from "./commands/apps.ts";
import { registerBundles } from "./commands/bundles.ts";
import { registerEggs } from "./commands/eggs.ts";
import { registerRuntimes } from "./commands/runtimes.ts";
import { registerSync } from "./commands/sync.ts";
import { registerOrganizations } from "./commands/organizations.ts";
import { registerRepositories } from "./commands/repositories.ts";
import { registerTeams } from "./commands/teams.ts";
import { registerUsers } from "./commands/users.ts";
import { Command, Option } from "./deps.ts";
import { registerHelp } from "./help.ts";
import { UsageError } from "./errors.ts";
import { attachRuntime, readGlobals, type Runtime } from "./result.ts";

/** Builds a fresh program whose output goes through the runtime's IO. */
export function buildProgram(runtime: Runtime): Command {
  const { io } = runtime;
  const program = new Command("hatcher")
    .description("Command-line client for an Enthought Deployment Server (EDS)")
    .usage("[global options] <command> [arguments]")
    // These settings are inherited by every subcommand added below.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // One line per error: drop commander's "error: " prefix and fold its
      // "(Did you mean ...?)" suggestion into the same line.
      outputError: (text, write) =>
        write(text.replace(/^error: /, "").replace(/\n\((Did you mean [^)]*)\)/, " ($1)")),
    })
    .showSuggestionAfterError()
    .version(`hatcher ${VERSION}`, "--version", "print the version and exit")
    .helpOption("-h, --help", "show help")
    .addOption(
      new Option("-u, --url <url>", "root URL of the EDS server").env("HATCHER_URL"),
    )
    .addOption(
      new Option("-k, --insecure", "do not verify the server's TLS certificate")
        .env("HATCHER_INSECURE"),
    )
    .addOption(
      new Option(
        "--ca-cert <file>",
        "also trust the certificate authorities in this PEM file (e.g. your company's CA)",
      ).env("HATCHER_CA_CERT"),
    )
    .addOption(
      new Option("-U, --username <email>", "user name for password authentication")
        .env("HATCHER_USERNAME"),
    )
    .addOption(
      new Option(
        "-p, --password <password>",
        "password (visible to other processes; prefer the prompt or stdin)",
      ).env("HATCHER_PASSWORD"),
    )
    .addOption(new Option("-t, --token <token>", "API token").env("HATCHER_TOKEN"))
    .addOption(
      new Option("-d, --debug", "show stack traces for errors").env("HATCHER_DEBUG"),
    )
    .addOption(
      new Option("--profile <name>", 'the config file profile to use (default: "default")')
        .env("HATCHER_PROFILE"),
    )
    .option("--json", "print the result as one JSON document (camelCase fields)")
    .option("-q, --quiet", "no context header or progress bar")
    .addOption(
      new Option("--api-version <n>", "server API generation").choices(["0", "1"])
        .default("1").env("HATCHER_API_VERSION"),
    );

  program.hook("preAction", (root) => {
    const globals = readGlobals(root);
    if (globals.password !== undefined && !globals.username) {
      throw new UsageError("Password provided with no username: pass --username (-U) as well");
    }
  });

  registerAuth(program);
  registerApiTokens(program);
  registerUsers(program);
  registerOrganizations(program);
  registerRepositories(program);
  registerTeams(program);
  registerEggs(program);
  registerRuntimes(program);
  registerBundles(program);
  registerApps(program);
  registerSync(program);
  registerCatalogue(program);
  registerAudit(program);
  registerCompletions(program);
  registerHelp(program);
  attachRuntime(program, runtime);
  return program;
}
