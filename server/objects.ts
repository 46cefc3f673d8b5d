/**
 * Artefact files on disk, under the data directory:
 *
 *   DATA/objects/sha256/<first 2 hex>/<64 hex>   content-addressed, one file per distinct content
 *   DATA/tmp/<random>/<uploaded file name>       uploads being received; emptied at startup
 *   DATA/index-cache/<random>                    large built indices (index_cache.ts); emptied at startup
 *
 * Files only: which rows reference an object is the database's business
 * (artefacts.ts decides when an object may go). Both trees live under DATA so a
 * finished upload moves into place with one rename on the same file system.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Where the object with this (lower-case hex) SHA-256 is stored. */
export function objectPath(dataDir: string, sha256: string): string {
  if (!SHA256_HEX.test(sha256)) throw new Error(`not a sha256 hex digest: ${sha256}`);
  return join(dataDir, "objects", "sha256", sha256.slice(0, 2), sha256);
}

function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound;
}

export class ObjectStore {
  readonly dataDir: string;
  readonly tmpDir: string;
  readonly objectsDir: string;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
    this.tmpDir = join(dataDir, "tmp");
    this.objectsDir = join(dataDir, "objects", "sha256");
  }

  path(sha256: string): string {
    return objectPath(this.dataDir, sha256);
  }

  /** Startup only: what is left in tmp belongs to uploads a previous process never finished. */
  resetTemporary(): void {
    try {
      Deno.removeSync(this.tmpDir, { recursive: true });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    Deno.mkdirSync(this.tmpDir, { recursive: true });
  }

  /** A fresh private directory for one upload; the caller removes it with removeTemporary. */
  async createTemporary(): Promise<string> {
    const dir = join(this.tmpDir, randomBytes(12).toString("hex"));
    try {
      await Deno.mkdir(dir);
    } catch (error) {
      // tmp itself went (removed behind the server's back): made again. Not asked
      // for each upload: every file-system call counts for a thousand small ones.
      if (!isNotFound(error)) throw error;
      await Deno.mkdir(this.tmpDir, { recursive: true });
      await Deno.mkdir(dir);
    }
    return dir;
  }

  async removeTemporary(dir: string): Promise<void> {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }

  /**
   * Moves a received, verified file into place as object `sha256`, replacing
   * any file already there: the rename is atomic, downloads in progress keep
   * the old inode, and a damaged object is healed by re-uploading its egg.
   * Synchronous so the caller can do it inside a database transaction.
   */
  adoptSync(file: string, sha256: string): void {
    const target = this.path(sha256);
    try {
      Deno.renameSync(file, target);
    } catch (error) {
      // The first object of its prefix: its directory is made then.
      if (!isNotFound(error)) throw error;
      Deno.mkdirSync(join(target, ".."), { recursive: true });
      Deno.renameSync(file, target);
    }
  }

  /** Removes the object if present. Open downloads keep reading it (POSIX unlink semantics). */
  removeSync(sha256: string): void {
    try {
      Deno.removeSync(this.path(sha256));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /** The digests of every stored object (for the startup sweep of orphans). */
  listSync(): string[] {
    const found: string[] = [];
    let prefixes: Deno.DirEntry[];
    try {
      prefixes = [...Deno.readDirSync(this.objectsDir)];
    } catch (error) {
      if (isNotFound(error)) return found;
      throw error;
    }
    for (const prefix of prefixes) {
      if (!prefix.isDirectory) continue;
      for (const entry of Deno.readDirSync(join(this.objectsDir, prefix.name))) {
        if (entry.isFile && SHA256_HEX.test(entry.name) && entry.name.startsWith(prefix.name)) {
          found.push(entry.name);
        }
      }
    }
    return found;
  }
}
