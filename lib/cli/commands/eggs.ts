/**
 * `hatcher eggs ...`: list, metadata, download, delete, upload,
 * batch-upload and update-index.
 *
 * @module
 */
import {
  batchUploadEggs,
  checkLocalEgg,
  deleteEgg,
  downloadEgg,
  type EggRef,
  type EggTarget,
  getEggMetadata,
  inspectLocalEgg,
  listEggs,
  reindexEggs,
  uploadEgg,
} from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import { type Command, Option } from "../deps.ts";
import { UsageError } from "../errors.ts";
import { parseJobs } from "../jobs.ts";
import { requireFiles, requireSaveLocation } from "../local_files.ts";
import { downloadLine, uploadLine, type UploadOutcome, withTransferDisplay } from "../transfers.ts";
import { sortedJson } from "../format.ts";
import { createProgress, writeContextHeader } from "../progress.ts";
import { deleteConfirmed } from "../deletion.ts";
import { yesOption } from "../prompt.ts";
import { type CommandResult, runAction } from "../result.ts";
import { formatTable } from "../table.ts";
import { withSuggestions } from "../suggestions.ts";

/** `eggs list ORG REPO PLATFORM PYTHON_TAG`: `Egg Name | Python Tag`, natural order. */
export async function listEggsCommand(
  context: CommandContext,
  options: Omit<EggRef, "name" | "version">,
): Promise<CommandResult> {
  const session = await context.readSession();
  const eggs = await withSuggestions(session, options, () => listEggs(session, options));
  const rows = eggs.map((egg) => [egg.filename, egg.pythonTag ?? "none"]);
  return {
    data: eggs,
    text: formatTable(["Egg Name", "Python Tag"], rows, { color: context.io.color }),
  };
}

/** `eggs metadata ... NAME VERSION`: the server's metadata as JSON with sorted keys. */
export async function eggMetadataCommand(
  context: CommandContext,
  options: EggRef,
): Promise<CommandResult> {
  const session = await context.readSession();
  const { raw, ...info } = await withSuggestions(
    session,
    options,
    () => getEggMetadata(session, options),
  );
  // The text is the server's own document; --json prints the library's camelCase shape.
  return { data: info, text: sortedJson(raw) };
}

/** `eggs download ... NAME VERSION [DESTINATION]`: verified, atomic, progress on a TTY. */
export async function downloadEggCommand(
  context: CommandContext,
  options: EggRef & { destination: string },
): Promise<CommandResult> {
  await requireSaveLocation(options.destination);
  const session = await context.readSession();
  const result = await withTransferDisplay(
    context,
    session,
    {
      title: ["Egg download", `${options.name}-${options.version}`],
      repository: `${options.organization}/${options.repository}`,
      platform: options.platform,
      verb: "Downloading",
    },
    (onProgress) =>
      withSuggestions(
        session,
        options,
        () => downloadEgg(session, options, { destination: options.destination, onProgress }),
      ),
  );
  return { data: result, text: "", report: `${downloadLine(result)}\n` };
}

/** `eggs delete ... NAME VERSION [-y]`: asks first on a terminal. */
export async function deleteEggCommand(
  context: CommandContext,
  options: EggRef & { yes: boolean },
): Promise<CommandResult> {
  await deleteConfirmed(
    context,
    `${options.name}-${options.version} (${options.pythonTag}) from ${options.organization}/${options.repository}`,
    options.yes,
    (session) => withSuggestions(session, options, () => deleteEgg(session, options)),
  );
  const { yes: _yes, ...target } = options;
  return { data: { ...target, deleted: true }, text: "" };
}

/** `eggs upload ORG REPO PLATFORM FILE [--force] [--no-verify]`. */
export async function uploadEggCommand(
  context: CommandContext,
  options: EggTarget & { file: string; force: boolean; verify: boolean },
): Promise<CommandResult> {
  await requireFiles([options.file]);
  const egg = await checkLocalEgg(options.file, options);
  const session = await context.session();
  const result = await withTransferDisplay(context, session, {
    title: ["Egg upload", egg.filename],
    repository: `${options.organization}/${options.repository}`,
    platform: options.platform,
    verb: "Uploading",
  }, (onProgress) =>
    uploadEgg(session, options, egg, {
      force: options.force,
      verify: options.verify,
      onProgress,
    }));
  return {
    data: { file: egg.filename, sha256: result.egg.sha256, status: result.status },
    text: "",
    report: `${uploadLine(egg.filename, result.status)}\n`,
  };
}

