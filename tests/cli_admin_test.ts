/**
 * End to end: a site administrator sets up a server from nothing with the
 * CLI, and every role sees and may do exactly what the permission model says.
 */
import assert from "node:assert/strict";
import { type CliRun, runCli, runCliOnTty } from "./helpers/cli.ts";
import { type RunningServer, startServer } from "./helpers/server.ts";

const ROOT = { email: "root@example.com", password: "root password" };
const PASSWORD = "member password";

/** Runs hatcher as a user (password auth), with extra env. */
function as(server: RunningServer, email: string, password: string) {
  return (args: string[], options: { stdin?: string } = {}) =>
    runCli(["-u", server.url, "-U", email, "-p", password, ...args], options);
}

function ok(run: CliRun): string {
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
  return run.stdout;
}

Deno.test("a site administrator sets up a server from nothing with hatcher alone", async () => {
  await using server = await startServer({ admin: ROOT });
  const root = as(server, ROOT.email, ROOT.password);
  ok(await root(["organizations", "create", "acme", "ACME Corp"]));
  assert.equal(ok(await root(["organizations", "list"])), "acme\n");
  ok(await root(["repositories", "create", "acme", "dev", "development eggs"]));
  ok(await root(["repositories", "create", "acme", "ai", "alphabetically first"]));
  assert.equal(ok(await root(["repositories", "list", "acme"])), "ai\ndev\n");

  assert.equal(
    ok(
      await root(["users", "create", "acme", "alice@acme.test", "--password-stdin"], {
        stdin: "alice password\n",
      }),
    ),
    "Created user alice@acme.test in organization acme\n",
    "a given password is never printed",
  );
  ok(await root(["teams", "create", "acme", "devs", "upload"]));
  ok(await root(["teams", "members", "add", "acme", "devs", "alice@acme.test"]));
  ok(await root(["teams", "repositories", "add", "acme", "devs", "dev"]));

  const yes = await root(["teams", "members", "query", "acme", "devs", "alice@acme.test"]);
  assert.deepEqual(yes, {
    code: 0,
    stdout: "'alice@acme.test' is a member of team 'devs'\n",
    stderr: "",
  });
  const no = await root(["teams", "members", "query", "acme", "devs", "root@example.com"]);
  assert.deepEqual(no, {
    code: 1,
    stdout: "'root@example.com' is not a member of team 'devs'\n",
    stderr: "",
  });
  assert.equal(
    ok(await root(["teams", "repositories", "query", "acme", "devs", "dev"])),
    "'devs' has access to 'dev'\n",
  );
  const noAccess = await root(["teams", "repositories", "query", "acme", "devs", "ai"]);
  assert.deepEqual(noAccess, {
    code: 1,
    stdout: "'devs' does not have access to 'ai'\n",
    stderr: "",
  });

  const alice = as(server, "alice@acme.test", "alice password");
  assert.equal(
    ok(await alice(["user", "repositories"])),
    "Repository | Access            | Description\nacme/dev   | upload_repository | development eggs\n",
  );
  assert.equal(ok(await root(["teams", "list", "acme"])), "Name | Group\ndevs | upload\n");
  assert.equal(ok(await root(["teams", "members", "list", "acme", "devs"])), "alice@acme.test\n");
  assert.equal(ok(await root(["teams", "repositories", "list", "acme", "devs"])), "dev\n");

  const metadata = ok(await root(["teams", "metadata", "acme", "devs"]));
  assert.deepEqual(JSON.parse(metadata), {
    group: "upload",
    members: ["alice@acme.test"],
    name: "devs",
    organization: "acme",
    repositories: ["dev"],
  });
  assert.equal(
    metadata,
    JSON.stringify(JSON.parse(metadata), Object.keys(JSON.parse(metadata)).sort(), 2) + "\n",
  );
  assert.ok(
    metadata.startsWith('{\n  "group": "upload",\n  "members": [\n    "alice@acme.test"\n  ],'),
    metadata,
  );

  const platforms = ok(await alice(["platforms", "list"])).trim().split("\n");
  assert.ok(platforms.includes("rh7-x86_64") && platforms.includes("win-x86_64"));
  assert.deepEqual([...platforms].sort(), platforms, "sorted");
  const tags = ok(await alice(["python-tags", "list"])).trim().split("\n");
  const allTags = ok(await alice(["python-tags", "list", "--all"])).trim().split("\n");
  assert.ok(tags.includes("cp27") && tags.includes("cp313") && tags.includes("pp27"));
  assert.ok(!tags.includes("none") && allTags.includes("none"));
  assert.ok(tags.every((tag) => allTags.includes(tag)) && allTags.length > tags.length);

  ok(await root(["teams", "members", "remove", "acme", "devs", "alice@acme.test"]));
  ok(await root(["teams", "repositories", "remove", "acme", "devs", "dev"]));
  assert.equal(ok(await alice(["user", "repositories"])), "Repository | Access | Description\n");
  ok(await root(["repositories", "delete", "acme", "ai", "-y"]));
  ok(await root(["teams", "delete", "acme", "devs", "--yes"]));
  ok(await root(["users", "delete", "acme", "alice@acme.test", "-y"]));
  assert.equal(ok(await root(["repositories", "list", "acme"])), "dev\n");
  const gone = await alice(["user", "repositories"]);
  assert.deepEqual(gone, { code: 1, stdout: "", stderr: "Authentication failed\n" });
});

