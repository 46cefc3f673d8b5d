/**
 * hatcher: a client library for an Enthought Deployment Server (EDS, formerly
 * Brood), the repository server for Python eggs, runtimes and bundles.
 *
 * Every function is a small async call over `fetch` that takes a
 * {@linkcode Session} from {@linkcode login} and throws typed errors
 * ({@linkcode HatcherError} and its subclasses). The library never prints and
 * never exits the process.
 *
 * @example Create, list and revoke an API token
 * ```ts
 * import { createToken, listTokens, login, revokeToken } from "@hatcher/hatcher";
 *
 * const session = await login("http://127.0.0.1:8080", {
 *   username: "user@example.com",
 *   password: "s3cret",
 * });
 * const { token } = await createToken(session, "laptop");
 * const viaToken = await login(session.url, { token });
 * console.log(await listTokens(viaToken));
 * await revokeToken(viaToken, "laptop");
 * ```
 *
 * @module
 */
export { anonymousSession, type Credentials, login, type Session } from "./lib/session.ts";
export { type ApiVersion, type ClientOptions } from "./lib/http.ts";
export {
  type ApiToken,
  type CreatedApiToken,
  createToken,
  type CreateTokenOptions,
  listTokens,
  revokeToken,
} from "./lib/tokens.ts";
export {
  createOrganization,
  listOrganizations,
  type NewOrganization,
} from "./lib/organizations.ts";
export {
  createRepository,
  deleteRepository,
  type DeleteRepositoryOptions,
  getRepository,
  listRepositories,
  listUserRepositories,
  type NewRepository,
  type RepositoryAccess,
  type RepositoryChanges,
  type RepositoryRef,
  type RepositorySettings,
  updateRepository,
  type UserRepository,
} from "./lib/repositories.ts";
export { type CreatedUser, createUser, deleteUser, type NewUser } from "./lib/users.ts";
export {
  addTeamMember,
  addTeamRepository,
  createTeam,
  deleteTeam,
  getTeam,
  isTeamMember,
  listTeamMembers,
  listTeamRepositories,
  listTeams,
  removeTeamMember,
  removeTeamRepository,
  type Team,
  TEAM_GROUPS,
  type TeamGroup,
  teamHasRepository,
  type TeamMetadata,
  type TeamRef,
} from "./lib/teams.ts";
export { listPlatforms, listPythonTags } from "./lib/catalogue.ts";
export { type CurrentUser, getCurrentUser } from "./lib/current_user.ts";
export {
  type CheckedEgg,
  checkLocalEgg,
  compareEggs,
  deleteEgg,
  type DownloadedEgg,
  downloadEgg,
  type DownloadEggOptions,
  type EggIndexEntry,
  type EggIndexRef,
  type EggInfo,
  type EggRef,
  type EggTarget,
  getEggMetadata,
  inspectLocalEgg,
  listEggs,
  type LocalEgg,
  reindexEggs,
  type UploadedEgg,
  uploadEgg,
  type UploadEggOptions,
} from "./lib/eggs.ts";
export {
  batchUploadEggs,
  type BatchUploadOptions,
  type BatchUploadResult,
} from "./lib/batch_upload.ts";
export {
  type EggFilename,
  type EggMetadata,
  InvalidEggError,
  type LegacyPlatformKeys,
  parseEggFilename,
  parseSpecDepend,
  readEggMetadata,
  type ReadEggMetadataOptions,
  sha256File,
} from "./lib/formats/egg.ts";
export {
  InvalidRuntimeError,
  parseRuntimeFilename,
  readRuntimeMetadata,
  type ReadRuntimeMetadataOptions,
  type RuntimeFilename,
  type RuntimeMetadata,
} from "./lib/formats/runtime.ts";
export {
  type BundleFilename,
  type BundleMetadata,
  type BundleRuntime,
  InvalidBundleError,
  MAX_BUNDLE_BYTES,
  parseBundleFilename,
  readBundleMetadata,
  type ReadBundleMetadataOptions,
} from "./lib/formats/bundle.ts";
export {
  APP_SPEC_REQUIRED_KEYS,
  type AppMetadata,
  InvalidAppError,
  MAX_APP_SPEC_BYTES,
  readAppMetadata,
  type ReadAppMetadataOptions,
} from "./lib/formats/app.ts";
export { InvalidArtefactError } from "./lib/formats/artefact.ts";
export { canonicalPlatform, PLATFORMS } from "./lib/formats/platforms.ts";
export { type ProgressCallback } from "./lib/transfer.ts";
export { type CheckedArtefact, type LocalArtefact } from "./lib/upload.ts";
export {
  AuthenticationError,
  ChecksumMismatchError,
  ConflictError,
  ConnectionError,
  HatcherError,
  HttpError,
  type HttpErrorDetails,
  NotFoundError,
  PermissionDeniedError,
  ServerError,
  TimeoutError,
  TlsError,
  UnsafeFileError,
} from "./lib/errors.ts";
export { VERSION } from "./lib/version.ts";
export { type AuditEntry, listAuditEntries, type ListAuditOptions } from "./lib/audit.ts";
export {
  checkLocalRuntime,
  deleteRuntime,
  downloadRuntime,
  type DownloadRuntimeOptions,
  getRuntimeMetadata,
  inspectLocalRuntime,
  listRuntimes,
  type RuntimeInfo,
  type RuntimeRef,
  uploadRuntime,
  type UploadRuntimeOptions,
} from "./lib/runtimes.ts";
export {
  BundleExistsError,
  type BundleInfo,
  type BundleRef,
  deleteBundle,
  downloadBundle,
  type DownloadBundleOptions,
  getBundleIndex,
  getBundleMetadata,
  inspectLocalBundle,
  listBundles,
  uploadBundle,
  type UploadBundleOptions,
} from "./lib/bundles.ts";
export {
  type AppInfo,
  type AppRef,
  deleteApp,
  downloadApp,
  getAppMetadata,
  inspectLocalApp,
  listApps,
  uploadApp,
} from "./lib/apps.ts";
export { type DownloadedFile } from "./lib/download.ts";
export {
  type ArtefactKindName,
  type ArtefactRecord,
  type Manifest,
  readManifest,
} from "./lib/sync/records.ts";
export { serverInventory, type SyncEvent, type SyncFilters } from "./lib/sync/inventory.ts";
export {
  exportArtefacts,
  type ExportEvent,
  type ExportOptions,
  type ExportResult,
} from "./lib/sync/export.ts";
export {
  importArtefacts,
  type ImportEvent,
  type ImportOptions,
  type ImportResult,
} from "./lib/sync/import.ts";
export { diffRecords, type RecordDiff } from "./lib/sync/diff.ts";
export { type LocalRecord } from "./lib/sync/local.ts";
export {
  mirrorArtefacts,
  type MirrorEvent,
  type MirrorOptions,
  type MirrorResult,
} from "./lib/sync/mirror.ts";
