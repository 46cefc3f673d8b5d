/**
 * Which certificate authorities to trust besides the built-in ones, and
 * reading them: `--ca-cert FILE` > `HATCHER_CA_CERT` > the profile's
 * `caCert` > `SSL_CERT_FILE` (the variable OpenSSL, curl and Python honour).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import process from "node:process";
import { normalizeServerUrl } from "../http.ts";
import type { Profile } from "./config.ts";
import type { GlobalOptions } from "./context.ts";
import { UsageError } from "./errors.ts";

/** A CA file and where its name came from, for messages. */
export interface CaCertChoice {
  file: string;
  source: string;
}

/**
 * Picks the CA file for a connection to `url`. `SSL_CERT_FILE` counts only
 * for `https://` servers: a plain-HTTP call should not read it.
 */
export function chooseCaCert(
  globals: GlobalOptions,
  url: string,
  profile?: { name: string; caCert?: string },
): CaCertChoice | undefined {
  if (globals.caCert) {
    const source = globals.sources.caCert === "env" ? "HATCHER_CA_CERT" : "--ca-cert";
    return { file: globals.caCert, source };
  }
  if (profile?.caCert) return { file: profile.caCert, source: `profile "${profile.name}"` };
  const system = process.env.SSL_CERT_FILE;
  if (system && isHttps(url)) return { file: system, source: "SSL_CERT_FILE" };
  return undefined;
}

function isHttps(url: string): boolean {
  try {
    return normalizeServerUrl(url).startsWith("https:");
  } catch {
    return false;
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads the PEM certificates of a CA file. A file that cannot be read or
 * holds no certificate is a usage error (exit 2) naming the file and where
 * it came from.
 */
export async function readCaCerts(choice: CaCertChoice): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(choice.file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === "ENOENT"
      ? "no such file"
      : code === "EISDIR"
      ? "it is a directory"
      : code === "EACCES"
      ? "permission denied"
      : (error as Error).message;
    throw new UsageError(
      `Cannot read the CA certificate file ${choice.file} (${choice.source}): ${why}`,
    );
  }
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) {
    throw new UsageError(
      `The CA certificate file ${choice.file} (${choice.source}) holds no PEM certificate ` +
        '("-----BEGIN CERTIFICATE-----" block)',
    );
  }
  return certificates;
}

/** The profile value to store for a CA file: an absolute path, so it works from any directory. */
export function profileCaCert(
  choice: CaCertChoice | undefined,
  previous?: Profile,
): string | undefined {
  if (choice && choice.source !== "SSL_CERT_FILE") return resolve(choice.file);
  return previous?.caCert;
}
