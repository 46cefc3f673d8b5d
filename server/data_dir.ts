/**
 * The data directory holds password hashes and the token-signing secret, so
 * only the server's own user may read it: the directory is 0700 and the
 * database files 0600. A directory made looser by hand or by an older
 * version is tightened on start, and each change is reported.
 */
import { join } from "node:path";
import { DATABASE_FILE_NAME } from "./db.ts";

const DIRECTORY_MODE = 0o700;
const FILE_MODE = 0o600;
/** SQLite's own files beside the database; they take its mode when created. */
const DATABASE_FILES = [
  DATABASE_FILE_NAME,
  `${DATABASE_FILE_NAME}-wal`,
  `${DATABASE_FILE_NAME}-shm`,
];

function octal(mode: number): string {
  return "0" + (mode & 0o777).toString(8);
}

/** Tightens `path` to `mode` if others may access it; returns a line saying so, or null. */
function tighten(path: string, mode: number): string | null {
  let current: number | null;
  try {
    current = Deno.statSync(path).mode;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  if (current === null || (current & 0o777 & ~mode) === 0) return null;
  Deno.chmodSync(path, mode);
  return `tightened permissions of ${path} from ${octal(current)} to ${octal(mode)}`;
}

/**
 * Creates `dataDir` (0700) and an empty database file (0600) if missing, or
 * tightens what is there. Returns one line per change made to existing files.
 */
export function secureDataDir(dataDir: string): string[] {
  if (Deno.build.os === "windows") {
    Deno.mkdirSync(dataDir, { recursive: true });
    return [];
  }
  const changes: string[] = [];
  try {
    Deno.mkdirSync(dataDir, { mode: DIRECTORY_MODE });
    // mkdir's mode passes through the umask; make it exact.
    Deno.chmodSync(dataDir, DIRECTORY_MODE);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    const change = tighten(dataDir, DIRECTORY_MODE);
    if (change) changes.push(change);
  }
  const database = join(dataDir, DATABASE_FILE_NAME);
  try {
    // SQLite takes an empty file for a new database, and gives its -wal and -shm the same mode.
    Deno.writeFileSync(database, new Uint8Array(), { createNew: true, mode: FILE_MODE });
    Deno.chmodSync(database, FILE_MODE);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  for (const name of DATABASE_FILES) {
    const change = tighten(join(dataDir, name), FILE_MODE);
    if (change) changes.push(change);
  }
  return changes;
}
