/**
 * End to end: scripts written for the original hatcher run unchanged. Every
 * command of its tree (protocol notes, section 2: the groups hatcher has
 * today) runs with every option the tree lists, in the original's spelling,
 * against the reference server; and batch-upload's `--index_timeout`
 * polling behaves as the original's.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type CliRun, runCli } from "./helpers/cli.ts";
import { writeEgg } from "./helpers/eggs.ts";
import { withTempDir } from "./helpers/files.ts";
import { startProxy } from "./helpers/proxy.ts";
import { startServer } from "./helpers/server.ts";
import { ROOT, startEggWorld, USERS } from "./helpers/world.ts";
import { loginArgs } from "./helpers/world.ts";

const TARGET = ["acme", "dev", "rh7-x86_64"];
const INDEX = [...TARGET, "cp311"];

function ok(run: CliRun, what: string): string {
  assert.equal(run.code, 0, `${what}: ${run.stderr}`);
  return run.stdout;
}

/** Every command path of the original's tree that hatcher has today. */
const ORIGINAL_COMMANDS = [
  ["api-tokens", "create"],
  ["api-tokens", "list"],
  ["api-tokens", "delete"],
  ["user", "repositories"],
  ["users", "create"],
  ["users", "delete"],
  ["organizations", "create"],
  ["organizations", "list"],
  ["teams", "list"],
  ["teams", "create"],
  ["teams", "delete"],
  ["teams", "metadata"],
  ["teams", "repositories", "list"],
  ["teams", "repositories", "add"],
  ["teams", "repositories", "remove"],
  ["teams", "repositories", "query"],
  ["teams", "members", "list"],
  ["teams", "members", "add"],
  ["teams", "members", "remove"],
  ["teams", "members", "query"],
  ["repositories", "list"],
  ["repositories", "create"],
  ["repositories", "delete"],
  ["eggs", "list"],
  ["eggs", "metadata"],
  ["eggs", "download"],
  ["eggs", "delete"],
  ["eggs", "upload"],
  ["eggs", "batch-upload"],
  ["eggs", "update-index"],
  ["platforms", "list"],
  ["python-tags", "list"],
];

Deno.test("-h and --help work on every command of the original's tree, without --url", async () => {
  for (const path of ORIGINAL_COMMANDS) {
    for (const flag of ["-h", "--help"]) {
      const run = await runCli([...path, flag]);
      assert.equal(run.code, 0, `${path.join(" ")} ${flag}: ${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^Usage: hatcher ${path.join(" ")} `), path.join(" "));
    }
  }
  const tree = await runCli(["--command-tree"]);
  for (const path of ORIGINAL_COMMANDS) {
    assert.ok(tree.stdout.includes(`${path.at(-1)} [OPTIONS]`), path.join(" "));
  }
  assert.match(ok(await runCli(["--version"]), "--version"), /^hatcher \d+\.\d+\.\d+/);
});

