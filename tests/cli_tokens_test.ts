/**
 * End to end: the `hatcher` CLI as a subprocess against the reference server,
 * for the API token commands and the global options they rely on.
 */
import assert from "node:assert/strict";
import { runCli, runCliOnTty } from "./helpers/cli.ts";
import { addUser, startServer } from "./helpers/server.ts";

const ADMIN = { email: "user@example.com", password: "correct horse battery" };
const TOKEN_LINE = /^Created API token ([^:]+): '([^']+)'\n$/;

/** Creates a token with the admin's password piped on stdin and returns it. */
async function createTokenWithPassword(url: string, name: string): Promise<string> {
  const run = await runCli(["-u", url, "-U", ADMIN.email, "api-tokens", "create", name], {
    stdin: `${ADMIN.password}\n`,
  });
  assert.equal(run.code, 0, run.stderr);
  const match = run.stdout.match(TOKEN_LINE);
  assert.ok(match, `unexpected output: ${run.stdout}`);
  assert.equal(match[1], name);
  return match[2]!;
}

Deno.test("the user guide walk-through: create, list, delete, then the token is refused", async () => {
  await using server = await startServer({ admin: ADMIN });
  const token = await createTokenWithPassword(server.url, "user-laptop-token");
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, "a JWT-like token");

  const listed = await runCli(["-u", server.url, "--token", token, "api-tokens", "list"]);
  assert.equal(listed.code, 0, listed.stderr);
  const lines = listed.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^Name\s+\| Created\s+\| Last Used$/);
  assert.match(lines[1]!, /^user-laptop-token \| \d{4}-\d\d-\d\dT[\d:.]+Z? \| \d{4}-\d\d-\d\dT/);
  assert.equal(lines[0]!.indexOf("|"), lines[1]!.indexOf("|"), "the bars align");
  assert.equal(lines[0]!.lastIndexOf("|"), lines[1]!.lastIndexOf("|"), "the bars align");

  const deleted = await runCli(["-u", server.url, "api-tokens", "delete", "user-laptop-token"], {
    env: { HATCHER_TOKEN: token },
  });
  assert.deepEqual(deleted, { code: 0, stdout: "", stderr: "" });

  const refused = await runCli(["-u", server.url, "--token", token, "api-tokens", "list"]);
  assert.deepEqual(refused, { code: 1, stdout: "", stderr: "Authentication failed\n" });
});

Deno.test("api-tokens list sorts by name and leaves Last Used empty for unused tokens", async () => {
  await using server = await startServer({ admin: ADMIN });
  for (const name of ["zeta", "alpha", "middle-name-that-is-long"]) {
    await createTokenWithPassword(server.url, name);
  }
  const run = await runCli(["-u", server.url, "-U", ADMIN.email, "api-tokens", "list"], {
    stdin: `${ADMIN.password}\n`,
  });
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split("\n").filter(Boolean);
  assert.deepEqual(lines.slice(1).map((line) => line.split("|")[0]!.trim()), [
    "alpha",
    "middle-name-that-is-long",
    "zeta",
  ]);
  for (const line of lines.slice(1)) {
    // Never used: the Last Used cell is empty and the line ends at its bar.
    assert.match(line, /^[\w-]+ *\| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} \|$/);
  }
  assert.equal(new Set(lines.map((line) => line.indexOf("|"))).size, 1, "first bars align");
});

