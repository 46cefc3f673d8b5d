/**
 * Where a profile's API token lives: in the operating system's credential
 * store when one works, the config file keeping only a reference
 * (`tokenRef`), else in the config file itself (mode 0600). The token is
 * stored and read back before the reference is written, so a store that
 * fails, hangs or loses it leaves the token in the file instead.
 *
 * @module
 */
import type { Profile, TokenRef } from "../config.ts";
import { CredentialStoreError, type StoreKind } from "./credential_store.ts";
import { platformStore, storeOfKind } from "./platform.ts";

/** The profile no longer finds its token in the store (removed there, or another machine). */
export class StoredTokenMissingError extends CredentialStoreError {
  constructor(message: string) {
    super(message);
    this.name = "StoredTokenMissingError";
  }
}

/** Where `login` put a token. */
export interface SavedToken {
  /** The profile fields that hold it: the token itself, or the reference to it. */
  fields: { token: string } | { tokenRef: TokenRef };
  storage: StoreKind | "file";
  /** For messages: "the Secret Service", "the config file". */
  where: string;
  /** Why the file holds it although no one asked for that; said once, on stderr. */
  fallback?: string;
}

/**
 * Saves a new token: in the platform's store, unless `insecureStorage`
 * asks for the file or no store works (then `fallback` says why).
 */
export async function saveToken(
  token: string,
  options: { label: string; insecureStorage: boolean },
): Promise<SavedToken> {
  const inFile = (fallback?: string): SavedToken => ({
    fields: { token },
    storage: "file",
    where: "the config file",
    fallback,
  });
  if (options.insecureStorage) return inFile();
  const store = platformStore();
  if ("unavailable" in store) return inFile(store.unavailable);
  const account = crypto.randomUUID();
  let saved = false;
  try {
    await store.save(account, token, options.label);
    saved = true;
    // Only a store that gives the token back is trusted with it.
    if (await store.load(account) !== token) {
      throw new CredentialStoreError(`${store.name} did not give the token back unchanged`);
    }
  } catch (error) {
    if (!(error instanceof CredentialStoreError)) throw error;
    if (saved) await store.remove(account).catch(() => {});
    return inFile(error.message);
  }
  return {
    fields: { tokenRef: { store: store.kind, account } },
    storage: store.kind,
    where: store.name,
  };
}

/** The name of the store a profile's token is in, or undefined when it is in the file. */
export function tokenStoreName(profile: Profile | undefined): string | undefined {
  return profile?.tokenRef ? storeOfKind(profile.tokenRef.store).name : undefined;
}

/**
 * A profile's token, from the file or the store its reference names.
 * Throws a {@linkcode CredentialStoreError} naming the profile and the
 * store when the store cannot be read, and a {@linkcode StoredTokenMissingError}
 * when it no longer holds the token.
 */
export async function readToken(
  profileName: string,
  profile: Profile,
): Promise<string | undefined> {
  if (profile.token !== undefined || !profile.tokenRef) return profile.token;
  const store = storeOfKind(profile.tokenRef.store);
  let token: string | undefined;
  try {
    token = await store.load(profile.tokenRef.account);
  } catch (error) {
    if (!(error instanceof CredentialStoreError)) throw error;
    throw new CredentialStoreError(
      `Cannot read the API token of profile "${profileName}": ${error.message}`,
    );
  }
  if (token === undefined) {
    throw new StoredTokenMissingError(
      `The API token of profile "${profileName}" is no longer in ${store.name}: ` +
        "run `hatcher login` again",
    );
  }
  return token;
}

/**
 * Removes a profile's token from its store, if it is in one. Returns why
 * that failed, for a warning: the caller goes on (the token is revoked or
 * replaced by then).
 */
export async function removeStoredToken(profile: Profile | undefined): Promise<string | undefined> {
  if (!profile?.tokenRef) return undefined;
  const store = storeOfKind(profile.tokenRef.store);
  try {
    await store.remove(profile.tokenRef.account);
    return undefined;
  } catch (error) {
    if (!(error instanceof CredentialStoreError)) throw error;
    return `could not remove the token from the credential store: ${error.message}`;
  }
}
