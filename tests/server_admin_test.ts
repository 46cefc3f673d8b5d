/**
 * End-to-end tests of the reference server's administration and permission
 * endpoints: real server process, real HTTP, Basic auth. Each Deno.test runs
 * one server and walks through its steps in order, sharing the state built so
 * far (docs/permissions.md describes the rules checked here).
 * Run: deno test -A tests/server_admin_test.ts
 */
import assert from "node:assert/strict";
import { addUser, type RunningServer, startServer } from "./helpers/server.ts";
import {
  basic,
  type Credentials,
  expectError,
  expectStatus,
  makeCall,
  V0,
  V1,
} from "./helpers/http.ts";
import { openDatabase } from "../server/db.ts";
import { addOrganizationMember, findOrganization } from "../server/organizations.ts";
import { findUserByEmail } from "../server/users.ts";

const ROOT: Credentials = { email: "root@example.com", password: "root-Pa55word" };
const call = makeCall(ROOT);
const NAME_RULE = /name must be 1-64 characters: a letter or digit, then letters, digits/;

/** Creates each object with a 201, as ROOT unless told otherwise. */
async function post(server: RunningServer, path: string, json: unknown, as = ROOT) {
  const reply = await call(server, "POST", path, { json, as });
  expectStatus(reply, 201);
  return reply.body;
}

async function put(server: RunningServer, path: string, as = ROOT) {
  expectStatus(await call(server, "PUT", path, { as }), 204, null);
}

/** Always with Basic credentials, never a cached session. */
async function canLogIn(server: RunningServer, user: Credentials): Promise<boolean> {
  const response = await fetch(`${server.url}${V1}/auth/tokens/auth`, {
    method: "POST",
    headers: { authorization: basic(user) },
  });
  const body = await response.json();
  if (response.status !== 200 && response.status !== 401) assert.fail(JSON.stringify(body));
  return response.status === 200;
}

async function startWithRoot(dataDir?: string): Promise<RunningServer> {
  return await startServer({ dataDir, admin: ROOT });
}

