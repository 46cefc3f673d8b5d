/**
 * The permission matrices, end to end through the CLI: for each role and each
 * administration operation, and each operation on runtimes, bundles and
 * apps, the expected outcome. A regression in any check
 * of the server (or in how the client reports it) fails here.
 *
 * Outcomes: "ok" (exit 0), "403" (PermissionDeniedError: visible but not
 * allowed), "404" (NotFoundError: invisible, same as missing).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { bundleV1, writeBundle } from "./helpers/bundles.ts";
import { runCli } from "./helpers/cli.ts";
import { runtimeJson, writeRuntime } from "./helpers/runtimes.ts";
import { type RunningServer, startServer } from "./helpers/server.ts";

const ROOT = { email: "root@example.com", password: "root password" };
const PASSWORD = "role password";

type Role = "site" | "orgAdmin" | "upload" | "read" | "noTeam" | "otherOrg";
type Outcome = "ok" | "403" | "404";
const ROLES: Role[] = ["site", "orgAdmin", "upload", "read", "noTeam", "otherOrg"];
const EMAIL: Record<Role, string> = {
  site: ROOT.email,
  orgAdmin: "admin@acme.test",
  upload: "uploader@acme.test",
  read: "reader@acme.test",
  noTeam: "member@acme.test",
  otherOrg: "stranger@other.test",
};

async function cli(server: RunningServer, role: Role, args: string[], stdin?: string) {
  const password = role === "site" ? ROOT.password : PASSWORD;
  return await runCli(["-u", server.url, "-U", EMAIL[role], "-p", password, "-d", ...args], {
    stdin,
  });
}

async function outcome(server: RunningServer, role: Role, args: string[]): Promise<Outcome> {
  const run = await cli(server, role, args);
  if (run.code === 0) return "ok";
  if (run.stderr.includes("PermissionDeniedError")) return "403";
  if (run.stderr.includes("NotFoundError")) return "404";
  throw new Error(`${role} ${args.join(" ")}: unexpected exit ${run.code}: ${run.stderr}`);
}

/** Builds acme (dev, prod; teams admins/devs/readers) and other (x) as the site admin. */
async function buildWorld(server: RunningServer): Promise<void> {
  const steps: string[][] = [
    ["organizations", "create", "acme", "ACME"],
    ["organizations", "create", "other", "Other Inc"],
    ["repositories", "create", "acme", "dev", "dev eggs"],
    ["repositories", "create", "acme", "prod", "prod eggs"],
    ["repositories", "create", "other", "x", "theirs"],
    ["teams", "create", "acme", "admins", "admin"],
    ["teams", "create", "acme", "devs", "upload"],
    ["teams", "create", "acme", "readers", "read"],
    ["teams", "create", "acme", "scratch", "read"],
    ["teams", "create", "other", "admins", "admin"],
  ];
  for (const step of steps) assert.equal((await cli(server, "site", step)).code, 0, step.join(" "));
  const users: [Role, string, string | undefined][] = [
    ["orgAdmin", "acme", "admins"],
    ["upload", "acme", "devs"],
    ["read", "acme", "readers"],
    ["noTeam", "acme", undefined],
    ["otherOrg", "other", "admins"],
  ];
  for (const [role, org, team] of users) {
    const args = [
      "users",
      "create",
      org,
      EMAIL[role],
      "--password-stdin",
      ...(team ? ["--team", team] : []),
    ];
    const run = await cli(server, "site", args, `${PASSWORD}\n`);
    assert.equal(run.code, 0, run.stderr);
  }
  for (const [team, repo] of [["devs", "dev"], ["readers", "dev"]]) {
    assert.equal(
      (await cli(server, "site", ["teams", "repositories", "add", "acme", team!, repo!])).code,
      0,
    );
  }
}

/** Expected outcome per role, in ROLES order. */
const ADMIN_OF_ACME: Outcome[] = ["ok", "ok", "403", "403", "403", "404"];

