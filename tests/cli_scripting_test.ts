/**
 * End to end: the scripting surface of the CLI: `--json`, `--command-tree`,
 * shell completions, profiles with `login`/`logout`/`whoami`, and the
 * precedence of option > environment > profile.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./helpers/cli.ts";
import { startServer } from "./helpers/server.ts";

const ADMIN = { email: "script@example.com", password: "script password" };

async function withConfigDir(fn: (dir: string, env: Record<string, string>) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "hatcher-config-" });
  try {
    await fn(dir, { XDG_CONFIG_HOME: dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("--json prints one JSON document with camelCase fields and nothing else", async () => {
  await using server = await startServer({ admin: ADMIN });
  const base = ["-u", server.url, "-U", ADMIN.email, "-p", ADMIN.password, "--json"];
  const created = await runCli([...base, "api-tokens", "create", "json-token"]);
  assert.equal(created.code, 0, created.stderr);
  const token = JSON.parse(created.stdout);
  assert.deepEqual(Object.keys(token).sort(), ["name", "token"]);

  const listed = await runCli([...base, "api-tokens", "list"]);
  const tokens = JSON.parse(listed.stdout);
  assert.equal(tokens.length, 1);
  assert.deepEqual(Object.keys(tokens[0]).sort(), ["created", "lastUsed", "name"]);
  assert.ok(!listed.stdout.includes(token.token), "the secret is not listed");

  for (const args of [["platforms", "list"], ["python-tags", "list"], ["organizations", "list"]]) {
    const run = await runCli([...base, ...args]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(Array.isArray(JSON.parse(run.stdout)), args.join(" "));
    assert.equal(run.stderr, "");
  }
});

Deno.test("--command-tree prints the whole tree without a URL", async () => {
  const run = await runCli(["--command-tree"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^hatcher \[OPTIONS\] COMMAND\n/);
  for (
    const line of [
      "├── api-tokens",
      "│   ├── create [OPTIONS] NAME",
      "│   ├── members",
      "batch-upload [OPTIONS] ORG REPO PLATFORM EGGS...",
    ]
  ) {
    assert.ok(run.stdout.includes(line), line);
  }
});

Deno.test("bash completion, generated from the tree, completes commands and options", async () => {
  const script = await runCli(["completions", "bash"]);
  assert.equal(script.code, 0, script.stderr);
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "hatcher.bash");
    await Deno.writeTextFile(file, script.stdout);
    const complete = async (words: string[]) => {
      const array = words.map((word) => `'${word}'`).join(" ");
      const { stdout, code, stderr } = await new Deno.Command("bash", {
        args: [
          "-c",
          `source '${file}'; COMP_WORDS=(${array}); COMP_CWORD=${
            words.length - 1
          }; _hatcher; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
      }).output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      return new TextDecoder().decode(stdout).trim().split("\n").filter(Boolean).sort();
    };
    assert.deepEqual(await complete(["hatcher", "api"]), ["api-tokens"]);
    assert.deepEqual(await complete(["hatcher", "api-tokens", ""]), [
      "--help",
      "-h",
      "create",
      "delete",
      "list",
    ]);
    assert.deepEqual(await complete(["hatcher", "-u", "http://x", "teams", "members", "q"]), [
      "query",
    ]);
    assert.deepEqual(await complete(["hatcher", "eggs", "batch-upload", "--sk"]), [
      "--skip-existing",
    ]);
    assert.deepEqual(await complete(["hatcher", "--tok"]), ["--token"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  for (const shell of ["zsh", "fish"]) {
    const run = await runCli(["completions", shell]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /api-tokens/);
  }
  const bad = await runCli(["completions", "powershell"]);
  assert.equal(bad.code, 2);
});

Deno.test("login stores a token in a 0600 profile; whoami and logout use it", async () => {
  await using server = await startServer({ admin: ADMIN });
  await withConfigDir(async (dir, env) => {
    const loggedIn = await runCli(["-u", server.url, "-U", ADMIN.email, "login"], {
      env,
      stdin: `${ADMIN.password}\n`,
    });
    assert.equal(loggedIn.code, 0, loggedIn.stderr);
    assert.match(loggedIn.stdout, /^Logged in to .* as script@example\.com; token 'hatcher-/);
    const file = join(dir, "hatcher", "config.json");
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    const config = JSON.parse(await Deno.readTextFile(file));
    assert.equal(config.profiles.default.url, server.url);
    assert.ok(!loggedIn.stdout.includes(config.profiles.default.token), "the token is not printed");

    // No URL, no credentials: all from the profile.
    const who = await runCli(["whoami"], { env });
    assert.equal(who.code, 0, who.stderr);
    assert.equal(
      who.stdout,
      `Server: ${server.url}\nUser: ${ADMIN.email} (site administrator)\nAuthenticated with: API token from profile "default"\n`,
    );
    const tokens = await runCli(["api-tokens", "list"], { env });
    assert.match(tokens.stdout, /^hatcher-\S+ +\|/m);

    const out = await runCli(["logout"], { env });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /token revoked/);
    const after = JSON.parse(await Deno.readTextFile(file));
    assert.equal(after.profiles.default.token, undefined);
    assert.equal(after.profiles.default.url, server.url, "the URL is kept");
    const refused = await runCli(["-t", config.profiles.default.token, "api-tokens", "list"], {
      env,
    });
    assert.deepEqual(refused, { code: 1, stdout: "", stderr: "Authentication failed\n" });
  });
});

Deno.test("precedence: option > environment > profile, and password beats a profile token", async () => {
  await using server = await startServer({ admin: ADMIN });
  await using other = await startServer({ admin: ADMIN });
  await withConfigDir(async (_dir, env) => {
    for (const [profile, url] of [["default", server.url], ["other", other.url]] as const) {
      const run = await runCli([
        "-u",
        url,
        "-U",
        ADMIN.email,
        "-p",
        ADMIN.password,
        "--profile",
        profile,
        "login",
      ], { env });
      assert.equal(run.code, 0, run.stderr);
    }
    const whoami = async (args: string[], extra: Record<string, string> = {}) => {
      const run = await runCli([...args, "--json", "whoami"], { env: { ...env, ...extra } });
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.stdout) as { url: string; authentication: string };
    };
    assert.equal((await whoami([])).url, server.url, "default profile");
    assert.equal((await whoami(["--profile", "other"])).url, other.url);
    assert.equal(
      (await whoami([], { HATCHER_PROFILE: "other" })).url,
      other.url,
      "HATCHER_PROFILE",
    );
    assert.equal(
      (await whoami(["--profile", "default"], { HATCHER_PROFILE: "other" })).url,
      server.url,
      "option beats env",
    );
    // HATCHER_URL beats the profile's URL; the profile's token is not sent to another server.
    const elsewhere = await runCli(["whoami"], { env: { ...env, HATCHER_URL: other.url } });
    assert.equal(elsewhere.code, 2, "no credentials for that server");
    assert.match(elsewhere.stderr, /^Not logged in/);
    const withPassword = await whoami(["-U", ADMIN.email, "-p", ADMIN.password]);
    assert.match(withPassword.authentication, /^password/);
    const missing = await runCli(["--profile", "nope", "whoami"], { env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /No profile "nope"/);
  });
});

Deno.test("a corrupt config file is named in the error and never overwritten", async () => {
  await using server = await startServer({ admin: ADMIN });
  await withConfigDir(async (dir, env) => {
    const file = join(dir, "hatcher", "config.json");
    await Deno.mkdir(join(dir, "hatcher"));
    await Deno.writeTextFile(file, "{ not json");
    const run = await runCli(["whoami"], { env });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `The config file ${file} is not valid JSON: fix or remove it\n`);
    const login = await runCli(
      ["-u", server.url, "-U", ADMIN.email, "-p", ADMIN.password, "login"],
      { env },
    );
    assert.equal(login.code, 1);
    assert.equal(await Deno.readTextFile(file), "{ not json", "left as it was");
    // Fully specified on the command line, the broken file is not even read.
    const direct = await runCli([
      "-u",
      server.url,
      "-U",
      ADMIN.email,
      "-p",
      ADMIN.password,
      "-k",
      "api-tokens",
      "list",
    ], { env });
    assert.equal(direct.code, 0, direct.stderr);
  });
});