Deno.test("users create without a password prints a generated one, once, that works", async () => {
  await using server = await startServer({ admin: ROOT });
  const root = as(server, ROOT.email, ROOT.password);
  ok(await root(["organizations", "create", "acme", "ACME"]));
  const out = ok(await root(["users", "create", "acme", "bob@acme.test"]));
  const match = out.match(/^Created user bob@acme\.test with password '([^']{16,})'\n$/);
  assert.ok(match, out);
  ok(await as(server, "bob@acme.test", match[1]!)(["organizations", "list"]));
});

Deno.test("--password-stdin cannot share stdin with the login password", async () => {
  await using server = await startServer({ admin: ROOT });
  const run = await runCli(
    [
      "-u",
      server.url,
      "-U",
      ROOT.email,
      "users",
      "create",
      "acme",
      "x@acme.test",
      "--password-stdin",
    ],
    { stdin: `${ROOT.password}\nnew password\n` },
  );
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^--password-stdin needs stdin/);
});

Deno.test("deletes ask on a terminal, -y skips, and without a terminal they refuse", async (t) => {
  await using server = await startServer({ admin: ROOT });
  const root = as(server, ROOT.email, ROOT.password);
  ok(await root(["organizations", "create", "acme", "ACME"]));
  ok(await root(["repositories", "create", "acme", "keep", "kept"]));
  const base = ["-u", server.url, "-U", ROOT.email, "-p", ROOT.password];

  await t.step("no terminal, no -y: refused with exit 2, nothing deleted", async () => {
    for (
      const args of [
        ["repositories", "delete", "acme", "keep"],
        ["users", "delete", "acme", "nobody@acme.test"],
      ]
    ) {
      const run = await root(args);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^Refusing to delete .* without confirmation: pass --yes \(-y\)\n$/);
    }
    assert.equal(ok(await root(["repositories", "list", "acme"])), "keep\n");
  });
  await t.step("a terminal answer other than yes deletes nothing", async () => {
    const { code, screen } = await runCliOnTty(
      [...base, "repositories", "delete", "acme", "keep"],
      {
        input: "n\r",
        waitFor: "Proceed? [y/N]",
      },
    );
    assert.equal(code, 1, screen);
    assert.match(screen, /acme\/keep will be deleted\. Proceed\? \[y\/N\]/);
    assert.match(screen, /Aborted: nothing was deleted/);
    assert.equal(ok(await root(["repositories", "list", "acme"])), "keep\n");
  });
  await t.step("answering y on a terminal deletes", async () => {
    const { code, screen } = await runCliOnTty(
      [...base, "repositories", "delete", "acme", "keep"],
      {
        input: "y\r",
        waitFor: "Proceed? [y/N]",
      },
    );
    assert.equal(code, 0, screen);
    assert.equal(ok(await root(["repositories", "list", "acme"])), "");
  });
});