Deno.test("site administrator: setup flow, validation, errors, user deletion, restart", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "eds-admin-test-" });
  const alice: Credentials = { email: "alice@example.com", password: "alice-Pa55word" };
  let bob: Credentials = { email: "bob@example.com", password: "" };
  let server = await startWithRoot(dataDir);
  try {
    await t.step("organizations and repositories are created and listed sorted", async () => {
      expectStatus(await call(server, "GET", "/admin/organizations"), 200, { organizations: [] });
      assert.deepEqual(
        await post(server, "/admin/organizations", { name: "acme", description: "ACME Inc." }),
        { name: "acme", description: "ACME Inc." },
      );
      assert.deepEqual(await post(server, "/admin/organizations", { name: "Beta.org_2" }), {
        name: "Beta.org_2",
        description: "",
      });
      expectStatus(await call(server, "GET", "/admin/organizations", { root: V0 }), 200, {
        organizations: ["Beta.org_2", "acme"],
      });
      await post(server, "/admin/organizations/acme/repositories", {
        name: "prod",
        description: "Production",
      });
      assert.deepEqual(
        await post(server, "/admin/organizations/acme/repositories", { name: "dev" }),
        { name: "dev", description: "", public: false },
      );
      // The same repository name in another organization is a different repository.
      await post(server, "/admin/organizations/Beta.org_2/repositories", { name: "dev" });
      expectStatus(await call(server, "GET", "/admin/organizations/acme/repositories"), 200, {
        repositories: ["dev", "prod"],
      });
    });

    await t.step("users: given password is not echoed, a generated one is shown once", async () => {
      expectStatus(
        await call(server, "POST", "/admin/organizations/acme/users", {
          json: { email: alice.email, password: alice.password },
        }),
        201,
        { email: alice.email },
      );
      const created = await post(server, "/admin/organizations/acme/users", { email: bob.email });
      assert.deepEqual(Object.keys(created).sort(), ["email", "password"]);
      assert.equal(created.email, bob.email);
      assert.match(created.password, /^[A-Za-z0-9_-]{24}$/);
      bob = { email: bob.email, password: created.password };
      assert.ok(await canLogIn(server, alice));
      assert.ok(await canLogIn(server, bob));
    });

    await t.step("teams: groups, members and repositories, with yes/no queries", async () => {
      assert.deepEqual(
        await post(server, "/admin/organizations/acme/teams", { name: "devs", group: "upload" }),
        { name: "devs", group: "upload" },
      );
      await post(server, "/admin/organizations/acme/teams", { name: "admins", group: "admin" });
      await post(server, "/admin/organizations/acme/teams", { name: "index", group: "read-index" });
      expectStatus(await call(server, "GET", "/admin/organizations/acme/teams"), 200, {
        teams: [
          { name: "admins", group: "admin" },
          { name: "devs", group: "upload" },
          { name: "index", group: "read-index" },
        ],
      });

      const devs = "/admin/teams/acme/devs";
      await put(server, `${devs}/members/${alice.email}`);
      await put(server, `${devs}/members/${alice.email}`); // idempotent
      await put(server, `${devs}/members/BOB@example.com`); // emails match case-insensitively
      await put(server, `${devs}/repositories/dev`);
      await put(server, `${devs}/repositories/dev`);
      expectStatus(await call(server, "GET", `${devs}/members/${alice.email}`), 200, {
        member: true,
      });
      expectError(
        await call(server, "GET", `${devs}/members/root@example.com`),
        404,
        "User 'root@example.com' is not a member of team 'devs'",
      );
      expectStatus(await call(server, "GET", `${devs}/repositories/dev`), 200, { access: true });
      expectError(
        await call(server, "GET", `${devs}/repositories/prod`),
        404,
        "Team 'devs' has no access to 'prod'",
      );
      expectStatus(await call(server, "GET", `${devs}/members`, { root: V0 }), 200, {
        members: [alice.email, bob.email],
      });
      expectStatus(await call(server, "GET", `${devs}/repositories`), 200, {
        repositories: ["dev"],
      });
      expectStatus(await call(server, "GET", devs), 200, {
        name: "devs",
        group: "upload",
        organization: "acme",
        members: [alice.email, bob.email],
        repositories: ["dev"],
      });

      // Unlink and remove; a second removal is a 404.
      await put(server, `${devs}/repositories/prod`);
      expectStatus(await call(server, "DELETE", `${devs}/repositories/prod`), 204, null);
      expectError(
        await call(server, "DELETE", `${devs}/repositories/prod`),
        404,
        "Team 'devs' has no access to 'prod'",
      );
      expectStatus(await call(server, "DELETE", `${devs}/members/${bob.email}`), 204, null);
      expectError(
        await call(server, "DELETE", `${devs}/members/${bob.email}`),
        404,
        `User '${bob.email}' is not a member of team 'devs'`,
      );

      // A user created with teams starts as their member.
      const carol = { email: "carol@example.com", password: "carol-Pa55word" };
      await post(server, "/admin/organizations/acme/users", { ...carol, teams: ["index", "devs"] });
      expectStatus(await call(server, "GET", "/admin/teams/acme/index/members"), 200, {
        members: [carol.email],
      });

      await post(server, "/admin/organizations/acme/teams", { name: "doomed", group: "read" });
      expectStatus(await call(server, "DELETE", "/admin/teams/acme/doomed"), 204, null);
      expectError(
        await call(server, "GET", "/admin/teams/acme/doomed"),
        404,
        "No team 'doomed' in organization 'acme'",
      );
    });

    await t.step("user repositories: v0 names vs v1 objects, include_indexable", async () => {
      const carol = { email: "carol@example.com", password: "carol-Pa55word" };
      await put(server, "/admin/teams/acme/index/repositories/prod");
      // carol: upload on dev (devs), read-index on prod (index).
      const path = "/metadata/user/repositories";
      expectStatus(await call(server, "GET", path, { as: carol, root: V0 }), 200, {
        repositories: ["acme/dev"],
      });
      for (const flag of ["False", "false", "0"]) {
        expectStatus(
          await call(server, "GET", `${path}?include_indexable=${flag}`, { as: carol, root: V0 }),
          200,
          { repositories: ["acme/dev"] },
        );
      }
      for (const flag of ["True", "true", "1"]) {
        expectStatus(
          await call(server, "GET", `${path}?include_indexable=${flag}`, { as: carol, root: V0 }),
          200,
          { repositories: ["acme/dev", "acme/prod"] },
        );
      }
      expectError(
        await call(server, "GET", `${path}?include_indexable=yes`, { as: carol, root: V0 }),
        400,
        "Query parameter 'include_indexable' must be one of True, False, true, false, 1, 0",
      );
      expectStatus(await call(server, "GET", path, { as: carol }), 200, {
        repositories: [
          { name: "acme/dev", access: "upload_repository", description: "" },
          { name: "acme/prod", access: "read_index", description: "Production" },
        ],
      });
      // The site administrator gets every repository, as organization administrator.
      const all = await call(server, "GET", path);
      expectStatus(all, 200);
      assert.deepEqual(
        all.body.repositories.map((r: { name: string; access: string }) => [r.name, r.access]),
        [
          ["Beta.org_2/dev", "organization_administrator"],
          ["acme/dev", "organization_administrator"],
          ["acme/prod", "organization_administrator"],
        ],
      );
      // bob is in acme but in no team linked to anything.
      expectStatus(await call(server, "GET", path, { as: bob }), 200, { repositories: [] });
    });

    await t.step("platforms and python tags are fixed catalogues", async () => {
      expectStatus(await call(server, "GET", "/metadata/platforms", { as: bob }), 200, {
        platforms: [
          "osx-arm64",
          "osx-x86",
          "osx-x86_64",
          "rh5-x86",
          "rh5-x86_64",
          "rh6-x86",
          "rh6-x86_64",
          "rh7-x86",
          "rh7-x86_64",
          "rh8-arm64",
          "rh8-x86_64",
          "win-arm64",
          "win-x86",
          "win-x86_64",
        ],
      });
      const tags = await call(server, "GET", "/metadata/python-tags", { as: bob, root: V0 });
      expectStatus(tags, 200);
      assert.deepEqual(Object.keys(tags.body), ["python_tags"]);
      assert.deepEqual(tags.body.python_tags.slice(0, 4), ["cp27", "cp34", "cp35", "cp36"]);
      assert.deepEqual(tags.body.python_tags.slice(-2), ["cp313", "pp27"]);
      assert.ok(!tags.body.python_tags.includes("none"));
      const all = await call(server, "GET", "/metadata/python-tags/all", { as: bob });
      expectStatus(all, 200);
      for (const tag of [...tags.body.python_tags, "py27", "py313", "none"]) {
        assert.ok(all.body.python_tags.includes(tag), tag);
      }
      // Plain Basic credentials work on every route too, not only for the session exchange.
      const direct = await fetch(`${server.url}${V0}/metadata/platforms`, {
        headers: { authorization: basic(bob) },
      });
      assert.equal(direct.status, 200);
      assert.equal((await direct.json()).platforms.length, 14);
      for (const path of ["/metadata/platforms", "/metadata/python-tags", "/admin/organizations"]) {
        expectError(await call(server, "GET", path, { as: null }), 401, "Authentication failed");
      }
    });

    await t.step("bad names, descriptions, emails, passwords and groups give 400", async () => {
      const badNames = [
        "",
        "-lead",
        ".hidden",
        "_x",
        "has space",
        "slash/x",
        "ünï",
        "x".repeat(65),
      ];
      for (const name of [...badNames, 42, null]) {
        for (const path of ["/admin/organizations", "/admin/organizations/acme/repositories"]) {
          expectError(await call(server, "POST", path, { json: { name } }), 400, NAME_RULE);
        }
        expectError(
          await call(server, "POST", "/admin/organizations/acme/teams", {
            json: { name, group: "read" },
          }),
          400,
          /^Team name must be 1-64 characters/,
        );
      }
      await post(server, "/admin/organizations", { name: "o".repeat(64) });
      expectError(
        await call(server, "POST", "/admin/organizations/acme/repositories", {
          json: { name: "long", description: "d".repeat(1001) },
        }),
        400,
        "Description must be a string of at most 1000 characters",
      );
      expectError(
        await call(server, "POST", "/admin/organizations", { json: { name: "x", description: 5 } }),
        400,
        /^Description must be a string/,
      );
      for (const group of ["owner", "", null, "Admin"]) {
        expectError(
          await call(server, "POST", "/admin/organizations/acme/teams", {
            json: { name: "t", group },
          }),
          400,
          "Team group must be one of: read-index, read, upload, admin",
        );
      }
      const users = "/admin/organizations/acme/users";
      for (const email of ["no-at-sign", "two@@x", "a b@example.com", "", 7]) {
        expectError(await call(server, "POST", users, { json: { email } }), 400, /^Email must be/);
      }
      for (const password of ["1234567", "x".repeat(1025), 12345678]) {
        expectError(
          await call(server, "POST", users, { json: { email: "eve@example.com", password } }),
          400,
          "Password must be a string of 8-1024 characters",
        );
      }
      expectError(
        await call(server, "POST", users, { json: { email: "eve@example.com", teams: "devs" } }),
        400,
        "Teams must be a list of team names",
      );
      // An unknown team is a 404 and nothing is created.
      expectError(
        await call(server, "POST", users, {
          json: { email: "eve@example.com", password: "eve-Pa55word", teams: ["devs", "ghosts"] },
        }),
        404,
        "No team 'ghosts' in organization 'acme'",
      );
      assert.ok(!await canLogIn(server, { email: "eve@example.com", password: "eve-Pa55word" }));
    });

    await t.step("missing objects give 404 and duplicates 409", async () => {
      expectError(
        await call(server, "GET", "/admin/organizations/nope/repositories"),
        404,
        "No organization 'nope'",
      );
      expectError(
        await call(server, "GET", "/admin/organizations/nope/teams"),
        404,
        "No organization 'nope'",
      );
      expectError(
        await call(server, "DELETE", "/admin/repositories/acme/nope"),
        404,
        "No repository 'acme/nope'",
      );
      expectError(
        await call(server, "GET", "/admin/teams/acme/nope/members"),
        404,
        "No team 'nope' in organization 'acme'",
      );
      expectError(
        await call(server, "PUT", "/admin/teams/acme/devs/repositories/nope"),
        404,
        "No repository 'acme/nope'",
      );
      // A repository of another organization cannot be linked.
      await post(server, "/admin/organizations/Beta.org_2/repositories", { name: "beta-only" });
      expectError(
        await call(server, "PUT", "/admin/teams/acme/devs/repositories/beta-only"),
        404,
        "No repository 'acme/beta-only'",
      );
      // Only organization members can join its teams.
      expectError(
        await call(server, "PUT", "/admin/teams/acme/devs/members/nobody@example.com"),
        404,
        "No user 'nobody@example.com' in organization 'acme'",
      );
      await post(server, "/admin/organizations/Beta.org_2/users", {
        email: "dan@example.com",
        password: "dan-Pa55word",
      });
      expectError(
        await call(server, "PUT", "/admin/teams/acme/devs/members/dan@example.com"),
        404,
        "No user 'dan@example.com' in organization 'acme'",
      );
      expectError(
        await call(server, "DELETE", "/admin/users/acme/dan@example.com"),
        404,
        "No user 'dan@example.com' in organization 'acme'",
      );

      expectError(
        await call(server, "POST", "/admin/organizations", { json: { name: "acme" } }),
        409,
        "Organization 'acme' already exists",
      );
      expectError(
        await call(server, "POST", "/admin/organizations/acme/repositories", {
          json: { name: "dev" },
        }),
        409,
        "Repository 'acme/dev' already exists",
      );
      expectError(
        await call(server, "POST", "/admin/organizations/acme/teams", {
          json: { name: "devs", group: "read" },
        }),
        409,
        "Team 'devs' already exists in organization 'acme'",
      );
      expectError(
        await call(server, "POST", "/admin/organizations/acme/users", {
          json: { email: "ALICE@example.com" },
        }),
        409,
        "User 'ALICE@example.com' already exists",
      );
    });

    await t.step(
      "repository deletion accepts every force spelling and 404s once gone",
      async () => {
        const flags = ["True", "False", "true", "false", "1", "0"];
        for (const [index, flag] of flags.entries()) {
          const name = `tmp${index}`;
          await post(server, "/admin/organizations/acme/repositories", { name });
          await put(server, `/admin/teams/acme/devs/repositories/${name}`);
          expectStatus(
            await call(server, "DELETE", `/admin/repositories/acme/${name}?force=${flag}`),
            204,
            null,
          );
        }
        await post(server, "/admin/organizations/acme/repositories", { name: "tmp" });
        expectError(
          await call(server, "DELETE", "/admin/repositories/acme/tmp?force=yes"),
          400,
          "Query parameter 'force' must be one of True, False, true, false, 1, 0",
        );
        expectStatus(
          await call(server, "DELETE", "/admin/repositories/acme/tmp", { root: V0 }),
          204,
        );
        expectError(
          await call(server, "DELETE", "/admin/repositories/acme/tmp?force=True"),
          404,
          "No repository 'acme/tmp'",
        );
        // Team links to deleted repositories went with them.
        expectStatus(await call(server, "GET", "/admin/teams/acme/devs/repositories"), 200, {
          repositories: ["dev"],
        });
      },
    );

    await t.step("deleting a user leaves teams; an orphaned account is deleted", async () => {
      const erin = { email: "erin@example.com", password: "erin-Pa55word" };
      await post(server, "/admin/organizations/acme/users", { ...erin, teams: ["devs"] });
      // Also a member of Beta.org_2, through the add-user command's --org.
      const frank = { email: "frank@example.com", password: "frank-Pa55word" };
      await addUser(dataDir, frank.email, frank.password, { org: "Beta.org_2" });
      expectStatus(await call(server, "GET", "/admin/organizations", { as: frank }), 200, {
        organizations: ["Beta.org_2"],
      });
      const token = await call(server, "POST", "/auth/tokens/api", {
        as: erin,
        json: { name: "laptop" },
      });
      expectStatus(token, 201);

      expectStatus(await call(server, "DELETE", `/admin/users/acme/${erin.email}`), 204, null);
      expectStatus(await call(server, "GET", "/admin/teams/acme/devs/members"), 200, {
        members: [alice.email, "carol@example.com"],
      });
      assert.ok(!await canLogIn(server, erin), "erin belonged to no other organization");
      const withToken = await fetch(`${server.url}${V1}/auth/tokens/api`, {
        headers: { authorization: `Bearer ${token.body.token}` },
      });
      expectError(
        { status: withToken.status, headers: withToken.headers, body: await withToken.json() },
        401,
        /failed/,
      );
      // She can be created again from scratch.
      await post(server, "/admin/organizations/acme/users", erin);

      // The API only creates users inside one organization, so the second
      // membership goes straight into the database (WAL allows a second writer).
      const db = openDatabase(dataDir);
      try {
        const danId = findUserByEmail(db, "dan@example.com")!.id;
        addOrganizationMember(db, findOrganization(db, "acme")!.id, danId);
      } finally {
        db.close();
      }
      const dan = { email: "dan@example.com", password: "dan-Pa55word" };
      expectStatus(await call(server, "DELETE", "/admin/users/Beta.org_2/dan@example.com"), 204);
      assert.ok(await canLogIn(server, dan), "dan is not deleted while in another organization");
      expectStatus(await call(server, "GET", "/admin/organizations", { as: dan }), 200, {
        organizations: ["acme"],
      });
      expectStatus(await call(server, "DELETE", "/admin/users/acme/dan@example.com"), 204);
      assert.ok(!await canLogIn(server, dan), "dan left his last organization");
    });

    await t.step(
      "a site administrator leaving its last organization keeps its account",
      async () => {
        const admin2 = { email: "admin2@example.com", password: "admin2-Pa55word" };
        await addUser(dataDir, admin2.email, admin2.password, { siteAdmin: true, org: "acme" });
        expectStatus(await call(server, "DELETE", `/admin/users/acme/${admin2.email}`), 204);
        assert.ok(await canLogIn(server, admin2));
      },
    );

    await t.step("everything survives a restart", async () => {
      await server.stop();
      server = await startWithRoot(dataDir);
      expectStatus(await call(server, "GET", "/admin/organizations"), 200, {
        organizations: ["Beta.org_2", "acme", "o".repeat(64)],
      });
      expectStatus(await call(server, "GET", "/admin/teams/acme/devs"), 200, {
        name: "devs",
        group: "upload",
        organization: "acme",
        members: [alice.email, "carol@example.com"],
        repositories: ["dev"],
      });
      assert.ok(await canLogIn(server, bob));
      expectStatus(await call(server, "GET", "/metadata/user/repositories", { as: alice }), 200, {
        repositories: [{ name: "acme/dev", access: "upload_repository", description: "" }],
      });
    });
  } finally {
    await server.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("permissions: visibility, 404 for outsiders, 403 for members without admin", async (t) => {
  await using server = await startWithRoot();
  const user = (name: string): Credentials => ({
    email: `${name}@example.com`,
    password: `${name}-Pa55word`,
  });
  const [boss, uploader, reader, indexer, outsider] = [
    user("boss"),
    user("uploader"),
    user("reader"),
    user("indexer"),
    user("outsider"),
  ] as [Credentials, Credentials, Credentials, Credentials, Credentials];

  await t.step("setup", async () => {
    await post(server, "/admin/organizations", { name: "acme" });
    await post(server, "/admin/organizations", { name: "other" });
    for (const repo of ["dev", "prod", "free"]) {
      await post(server, "/admin/organizations/acme/repositories", {
        name: repo,
        description: `${repo} eggs`,
      });
    }
    await post(server, "/admin/organizations/other/repositories", { name: "secret" });
    const teams = [["owners", "admin"], ["up", "upload"], ["rd", "read"], ["ix", "read-index"]];
    for (const [name, group] of teams) {
      await post(server, "/admin/organizations/acme/teams", { name, group });
    }
    await post(server, "/admin/organizations/other/teams", { name: "owners", group: "admin" });
    for (const repo of ["dev"]) await put(server, `/admin/teams/acme/up/repositories/${repo}`);
    for (const repo of ["dev", "prod"]) {
      await put(server, `/admin/teams/acme/rd/repositories/${repo}`);
    }
    await put(server, "/admin/teams/acme/ix/repositories/free");
    await post(server, "/admin/organizations/acme/users", { ...boss, teams: ["owners"] });
    await post(server, "/admin/organizations/acme/users", { ...uploader, teams: ["up", "rd"] });
    await post(server, "/admin/organizations/acme/users", { ...reader, teams: ["rd"] });
    await post(server, "/admin/organizations/acme/users", { ...indexer, teams: ["ix"] });
    await post(server, "/admin/organizations/other/users", { ...outsider, teams: ["owners"] });
  });

  await t.step("organizations are listed to their members only", async () => {
    const list = async (as: Credentials) =>
      (await call(server, "GET", "/admin/organizations", { as })).body.organizations;
    assert.deepEqual(await list(ROOT), ["acme", "other"]);
    assert.deepEqual(await list(reader), ["acme"]);
    assert.deepEqual(await list(outsider), ["other"]);
  });

  await t.step("effective access is the strongest team group; org admins get all", async () => {
    const v1 = async (as: Credentials) =>
      (await call(server, "GET", "/metadata/user/repositories", { as })).body.repositories
        .map((r: { name: string; access: string }) => `${r.name}:${r.access}`);
    assert.deepEqual(await v1(uploader), [
      "acme/dev:upload_repository",
      "acme/prod:read_repository",
    ]);
    assert.deepEqual(await v1(reader), ["acme/dev:read_repository", "acme/prod:read_repository"]);
    assert.deepEqual(await v1(indexer), ["acme/free:read_index"]);
    assert.deepEqual(await v1(boss), [
      "acme/dev:organization_administrator",
      "acme/free:organization_administrator",
      "acme/prod:organization_administrator",
    ]);
    assert.deepEqual(await v1(outsider), ["other/secret:organization_administrator"]);
    const v0 = await call(server, "GET", "/metadata/user/repositories", {
      as: indexer,
      root: V0,
    });
    expectStatus(v0, 200, { repositories: [] });
  });

  await t.step("a non-member gets the same 404 as for a missing organization", async () => {
    const paths: Array<[string, string, unknown?]> = [
      ["GET", "/admin/organizations/{org}/repositories"],
      ["POST", "/admin/organizations/{org}/repositories", { name: "x" }],
      ["GET", "/admin/organizations/{org}/teams"],
      ["POST", "/admin/organizations/{org}/teams", { name: "x", group: "read" }],
      ["POST", "/admin/organizations/{org}/users", { email: "x@example.com" }],
      ["DELETE", "/admin/repositories/{org}/dev"],
      ["GET", "/admin/teams/{org}/owners"],
      ["PUT", "/admin/teams/{org}/rd/members/outsider@example.com"],
      ["DELETE", "/admin/users/{org}/reader@example.com"],
    ];
    for (const [method, template, json] of paths) {
      // "acme" exists but outsider cannot see it; "ghost" does not exist at all.
      const hidden = await call(server, method, template.replace("{org}", "acme"), {
        as: outsider,
        json,
      });
      const missing = await call(server, method, template.replace("{org}", "ghost"), {
        as: outsider,
        json,
      });
      expectError(hidden, 404, "No organization 'acme'");
      expectError(missing, 404, "No organization 'ghost'");
    }
  });

  await t.step("a member without admin rights gets 403 on admin operations", async () => {
    const forbidden = "Administrator rights on organization 'acme' are required";
    const attempts: Array<[string, string, unknown?]> = [
      ["GET", "/admin/organizations/acme/repositories"],
      ["POST", "/admin/organizations/acme/repositories", { name: "mine" }],
      ["DELETE", "/admin/repositories/acme/dev?force=True"],
      ["DELETE", "/admin/repositories/acme/does-not-exist"],
      ["GET", "/admin/organizations/acme/teams"],
      ["POST", "/admin/organizations/acme/teams", { name: "mine", group: "admin" }],
      ["GET", "/admin/teams/acme/rd"],
      ["DELETE", "/admin/teams/acme/rd"],
      ["GET", "/admin/teams/acme/rd/members"],
      ["PUT", "/admin/teams/acme/owners/members/uploader@example.com"],
      ["PUT", "/admin/teams/acme/rd/repositories/free"],
      ["POST", "/admin/organizations/acme/users", { email: "friend@example.com" }],
      ["DELETE", "/admin/users/acme/reader@example.com"],
    ];
    for (const as of [uploader, reader, indexer]) {
      for (const [method, path, json] of attempts) {
        expectError(await call(server, method, path, { as, json }), 403, forbidden);
      }
    }
    expectError(
      await call(server, "POST", "/admin/organizations", { as: boss, json: { name: "new" } }),
      403,
      "Only site administrators can create organizations",
    );
    // Nothing changed.
    expectStatus(await call(server, "GET", "/admin/teams/acme/owners/members"), 200, {
      members: [boss.email],
    });
  });

  await t.step("an organization administrator manages its organization only", async () => {
    await post(server, "/admin/organizations/acme/repositories", { name: "boss-made" }, boss);
    await put(server, "/admin/teams/acme/rd/repositories/boss-made", boss);
    expectStatus(await call(server, "GET", "/admin/teams/acme/rd", { as: boss }), 200, {
      name: "rd",
      group: "read",
      organization: "acme",
      members: [reader.email, uploader.email],
      repositories: ["boss-made", "dev", "prod"],
    });
    expectStatus(
      await call(server, "DELETE", `/admin/users/acme/${indexer.email}`, { as: boss }),
      204,
    );
    assert.ok(!await canLogIn(server, indexer));
    expectError(
      await call(server, "GET", "/admin/organizations/other/teams", { as: boss }),
      404,
      "No organization 'other'",
    );
    // Leaving the admin team takes the rights away at once.
    await call(server, "DELETE", `/admin/teams/acme/owners/members/${boss.email}`);
    expectError(
      await call(server, "GET", "/admin/organizations/acme/teams", { as: boss }),
      403,
      "Administrator rights on organization 'acme' are required",
    );
    expectStatus(await call(server, "GET", "/metadata/user/repositories", { as: boss }), 200, {
      repositories: [],
    });
  });
});