const MATRIX: { name: string; args: (role: Role) => string[]; expected: Outcome[] }[] = [
  {
    name: "organizations list",
    args: () => ["organizations", "list"],
    expected: ["ok", "ok", "ok", "ok", "ok", "ok"],
  },
  {
    name: "organizations create",
    args: (role) => ["organizations", "create", `org-${role.toLowerCase()}`, "x"],
    expected: ["ok", "403", "403", "403", "403", "403"],
  },
  {
    name: "repositories list",
    args: () => ["repositories", "list", "acme"],
    expected: ADMIN_OF_ACME,
  },
  {
    name: "repositories create",
    args: (role) => ["repositories", "create", "acme", `repo-${role.toLowerCase()}`, "x"],
    expected: ADMIN_OF_ACME,
  },
  {
    name: "repositories delete",
    args: (role) => ["repositories", "delete", "acme", `doomed-${role.toLowerCase()}`, "-y"],
    expected: ADMIN_OF_ACME,
  },
  {
    name: "users create",
    args: (role) => ["users", "create", "acme", `new-${role.toLowerCase()}@acme.test`],
    expected: ADMIN_OF_ACME,
  },
  {
    name: "users delete",
    args: (role) => ["users", "delete", "acme", `victim-${role.toLowerCase()}@acme.test`, "-y"],
    expected: ADMIN_OF_ACME,
  },
  { name: "teams list", args: () => ["teams", "list", "acme"], expected: ADMIN_OF_ACME },
  {
    name: "teams create",
    args: (role) => ["teams", "create", "acme", `team-${role.toLowerCase()}`, "read"],
    expected: ADMIN_OF_ACME,
  },
  {
    name: "teams metadata",
    args: () => ["teams", "metadata", "acme", "devs"],
    expected: ADMIN_OF_ACME,
  },
  {
    name: "teams delete",
    args: (role) => ["teams", "delete", "acme", `gone-${role.toLowerCase()}`, "-y"],
    expected: ADMIN_OF_ACME,
  },
  {
    name: "teams members list",
    args: () => ["teams", "members", "list", "acme", "devs"],
    expected: ADMIN_OF_ACME,
  },
  {
    name: "teams members add",
    args: () => ["teams", "members", "add", "acme", "scratch", EMAIL.noTeam],
    expected: ADMIN_OF_ACME,
  },
  {
    name: "teams members query",
    args: () => ["teams", "members", "query", "acme", "devs", EMAIL.upload],
    expected: ADMIN_OF_ACME,
  },
  {
    name: "teams repositories add",
    args: () => ["teams", "repositories", "add", "acme", "scratch", "prod"],
    expected: ADMIN_OF_ACME,
  },
  {
    name: "teams repositories query",
    args: () => ["teams", "repositories", "query", "acme", "devs", "dev"],
    expected: ADMIN_OF_ACME,
  },
  {
    name: "user repositories",
    args: () => ["user", "repositories"],
    expected: ["ok", "ok", "ok", "ok", "ok", "ok"],
  },
  {
    name: "platforms list",
    args: () => ["platforms", "list"],
    expected: ["ok", "ok", "ok", "ok", "ok", "ok"],
  },
  {
    name: "python-tags list",
    args: () => ["python-tags", "list"],
    expected: ["ok", "ok", "ok", "ok", "ok", "ok"],
  },
];

Deno.test("permission matrix: every role against every administration operation", async () => {
  await using server = await startServer({ admin: ROOT });
  await buildWorld(server);
  // Objects the destructive rows act on, one per role.
  for (const role of ROLES) {
    const id = role.toLowerCase();
    for (
      const step of [
        ["repositories", "create", "acme", `doomed-${id}`, "x"],
        ["teams", "create", "acme", `gone-${id}`, "read"],
        ["users", "create", "acme", `victim-${id}@acme.test`],
      ]
    ) assert.equal((await cli(server, "site", step)).code, 0, step.join(" "));
  }

  const failures: string[] = [];
  for (const row of MATRIX) {
    // Roles run side by side; each row's objects are per role, so they cannot interfere.
    const actual = await Promise.all(ROLES.map((role) => outcome(server, role, row.args(role))));
    ROLES.forEach((role, index) => {
      if (actual[index] !== row.expected[index]) {
        failures.push(
          `${row.name} as ${role}: expected ${row.expected[index]}, got ${actual[index]}`,
        );
      }
    });
  }
  assert.deepEqual(failures, []);
});

