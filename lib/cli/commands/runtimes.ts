/**
 * `hatcher runtimes ...`: list, metadata, download, delete and upload. API v1
 * addresses a runtime by IMPLEMENTATION and VERSION; under `--api-version 0`
 * the same argument is its PYTHON_TAG, as in the original hatcher.
 *
 * @module
 */
import {
  checkLocalRuntime,
  deleteRuntime,
  downloadRuntime,
  type EggTarget,
  getRuntimeMetadata,
  listRuntimes,
  type RuntimeRef,
  type Session,
  uploadRuntime,
} from "../../../mod.ts";
import type { CommandContext } from "../context.ts";
import type { Command } from "../deps.ts";
import { deleteConfirmed } from "../deletion.ts";
import { sortedJson } from "../format.ts";
import { requireFiles, requireSaveLocation } from "../local_files.ts";
import { yesOption } from "../prompt.ts";
import { type CommandResult, runAction } from "../result.ts";
import { formatTable } from "../table.ts";
import { downloadLine, uploadLine, withTransferDisplay } from "../transfers.ts";

/** A runtime from the command line: the second-to-last argument means what the API version says. */
function runtimeRef(session: Session, args: string[]): RuntimeRef {
  const [organization, repository, platform, id, version] = args as [
    string,
    string,
    string,
    string,
    string,
  ];
  return session.apiVersion === 0
    ? { organization, repository, platform, pythonTag: id, version }
    : { organization, repository, platform, implementation: id, version };
}

/** `runtimes list ORG REPO PLATFORM`: `Runtime | Version` (v0: and `Python Tag`). */
export async function listRuntimesCommand(
  context: CommandContext,
  target: EggTarget,
): Promise<CommandResult> {
  const session = await context.readSession();
  const runtimes = await listRuntimes(session, target);
  const v0 = session.apiVersion === 0;
  const rows = runtimes.map((runtime) =>
    v0
      ? [runtime.implementation, runtime.version, runtime.pythonTag ?? "none"]
      : [runtime.implementation, runtime.version]
  );
  const headers = v0 ? ["Runtime", "Version", "Python Tag"] : ["Runtime", "Version"];
  return {
    data: runtimes.map(({ raw: _raw, ...runtime }) => runtime),
    text: formatTable(headers, rows, { color: context.io.color }),
  };
}

/** `runtimes metadata ORG REPO PLATFORM IMPLEMENTATION VERSION`: JSON with sorted keys. */
export async function runtimeMetadataCommand(
  context: CommandContext,
  args: string[],
): Promise<CommandResult> {
  const session = await context.readSession();
  const { raw, ...info } = await getRuntimeMetadata(session, runtimeRef(session, args));
  return { data: info, text: sortedJson(raw) };
}

/** `runtimes download ... [DESTINATION]`: verified, atomic, resumable. */
export async function downloadRuntimeCommand(
  context: CommandContext,
  args: string[],
  destination: string,
): Promise<CommandResult> {
  await requireSaveLocation(destination);
  const session = await context.readSession();
  const ref = runtimeRef(session, args);
  const result = await withTransferDisplay(context, session, {
    title: ["Runtime download", `${args[3]}-${ref.version}`],
    repository: `${ref.organization}/${ref.repository}`,
    platform: ref.platform,
    verb: "Downloading",
  }, (onProgress) => downloadRuntime(session, ref, { destination, onProgress }));
  return { data: result, text: "", report: `${downloadLine(result)}\n` };
}

/** `runtimes delete ... [-y]`: asks first on a terminal. */
export async function deleteRuntimeCommand(
  context: CommandContext,
  args: string[],
  yes: boolean,
): Promise<CommandResult> {
  const [organization, repository, platform, id, version] = args;
  await deleteConfirmed(
    context,
    `${id}-${version} (${platform}) from ${organization}/${repository}`,
    yes,
    (session) => deleteRuntime(session, runtimeRef(session, args)),
  );
  return { data: { organization, repository, platform, id, version, deleted: true }, text: "" };
}

/** `runtimes upload ORG REPO FILE [--force] [--no-verify]`: the platform is the file's. */
export async function uploadRuntimeCommand(
  context: CommandContext,
  options: {
    organization: string;
    repository: string;
    file: string;
    force: boolean;
    verify: boolean;
  },
): Promise<CommandResult> {
  await requireFiles([options.file]);
  const runtime = await checkLocalRuntime(options.file);
  const session = await context.session();
  const result = await withTransferDisplay(context, session, {
    title: ["Runtime upload", runtime.filename],
    repository: `${options.organization}/${options.repository}`,
    platform: runtime.metadata.platform,
    verb: "Uploading",
  }, (onProgress) =>
    uploadRuntime(session, options, runtime, {
      force: options.force,
      verify: options.verify,
      onProgress,
    }));
  return {
    data: { file: runtime.filename, sha256: result.runtime.sha256, status: result.status },
    text: "",
    report: `${uploadLine(runtime.filename, result.status)}\n`,
  };
}

/** Adds the `runtimes` group to the program. */
export function registerRuntimes(program: Command): void {
  const group = program.command("runtimes").description(
    "List, download, upload and delete runtimes (Python and Julia interpreters)",
  );
  const targetArgs = (command: Command) =>
    command.argument("<org>", "organization").argument("<repo>", "repository")
      .argument("<platform>", "platform, e.g. rh8-x86_64");
  const runtimeArgs = (command: Command) =>
    targetArgs(command)
      .argument("<implementation>", "cpython, pypy or julia (API v0: the Python tag, e.g. cp311)")
      .argument("<version>", "the runtime's version, e.g. 3.11.2+2");

  targetArgs(group.command("list").description("List the runtimes of a repository and platform"))
    .action(
      runAction((context, organization: string, repository: string, platform: string) =>
        listRuntimesCommand(context, { organization, repository, platform })
      ),
    );
  runtimeArgs(group.command("metadata").description("Print a runtime's metadata as JSON"))
    .action(runAction((context, ...args: string[]) => runtimeMetadataCommand(context, args)));
  runtimeArgs(
    group.command("download").description("Download a runtime (checked against its sha256)"),
  )
    .argument("[destination]", "directory or file to save to", ".")
    .action(
      runAction((context, ...args: string[]) =>
        downloadRuntimeCommand(context, args.slice(0, 5), args[5] ?? ".")
      ),
    );
  runtimeArgs(group.command("delete").description("Delete a runtime")).addOption(yesOption())
    .action(runAction((context, ...args: unknown[]) =>
      deleteRuntimeCommand(
        context,
        args.slice(0, 5) as string[],
        (args[5] as { yes?: boolean }).yes === true,
      )
    ));
  group.command("upload").description("Upload a runtime; its platform is read from the file")
    .argument("<org>", "organization").argument("<repo>", "repository")
    .argument("<file>", "the .runtime file")
    .option("--force", "overwrite a runtime of the same version with other content")
    .option("--verify", "ask the server for the runtime's checksum first (the default)")
    .option("--no-verify", "do not ask the server for the runtime's checksum first")
    .action(runAction((
      context,
      organization: string,
      repository: string,
      file: string,
      flags: { force?: boolean; verify?: boolean },
    ) =>
      uploadRuntimeCommand(context, {
        organization,
        repository,
        file,
        force: flags.force === true,
        verify: flags.verify !== false,
      })
    ));
}
