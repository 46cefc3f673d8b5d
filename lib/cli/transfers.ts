/**
 * What every single-file upload and download command does around the
 * transfer itself, whatever the kind of artefact: the context header and the
 * progress bar on a terminal, and the one line that says what happened.
 *
 * @module
 */
import type { Session } from "../../mod.ts";
import type { CommandContext } from "./context.ts";
import { createProgress, writeContextHeader } from "./progress.ts";

/** What an upload did to one file. */
export type UploadOutcome = "uploaded" | "unchanged" | "skipped";

/** One line per uploaded file, as twine prints them: what happened and why. */
export function uploadLine(filename: string, outcome: UploadOutcome): string {
  switch (outcome) {
    case "uploaded":
      return `Uploaded ${filename}`;
    case "unchanged":
      return `Skipped ${filename}: the server already has it with the same SHA-256`;
    case "skipped":
      return `Skipped ${filename}: the server has another egg of that name and version ` +
        "(--skip-existing)";
  }
}

/** The line of a finished download. */
export function downloadLine(result: { path: string; downloaded: boolean }): string {
  return result.downloaded
    ? `Saved ${result.path}`
    : `Kept ${result.path}: an identical file (same SHA-256) was already there`;
}

/**
 * Runs one transfer with the context header (`title`, then server,
 * repository and platform) and a progress bar labelled `verb`.
 */
export async function withTransferDisplay<T>(
  context: CommandContext,
  session: Session,
  display: {
    title: [string, string];
    repository: string;
    platform?: string;
    verb: "Uploading" | "Downloading";
  },
  transfer: (onProgress: (done: number, total?: number) => void) => Promise<T>,
): Promise<T> {
  writeContextHeader(context.io, [
    display.title,
    ["Server", session.url],
    ["Repository", display.repository],
    ...(display.platform === undefined ? [] : [["Platform", display.platform] as [string, string]]),
  ]);
  const progress = createProgress(context.io, display.verb);
  try {
    return await transfer((done, total) => progress.update(done, total));
  } finally {
    progress.finish();
  }
}
