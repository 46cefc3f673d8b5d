/**
 * EDS admin endpoints for organizations and their repositories (protocol
 * notes §4.3). Rights come from permissions.ts; see docs/permissions.md.
 */
import { type AuthContext, authenticate } from "../auth.ts";
import { deleteRepositoryWithArtefacts, repositoryContentCount } from "../artefacts.ts";
import { HttpError, jsonResponse, noContent, queryFlag, readJson, type Router } from "../http.ts";
import type { ObjectStore } from "../objects.ts";
import { createOrganization, OrganizationExistsError } from "../organizations.ts";
import {
  noRepository,
  requireOrganizationAdmin,
  requireSiteAdmin,
  visibleOrganizations,
} from "../permissions.ts";
import {
  createRepository,
  findRepository,
  listRepositories,
  type Repository,
  RepositoryExistsError,
  updateRepository,
} from "../repositories.ts";
import type { User } from "../users.ts";
import { requireDescription, requireObjectName } from "../validation.ts";

function repositoryDocument(repository: Repository) {
  return {
    name: repository.name,
    organization: repository.orgName,
    description: repository.description,
    public: repository.public,
  };
}

/** A boolean member of a JSON body, or undefined when absent. */
function optionalBoolean(body: Record<string, unknown>, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw new HttpError(400, `'${key}' must be true or false`);
  return value;
}

export function registerOrganizationRoutes(
  router: Router,
  context: AuthContext & { objects: ObjectStore },
): void {
  const { db, objects } = context;

  router.add("GET", "/admin/organizations", async ({ request }) => {
    const { user } = await authenticate(request, context);
    return jsonResponse({ organizations: visibleOrganizations(db, user).map((org) => org.name) });
  });

  router.add("POST", "/admin/organizations", async ({ request }) => {
    const { user } = await authenticate(request, context);
    requireSiteAdmin(user, "create organizations");
    const body = await readJson(request);
    const name = requireObjectName("Organization", body.name);
    const description = requireDescription(body.description);
    try {
      createOrganization(db, name, description);
    } catch (error) {
      if (error instanceof OrganizationExistsError) throw new HttpError(409, error.message);
      throw error;
    }
    return jsonResponse({ name, description }, 201);
  });

  router.add("GET", "/admin/organizations/:org/repositories", async ({ request, params }) => {
    const { user } = await authenticate(request, context);
    const org = requireOrganizationAdmin(db, user, params.org!);
    const names = listRepositories(db, org.id).map((repository) => repository.name);
    return jsonResponse({ repositories: names });
  });

  router.add("POST", "/admin/organizations/:org/repositories", async ({ request, params }) => {
    const { user } = await authenticate(request, context);
    const org = requireOrganizationAdmin(db, user, params.org!);
    const body = await readJson(request);
    const name = requireObjectName("Repository", body.name);
    const description = requireDescription(body.description);
    const isPublic = optionalBoolean(body, "public") ?? false;
    try {
      createRepository(db, org.id, org.name, name, description, { public: isPublic });
    } catch (error) {
      if (error instanceof RepositoryExistsError) throw new HttpError(409, error.message);
      throw error;
    }
    return jsonResponse({ name, description, public: isPublic }, 201);
  });

  // Not in the EDS API: a repository's settings, read and changed by its administrators.
  router.add("GET", "/admin/repositories/:org/:repo", async ({ request, params }) => {
    const { user } = await authenticate(request, context);
    const repository = requireAdministeredRepository(user, params.org!, params.repo!);
    return jsonResponse(repositoryDocument(repository));
  });

  router.add("PATCH", "/admin/repositories/:org/:repo", async ({ request, params }) => {
    const { user } = await authenticate(request, context);
    const repository = requireAdministeredRepository(user, params.org!, params.repo!);
    const body = await readJson(request);
    const unknown = Object.keys(body).filter((key) => key !== "public" && key !== "description");
    if (unknown.length > 0) {
      throw new HttpError(
        400,
        `Unknown repository setting '${unknown[0]}': use public, description`,
      );
    }
    updateRepository(db, repository.id, {
      public: optionalBoolean(body, "public"),
      description: body.description === undefined
        ? undefined
        : requireDescription(body.description),
    });
    return jsonResponse(repositoryDocument(findRepository(db, repository.orgId, repository.name)!));
  });

  function requireAdministeredRepository(user: User, orgName: string, repoName: string) {
    const org = requireOrganizationAdmin(db, user, orgName);
    const repository = findRepository(db, org.id, repoName);
    if (!repository) throw noRepository(org.name, repoName);
    return repository;
  }

  router.add("DELETE", "/admin/repositories/:org/:repo", async ({ request, url, params }) => {
    const { user } = await authenticate(request, context);
    const repository = requireAdministeredRepository(user, params.org!, params.repo!);
    const force = queryFlag(url, "force");
    const items = repositoryContentCount(db, repository.id);
    if (items > 0 && !force) {
      throw new HttpError(
        409,
        `Repository '${repository.orgName}/${repository.name}' is not empty (${items} items); ` +
          "use force to delete it anyway",
      );
    }
    deleteRepositoryWithArtefacts(db, objects, repository.id);
    return noContent();
  });
}