/** `eggs batch-upload ORG REPO PLATFORM EGGS...`: checked, parallel, indexed once. */
export async function batchUploadCommand(
  context: CommandContext,
  options: EggTarget & {
    files: string[];
    jobs: number;
    index: boolean;
    indexTimeout: number;
    skipExisting: boolean;
    force: boolean;
  },
): Promise<CommandResult> {
  await requireFiles(options.files);
  const session = await context.session();
  writeContextHeader(context.io, [
    ["Batch egg upload", `${options.files.length} eggs to upload`],
    ["Server", session.url],
    ["Repository", `${options.organization}/${options.repository}`],
    ["Platform", options.platform],
  ]);
  const progress = createProgress(context.io, "Uploading");
  let result;
  let visible = "";
  try {
    result = await batchUploadEggs(session, options, options.files, {
      jobs: options.jobs,
      index: options.index,
      indexTimeout: options.indexTimeout,
      skipExisting: options.skipExisting,
      force: options.force,
      onProgress: (done, total) => progress.update(done, total),
      onVisible: (attempt, attempts) => {
        visible =
          `Verified uploaded eggs for indexing after ${attempt} of ${attempts} attempts.\n` +
          "Updating the index...\n";
      },
    });
  } finally {
    progress.finish();
  }
  const outcome = new Map<string, UploadOutcome>();
  for (const egg of result.uploaded) outcome.set(egg.path, "uploaded");
  for (const egg of result.unchanged) outcome.set(egg.path, "unchanged");
  for (const egg of result.skipped) outcome.set(egg.path, "skipped");
  const all = [...result.uploaded, ...result.unchanged, ...result.skipped];
  const lines = options.files.map((file) => {
    const egg = all.find((egg) => egg.path === file);
    return egg ? uploadLine(egg.filename, outcome.get(file)!) + "\n" : "";
  }).join("");
  const counts = `${result.uploaded.length} uploaded, ${result.unchanged.length} unchanged, ` +
    `${result.skipped.length} skipped`;
  const index = result.indexed ? "index updated" : "index not updated (--no-index)";
  return {
    data: {
      uploaded: result.uploaded.map((egg) => egg.filename),
      unchanged: result.unchanged.map((egg) => egg.filename),
      skipped: result.skipped.map((egg) => egg.filename),
      indexed: result.indexed,
    },
    text: "",
    report: `${lines}${visible}${counts}; ${index}\n`,
  };
}

/** `eggs update-index ORG REPO PLATFORM EGGS...`: enable these local eggs and re-index. */
export async function updateIndexCommand(
  context: CommandContext,
  options: EggTarget & { files: string[] },
): Promise<CommandResult> {
  await requireFiles(options.files);
  const eggs = [];
  for (const file of options.files) eggs.push(await inspectLocalEgg(file, options));
  await reindexEggs(await context.session(), options, eggs);
  return {
    data: eggs.map((egg) => egg.filename),
    text: "",
    report: `Indexed ${eggs.length} ${eggs.length === 1 ? "egg" : "eggs"} in ` +
      `${options.organization}/${options.repository} for ${options.platform}: ` +
      `${eggs.map((egg) => egg.filename).join(", ")}\n`,
  };
}

function parseAttempts(value: string): number {
  const attempts = Number(value);
  if (!/^\d+$/.test(value) || attempts < 1 || attempts > 3600) {
    throw new UsageError(`--index-timeout must be a whole number from 1 to 3600, got '${value}'`);
  }
  return attempts;
}

