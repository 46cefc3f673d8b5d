/**
 * End to end: every message helps. Commands say what they did (and `-q`
 * silences it, `--json` is unchanged); an authentication failure says on a
 * terminal where the credentials came from; URL mistakes name the URL and
 * the likely cause; local file problems are usage errors; a wrong platform,
 * Python tag or version gets a suggestion.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type CliRun, runCli, runCliOnTty } from "./helpers/cli.ts";
import { writeEgg } from "./helpers/eggs.ts";
import { withTempDir } from "./helpers/files.ts";
import { startProxy } from "./helpers/proxy.ts";
import { startServer } from "./helpers/server.ts";
import { startTlsServer } from "./helpers/tls.ts";
import { loginArgs, ROOT, startEggWorld, USERS } from "./helpers/world.ts";

const TARGET = ["acme", "dev", "rh7-x86_64"];
const INDEX = [...TARGET, "cp311"];

function ok(run: CliRun): string {
  assert.equal(run.code, 0, run.stderr);
  return run.stdout;
}

Deno.test("commands say what happened on stdout; -q silences it; --json is unchanged", async () => {
  await using server = await startEggWorld();
  const root = (args: string[]) => runCli([...loginArgs(server, ROOT.email), ...args]);
  const uploader = (args: string[]) => runCli([...loginArgs(server, USERS.uploader), ...args]);
  assert.equal(
    ok(await root(["organizations", "create", "made", "Made"])),
    "Created organization made\n",
  );
  assert.equal(
    ok(await root(["repositories", "create", "made", "repo", "r"])),
    "Created repository made/repo\n",
  );
  assert.equal(
    ok(await root(["teams", "create", "made", "crew", "read"])),
    "Created team made/crew (group read)\n",
  );
  assert.equal(
    ok(await root(["teams", "repositories", "add", "made", "crew", "repo"])),
    "Added repository made/repo to team made/crew\n",
  );
  assert.equal(ok(await root(["-q", "organizations", "create", "quiet", "Q"])), "");
  assert.deepEqual(JSON.parse(ok(await root(["--json", "organizations", "create", "js", "J"]))), {
    description: "J",
    name: "js",
  });

  await withTempDir(async (dir) => {
    const egg = await writeEgg(dir, { name: "said", version: "1.0" });
    assert.equal(
      ok(await uploader(["eggs", "upload", ...TARGET, egg])),
      "Uploaded said-1.0-1.egg\n",
    );
    assert.equal(
      ok(await uploader(["eggs", "upload", ...TARGET, egg])),
      "Skipped said-1.0-1.egg: the server already has it with the same SHA-256\n",
    );
    assert.equal(ok(await uploader(["-q", "eggs", "upload", ...TARGET, egg])), "");
    const json = JSON.parse(ok(await uploader(["--json", "eggs", "upload", ...TARGET, egg])));
    assert.equal(json.status, "unchanged");
    const saved = join(dir, "copy.egg");
    const download = ["eggs", "download", ...INDEX, "said", "1.0-1", saved];
    assert.equal(ok(await uploader(download)), `Saved ${saved}\n`);
    assert.equal(
      ok(await uploader(download)),
      `Kept ${saved}: an identical file (same SHA-256) was already there\n`,
    );
    assert.equal(ok(await uploader(["-q", ...download])), "");
  });
});

Deno.test("Authentication failed: one line off a terminal; on one, where the credentials came from", async (t) => {
  await using server = await startServer({ admin: ROOT });
  const secret = "not-a-valid-token-0123456789";
  await t.step("off a terminal: exactly the one line", async () => {
    const run = await runCli(["-u", server.url, "-t", secret, "api-tokens", "list"]);
    assert.deepEqual(run, { code: 1, stdout: "", stderr: "Authentication failed\n" });
  });
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ["--token", ["-t", secret], {}, /The API token came from --token \(-t\): .*hatcher login/],
    ["HATCHER_TOKEN", [], { HATCHER_TOKEN: secret }, /The API token came from HATCHER_TOKEN/],
    [
      "a password",
      ["-U", ROOT.email, "-p", secret],
      {},
      /The user name came from --username \(-U\) and the password from --password \(-p\)/,
    ],
  ];
  for (const [name, args, env, hint] of cases) {
    await t.step(`on a terminal: ${name}`, async () => {
      const { code, screen } = await runCliOnTty(
        ["-u", server.url, ...args, "api-tokens", "list"],
        {
          env,
        },
      );
      assert.equal(code, 1, screen);
      const lines = screen.replaceAll("\r", "").trimEnd().split("\n");
      assert.equal(lines[0], "Authentication failed");
      assert.match(lines[1]!, hint);
      assert.equal(lines.length, 2, screen);
      assert.ok(!screen.includes(secret), "the secret is never shown");
    });
  }
  await t.step("on a terminal: a profile's token", async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        join(dir, "config.json"),
        JSON.stringify({ profiles: { default: { url: server.url, token: secret } } }),
      );
      const { code, screen } = await runCliOnTty(["api-tokens", "list"], {
        env: { HATCHER_CONFIG_DIR: dir },
      });
      assert.equal(code, 1, screen);
      assert.match(
        screen,
        /The API token came from profile "default" in .*config\.json: .*hatcher login/,
      );
      assert.ok(!screen.includes(secret));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("URL mistakes name the URL and the likely cause", async () => {
  await using plain = await startServer({ admin: ROOT });
  await using tls = await startTlsServer({ admin: ROOT });
  // Another web server: answers every request with 501, as python's http.server does to POST.
  await using other = await startProxy(
    plain.url,
    () => new Response("Unsupported method", { status: 501 }),
  );
  const host = (url: string) => new URL(url).host;
  const list = (url: string) =>
    runCli(["-u", url, "-U", ROOT.email, "-p", ROOT.password, "api-tokens", "list"]);
  const cases: [string, number, string | RegExp][] = [
    [
      host(plain.url),
      1,
      `https://${host(plain.url)}/ answered without TLS: if it is a plain-HTTP server, use ` +
      `http://${host(plain.url)} as the server URL (https:// is assumed without a scheme)\n`,
    ],
    [
      `http://${host(tls.url)}`,
      1,
      `http://${host(tls.url)}/ answered in TLS, not plain HTTP: use https://${host(tls.url)} ` +
      "as the server URL\n",
    ],
    [
      `${plain.url}/api/v1/json`,
      2,
      `The server URL "${plain.url}/api/v1/json" includes the API path: give the server's root, ` +
      `"${plain.url}" (from --url or HATCHER_URL)\n`,
    ],
    [other.url, 1, `${other.url}/ does not answer like an EDS server (no /api/v1/json)\n`],
    [
      `${plain.url}/eds`,
      1,
      `${plain.url}/eds/ does not answer like an EDS server (no /api/v1/json); ` +
      "is /eds part of the server's address?\n",
    ],
  ];
  for (const [url, code, stderr] of cases) {
    const run = await list(url);
    assert.equal(run.code, code, `${url}: ${run.stderr}`);
    assert.equal(run.stdout, "");
    if (typeof stderr === "string") assert.equal(run.stderr, stderr);
    else assert.match(run.stderr, stderr);
  }
});

Deno.test("local file problems are usage errors (exit 2) with one clear line", async () => {
  await using server = await startEggWorld();
  const uploader = (args: string[]) => runCli([...loginArgs(server, USERS.uploader), ...args]);
  await withTempDir(async (dir) => {
    const egg = await writeEgg(dir, { name: "local", version: "1.0" });
    ok(await uploader(["eggs", "upload", ...TARGET, egg]));
    const missing = join(dir, "no", "such", "dir");
    const cases: [string[], string][] = [
      [
        ["eggs", "download", ...INDEX, "local", "1.0-1", `${missing}/`],
        `Cannot save to ${missing}/: the directory does not exist\n`,
      ],
      [
        ["eggs", "download", ...INDEX, "local", "1.0-1", join(missing, "local.egg")],
        `Cannot save to ${join(missing, "local.egg")}: the directory ${missing} does not exist\n`,
      ],
      [
        ["teams", "create", "acme", "crew", "uploader"],
        "Unknown team group 'uploader': use one of read-index, read, upload, admin " +
        "(did you mean upload?)\n",
      ],
    ];
    for (const [args, stderr] of cases) {
      assert.deepEqual(await uploader(args), { code: 2, stdout: "", stderr }, args.join(" "));
    }
    const junk = join(dir, "junk-1.0-1.egg");
    await Deno.writeTextFile(junk, "not a zip\n");
    const invalid = await uploader(["eggs", "upload", ...TARGET, junk]);
    assert.equal(invalid.code, 2, invalid.stderr);
    assert.match(invalid.stderr, /junk-1\.0-1\.egg/);
    assert.equal(invalid.stderr.trim().split("\n").length, 1);
  });
});

Deno.test("a wrong platform, Python tag, name or version gets the nearest valid ones", async () => {
  await using server = await startEggWorld();
  const uploader = (args: string[]) => runCli([...loginArgs(server, USERS.uploader), ...args]);
  await withTempDir(async (dir) => {
    for (const version of ["1.26.4", "2.0.0"]) {
      ok(
        await uploader([
          "eggs",
          "upload",
          ...TARGET,
          await writeEgg(dir, { name: "numpy", version }),
        ]),
      );
    }
  });
  const failing = async (args: string[]) => {
    const run = await uploader(args);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    return run.stderr;
  };
  assert.match(
    await failing(["eggs", "list", "acme", "dev", "rh7-x64", "cp311"]),
    /'rh7-x64'.*did you mean rh7-x86_64\b.*`hatcher platforms list`/,
  );
  assert.match(
    await failing(["eggs", "list", ...TARGET, "cp3111"]),
    /'cp3111'.*did you mean cp311\b/,
  );
  assert.match(
    await failing(["eggs", "metadata", ...INDEX, "numpy", "1.26.4"]),
    /a version includes its build number, e.g\. 1\.26\.4-1 \(versions of numpy here: 1\.26\.4-1, 2\.0\.0-1\)/,
  );
  assert.match(
    await failing(["eggs", "download", ...INDEX, "nunpy", "1.26.4-1"]),
    /did you mean numpy\?/,
  );
});
