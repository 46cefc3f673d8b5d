/**
 * EDS metadata endpoints (protocol notes §4.3): the caller's repositories and
 * the server's platform and Python tag catalogues. Any authenticated user.
 */
import { type AuthContext, authenticate } from "../auth.ts";
import { ALL_PYTHON_TAGS, PLATFORMS, PYTHON_TAGS } from "../catalogue.ts";
import { jsonResponse, queryFlag, type Router } from "../http.ts";
import { listMemberOrganizations } from "../organizations.ts";
import { ACCESS_NAMES, accessibleRepositories } from "../permissions.ts";
import { fullRepositoryName } from "../repositories.ts";

export function registerMetadataRoutes(router: Router, context: AuthContext): void {
  const { db } = context;

  // v0 filters read-index-only repositories unless asked; v1 always lists
  // everything with its access level and leaves the filtering to the client.
  router.add("GET", "/metadata/user/repositories", async ({ request, url, apiVersion }) => {
    const { user } = await authenticate(request, context);
    const repositories = accessibleRepositories(db, user);
    if (apiVersion === 0) {
      const includeIndexable = queryFlag(url, "include_indexable");
      const names = repositories
        .filter(({ access }) => includeIndexable || access !== "read-index")
        .map(({ repository }) => fullRepositoryName(repository));
      return jsonResponse({ repositories: names });
    }
    return jsonResponse({
      repositories: repositories.map(({ repository, access }) => ({
        name: fullRepositoryName(repository),
        access: ACCESS_NAMES[access],
        description: repository.description,
      })),
    });
  });

  // Who am I? Lets a client holding only a token name its user (hatcher whoami).
  router.add("GET", "/metadata/user", async ({ request }) => {
    const { user } = await authenticate(request, context);
    return jsonResponse({
      email: user.email,
      is_site_admin: user.isSiteAdmin,
      organizations: listMemberOrganizations(db, user.id).map((org) => org.name).sort(),
    });
  });

  router.add("GET", "/metadata/platforms", async ({ request }) => {
    await authenticate(request, context);
    return jsonResponse({ platforms: [...PLATFORMS].sort() });
  });

  router.add("GET", "/metadata/python-tags", async ({ request }) => {
    await authenticate(request, context);
    return jsonResponse({ python_tags: PYTHON_TAGS });
  });

  router.add("GET", "/metadata/python-tags/all", async ({ request }) => {
    await authenticate(request, context);
    return jsonResponse({ python_tags: ALL_PYTHON_TAGS });
  });
}
