/**
 * Repositories of an organization, and the repositories the logged-in user
 * can reach.
 *
 * @module
 */
import { compareText, objectList, stringList } from "./answers.ts";
import { apiPath } from "./http.ts";
import { type Session, sessionJson, sessionSend } from "./session.ts";

/**
 * A repository by organization and name.
 *
 * @example
 * ```ts
 * import { type RepositoryRef } from "@hatcher/hatcher";
 * const dev: RepositoryRef = { organization: "acme", name: "dev" };
 * ```
 */
export interface RepositoryRef {
  /** The owning organization. */
  organization: string;
  /** The repository's name within it. */
  name: string;
}

/**
 * What {@linkcode createRepository} needs.
 *
 * @example
 * ```ts
 * import { type NewRepository } from "@hatcher/hatcher";
 * const dev: NewRepository = { organization: "acme", name: "dev", description: "development eggs" };
 * ```
 */
export interface NewRepository extends RepositoryRef {
  /** Free text describing the repository. */
  description: string;
  /**
   * Let anyone, even without credentials, read its indices, metadata and files.
   * @default {false}
   */
  public?: boolean;
}

/**
 * A repository's settings, from {@linkcode getRepository} and {@linkcode updateRepository}.
 *
 * @example
 * ```ts
 * import { type RepositorySettings } from "@hatcher/hatcher";
 * const open = (settings: RepositorySettings) => settings.public;
 * ```
 */
export interface RepositorySettings {
  /** The organization. */
  organization: string;
  /** The repository's name. */
  name: string;
  /** Free text describing it. */
  description: string;
  /** Whether anyone may read it without credentials. */
  public: boolean;
}

/**
 * What {@linkcode updateRepository} changes; what is left out stays as it is.
 *
 * @example Make a repository public
 * ```ts
 * import { type RepositoryChanges } from "@hatcher/hatcher";
 * const changes: RepositoryChanges = { organization: "acme", name: "free", public: true };
 * ```
 */
export interface RepositoryChanges extends RepositoryRef {
  /** A new description. */
  description?: string;
  /** Whether anyone may read it without credentials. */
  public?: boolean;
}

/**
 * Options of {@linkcode deleteRepository}.
 *
 * @example
 * ```ts
 * import { type DeleteRepositoryOptions } from "@hatcher/hatcher";
 * const options: DeleteRepositoryOptions = { organization: "acme", name: "old", force: true };
 * ```
 */
export interface DeleteRepositoryOptions extends RepositoryRef {
  /**
   * Delete even when the repository still holds eggs.
   * @default {false}
   */
  force?: boolean;
}

/**
 * How much a user may do with a repository, weakest last.
 *
 * @example
 * ```ts
 * import { type RepositoryAccess } from "@hatcher/hatcher";
 * const canUpload = (access: RepositoryAccess | null) =>
 *   access === "upload_repository" || access === "organization_administrator";
 * ```
 */
export type RepositoryAccess =
  | "organization_administrator"
  | "upload_repository"
  | "read_repository"
  | "read_index";

/**
 * A repository the user can reach, from {@linkcode listUserRepositories}.
 *
 * @example
 * ```ts
 * import { type UserRepository } from "@hatcher/hatcher";
 * const [organization, name] = ({ name: "acme/dev" } as UserRepository).name.split("/");
 * ```
 */
export interface UserRepository {
  /** `organization/repository`. */
  name: string;
  /** The user's access; `null` from an API v0 server, which does not say. */
  access: RepositoryAccess | null;
  /** The repository's description; `null` from an API v0 server. */
  description: string | null;
}

/**
 * Lists an organization's repositories, sorted (organization administrators).
 *
 * @param session From {@linkcode login}.
 * @param organization The organization's name.
 * @returns Repository names.
 * @throws {NotFoundError} When the organization does not exist or is not visible.
 * @throws {PermissionDeniedError} When the user is a member but not an administrator.
 *
 * @example
 * ```ts
 * import { listRepositories, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * console.log(await listRepositories(session, "acme"));
 * ```
 */
export async function listRepositories(session: Session, organization: string): Promise<string[]> {
  const path = apiPath("admin", "organizations", organization, "repositories");
  return stringList(await sessionJson(session, "GET", path), "repositories").sort(compareText);
}

/**
 * Creates a repository in an organization (organization administrators).
 *
 * @param session From {@linkcode login}.
 * @param repository Organization, name and description.
 * @throws {ConflictError} When the organization already has a repository of that name.
 *
 * @example
 * ```ts
 * import { createRepository, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await createRepository(session, { organization: "acme", name: "dev", description: "development eggs" });
 * ```
 */
