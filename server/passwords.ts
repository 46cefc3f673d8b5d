/**
 * Password hashing with scrypt. Hashes are self-describing
 * (`scrypt$N$r$p$saltB64$hashB64`) so the cost can be raised later without
 * invalidating stored passwords.
 */
import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";

/** Node's default cost: ~70 ms per hash on a 2-core box; raise it later, hashes record their params. */
export const DEFAULT_SCRYPT_PARAMS = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function scryptAsync(password: string, salt: Buffer, keyLength: number, params: ScryptOptions) {
  return new Promise<Buffer>((resolve, reject) => {
    // maxmem must exceed 128*N*r, else node refuses larger costs.
    const options = { ...params, maxmem: 256 * (params.N ?? 0) * (params.r ?? 0) + 1024 * 1024 };
    scrypt(
      password,
      salt,
      keyLength,
      options,
      (error, key) => error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(
  password: string,
  params: { N: number; r: number; p: number } = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password, salt, KEY_BYTES, params);
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64"), hash.toString("base64")]
    .join("$");
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [N, r, p] = parts.slice(1, 4).map((part) => Number(part));
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n! > 0)) return null;
  const salt = Buffer.from(parts[4]!, "base64");
  const hash = Buffer.from(parts[5]!, "base64");
  if (salt.length === 0 || hash.length === 0) return null;
  return { N: N!, r: r!, p: p!, salt, hash };
}

/** Constant-time check of `password` against a stored hash; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const { N, r, p, salt, hash } = parsed;
  const candidate = await scryptAsync(password, salt, hash.length, { N, r, p });
  return timingSafeEqual(candidate, hash);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against `stored`, or, when the user does not exist (`undefined`),
 * burns the same scrypt work on a throwaway hash and fails. Either way the
 * response time does not reveal whether the email is registered.
 */
export async function verifyPasswordOrDummy(
  password: string,
  stored: string | undefined,
): Promise<boolean> {
  if (stored !== undefined) return await verifyPassword(password, stored);
  dummyHash ??= hashPassword(randomBytes(SALT_BYTES).toString("base64"));
  await verifyPassword(password, await dummyHash);
  return false;
}