/** Adds the `eggs` group to the program. */
export function registerEggs(program: Command): void {
  const eggs = program.command("eggs").description("List, download, upload and delete eggs");
  const indexArgs = (command: Command) =>
    command.argument("<org>", "organization").argument("<repo>", "repository")
      .argument("<platform>", "platform, e.g. rh7-x86_64")
      .argument("<python_tag>", "Python tag of the runtime, e.g. cp311");
  const eggArgs = (command: Command) =>
    indexArgs(command).argument("<name>", "egg name").argument(
      "<version>",
      "full version, e.g. 1.26.4-1",
    );
  const ref = (args: string[]): EggRef => {
    const [organization, repository, platform, pythonTag, name, version] = args as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    return { organization, repository, platform, pythonTag, name, version };
  };

  indexArgs(eggs.command("list").description("List the eggs of an index"))
    .action(runAction((context, ...args: string[]) => {
      const { organization, repository, platform, pythonTag } = ref(args);
      return listEggsCommand(context, { organization, repository, platform, pythonTag });
    }));
  eggArgs(eggs.command("metadata").description("Print an egg's metadata as JSON"))
    .action(runAction((context, ...args: string[]) => eggMetadataCommand(context, ref(args))));
  eggArgs(eggs.command("download").description("Download an egg (checked against its sha256)"))
    .argument("[destination]", "directory or file to save to", ".")
    .action(
      runAction((context, ...args: string[]) =>
        downloadEggCommand(context, { ...ref(args), destination: args[6] ?? "." })
      ),
    );
  eggArgs(eggs.command("delete").description("Delete an egg")).addOption(yesOption())
    .action(runAction((context, ...args: unknown[]) =>
      deleteEggCommand(context, {
        ...ref(args.slice(0, 6) as string[]),
        yes: (args[6] as { yes?: boolean }).yes === true,
      })
    ));

  const target = (command: Command) =>
    command.argument("<org>", "organization").argument("<repo>", "repository")
      .argument("<platform>", "platform, e.g. rh7-x86_64");
  target(eggs.command("upload").description("Upload an egg"))
    .argument("<file>", "the egg file")
    .option("--force", "overwrite an egg of the same name with other content")
    .option("--verify", "ask the server for the egg's checksum first (the default)")
    .option("--no-verify", "do not ask the server for the egg's checksum first")
    .action(runAction((
      context,
      organization: string,
      repository: string,
      platform: string,
      file: string,
      flags: { force?: boolean; verify?: boolean },
    ) =>
      uploadEggCommand(context, {
        organization,
        repository,
        platform,
        file,
        force: flags.force === true,
        verify: flags.verify !== false,
      })
    ));
  target(eggs.command("batch-upload").description("Upload many eggs, then index them once"))
    .argument("<eggs...>", "egg files")
    .addOption(new Option("-j, --jobs <n>", "parallel transfers").default(4).argParser(parseJobs))
    .option("--index", "update the index once all eggs are up (the default)")
    .option("--no-index", "upload without updating the index")
    .addOption(
      new Option(
        "--index-timeout <n>",
        "before indexing, look for the uploaded eggs this many times, 1 s apart " +
          "(also spelled --index_timeout)",
      ).default(10).argParser(parseAttempts),
    )
    // The original hatcher's spelling, so its scripts run unchanged.
    .addOption(new Option("--index_timeout <n>").hideHelp().argParser(parseAttempts))
    .option("--skip-existing", "leave eggs the server already has alone")
    .option("--force", "overwrite eggs the server has with other content")
    .action(runAction((
      context,
      organization: string,
      repository: string,
      platform: string,
      files: string[],
      flags: {
        jobs: number;
        index?: boolean;
        indexTimeout: number;
        index_timeout?: number;
        skipExisting?: boolean;
        force?: boolean;
      },
    ) =>
      batchUploadCommand(context, {
        organization,
        repository,
        platform,
        files,
        jobs: flags.jobs,
        index: flags.index !== false,
        indexTimeout: flags.index_timeout ?? flags.indexTimeout,
        skipExisting: flags.skipExisting === true,
        force: flags.force === true,
      })
    ));
  target(
    eggs.command("update-index").description("Enable local eggs already uploaded, and re-index"),
  )
    .argument("<eggs...>", "egg files")
    .action(runAction((
      context,
      organization: string,
      repository: string,
      platform: string,
      files: string[],
    ) => updateIndexCommand(context, { organization, repository, platform, files })));
}
