/**
 * `hatcher export`, `import`, `diff` and `mirror`: moving repositories
 * between servers, whole or by difference, across an air gap or directly.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import {
  type ArtefactKindName,
  type ArtefactRecord,
  diffRecords,
  exportArtefacts,
  importArtefacts,
  type Manifest,
  mirrorArtefacts,
  readManifest,
  serverInventory,
  type SyncFilters,
} from "../../../mod.ts";
import { checkExportDirectory } from "../../sync/import.ts";
import { repositoryName } from "../../sync/records.ts";
import type { CommandContext } from "../context.ts";
import { type Command, Option } from "../deps.ts";
import { UsageError } from "../errors.ts";
import { parseJobs } from "../jobs.ts";
import { createProgress } from "../progress.ts";
import { confirmDeletion, yesOption } from "../prompt.ts";
import { openRemote } from "../remote.ts";
import { type CommandResult, runAction } from "../result.ts";
import { formatTable } from "../table.ts";
import { terminalSafe } from "../terminal_text.ts";

const KINDS: readonly ArtefactKindName[] = ["eggs", "runtimes", "bundles", "apps"];

interface FilterFlags {
  artefactKinds?: string[];
  repositories?: string[];
  platforms?: string[];
}

function filtersOf(flags: FilterFlags): SyncFilters {
  const kinds = (flags.artefactKinds ?? []).map((kind) => {
    if (!KINDS.includes(kind as ArtefactKindName)) {
      throw new UsageError(`Unknown artefact kind '${kind}': use ${KINDS.join(", ")}`);
    }
    return kind as ArtefactKindName;
  });
  for (const repository of flags.repositories ?? []) {
    if (!/^[^/]+\/[^/]+$/.test(repository)) {
      throw new UsageError(`Invalid repository '${repository}': expected ORG/REPO`);
    }
  }
  return { kinds, repositories: flags.repositories ?? [], platforms: flags.platforms ?? [] };
}

/** A line on stdout as a transfer goes, unless `--json` or `-q`. */
function say(context: CommandContext, line: string): void {
  if (context.globals.json || context.globals.quiet) return;
  context.io.stdout.write(`${terminalSafe(line)}\n`);
}

function warn(context: CommandContext, message: string): void {
  context.io.stderr.write(`Warning: ${terminalSafe(message)}\n`);
}

function describe(record: ArtefactRecord): string {
  return `${record.kind} ${repositoryName(record)} ${record.platform} ${record.filename}`;
}

/** `export [-a KIND]... [-r ORG/REPO]... [-p PLATFORM]... TARGET_DIR`. */
export async function exportCommand(
  context: CommandContext,
  directory: string,
  flags: FilterFlags & { jobs: number; manifestOnly?: boolean; missingFrom?: string },
): Promise<CommandResult> {
  const filters = filtersOf(flags);
  const missingFrom = flags.missingFrom ? await readManifestArgument(flags.missingFrom) : undefined;
  const session = await context.session();
  const progress = createProgress(context.io, "Exporting");
  let result;
  try {
    result = await exportArtefacts(session, directory, {
      ...filters,
      jobs: flags.jobs,
      manifestOnly: flags.manifestOnly,
      missingFrom,
      onEvent: (event) => {
        if (event.type === "warning") warn(context, event.message);
        if (event.type === "exporting") {
          say(context, `Exporting ${event.kind} from ${event.repository} for ${event.platform}`);
        }
        if (event.type === "progress") {
          progress.update(event.bytes, undefined, { done: event.done, total: event.total });
        }
      },
    });
  } finally {
    progress.finish();
  }
  const total = result.downloaded.length + result.kept.length;
  const report = flags.manifestOnly
    ? `Wrote the manifest of the server's artefacts to ${result.manifest}\n`
    : `Exported ${total} artefacts to ${directory} (${result.downloaded.length} downloaded, ` +
      `${result.bytes} bytes; ${result.kept.length} already there` +
      (missingFrom ? `; ${result.alreadyThere} left out: the other side has them` : "") +
      `); manifest ${result.manifest}\n`;
  return {
    data: {
      downloaded: result.downloaded.length,
      kept: result.kept.length,
      alreadyThere: result.alreadyThere,
      bytes: result.bytes,
      manifest: result.manifest,
    },
    text: "",
    report,
  };
}