Deno.test("every command of the original's tree runs with every option it lists", async () => {
  await using server = await startServer({ admin: ROOT });
  // The original's global options: -u, -U, -p (and -t, -k, -d, --api-version below).
  const root = (args: string[]) =>
    runCli(["-u", server.url, "-U", ROOT.email, "-p", ROOT.password, ...args]);
  const check = async (args: string[], code = 0) => {
    const run = await root(args);
    assert.equal(run.code, code, `${args.join(" ")}: ${run.stderr}`);
    return run.stdout;
  };

  await check(["organizations", "create", "acme", "ACME Corp"]);
  assert.equal(await check(["organizations", "list"]), "acme\n");
  await check(["repositories", "create", "acme", "dev", "development eggs"]);
  await check(["repositories", "create", "acme", "scratch", "to be deleted"]);
  assert.equal(await check(["repositories", "list", "acme"]), "dev\nscratch\n");

  const created = await check(["users", "create", "acme", "alice@acme.test"]);
  const password = created.match(/with password '([^']+)'/)?.[1];
  assert.ok(password, created);
  await check(["users", "create", "acme", "bob@acme.test"]);

  await check(["teams", "create", "acme", "devs", "upload"]);
  await check(["teams", "create", "acme", "doomed", "read"]);
  assert.match(await check(["teams", "list", "acme"]), /^devs\s+\| upload$/m);
  assert.equal(JSON.parse(await check(["teams", "metadata", "acme", "devs"])).group, "upload");

  await check(["teams", "members", "add", "acme", "devs", "alice@acme.test"]);
  await check(["teams", "members", "add", "acme", "devs", "bob@acme.test"]);
  await check(["teams", "members", "remove", "acme", "devs", "bob@acme.test"]);
  assert.equal(await check(["teams", "members", "list", "acme", "devs"]), "alice@acme.test\n");
  await check(["teams", "members", "query", "acme", "devs", "alice@acme.test"]);
  await check(["teams", "members", "query", "acme", "devs", "bob@acme.test"], 1);

  await check(["teams", "repositories", "add", "acme", "devs", "dev"]);
  await check(["teams", "repositories", "add", "acme", "devs", "scratch"]);
  await check(["teams", "repositories", "remove", "acme", "devs", "scratch"]);
  assert.equal(await check(["teams", "repositories", "list", "acme", "devs"]), "dev\n");
  await check(["teams", "repositories", "query", "acme", "devs", "dev"]);
  await check(["teams", "repositories", "query", "acme", "devs", "scratch"], 1);

  const alice = (args: string[]) =>
    runCli(["-u", server.url, "-U", "alice@acme.test", "-p", password!, ...args]);
  assert.match(ok(await alice(["user", "repositories"]), "user repositories"), /acme\/dev/);
  ok(await alice(["user", "repositories", "--include-indexable"]), "--include-indexable");

  const token = ok(await alice(["api-tokens", "create", "ci"]), "api-tokens create")
    .match(/'([^']+)'/)?.[1];
  assert.ok(token);
  const withToken = (args: string[]) => runCli(["-u", server.url, "-t", token!, ...args]);
  assert.match(ok(await withToken(["api-tokens", "list"]), "-t"), /^ci\s+\|/m);
  // -k and -d are accepted everywhere; -k on plain HTTP changes nothing.
  ok(await withToken(["-k", "-d", "api-tokens", "list"]), "-k -d");
  ok(await withToken(["--api-version", "0", "platforms", "list"]), "--api-version 0");
  ok(await withToken(["--api-version", "1", "platforms", "list"]), "--api-version 1");
  ok(await withToken(["platforms", "list"]), "platforms list");
  ok(await withToken(["python-tags", "list"]), "python-tags list");
  ok(await withToken(["python-tags", "list", "--all"]), "python-tags list --all");

  await withTempDir(async (dir) => {
    const one = await writeEgg(dir, { name: "one", version: "1.0" });
    const eggs = [
      await writeEgg(dir, { name: "two", version: "1.0" }),
      await writeEgg(dir, { name: "three", version: "1.0" }),
    ];
    for (const flags of [[], ["--verify"], ["--no-verify"], ["--force"]]) {
      ok(await withToken(["eggs", "upload", ...TARGET, one, ...flags]), `upload ${flags}`);
    }
    for (
      const flags of [
        ["--no-index"],
        ["--index"],
        ["--force"],
        ["--index_timeout", "3"],
        ["--index-timeout", "3"],
      ]
    ) {
      ok(await withToken(["eggs", "batch-upload", ...TARGET, ...eggs, ...flags]), `${flags}`);
    }
    ok(await withToken(["eggs", "update-index", ...TARGET, ...eggs]), "update-index");
    assert.equal(
      ok(await withToken(["eggs", "list", ...INDEX]), "eggs list"),
      "Egg Name        | Python Tag\none-1.0-1.egg   | cp311\nthree-1.0-1.egg | cp311\n" +
        "two-1.0-1.egg   | cp311\n",
    );
    ok(await withToken(["--api-version", "0", "eggs", "list", ...INDEX]), "eggs list at v0");
    const metadata = ok(await withToken(["eggs", "metadata", ...INDEX, "one", "1.0-1"]), "meta");
    assert.equal(JSON.parse(metadata).name, "one");
    const downloads = join(dir, "downloads");
    await Deno.mkdir(downloads);
    ok(await withToken(["eggs", "download", ...INDEX, "one", "1.0-1", downloads]), "download");
    ok(
      await runCli(["-u", server.url, "-t", token!, "eggs", "download", ...INDEX, "two", "1.0-1"], {
        cwd: downloads,
      }),
      "download into the current directory",
    );
    assert.deepEqual(
      [...Deno.readDirSync(downloads)].map((entry) => entry.name).sort(),
      ["one-1.0-1.egg", "two-1.0-1.egg"],
    );
    ok(await withToken(["eggs", "delete", ...INDEX, "one", "1.0-1", "-y"]), "eggs delete -y");
  });

  ok(await withToken(["api-tokens", "delete", "ci", "-y"]), "api-tokens delete -y");
  await check(["teams", "delete", "acme", "doomed"]);
  await check(["users", "delete", "acme", "bob@acme.test", "-y"]);
  await check(["repositories", "delete", "acme", "scratch", "-y"]);
  await check(["repositories", "delete", "acme", "dev", "--force", "-y"]);
  assert.equal(await check(["repositories", "list", "acme"]), "");
  assert.equal(await check(["teams", "list", "acme"]), "Name | Group\ndevs | upload\n");
});

