/**
 * `hatcher bundles ...` (API v1): list, index, metadata, download, delete and
 * upload EDM bundles, with the original hatcher's messages.
 *
 * @module
 */
import {
  type BundleRef,
  deleteBundle,
  downloadBundle,
  type EggTarget,
  getBundleIndex,
  getBundleMetadata,
  inspectLocalBundle,
  listBundles,
  uploadBundle,
} from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { deleteConfirmed } from "../deletion.ts";
import { UsageError } from "../errors.ts";
import { sortedJson } from "../format.ts";
import { requireFiles } from "../local_files.ts";
import { yesOption } from "../prompt.ts";
import { type CommandResult, runAction } from "../result.ts";
import { formatTable } from "../table.ts";
import { withTransferDisplay } from "../transfers.ts";
import { stat } from "node:fs/promises";

function bundleRef(args: string[]): BundleRef {
  const [organization, repository, platform, pythonTag, name, version] = args as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { organization, repository, platform, pythonTag, name, version };
}

/** `bundles list ORG REPO PLATFORM`: `Bundle Name | Bundle Version | Python Tag`. */
export async function listBundlesCommand(
  context: CommandContext,
  target: EggTarget,
): Promise<CommandResult> {
  const bundles = await listBundles(await context.readSession(), target);
  const rows = bundles.map((
    bundle,
  ) => [bundle.name, bundle.fullVersion, bundle.pythonTag ?? "none"]);
  return {
    data: bundles.map(({ raw: _raw, ...bundle }) => bundle),
    text: formatTable(["Bundle Name", "Bundle Version", "Python Tag"], rows, {
      color: context.io.color,
    }),
  };
}

/** `bundles index ORG REPO PLATFORM`: the raw index as JSON with sorted keys. */
export async function bundleIndexCommand(
  context: CommandContext,
  target: EggTarget,
): Promise<CommandResult> {
  const index = await getBundleIndex(await context.readSession(), target);
  return { data: index, text: sortedJson(index) };
}

/** `bundles metadata ORG REPO PLATFORM PYTHON_TAG NAME VERSION`. */
export async function bundleMetadataCommand(
  context: CommandContext,
  ref: BundleRef,
): Promise<CommandResult> {
  const { raw, ...info } = await getBundleMetadata(await context.readSession(), ref);
  return { data: { ...info, document: raw.data ?? null }, text: sortedJson(raw) };
}

/** `bundles download ... DIRECTORY [--force]`: "Bundle saved to PATH". */
export async function downloadBundleCommand(
  context: CommandContext,
  ref: BundleRef,
  options: { directory: string; force: boolean },
): Promise<CommandResult> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(options.directory)).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new UsageError(`Directory '${options.directory}' does not exist`);
  const session = await context.readSession();
  const result = await withTransferDisplay(context, session, {
    title: ["Bundle download", `${ref.name}-${ref.version}`],
    repository: `${ref.organization}/${ref.repository}`,
    platform: ref.platform,
    verb: "Downloading",
  }, (onProgress) => downloadBundle(session, ref, { ...options, onProgress }));
  return { data: result, text: "", report: `Bundle saved to ${result.path}\n` };
}

/** `bundles delete ... [-y]`: "Successfully deleted bundle: NAME". */
export async function deleteBundleCommand(
  context: CommandContext,
  ref: BundleRef,
  yes: boolean,
): Promise<CommandResult> {
  await deleteConfirmed(
    context,
    `${ref.name}-${ref.version} (${ref.pythonTag}) from ${ref.organization}/${ref.repository}`,
    yes,
    (session) => deleteBundle(session, ref),
  );
  return {
    data: { ...ref, deleted: true },
    text: "",
    report: `Successfully deleted bundle: ${ref.name}-${ref.version}\n`,
  };
}

/** `bundles upload ORG REPO PLATFORM FILE [--force]`: "Successfully uploaded FILE". */
export async function uploadBundleCommand(
  context: CommandContext,
  options: EggTarget & { file: string; force: boolean },
): Promise<CommandResult> {
  await requireFiles([options.file]);
  const bundle = await inspectLocalBundle(options.file, { platform: options.platform });
  const session = await context.session();
  const result = await withTransferDisplay(context, session, {
    title: ["Bundle upload", bundle.filename],
    repository: `${options.organization}/${options.repository}`,
    platform: bundle.metadata.platform,
    verb: "Uploading",
  }, (onProgress) => uploadBundle(session, options, bundle, { force: options.force, onProgress }));
  const report = result.status === "uploaded"
    ? `Successfully uploaded ${bundle.filename}\n`
    : `Skipped ${bundle.filename}: the server already has it with the same SHA-256\n`;
  return {
    data: { file: bundle.filename, sha256: bundle.sha256, status: result.status },
    text: "",
    report,
  };
}

/** Adds the `bundles` group to the program. */
export function registerBundles(program: Command): void {
  const group = program.command("bundles").description(
    "List, download, upload and delete bundles (EDM environments; API v1)",
  );
  const targetArgs = (command: Command) =>
    command.argument("<org>", "organization").argument("<repo>", "repository")
      .argument("<platform>", "platform, e.g. rh8-x86_64");
  const bundleArgs = (command: Command) =>
    targetArgs(command).argument("<python_tag>", "Python tag of its runtime, e.g. cp311")
      .argument("<name>", "bundle name").argument("<version>", "full version, e.g. 1.0.0-1");
  const target = (args: string[]): EggTarget => ({
    organization: args[0]!,
    repository: args[1]!,
    platform: args[2]!,
  });

  targetArgs(group.command("list").description("List the bundles of a repository and platform"))
    .action(runAction((context, ...args: string[]) => listBundlesCommand(context, target(args))));
  targetArgs(group.command("index").description("Print the bundle index as JSON"))
    .action(runAction((context, ...args: string[]) => bundleIndexCommand(context, target(args))));
  bundleArgs(group.command("metadata").description("Print a bundle's metadata as JSON"))
    .action(
      runAction((context, ...args: string[]) => bundleMetadataCommand(context, bundleRef(args))),
    );
  bundleArgs(group.command("download").description("Save a bundle file into a directory"))
    .argument("<directory>", "where to save it")
    .option("--force", "overwrite a bundle file that is already there")
    .action(
      runAction((context, ...args: unknown[]) =>
        downloadBundleCommand(context, bundleRef(args as string[]), {
          directory: args[6] as string,
          force: (args[7] as { force?: boolean }).force === true,
        })
      ),
    );
  bundleArgs(group.command("delete").description("Delete a bundle")).addOption(yesOption())
    .action(runAction((context, ...args: unknown[]) =>
      deleteBundleCommand(
        context,
        bundleRef(args as string[]),
        (args[6] as { yes?: boolean }).yes === true,
      )
    ));
  targetArgs(group.command("upload").description("Upload a bundle for its runtime's platform"))
    .argument("<file>", "the .bundle file")
    .option("--force", "overwrite a bundle of the same name and version with other content")
    .action(runAction((context, ...args: unknown[]) =>
      uploadBundleCommand(context, {
        ...target(args as string[]),
        file: args[3] as string,
        force: (args[4] as { force?: boolean }).force === true,
      })
    ));
}
