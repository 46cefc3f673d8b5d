/**
 * The `--jobs` option of the commands that transfer many artefacts at once
 * (batch upload, export, import, diff, mirror).
 *
 * @module
 */
import { UsageError } from "./errors.ts";

/** Parses `--jobs N`: a whole number from 1 to 64, else a usage error. */
export function parseJobs(value: string): number {
  const jobs = Number(value);
  if (!/^\d+$/.test(value) || jobs < 1 || jobs > 64) {
    throw new UsageError(`--jobs must be a whole number from 1 to 64, got '${value}'`);
  }
  return jobs;
}