Deno.test("bad names, missing objects and duplicates are clear one-line errors", async () => {
  await using server = await startServer({ admin: ROOT });
  const root = as(server, ROOT.email, ROOT.password);
  ok(await root(["organizations", "create", "acme", "ACME"]));
  const failures: [string[], RegExp][] = [
    [["organizations", "create", "bad name", "x"], /name/i],
    [["organizations", "create", "--", "-leading-dash", "x"], /name/i],
    [["repositories", "create", "acme", "a/b", "x"], /name/i],
    [["repositories", "create", "acme", "x".repeat(65), "x"], /name/i],
    [["organizations", "create", "acme", "again"], /already exists/],
    [["repositories", "list", "nosuchorg"], /nosuchorg/],
    [["teams", "metadata", "acme", "nosuchteam"], /nosuchteam/],
    [["teams", "members", "query", "acme", "nosuchteam", "root@example.com"], /nosuchteam/],
    [["users", "delete", "acme", "nobody@acme.test", "-y"], /nobody@acme\.test/],
    [["repositories", "delete", "acme", "nosuchrepo", "-y"], /nosuchrepo/],
  ];
  const group = await root(["teams", "create", "acme", "t", "superuser"]);
  assert.equal(group.code, 2, "a bad team group is a usage error");
  assert.match(group.stderr, /^Unknown team group 'superuser': use one of read-index, /);
  for (const [args, message] of failures) {
    const run = await root(args);
    assert.equal(run.code, 1, `${args.join(" ")}: ${run.stderr}`);
    assert.equal(run.stdout, "");
    assert.equal(run.stderr.split("\n").length, 2, `one line: ${run.stderr}`);
    assert.match(run.stderr, message, args.join(" "));
  }
});

Deno.test("user repositories: read-index only with --include-indexable, v0 shape too", async () => {
  await using server = await startServer({ admin: ROOT });
  const root = as(server, ROOT.email, ROOT.password);
  ok(await root(["organizations", "create", "acme", "ACME"]));
  ok(await root(["repositories", "create", "acme", "index-only", "listed"]));
  ok(await root(["repositories", "create", "acme", "readable", "downloadable"]));
  ok(
    await root(["users", "create", "acme", "carol@acme.test", "--password-stdin"], {
      stdin: `${PASSWORD}\n`,
    }),
  );
  for (
    const [team, group, repo] of [["lookers", "read-index", "index-only"], [
      "readers",
      "read",
      "readable",
    ]]
  ) {
    ok(await root(["teams", "create", "acme", team!, group!]));
    ok(await root(["teams", "members", "add", "acme", team!, "carol@acme.test"]));
    ok(await root(["teams", "repositories", "add", "acme", team!, repo!]));
  }
  const carol = as(server, "carol@acme.test", PASSWORD);
  assert.match(
    ok(await carol(["user", "repositories"])),
    /^Repository +\| Access +\| Description\nacme\/readable \| read_repository \| downloadable\n$/,
  );
  const all = ok(await carol(["user", "repositories", "--include-indexable"]));
  assert.match(
    all,
    /acme\/index-only \| read_index +\| listed\nacme\/readable +\| read_repository \| downloadable\n$/,
  );
  assert.equal(ok(await carol(["--api-version", "0", "user", "repositories"])), "acme/readable\n");
  assert.equal(
    ok(await carol(["--api-version", "0", "user", "repositories", "--include-indexable"])),
    "acme/index-only\nacme/readable\n",
  );
});