async function readManifestArgument(path: string): Promise<Manifest> {
  try {
    return await readManifest(path);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `import [-a KIND]... [-r ORG/REPO]... [-p PLATFORM]... [-f] [-c] ROOT_DIR`. */
export async function importCommand(
  context: CommandContext,
  directory: string,
  flags: FilterFlags & { force?: boolean; createMissing?: boolean; jobs: number },
): Promise<CommandResult> {
  await requireDirectory(directory);
  const filters = filtersOf(flags);
  const session = await context.session();
  const result = await importArtefacts(session, directory, {
    ...filters,
    force: flags.force,
    createMissing: flags.createMissing,
    jobs: flags.jobs,
    onEvent: (event) => {
      if (event.type === "warning") warn(context, event.message);
      if (event.type === "created") say(context, `Created repository ${event.repository}`);
      if (event.type === "updating") {
        say(context, `Updating ${event.repository} for ${event.platform}`);
      }
      if (event.type === "uploading") say(context, `Uploading ${event.kind}...`);
    },
  });
  return {
    data: {
      uploaded: result.uploaded.map((record) => record.relative),
      unchanged: result.unchanged.map((record) => record.relative),
      created: result.created,
    },
    text: "",
    report: `Imported ${directory}: ${result.uploaded.length} uploaded, ` +
      `${result.unchanged.length} already there\n`,
  };
}

async function requireDirectory(path: string): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new UsageError(`Directory '${path}' does not exist`);
}

/** One side of `diff`: a manifest file, an export directory, or a server. */
async function inventoryOf(
  context: CommandContext,
  spec: string,
  token: string | undefined,
  filters: SyncFilters,
): Promise<ArtefactRecord[]> {
  let info;
  try {
    info = await stat(spec);
  } catch {
    // Not a local path: a server.
  }
  if (info?.isFile()) return (await readManifestArgument(spec)).artefacts;
  if (info?.isDirectory()) return await checkExportDirectory(spec, filters);
  return await serverInventory(await openRemote(context, spec, token), filters, (event) => {
    if (event.type === "warning") warn(context, event.message);
  });
}

/** `diff SOURCE TARGET`: exit 0 when they agree, 1 when they differ. */
export async function diffCommand(
  context: CommandContext,
  source: string,
  target: string,
  flags: FilterFlags & { fromToken?: string; toToken?: string },
): Promise<CommandResult> {
  const filters = filtersOf(flags);
  const [ours, theirs] = await Promise.all([
    inventoryOf(context, source, flags.fromToken, filters),
    inventoryOf(context, target, flags.toToken, filters),
  ]);
  const diff = diffRecords(ours, theirs);
  const rows = [
    ...diff.missing.map((record) => ["missing", record] as const),
    ...diff.extra.map((record) => ["extra", record] as const),
    ...diff.different.map(({ source }) => ["different", source] as const),
  ].map(([status, record]) => [
    status,
    record.kind,
    repositoryName(record),
    record.platform,
    record.filename,
  ]);
  const agree = rows.length === 0;
  return {
    data: diff,
    text: agree
      ? `${source} and ${target} agree (${diff.same} artefacts)\n`
      : formatTable(["Status", "Kind", "Repository", "Platform", "Artefact"], rows, {
        color: context.io.color,
      }),
    exitCode: agree ? 0 : 1,
  };
}

/** `mirror --from A --to B [...]`: copies what B lacks; `--dry-run` only plans. */
export async function mirrorCommand(
  context: CommandContext,
  flags: FilterFlags & {
    from: string;
    to: string;
    fromToken?: string;
    toToken?: string;
    createMissing?: boolean;
    dryRun?: boolean;
    delete?: boolean;
    force?: boolean;
    yes?: boolean;
    jobs: number;
  },
): Promise<CommandResult> {
  const filters = filtersOf(flags);
  if (flags.delete && !flags.dryRun && !flags.yes && !context.io.canPrompt) {
    throw new UsageError(
      "Refusing to delete from the target without confirmation: pass --yes (-y)",
    );
  }
  const source = await openRemote(context, flags.from, flags.fromToken);
  const target = await openRemote(context, flags.to, flags.toToken);
  const options = {
    ...filters,
    createMissing: flags.createMissing,
    force: flags.force,
    jobs: flags.jobs,
  };
  if (flags.dryRun) {
    const { plan, skipped } = await mirrorArtefacts(source, target, { ...options, dryRun: true });
    const { missing, different, extra } = plan;
    const rows = [
      ...missing.map((record) => ["copy", record] as const),
      ...different.map(({ source }) => [flags.force ? "replace" : "conflict", source] as const),
      ...(flags.delete ? extra.map((record) => ["delete", record] as const) : []),
    ].map(([action, record]) => [
      action,
      record.kind,
      repositoryName(record),
      record.platform,
      record.filename,
    ]);
    return {
      data: { plan },
      text: formatTable(["Action", "Kind", "Repository", "Platform", "Artefact"], rows, {
        color: context.io.color,
      }),
      report: `Dry run: ${missing.length} to copy, ${different.length} different, ` +
        `${flags.delete ? extra.length : 0} to delete, ${skipped} already there; nothing changed\n`,
    };
  }
  const progress = createProgress(context.io, "Mirroring");
  const planned = { done: 0, total: 0 };
  let copiedBytes = 0;
  let result;
  try {
    result = await mirrorArtefacts(source, target, {
      ...options,
      delete: flags.delete,
      onPlan: async ({ missing, different, extra }) => {
        planned.total = missing.length + (flags.force ? different.length : 0);
        if (flags.delete && extra.length > 0) {
          await confirmDeletion(
            context.io,
            `${extra.length} artefacts the source does not have, on ${target.url},`,
            flags.yes === true,
          );
        }
      },
      onEvent: (event) => {
        if (event.type === "warning") warn(context, event.message);
        if (event.type === "copied") {
          copiedBytes += event.bytes;
          planned.done++;
          progress.update(copiedBytes, undefined, planned);
          say(context, `Copied ${describe(event.record)}`);
        }
        if (event.type === "failed") warn(context, `${describe(event.record)}: ${event.message}`);
        if (event.type === "deleted") say(context, `Deleted ${describe(event.record)}`);
      },
    });
  } finally {
    progress.finish();
  }
  const summary = {
    copied: result.copied.length,
    skipped: result.skipped,
    failed: result.failed.length,
    deleted: result.deleted.length,
    bytes: result.bytes,
  };
  return {
    data: { ...summary, failures: result.failed },
    text: "",
    report: `Mirrored ${source.url} to ${target.url}: ${summary.copied} copied, ` +
      `${summary.skipped} skipped, ${summary.failed} failed, ${summary.deleted} deleted, ` +
      `${summary.bytes} bytes\n`,
    exitCode: result.failed.length > 0 ? 1 : 0,
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function filterOptions(command: Command): Command {
  return command
    .addOption(
      new Option("-a, --artefact-kinds <kind>", "eggs, runtimes, bundles or apps (repeatable)")
        .argParser(collect),
    )
    .addOption(new Option("--artefact-kind <kind>").argParser(collect).hideHelp())
    .addOption(
      new Option("-r, --repositories <org/repo>", "a repository (repeatable)").argParser(collect),
    )
    .addOption(new Option("--repository <org/repo>").argParser(collect).hideHelp())
    .addOption(
      new Option("-p, --platforms <platform>", "a platform (repeatable)").argParser(collect),
    )
    .addOption(new Option("--platform <platform>").argParser(collect).hideHelp())
    .addOption(new Option("-j, --jobs <n>", "parallel transfers").default(4).argParser(parseJobs));
}

/** The original's singular spellings (`--artefact-kind`, `--repository`, `--platform`) too. */
function mergedFilters(flags: Record<string, unknown>): FilterFlags {
  const join = (a: unknown, b: unknown) => [...(a as string[] ?? []), ...(b as string[] ?? [])];
  return {
    artefactKinds: join(flags.artefactKinds, flags.artefactKind),
    repositories: join(flags.repositories, flags.repository),
    platforms: join(flags.platforms, flags.platform),
  };
}

const TOKEN_OPTIONS = (command: Command) =>
  command
    .addOption(
      new Option("--from-token <token>", "API token for the source").env("HATCHER_FROM_TOKEN"),
    )
    .addOption(
      new Option("--to-token <token>", "API token for the target").env("HATCHER_TO_TOKEN"),
    );

/** Adds `export`, `import`, `diff` and `mirror` to the program. */
export function registerSync(program: Command): void {
  filterOptions(
    program.command("export").description(
      "Export repositories into a directory (the original's layout, with MANIFEST.json)",
    ),
  )
    .argument("<target_dir>", "the directory to write")
    .option("--manifest-only", "write only the manifest of what the server holds, no data")
    .option("--missing-from <manifest>", "write only what that manifest's server lacks")
    .action(
      runAction((context, directory: string, flags: Record<string, unknown>) =>
        exportCommand(context, directory, {
          ...mergedFilters(flags),
          jobs: flags.jobs as number,
          manifestOnly: flags.manifestOnly === true,
          missingFrom: flags.missingFrom as string | undefined,
        })
      ),
    );
  filterOptions(program.command("import").description("Import an export directory into the server"))
    .argument("<root_dir>", "the export directory")
    .option("-f, --force", "overwrite artefacts the server has with other content")
    .option("-c, --create-missing", "create repositories the server lacks")
    .action(
      runAction((context, directory: string, flags: Record<string, unknown>) =>
        importCommand(context, directory, {
          ...mergedFilters(flags),
          force: flags.force === true,
          createMissing: flags.createMissing === true,
          jobs: flags.jobs as number,
        })
      ),
    );
  TOKEN_OPTIONS(
    filterOptions(
      program.command("diff").description(
        "Show what one side has that the other lacks (servers, manifests or export directories)",
      ),
    ),
  )
    .argument("<source>", "a profile, a server URL, a manifest file or an export directory")
    .argument("<target>", "the same kinds of thing")
    .action(
      runAction((context, source: string, target: string, flags: Record<string, unknown>) =>
        diffCommand(context, source, target, {
          ...mergedFilters(flags),
          fromToken: flags.fromToken as string | undefined,
          toToken: flags.toToken as string | undefined,
        })
      ),
    );
  TOKEN_OPTIONS(filterOptions(
    program.command("mirror").description(
      "Copy what the target server lacks from the source server",
    ),
  ))
    .requiredOption("--from <profile_or_url>", "the source")
    .requiredOption("--to <profile_or_url>", "the target")
    .option("-c, --create-missing", "create repositories the target lacks")
    .option("--dry-run", "print the plan and change nothing")
    .option("--delete", "also delete from the target what the source does not have")
    .option("-f, --force", "replace artefacts the target has with other content")
    .addOption(yesOption())
    .action(runAction((context, flags: Record<string, unknown>) =>
      mirrorCommand(context, {
        ...mergedFilters(flags),
        from: flags.from as string,
        to: flags.to as string,
        fromToken: flags.fromToken as string | undefined,
        toToken: flags.toToken as string | undefined,
        createMissing: flags.createMissing === true,
        dryRun: flags.dryRun === true,
        delete: flags.delete === true,
        force: flags.force === true,
        yes: flags.yes === true,
        jobs: flags.jobs as number,
      })
    ));
}