Deno.test("every HATCHER_* variable is read", async (t) => {
  await using server = await startServer({ admin: ADMIN });
  const token = await createTokenWithPassword(server.url, "env-token");

  await t.step("HATCHER_URL and HATCHER_TOKEN", async () => {
    const run = await runCli(["api-tokens", "list"], {
      env: { HATCHER_URL: server.url, HATCHER_TOKEN: token },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /env-token/);
  });
  await t.step("HATCHER_USERNAME and HATCHER_PASSWORD", async () => {
    const run = await runCli(["api-tokens", "list"], {
      env: {
        HATCHER_URL: server.url,
        HATCHER_USERNAME: ADMIN.email,
        HATCHER_PASSWORD: ADMIN.password,
      },
    });
    assert.equal(run.code, 0, run.stderr);
  });
  await t.step("HATCHER_DEBUG shows a stack trace", async () => {
    const run = await runCli(["api-tokens", "list"], {
      env: { HATCHER_URL: server.url, HATCHER_TOKEN: "not-a-token", HATCHER_DEBUG: "1" },
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /AuthenticationError: Authentication failed\n\s+at /);
  });
  await t.step("HATCHER_API_VERSION=0 talks to /api/v0/json", async () => {
    const run = await runCli(["api-tokens", "list"], {
      env: { HATCHER_URL: server.url, HATCHER_TOKEN: token, HATCHER_API_VERSION: "0" },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /env-token/);
  });
  await t.step("an invalid HATCHER_INSECURE value is a usage error", async () => {
    const run = await runCli(["api-tokens", "list"], {
      env: { HATCHER_URL: server.url, HATCHER_TOKEN: token, HATCHER_INSECURE: "maybe" },
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Invalid value for HATCHER_INSECURE/);
  });
});

Deno.test("a command-line option beats its environment variable", async (t) => {
  await using server = await startServer({ admin: ADMIN });
  const token = await createTokenWithPassword(server.url, "cli-wins");
  await using stopped = await startServer();
  const deadUrl = stopped.url;
  await stopped.stop();

  await t.step("--url over HATCHER_URL", async () => {
    const run = await runCli(["--url", server.url, "-t", token, "api-tokens", "list"], {
      env: { HATCHER_URL: deadUrl },
    });
    assert.equal(run.code, 0, run.stderr);
  });
  await t.step("--token over HATCHER_TOKEN", async () => {
    const run = await runCli(["-u", server.url, "--token", token, "api-tokens", "list"], {
      env: { HATCHER_TOKEN: "revoked-or-bogus" },
    });
    assert.equal(run.code, 0, run.stderr);
  });
  await t.step("--username over HATCHER_USERNAME", async () => {
    const run = await runCli(["-u", server.url, "-U", ADMIN.email, "api-tokens", "list"], {
      env: { HATCHER_USERNAME: "nobody@example.com" },
      stdin: `${ADMIN.password}\n`,
    });
    assert.equal(run.code, 0, run.stderr);
  });
  await t.step("--password over HATCHER_PASSWORD", async () => {
    const run = await runCli(
      ["-u", server.url, "-U", ADMIN.email, "-p", ADMIN.password, "api-tokens", "list"],
      { env: { HATCHER_PASSWORD: "wrong" } },
    );
    assert.equal(run.code, 0, run.stderr);
  });
});

Deno.test("password authentication beats a token from anywhere", async (t) => {
  await using server = await startServer({ admin: ADMIN });
  await t.step(
    "username/password from the environment, bad token on the command line",
    async () => {
      const run = await runCli(["-u", server.url, "--token", "bogus", "api-tokens", "list"], {
        env: { HATCHER_USERNAME: ADMIN.email, HATCHER_PASSWORD: ADMIN.password },
      });
      assert.equal(run.code, 0, run.stderr);
    },
  );
  await t.step("wrong password with a valid token still fails", async () => {
    const token = await createTokenWithPassword(server.url, "valid");
    const run = await runCli(
      ["-u", server.url, "-t", token, "-U", ADMIN.email, "-p", "wrong", "api-tokens", "list"],
    );
    assert.deepEqual(run, { code: 1, stdout: "", stderr: "Authentication failed\n" });
  });
});

Deno.test("-U without a password prompts on a terminal with hidden input", async () => {
  await using server = await startServer({ admin: ADMIN });
  const { code, screen } = await runCliOnTty(
    ["-u", server.url, "-U", ADMIN.email, "api-tokens", "create", "tty-token"],
    { input: `${ADMIN.password}\r`, waitFor: "Password:" },
  );
  assert.equal(code, 0, screen);
  assert.match(screen, /Password:/);
  assert.ok(!screen.includes(ADMIN.password), "the typed password is not echoed");
  assert.match(screen, /Created API token tty-token: '[\w-]+\.[\w-]+\.[\w-]+'/);
});

Deno.test("-U without a password reads one line from piped stdin and never hangs", async (t) => {
  await using server = await startServer({ admin: ADMIN });
  const args = ["-u", server.url, "-U", ADMIN.email, "api-tokens", "list"];
  await t.step("a piped line", async () => {
    const run = await runCli(args, { stdin: `${ADMIN.password}\nignored second line\n` });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "", "no prompt drawn on a pipe");
  });
  await t.step("a piped line without a newline", async () => {
    const run = await runCli(args, { stdin: ADMIN.password });
    assert.equal(run.code, 0, run.stderr);
  });
  await t.step("a closed stdin is an error", async () => {
    const run = await runCli(args, { timeoutMs: 15_000 });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^No password: stdin is empty/);
  });
  await t.step("an empty stdin is an error", async () => {
    const run = await runCli(args, { stdin: "", timeoutMs: 15_000 });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^No password/);
  });
});

Deno.test("a wrong password and an unknown user both print Authentication failed", async () => {
  await using server = await startServer({ admin: ADMIN });
  for (const user of [ADMIN.email, "nobody@example.com"]) {
    const run = await runCli(["-u", server.url, "-U", user, "api-tokens", "list"], {
      stdin: "wrong password\n",
    });
    assert.deepEqual(run, { code: 1, stdout: "", stderr: "Authentication failed\n" });
  }
});

Deno.test("a duplicate token name is a clear error", async () => {
  await using server = await startServer({ admin: ADMIN });
  const token = await createTokenWithPassword(server.url, "twice");
  const run = await runCli(["-u", server.url, "-t", token, "api-tokens", "create", "twice"]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.equal(run.stderr, "An API token named 'twice' already exists\n");
});

Deno.test("one user never sees or deletes another user's tokens", async () => {
  await using server = await startServer({ admin: ADMIN });
  await addUser(server.dataDir, "other@example.com", "other password");
  await createTokenWithPassword(server.url, "admins-token");
  const asOther = ["-u", server.url, "-U", "other@example.com", "-p", "other password"];

  const listed = await runCli([...asOther, "api-tokens", "list"]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout, "Name | Created | Last Used\n", "an empty table");

  const deleted = await runCli([...asOther, "api-tokens", "delete", "admins-token"]);
  assert.equal(deleted.code, 1);
  assert.match(deleted.stderr, /^No API token named 'admins-token'\n$/);

  const still = await runCli(["-u", server.url, "-U", ADMIN.email, "api-tokens", "list"], {
    stdin: `${ADMIN.password}\n`,
  });
  assert.match(still.stdout, /admins-token/, "the admin's token survived");
});

Deno.test("tokens survive a server restart", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "hatcher-restart-" });
  try {
    let token: string;
    {
      await using server = await startServer({ dataDir, admin: ADMIN });
      token = await createTokenWithPassword(server.url, "persistent");
    }
    await using again = await startServer({ dataDir });
    const run = await runCli(["-u", again.url, "-t", token, "api-tokens", "list"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^persistent \|/m);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("usage errors exit 2 with one line and never touch the network", async (t) => {
  await t.step("no URL", async () => {
    const run = await runCli(["-t", "x", "api-tokens", "list"]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, "No server URL: pass --url (-u) or set HATCHER_URL\n");
  });
  await t.step("--password without --username", async () => {
    const run = await runCli(["-u", "http://127.0.0.1:9", "-p", "secret", "api-tokens", "list"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Password provided with no username/);
    assert.ok(!run.stderr.includes("secret"));
  });
  await t.step("no credentials", async () => {
    const run = await runCli(["-u", "http://127.0.0.1:9", "api-tokens", "list"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Not logged in: pass --token/);
  });
  await t.step("a missing argument", async () => {
    const run = await runCli(["api-tokens", "create"]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim().split("\n").length, 1);
  });
  await t.step("an unknown command", async () => {
    const run = await runCli(["api-tokens", "lst"]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, "unknown command 'lst' (Did you mean list?)\n");
  });
  await t.step("an invalid URL", async () => {
    const run = await runCli(["-u", "ftp://example.com", "-t", "x", "api-tokens", "list"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^Unsupported URL scheme "ftp:"/);
  });
});

Deno.test("--help and --version work at every level without a URL", async () => {
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^hatcher \d+\.\d+\.\d+\n$/);
  for (
    const args of [["--help"], ["-h"], ["api-tokens", "--help"], ["api-tokens", "create", "-h"]]
  ) {
    const run = await runCli(args);
    assert.equal(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stdout, /^Usage: hatcher/);
  }
  const help = await runCli(["--help"]);
  for (
    const variable of [
      "HATCHER_URL",
      "HATCHER_INSECURE",
      "HATCHER_USERNAME",
      "HATCHER_PASSWORD",
      "HATCHER_TOKEN",
      "HATCHER_DEBUG",
    ]
  ) {
    assert.ok(help.stdout.includes(variable), `help names ${variable}`);
  }
});

Deno.test("a server that is not running gives a connection error naming the URL", async () => {
  const server = await startServer();
  const url = server.url;
  await server.stop();
  const run = await runCli(["-u", url, "-t", "x", "api-tokens", "list"]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.equal(run.stderr.trim().split("\n").length, 1, "one line, no stack trace");
  assert.ok(run.stderr.startsWith(`Cannot connect to ${url}/`), run.stderr);
  assert.match(run.stderr, /refused/i);
});

Deno.test("passwords and tokens never appear in output except the new token once", async () => {
  await using server = await startServer({ admin: ADMIN });
  const token = await createTokenWithPassword(server.url, "secret-check");
  const runs = [
    await runCli(["-u", server.url, "-t", token, "api-tokens", "list"]),
    await runCli(["-u", server.url, "-t", token, "api-tokens", "create", "secret-check"]),
    await runCli([
      "-u",
      server.url,
      "-U",
      ADMIN.email,
      "-p",
      ADMIN.password,
      "api-tokens",
      "delete",
      "nope",
    ]),
    await runCli(["-u", server.url, "-U", ADMIN.email, "-p", "wrong", "-d", "api-tokens", "list"]),
    await runCli(["-u", server.url, "-t", `${token}x`, "-d", "api-tokens", "list"]),
  ];
  for (const run of runs) {
    for (const secret of [token, ADMIN.password]) {
      assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), JSON.stringify(run));
    }
  }
  const log = server.stderrText();
  assert.ok(!log.includes(token) && !log.includes(ADMIN.password), "server log is clean");
});

Deno.test("Ctrl-C at the password prompt exits 130", async () => {
  await using server = await startServer({ admin: ADMIN });
  const { code, screen } = await runCliOnTty(
    ["-u", server.url, "-U", ADMIN.email, "api-tokens", "list"],
    { input: "\x03", waitFor: "Password:" },
  );
  assert.equal(code, 130, screen);
  assert.match(screen, /Interrupted/);
});
