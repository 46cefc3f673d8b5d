/**
 * EDS admin endpoints for organizations and their repositories (protocol
 * notes §4.3). Rights come from permissions.ts; see docs/permissions.md.
 */
import { type AuthContext, authenticate } from "../auth.ts";
import { deleteRepositoryWithEggs } from "../eggs.ts";
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
  repositoryContentCount,
  RepositoryExistsError,
} from "../repositories.ts";
import { requireDescription, requireObjectName } from "../validation.ts";

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
    try {
      createRepository(db, org.id, org.name, name, description);
    } catch (error) {
      if (error instanceof RepositoryExistsError) throw new HttpError(409, error.message);
      throw error;
    }
    return jsonResponse({ name, description }, 201);
  });

  router.add("DELETE", "/admin/repositories/:org/:repo", async ({ request, url, params }) => {
    const { user } = await authenticate(request, context);
    const org = requireOrganizationAdmin(db, user, params.org!);
    const force = queryFlag(url, "force");
    const repository = findRepository(db, org.id, params.repo!);
    if (!repository) throw noRepository(org.name, params.repo!);
    const items = repositoryContentCount(db, repository.id);
    if (items > 0 && !force) {
      throw new HttpError(
        409,
        `Repository '${org.name}/${repository.name}' is not empty (${items} items); ` +
          "use force to delete it anyway",
      );
    }
    deleteRepositoryWithEggs(db, objects, repository.id);
    return noContent();
  });
}