export async function createRepository(session: Session, repository: NewRepository): Promise<void> {
  const path = apiPath("admin", "organizations", repository.organization, "repositories");
  await sessionSend(session, "POST", path, {
    json: {
      name: repository.name,
      description: repository.description,
      ...(repository.public ? { public: true } : {}),
    },
  });
}

function repositorySettings(raw: Record<string, unknown>, ref: RepositoryRef): RepositorySettings {
  return {
    organization: typeof raw.organization === "string" ? raw.organization : ref.organization,
    name: typeof raw.name === "string" ? raw.name : ref.name,
    description: typeof raw.description === "string" ? raw.description : "",
    public: raw.public === true,
  };
}

/**
 * Reads a repository's settings (organization administrators). An addition
 * of the reference server to the EDS API.
 *
 * @param session From {@linkcode login}.
 * @param repository The repository.
 * @returns Its settings.
 * @throws {NotFoundError} When there is no such repository (or it is not visible).
 *
 * @example
 * ```ts
 * import { getRepository, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const { public: isPublic } = await getRepository(session, { organization: "acme", name: "free" });
 * ```
 */
export async function getRepository(
  session: Session,
  repository: RepositoryRef,
): Promise<RepositorySettings> {
  const path = apiPath("admin", "repositories", repository.organization, repository.name);
  return repositorySettings(
    await sessionJson<Record<string, unknown>>(session, "GET", path),
    repository,
  );
}

/**
 * Changes a repository's description or whether it is public (organization
 * administrators). An addition of the reference server to the EDS API.
 *
 * @param session From {@linkcode login}.
 * @param changes The repository and what to change.
 * @returns The settings after the change.
 *
 * @example Open a repository to anonymous readers
 * ```ts
 * import { login, updateRepository } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await updateRepository(session, { organization: "acme", name: "free", public: true });
 * ```
 */
export async function updateRepository(
  session: Session,
  changes: RepositoryChanges,
): Promise<RepositorySettings> {
  const { organization, name, ...settings } = changes;
  const path = apiPath("admin", "repositories", organization, name);
  const body = await sessionJson<Record<string, unknown>>(session, "PATCH", path, {
    json: settings,
  });
  return repositorySettings(body, changes);
}

/**
 * Deletes a repository. The server refuses a non-empty one unless `force`.
 *
 * @param session From {@linkcode login}.
 * @param options The repository and `force`.
 * @throws {ConflictError} When it is not empty and `force` is not set.
 *
 * @example
 * ```ts
 * import { deleteRepository, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * await deleteRepository(session, { organization: "acme", name: "scratch", force: true });
 * ```
 */
export async function deleteRepository(
  session: Session,
  options: DeleteRepositoryOptions,
): Promise<void> {
  await sessionSend(
    session,
    "DELETE",
    apiPath("admin", "repositories", options.organization, options.name),
    {
      query: { force: options.force ? "True" : "False" },
    },
  );
}

/**
 * Lists the repositories the logged-in user can reach, sorted by name.
 *
 * @param session From {@linkcode login}.
 * @param options `includeIndexable`: also list repositories the user may only
 *   see in indexes (`read_index`); default `false`.
 * @returns The repositories with the user's access.
 *
 * @example Repositories I can upload to
 * ```ts
 * import { listUserRepositories, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * const writable = (await listUserRepositories(session))
 *   .filter((r) => r.access === "upload_repository" || r.access === "organization_administrator");
 * ```
 */
export async function listUserRepositories(
  session: Session,
  options: { includeIndexable?: boolean } = {},
): Promise<UserRepository[]> {
  const includeIndexable = options.includeIndexable ?? false;
  const body = await sessionJson(session, "GET", "metadata/user/repositories", {
    query: session.apiVersion === 0
      ? { include_indexable: includeIndexable ? "True" : "False" }
      : {},
  });
  const repositories: UserRepository[] = session.apiVersion === 0
    ? stringList(body, "repositories").map((name) => ({ name, access: null, description: null }))
    : objectList(body, "repositories").map((raw) => ({
      name: String(raw.name),
      access: typeof raw.access === "string" ? raw.access as RepositoryAccess : null,
      description: typeof raw.description === "string" ? raw.description : null,
    }));
  return repositories
    .filter((repository) => includeIndexable || repository.access !== "read_index")
    .sort((a, b) => compareText(a.name, b.name));
}