Deno.test("each role sees exactly its own organizations and repositories", async () => {
  await using server = await startServer({ admin: ROOT });
  await buildWorld(server);
  const expected: Record<Role, { organizations: string; repositories: RegExp }> = {
    site: {
      organizations: "acme\nother\n",
      repositories: /^acme\/dev .*\nacme\/prod .*\nother\/x .*$/,
    },
    orgAdmin: {
      organizations: "acme\n",
      repositories: /^acme\/dev +\| organization_administrator .*\nacme\/prod .*$/,
    },
    upload: {
      organizations: "acme\n",
      repositories: /^acme\/dev +\| upload_repository \| dev eggs$/,
    },
    read: { organizations: "acme\n", repositories: /^acme\/dev +\| read_repository \| dev eggs$/ },
    noTeam: { organizations: "acme\n", repositories: /^$/ },
    otherOrg: {
      organizations: "other\n",
      repositories: /^other\/x +\| organization_administrator \| theirs$/,
    },
  };
  await Promise.all(ROLES.map(async (role) => {
    const organizations = await cli(server, role, ["organizations", "list"]);
    assert.equal(organizations.stdout, expected[role].organizations, role);
    const repositories = await cli(server, role, ["user", "repositories"]);
    const rows = repositories.stdout.split("\n").slice(1).join("\n").trim();
    assert.match(rows, expected[role].repositories, role);
  }));
});

Deno.test("an invisible organization answers exactly like a missing one", async () => {
  await using server = await startServer({ admin: ROOT });
  await buildWorld(server);
  const listAsStranger = (organization: string) =>
    runCli([
      ...["-u", server.url, "-U", EMAIL.otherOrg, "-p", PASSWORD],
      ...["repositories", "list", organization],
    ]);
  const hidden = await listAsStranger("acme");
  const missing = await listAsStranger("zzzz");
  assert.equal(hidden.code, 1);
  assert.equal(hidden.stderr.replace("acme", "zzzz"), missing.stderr);
});

/** Reading needs a team with `read` on the repository; writing, `upload`; strangers see nothing. */
const READ_DEV: Outcome[] = ["ok", "ok", "ok", "ok", "404", "404"];
const WRITE_DEV: Outcome[] = ["ok", "ok", "ok", "403", "404", "404"];