/**
 * A server that shows an uploaded egg's metadata only from the `hiddenFor + 1`th
 * request after the upload: the case the original's polling is for. Its
 * uploads answer with no metadata (hatcher trusts an answer that shows the
 * egg, so this server must not give one).
 */
async function slowToShow(target: string, hiddenFor: number) {
  let uploaded = false;
  let hidden = 0;
  const requests: string[] = [];
  const proxy = await startProxy(target, (request, path) => {
    requests.push(`${request.method} ${path}`);
    if (request.method === "POST" && path.endsWith("/eggs/upload")) uploaded = true;
    if (uploaded && request.method === "GET" && path.includes("/metadata/") && hidden < hiddenFor) {
      hidden++;
      return Response.json({ error: "Not found" }, { status: 404 });
    }
  }, (response, request, path) => {
    if (request.method !== "POST" || !path.endsWith("/eggs/upload")) return response;
    void response.body?.cancel();
    return new Response(null, { status: 201 });
  });
  return { proxy, requests };
}

Deno.test("batch-upload polls for the uploaded eggs one second apart, then indexes once", async () => {
  await using server = await startEggWorld();
  const { proxy, requests } = await slowToShow(server.url, 2);
  await using _proxy = proxy;
  await withTempDir(async (dir) => {
    const egg = await writeEgg(dir, { name: "late", version: "1.0" });
    const args = loginArgs(server, USERS.uploader).map((arg) =>
      arg === server.url ? proxy.url : arg
    );
    const started = performance.now();
    const run = await runCli([
      ...args,
      "eggs",
      "batch-upload",
      ...TARGET,
      egg,
      "--index_timeout",
      "5",
    ]);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      "Uploaded late-1.0-1.egg\nVerified uploaded eggs for indexing after 3 of 5 attempts.\n" +
        "Updating the index...\n1 uploaded, 0 unchanged, 0 skipped; index updated\n",
    );
    assert.ok(seconds >= 2, `two waits of a second each, took ${seconds} s`);
    const reindexes = requests.filter((line) =>
      line.startsWith("POST") && line.endsWith("/re-index")
    );
    assert.equal(reindexes.length, 1, requests.join("\n"));
  });
});

Deno.test("batch-upload: eggs that never show up time out with the original's message", async () => {
  await using server = await startEggWorld();
  const { proxy, requests } = await slowToShow(server.url, 1_000);
  await using _proxy = proxy;
  await withTempDir(async (dir) => {
    const egg = await writeEgg(dir, { name: "never", version: "1.0" });
    const args = loginArgs(server, USERS.uploader).map((arg) =>
      arg === server.url ? proxy.url : arg
    );
    const run = await runCli([
      ...args,
      "eggs",
      "batch-upload",
      ...TARGET,
      egg,
      "--index-timeout",
      "2",
    ]);
    assert.deepEqual(run, {
      code: 1,
      stdout: "",
      stderr: "Time out waiting for eggs to be available for indexing.\n",
    });
    const polls = requests.filter((line) => line.startsWith("GET") && line.includes("/metadata/"));
    // A small egg is sent without a look first (the server's answer tells), then the two attempts.
    assert.equal(polls.length, 2, requests.join("\n"));
    assert.ok(!requests.some((line) => line.endsWith("/re-index")), "the index is left alone");
  });
  const bad = await runCli(["eggs", "batch-upload", ...TARGET, "x.egg", "--index_timeout", "0"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--index-timeout must be a whole number from 1 to 3600, got '0'/);
});
