/**
 * The two ways in without a checkout: `deno run <url>/cli.ts` and a script that
 * imports `<url>/mod.ts`. Both run from a folder with no deno.json, so every
 * import must resolve from the URL alone.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createOrganization, createRepository, login, sha256File, uploadEgg } from "../mod.ts";
import { runProcess } from "./helpers/cli.ts";
import { writeEgg } from "./helpers/eggs.ts";
import { startServer } from "./helpers/server.ts";
import { serveRepository } from "./helpers/static_server.ts";

const ADMIN = { email: "remote@example.com", password: "remote password" };

Deno.test("deno run <url>/cli.ts and import <url>/mod.ts work without the import map", async (t) => {
  await using eds = await startServer({ admin: ADMIN });
  await using repository = await serveRepository();
  const cwd = await Deno.makeTempDir({ prefix: "hatcher-remote-" });
  const deno = Deno.execPath();
  try {
    let token = "";
    await t.step("deno run --reload <url>/cli.ts api-tokens create", async () => {
      // --reload limited to our origin: re-fetch our modules, keep npm cached.
      const run = await runProcess([
        deno,
        "run",
        "-A",
        "--quiet",
        `--reload=${repository.url}`,
        `${repository.url}/cli.ts`,
        "-u",
        eds.url,
        "-U",
        ADMIN.email,
        "api-tokens",
        "create",
        "from-url",
      ], { stdin: `${ADMIN.password}\n`, cwd });
      assert.equal(run.code, 0, run.stderr);
      const match = run.stdout.match(/^Created API token from-url: '(.+)'\n$/);
      assert.ok(match, run.stdout);
      token = match[1]!;
      assert.ok(repository.requested.includes("/lib/cli/main.ts"), "modules came over HTTP");
    });

    await t.step("a script importing <url>/mod.ts logs in and lists tokens", async () => {
      const script = join(cwd, "automation.ts");
      await Deno.writeTextFile(
        script,
        `import { listTokens, login, AuthenticationError } from "${repository.url}/mod.ts";
const session = await login(Deno.args[0], { token: Deno.env.get("HATCHER_TOKEN") });
const names = (await listTokens(session)).map((t) => t.name);
let refused = false;
try { await login(Deno.args[0], { token: "bogus" }); } catch (e) { refused = e instanceof AuthenticationError; }
Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify({ names, refused })));
`,
      );
      const run = await runProcess([deno, "run", "-A", "--quiet", script, eds.url], {
        env: { HATCHER_TOKEN: token },
        cwd,
      });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), { names: ["from-url"], refused: true });
    });

    await t.step("<url>/mod.ts downloads a large egg with narrow permissions", async () => {
      // Large enough for the hashing worker, which must start from a URL import
      // and under the script's own permissions.
      const session = await login(eds.url, { username: ADMIN.email, password: ADMIN.password });
      await createOrganization(session, { name: "acme", description: "remote" });
      await createRepository(session, { organization: "acme", name: "dev", description: "remote" });
      const egg = await writeEgg(cwd, { name: "large", version: "1.0" }, {
        payloadBytes: 40 << 20,
      });
      await uploadEgg(
        session,
        { organization: "acme", repository: "dev", platform: "rh7-x86_64" },
        egg,
      );
      const script = join(cwd, "fetch_egg.ts");
      await Deno.writeTextFile(
        script,
        `import { downloadEgg, login } from "${repository.url}/mod.ts";
const session = await login(Deno.args[0], { token: Deno.env.get("HATCHER_TOKEN") });
const egg = { organization: "acme", repository: "dev", platform: "rh7-x86_64", pythonTag: "cp311",
  name: "large", version: "1.0-1" };
const { sha256 } = await downloadEgg(session, egg, { destination: Deno.args[1] });
Deno.stdout.writeSync(new TextEncoder().encode(sha256));
`,
      );
      const downloads = join(cwd, "downloads");
      await Deno.mkdir(downloads);
      const run = await runProcess([
        deno,
        "run",
        "--quiet",
        `--allow-import=${new URL(repository.url).host}`,
        `--allow-net=${new URL(eds.url).host}`,
        `--allow-read=${cwd}`,
        `--allow-write=${downloads}`,
        "--allow-env=HATCHER_TOKEN",
        script,
        eds.url,
        downloads,
      ], { env: { HATCHER_TOKEN: token }, cwd });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, await sha256File(egg));
      assert.equal(await sha256File(join(downloads, "large-1.0-1.egg")), await sha256File(egg));
    });
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