Deno.test("permission matrix: every role against every endpoint of runtimes, bundles and apps", async () => {
  await using server = await startServer({ admin: ROOT });
  await buildWorld(server);
  const dir = await Deno.makeTempDir({ prefix: "hatcher-matrix-" });
  try {
    // One artefact of each kind per role, for the rows that upload or delete it.
    const files: Record<string, Record<Role, { runtime: string; bundle: string; app: string }>> = {
      upload: {} as Record<Role, { runtime: string; bundle: string; app: string }>,
      doomed: {} as Record<Role, { runtime: string; bundle: string; app: string }>,
    };
    for (const [purpose, offset] of [["upload", 10], ["doomed", 20]] as const) {
      for (const [index, role] of ROLES.entries()) {
        const build = offset + index;
        const sub = join(dir, `${purpose}-${role}`);
        await Deno.mkdir(sub);
        const app = join(sub, "app.yaml");
        await Deno.writeTextFile(
          app,
          `id: app\nname: App\nversion: "1.${build}"\nbuild: 1\ndescription: x\n` +
            "platform: rh8-x86_64\npython_tag: cp311\n",
        );
        files[purpose]![role] = {
          runtime: await writeRuntime(sub, runtimeJson({ version: `3.11.2+${build}` })),
          bundle: await writeBundle(sub, `science-1.0.${build}-1.bundle`, bundleV1()),
          app,
        };
      }
    }
    for (const role of ROLES) {
      const { runtime, bundle, app } = files.doomed![role];
      for (
        const step of [
          ["runtimes", "upload", "acme", "dev", runtime],
          ["bundles", "upload", "acme", "dev", "rh8-x86_64", bundle],
          ["apps", "upload", "acme", "dev", app],
        ]
      ) assert.equal((await cli(server, "site", step)).code, 0, step.join(" "));
    }
    const out = join(dir, "out");
    await Deno.mkdir(out);
    const doomed = (role: Role) => 20 + ROLES.indexOf(role);
    const matrix: { name: string; args: (role: Role) => string[]; expected: Outcome[] }[] = [
      {
        name: "runtimes list",
        args: () => ["runtimes", "list", "acme", "dev", "rh8-x86_64"],
        expected: READ_DEV,
      },
      {
        name: "runtimes metadata",
        args: () => ["runtimes", "metadata", "acme", "dev", "rh8-x86_64", "cpython", "3.11.2+20"],
        expected: READ_DEV,
      },
      {
        name: "runtimes download",
        args: (role) => [
          "runtimes",
          "download",
          "acme",
          "dev",
          "rh8-x86_64",
          "cpython",
          "3.11.2+20",
          join(out, `${role}.runtime`),
        ],
        expected: READ_DEV,
      },
      {
        name: "runtimes upload",
        args: (role) => ["runtimes", "upload", "acme", "dev", files.upload![role].runtime],
        expected: WRITE_DEV,
      },
      {
        name: "runtimes delete",
        args: (role) => [
          "runtimes",
          "delete",
          "acme",
          "dev",
          "rh8-x86_64",
          "cpython",
          `3.11.2+${doomed(role)}`,
          "-y",
        ],
        expected: WRITE_DEV,
      },
      {
        name: "bundles list",
        args: () => ["bundles", "list", "acme", "dev", "rh8-x86_64"],
        expected: READ_DEV,
      },
      {
        name: "bundles index",
        args: () => ["bundles", "index", "acme", "dev", "rh8-x86_64"],
        expected: READ_DEV,
      },
      {
        name: "bundles metadata",
        args: () => [
          "bundles",
          "metadata",
          "acme",
          "dev",
          "rh8-x86_64",
          "cp311",
          "science",
          "1.0.20-1",
        ],
        expected: READ_DEV,
      },
      {
        name: "bundles download",
        args: (role) => {
          const target = join(out, `bundles-${role}`);
          Deno.mkdirSync(target, { recursive: true });
          return [
            "bundles",
            "download",
            "acme",
            "dev",
            "rh8-x86_64",
            "cp311",
            "science",
            "1.0.20-1",
            target,
          ];
        },
        expected: READ_DEV,
      },
      {
        name: "bundles upload",
        args: (
          role,
        ) => ["bundles", "upload", "acme", "dev", "rh8-x86_64", files.upload![role].bundle],
        expected: WRITE_DEV,
      },
      {
        name: "bundles delete",
        args: (role) => [
          "bundles",
          "delete",
          "acme",
          "dev",
          "rh8-x86_64",
          "cp311",
          "science",
          `1.0.${doomed(role)}-1`,
          "-y",
        ],
        expected: WRITE_DEV,
      },
      {
        name: "apps list",
        args: () => ["apps", "list", "acme", "dev", "rh8-x86_64"],
        expected: READ_DEV,
      },
      {
        name: "apps metadata",
        args: () => ["apps", "metadata", "acme", "dev", "rh8-x86_64", "cp311", "app", "1.20-1"],
        expected: READ_DEV,
      },
      {
        name: "apps upload",
        args: (role) => ["apps", "upload", "acme", "dev", files.upload![role].app],
        expected: WRITE_DEV,
      },
    ];
    const failures: string[] = [];
    for (const row of matrix) {
      const actual = await Promise.all(ROLES.map((role) => outcome(server, role, row.args(role))));
      ROLES.forEach((role, index) => {
        if (actual[index] !== row.expected[index]) {
          failures.push(
            `${row.name} as ${role}: expected ${row.expected[index]}, got ${actual[index]}`,
          );
        }
      });
    }
    assert.deepEqual(failures, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
