/**
 * What hatcher needs of an operating system's credential store: one secret
 * per account name, filed under the service `hatcher`.
 *
 * @module
 */
import { ToolError, type ToolRun } from "./tool.ts";

/** The stores hatcher can use; recorded in a profile's `tokenRef`. */
export type StoreKind = "secret-service" | "keychain" | "credential-manager";

/** True for the store kinds a profile may name. */
export function isStoreKind(value: unknown): value is StoreKind {
  return value === "secret-service" || value === "keychain" || value === "credential-manager";
}

/** The service every hatcher secret is filed under. */
export const SERVICE = "hatcher";

/** One platform's credential store. */
export interface CredentialStore {
  readonly kind: StoreKind;
  /** For messages: "the Secret Service". */
  readonly name: string;
  /** Stores (or replaces) the secret of `account`; `label` is what the store's UI shows. */
  save(account: string, secret: string, label: string): Promise<void>;
  /** The secret of `account`, or undefined when the store has none. */
  load(account: string): Promise<string | undefined>;
  /** Removes the secret of `account`; nothing to remove is not an error. */
  remove(account: string): Promise<void>;
}

/** The store could not do what was asked; the message names the store and says why. */
export class CredentialStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialStoreError";
  }
}

/**
 * Runs a store's tool, turning "not installed", "not allowed" and "timed
 * out" into a {@linkcode CredentialStoreError} that names the store.
 */
export async function runStoreTool(
  storeName: string,
  install: string,
  run: () => Promise<ToolRun>,
): Promise<ToolRun> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    const why = error.missing ? `${error.message} (${install})` : error.message;
    throw new CredentialStoreError(`${storeName} cannot be used: ${why}`);
  }
}
