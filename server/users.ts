/** User accounts: lookup and creation, shared by the HTTP server and the `add-user` command. */
import { type Database, inTransaction, statement } from "./db.ts";
import { hashPassword } from "./passwords.ts";
import { isValidEmail } from "./validation.ts";

export interface User {
  id: number;
  email: string;
  passwordHash: string;
  isSiteAdmin: boolean;
  createdAt: string;
}

interface UserRow {
  id: number;
  email: string;
  password_hash: string;
  is_site_admin: number;
  created_at: string;
}

export class UserExistsError extends Error {
  constructor(email: string) {
    super(`User '${email}' already exists`);
    this.name = "UserExistsError";
  }
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    isSiteAdmin: row.is_site_admin === 1,
    createdAt: row.created_at,
  };
}

/** The rule of validation.ts, for callers outside HTTP (`add-user`, `--admin`). */
export function isPlausibleEmail(email: string): boolean {
  return isValidEmail(email);
}

/** Case-insensitive, like the email column. */
export function findUserByEmail(db: Database, email: string): User | undefined {
  const row = statement(db, "SELECT * FROM users WHERE email = ?").get(email) as
    | UserRow
    | undefined;
  return row ? toUser(row) : undefined;
}

export function findUserById(db: Database, id: number): User | undefined {
  const row = statement(db, "SELECT * FROM users WHERE id = ?").get(id) as UserRow | undefined;
  return row ? toUser(row) : undefined;
}

/** Hashes the password and inserts the user; throws UserExistsError for a taken email. */
export async function createUser(
  db: Database,
  email: string,
  password: string,
  options: { siteAdmin?: boolean } = {},
): Promise<User> {
  if (!isPlausibleEmail(email)) throw new Error(`Invalid email address: ${email}`);
  if (password === "") throw new Error("Password must not be empty");
  const passwordHash = await hashPassword(password);
  return inTransaction(db, () => insertUser(db, email, passwordHash, options));
}

/**
 * Inserts a user whose password is already hashed; throws UserExistsError for
 * a taken email. Synchronous so callers can combine it with other writes in
 * one transaction (hash first: scrypt must not run inside a write lock).
 */
export function insertUser(
  db: Database,
  email: string,
  passwordHash: string,
  options: { siteAdmin?: boolean } = {},
): User {
  if (findUserByEmail(db, email)) throw new UserExistsError(email);
  const result = statement(
    db,
    "INSERT INTO users (email, password_hash, is_site_admin, created_at) VALUES (?, ?, ?, ?)",
  ).run(email, passwordHash, options.siteAdmin ? 1 : 0, new Date().toISOString());
  return findUserById(db, Number(result.lastInsertRowid))!;
}

/** Deletes the account; its tokens, sessions and memberships go with it (ON DELETE CASCADE). */
export function deleteUser(db: Database, userId: number): void {
  statement(db, "DELETE FROM users WHERE id = ?").run(userId);
}

/**
 * Makes sure `email` exists and is a site administrator. The password is only
 * asked for (via `getPassword`) when the user has to be created; an existing
 * user keeps its password and is promoted if needed.
 */
export async function ensureSiteAdmin(
  db: Database,
  email: string,
  getPassword: () => string,
): Promise<{ created: boolean; promoted: boolean }> {
  const existing = findUserByEmail(db, email);
  if (existing) {
    if (existing.isSiteAdmin) return { created: false, promoted: false };
    statement(db, "UPDATE users SET is_site_admin = 1 WHERE id = ?").run(existing.id);
    return { created: false, promoted: true };
  }
  await createUser(db, email, getPassword(), { siteAdmin: true });
  return { created: true, promoted: false };
}
