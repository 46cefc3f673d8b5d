/**
 * End to end: where `hatcher login` keeps the API token. With a Secret
 * Service (gnome-keyring on a private D-Bus) the config file holds only a
 * reference and every command reads the token from the store, in every
 * runtime we ship; without one (no bus, no secret-tool, a store that refuses,
 * hangs or loses the secret) the token stays in the 0600 file, said once on
 * stderr; `--insecure-storage` chooses the file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { binaryPath, BUNDLE_PATH, ensureBuilt } from "./helpers/build.ts";
import { cliCommand, runCli, runProcess } from "./helpers/cli.ts";
import { withTempDir } from "./helpers/files.ts";
import { missingSecretServiceTools, startSecretService } from "./helpers/secret_service.ts";
import { startServer } from "./helpers/server.ts";

const ADMIN = { email: "keeper@example.com", password: "keeper password" };
const onLinuxX64 = Deno.build.os === "linux" && Deno.build.arch === "x86_64";

interface Profile {
  token?: string;
  tokenRef?: { store: string; account: string };
  tokenName?: string;
  url?: string;
}

async function readProfile(dir: string, name = "default"): Promise<Profile> {
  const config = JSON.parse(await Deno.readTextFile(join(dir, "config.json")));
  return config.profiles[name];
}

function loginArgs(url: string, ...options: string[]): string[] {
  const json = options.includes("--json") ? ["--json"] : [];
  const own = options.filter((option) => option !== "--json");
  return ["-u", url, "-U", ADMIN.email, "-p", ADMIN.password, ...json, "login", ...own];
}

Deno.test("without a usable credential store, login keeps the token in the 0600 file and says so once", async (t) => {
  await using server = await startServer({ admin: ADMIN });
  await withTempDir(async (dir) => {
    const config = join(dir, "config");
    const env = { HATCHER_CONFIG_DIR: config };
    const noteFor = (why: RegExp) =>
      new RegExp(
        `^Note: the API token is kept in the config file ${
          join(config, "config.json").replaceAll(".", "\\.")
        } \\(mode 0600\\), not in a credential store: ${why.source}\n$`,
      );
    const assertInFile = async (run: { code: number; stdout: string; stderr: string }) => {
      assert.equal(run.code, 0, run.stderr);
      const profile = await readProfile(config);
      assert.match(profile.token ?? "", /^\S{20,}$/);
      assert.equal(profile.tokenRef, undefined);
      assert.equal((await Deno.stat(join(config, "config.json"))).mode! & 0o777, 0o600);
      assert.ok(!run.stdout.includes(profile.token!) && !run.stderr.includes(profile.token!));
      return profile.token!;
    };

    await t.step("no D-Bus session bus: --json stdout is only the JSON", async () => {
      const run = await runCli(loginArgs(server.url, "--json"), { env });
      await assertInFile(run);
      assert.equal(JSON.parse(run.stdout).tokenStorage, "file");
      assert.match(
        run.stderr,
        noteFor(/no D-Bus session bus .*\(DBUS_SESSION_BUS_ADDRESS is not set\)/),
      );
      const who = await runCli(["whoami"], { env });
      assert.equal(who.code, 0, who.stderr);
      assert.match(who.stdout, /Authenticated with: API token from profile "default"\n$/);
      assert.equal(who.stderr, "", "the note is not repeated");
      const out = await runCli(["logout"], { env });
      assert.equal(out.code, 0, out.stderr);
      assert.equal((await readProfile(config)).token, undefined);
    });

    await t.step("--insecure-storage: the file, and no note", async () => {
      const run = await runCli(loginArgs(server.url, "--insecure-storage"), { env });
      await assertInFile(run);
      assert.equal(run.stderr, "");
      assert.match(run.stdout, /; token 'hatcher-\S+' saved in profile "default" \(/);
    });

    // A bus address is set from here on, so hatcher goes on to run secret-tool.
    const bus = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, "no-bus")}` };
    await t.step("secret-tool is not installed", async () => {
      const empty = join(dir, "empty");
      await Deno.mkdir(empty);
      const run = await runCli(loginArgs(server.url), { env: { ...env, ...bus, PATH: empty } });
      await assertInFile(run);
      assert.match(run.stderr, noteFor(/.*secret-tool: not found \(install libsecret-tools.*\)/));
    });

    await t.step("the bus is not there: secret-tool's own error", async () => {
      if ((await missingSecretServiceTools()).includes("secret-tool")) return;
      const run = await runCli(loginArgs(server.url), { env: { ...env, ...bus } });
      await assertInFile(run);
      assert.match(run.stderr, noteFor(/the Secret Service refused: .+/));
    });

    // Faults a real store cannot be made to produce on demand: a secret-tool
    // that refuses, hangs, or says it stored the secret but has lost it. It
    // logs its arguments and stdin, so the test sees where the token went.
    const fakes = join(dir, "fakes");
    await Deno.mkdir(fakes);
    await Deno.writeTextFile(
      join(fakes, "secret-tool"),
      `#!/bin/sh
printf '%s\\n' "$@" >> "$FAKE_LOG.args"
cat >> "$FAKE_LOG.stdin"
case "$FAKE_MODE" in
  refuse) echo "secret-tool: Cannot create an item in a locked collection" >&2; exit 1 ;;
  hang) exec sleep 60 ;;
  lose) [ "$1" = store ] && exit 0; exit 1 ;;
esac
`,
    );
    await Deno.chmod(join(fakes, "secret-tool"), 0o755);
    const cases: [string, RegExp, Record<string, string>][] = [
      ["refuse", /the Secret Service refused: Cannot create an item in a locked collection/, {}],
      ["hang", /the Secret Service cannot be used: secret-tool did not answer within 1 s/, {
        HATCHER_CREDENTIAL_TIMEOUT: "1",
      }],
      ["lose", /the Secret Service did not give the token back unchanged/, {}],
    ];
    for (const [mode, why, extra] of cases) {
      await t.step(`a store that ${mode}s`, async () => {
        const log = join(dir, `fake-${mode}`);
        const started = Date.now();
        const run = await runCli(loginArgs(server.url), {
          env: {
            ...env,
            ...bus,
            ...extra,
            PATH: `${fakes}:/usr/bin:/bin`,
            FAKE_MODE: mode,
            FAKE_LOG: log,
          },
        });
        const token = await assertInFile(run);
        assert.match(run.stderr, noteFor(why));
        assert.ok(Date.now() - started < 20_000, "the timeout is kept");
        const args = await Deno.readTextFile(`${log}.args`);
        assert.match(args, /^store\n--label=hatcher API token for keeper@example\.com on /);
        assert.ok(!args.includes(token), "the token is never on a command line");
        assert.equal(await Deno.readTextFile(`${log}.stdin`), token, "it goes in on stdin");
        if (mode === "lose") assert.match(args, /\nlookup\n[^]*\nclear\n/, "and is cleared");
      });
    }
  });
});

Deno.test({
  name: "with a Secret Service, the config file keeps only a reference; logout clears the secret",
  async fn(t) {
    const missing = await missingSecretServiceTools();
    if (missing.length > 0) {
      // CI installs them (.ci/run): there, a missing tool is a failure, not a skip.
      assert.ok(!Deno.env.get("CI"), `CI must have ${missing.join(", ")}`);
      // deno-lint-ignore no-console -- the skip must say why.
      console.warn(`skipped: no ${missing.join(", ")} (Debian: gnome-keyring libsecret-tools)`);
      return;
    }
    await using server = await startServer({ admin: ADMIN });
    await using keyring = await startSecretService();
    await withTempDir(async (dir) => {
      const config = join(dir, "config");
      const env = { HATCHER_CONFIG_DIR: config, ...keyring.env };
      const configText = () => Deno.readTextFile(join(config, "config.json"));

      // Each runtime we ship runs the same cycle: login, use, logout.
      await ensureBuilt();
      const runtimes: Record<string, (args: string[]) => string[]> = {
        "deno run cli.ts": cliCommand,
        "node dist/hatcher.mjs": (args) => ["node", BUNDLE_PATH, ...args],
      };
      if (onLinuxX64) {
        runtimes["dist/hatcher-linux-x64"] = (args) => [binaryPath("linux-x64"), ...args];
      }
      for (const [name, command] of Object.entries(runtimes)) {
        const hatcher = (args: string[], options: { stdin?: string } = {}) =>
          runProcess(command(args), { env, ...options });
        await t.step(name, async () => {
          const loggedIn = await hatcher(["-u", server.url, "-U", ADMIN.email, "login"], {
            stdin: `${ADMIN.password}\n`,
          });
          assert.equal(loggedIn.code, 0, loggedIn.stderr);
          assert.equal(loggedIn.stderr, "", "no note: the store took it");
          assert.match(loggedIn.stdout, /saved in the Secret Service, profile "default"/);
          const { tokenRef } = await readProfile(config);
          assert.equal(tokenRef?.store, "secret-service");
          const token = await keyring.lookup(tokenRef!.account);
          assert.match(token ?? "", /^\S{20,}$/, "the store holds the token");
          const text = await configText();
          assert.ok(!text.includes(token!), "the config file does not");
          assert.doesNotMatch(text, /"token"/);
          assert.ok(!loggedIn.stdout.includes(token!));

          const who = await hatcher(["whoami"]);
          assert.equal(who.code, 0, who.stderr);
          assert.match(
            who.stdout,
            /Authenticated with: API token from profile "default", kept in the Secret Service\n$/,
          );
          const listed = await hatcher(["--json", "api-tokens", "list"]);
          assert.equal(listed.code, 0, listed.stderr);
          const tokenName = (await readProfile(config)).tokenName;
          assert.ok(JSON.parse(listed.stdout).some((t: { name: string }) => t.name === tokenName));

          const out = await hatcher(["logout"]);
          assert.equal(out.code, 0, out.stderr);
          assert.match(out.stdout, /token revoked/);
          assert.equal(await keyring.lookup(tokenRef!.account), undefined, "secret cleared");
          const after = await readProfile(config);
          assert.equal(after.tokenRef, undefined);
          assert.equal(after.url, server.url);
          const revoked = await runCli(["-t", token!, "api-tokens", "list"], { env });
          assert.equal(revoked.stderr, "Authentication failed\n");
        });
      }

      await t.step("login again replaces the stored secret", async () => {
        assert.equal((await runCli(loginArgs(server.url), { env })).code, 0);
        const first = (await readProfile(config)).tokenRef!;
        const again = await runCli(loginArgs(server.url), { env });
        assert.equal(again.code, 0, again.stderr);
        const second = (await readProfile(config)).tokenRef!;
        assert.notEqual(second.account, first.account);
        assert.equal(await keyring.lookup(first.account), undefined, "the old one is gone");
        assert.ok(await keyring.lookup(second.account));
      });

      await t.step("a store that cannot be reached later: one line, exit 1", async () => {
        const run = await runCli(["whoami"], {
          env: { ...env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, "gone")}` },
        });
        assert.equal(run.code, 1);
        assert.match(
          run.stderr,
          /^Cannot read the API token of profile "default": the Secret Service refused: .+\n$/,
        );
      });

      await t.step(
        "a secret removed from the store: log in again; logout still forgets",
        async () => {
          const { tokenRef, tokenName } = await readProfile(config);
          const cleared = await keyring.secretTool([
            "clear",
            "service",
            "hatcher",
            "account",
            tokenRef!.account,
          ]);
          assert.equal(cleared.code, 0);
          const run = await runCli(["whoami"], { env });
          assert.deepEqual(run, {
            code: 1,
            stdout: "",
            stderr: 'The API token of profile "default" is no longer in the Secret Service: ' +
              "run `hatcher login` again\n",
          });
          const out = await runCli(["logout"], { env });
          assert.equal(out.code, 0, out.stderr);
          assert.match(
            out.stdout,
            new RegExp(`no longer in the credential store; revoke '${tokenName}'`),
          );
          assert.equal((await readProfile(config)).tokenRef, undefined);
        },
      );

      await t.step("--insecure-storage writes the file even with a store", async () => {
        const run = await runCli(loginArgs(server.url, "--insecure-storage", "--json"), { env });
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stderr, "");
        assert.equal(JSON.parse(run.stdout).tokenStorage, "file");
        const profile = await readProfile(config);
        assert.match(profile.token ?? "", /^\S{20,}$/);
        assert.equal(profile.tokenRef, undefined);
        const all = await keyring.secretTool(["search", "--all", "service", "hatcher"]);
        assert.equal(all.stdout, "", "nothing of hatcher's is left in the store");
      });
    });
  },
});
