/**
 * `hatcher apps ...`: list, metadata and upload YAML app specs.
 *
 * @module
 */
import {
  type AppRef,
  type EggTarget,
  getAppMetadata,
  inspectLocalApp,
  listApps,
  uploadApp,
} from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { sortedJson } from "../format.ts";
import { requireFiles } from "../local_files.ts";
import { type CommandResult, runAction } from "../result.ts";
import { formatTable } from "../table.ts";
import { uploadLine, withTransferDisplay } from "../transfers.ts";

/** `apps list ORG REPO PLATFORM`: `App Name | Version | Python Tag`. */
export async function listAppsCommand(
  context: CommandContext,
  target: EggTarget,
): Promise<CommandResult> {
  const apps = await listApps(await context.readSession(), target);
  const rows = apps.map((app) => [app.id, app.fullVersion, app.pythonTag ?? "none"]);
  return {
    data: apps.map(({ raw: _raw, ...app }) => app),
    text: formatTable(["App Name", "Version", "Python Tag"], rows, { color: context.io.color }),
  };
}

/** `apps metadata ORG REPO PLATFORM PYTHON_TAG APP_ID VERSION`: JSON with sorted keys. */
export async function appMetadataCommand(
  context: CommandContext,
  ref: AppRef,
): Promise<CommandResult> {
  const { raw, ...info } = await getAppMetadata(await context.readSession(), ref);
  return { data: info, text: sortedJson(raw) };
}

/** `apps upload ORG REPO FILE [--force]`: the platform is the spec's. */
export async function uploadAppCommand(
  context: CommandContext,
  options: { organization: string; repository: string; file: string; force: boolean },
): Promise<CommandResult> {
  await requireFiles([options.file]);
  const app = await inspectLocalApp(options.file);
  const session = await context.session();
  const result = await withTransferDisplay(context, session, {
    title: ["App upload", app.filename],
    repository: `${options.organization}/${options.repository}`,
    platform: app.metadata.platform,
    verb: "Uploading",
  }, (onProgress) => uploadApp(session, options, app, { force: options.force, onProgress }));
  return {
    data: { file: app.filename, sha256: app.sha256, status: result.status },
    text: "",
    report: `${uploadLine(app.filename, result.status)}\n`,
  };
}

/** Adds the `apps` group to the program. */
export function registerApps(program: Command): void {
  const group = program.command("apps").description("List and upload apps (YAML app specs)");
  group.command("list").description("List the apps of a repository and platform")
    .argument("<org>", "organization").argument("<repo>", "repository")
    .argument("<platform>", "platform, e.g. rh8-x86_64")
    .action(
      runAction((context, organization: string, repository: string, platform: string) =>
        listAppsCommand(context, { organization, repository, platform })
      ),
    );
  group.command("metadata").description("Print an app's metadata as JSON")
    .argument("<org>", "organization").argument("<repo>", "repository")
    .argument("<platform>", "platform, e.g. rh8-x86_64")
    .argument("<python_tag>", "Python tag, e.g. cp311").argument("<app_id>", "the app's id")
    .argument("<version>", "full version, e.g. 1.0-1")
    .action(runAction((context, ...args: string[]) => {
      const [organization, repository, platform, pythonTag, id, version] = args as [
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      return appMetadataCommand(context, {
        organization,
        repository,
        platform,
        pythonTag,
        id,
        version,
      });
    }));
  group.command("upload").description("Upload an app spec; its platform is the spec's")
    .argument("<org>", "organization").argument("<repo>", "repository")
    .argument("<file>", "the .yaml app spec")
    .option("--force", "overwrite an app of the same id and version with other content")
    .action(runAction((
      context,
      organization: string,
      repository: string,
      file: string,
      flags: { force?: boolean },
    ) =>
      uploadAppCommand(context, { organization, repository, file, force: flags.force === true })
    ));
}
