/**
 * Which credential store this platform has, or why none is usable: the
 * Secret Service on Linux, the Keychain on macOS, the Credential Manager on
 * Windows.
 *
 * @module
 */
import process from "node:process";
import { credentialManager } from "./credential_manager.ts";
import type { CredentialStore, StoreKind } from "./credential_store.ts";
import { keychain } from "./keychain.ts";
import { secretService, secretServiceUnavailable } from "./secret_service.ts";

/** A store by kind, for reading what a profile's `tokenRef` names. */
export function storeOfKind(kind: StoreKind): CredentialStore {
  switch (kind) {
    case "secret-service":
      return secretService();
    case "keychain":
      return keychain();
    case "credential-manager":
      return credentialManager();
  }
}

/** This platform's store to try, or why there is none. */
export function platformStore(
  platform: string = process.platform,
  env: Record<string, string | undefined> = process.env,
): CredentialStore | { unavailable: string } {
  if (platform === "darwin") return keychain();
  if (platform === "win32") return credentialManager();
  if (platform === "linux" || platform.endsWith("bsd")) {
    const missing = secretServiceUnavailable(env);
    return missing ? { unavailable: missing } : secretService();
  }
  return { unavailable: `hatcher knows no credential store on ${platform}` };
}
