/**
 * Issue 13 item 15: strings from the server never reach the terminal raw.
 * Tables, lists, composed messages and error lines show control characters
 * escaped; `--json` stays valid JSON with the same values. The reference
 * server refuses such names now, so a small fake server sends them.
 */
import assert from "node:assert/strict";
import { runCli } from "./helpers/cli.ts";

const TITLE = "\u001b]0;pwned\u0007";
const CLEAR = "\u001b[2J\u001b[H";
const OVERRIDE = "\u202e";
const C1_CSI = "\u009b31m";

/** Everything a terminal could act on, apart from line breaks. */
// deno-lint-ignore no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

function fakeServer() {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname.replace(/^\/api\/v1\/json\//, "");
    switch (path) {
      case "auth/tokens/auth":
        return Response.json({ token: "session" });
      case "auth/tokens/api":
        return Response.json({
          tokens: [{ name: `evil${TITLE}`, created: `2026${CLEAR}`, last_used: OVERRIDE }],
        });
      case "admin/organizations":
        return Response.json({ organizations: [`acme${TITLE}`, `b${C1_CSI}`] });
      case "metadata/user":
        return Response.json({ email: `me${CLEAR}@x.test`, organizations: [] });
      default:
        return Response.json({ error: `disk${CLEAR} on fire${TITLE}\nsecond line` }, {
          status: 500,
        });
    }
  });
}

async function hatcher(url: string, args: string[]) {
  return await runCli(["-u", url, "-t", "t", ...args]);
}

Deno.test("tables, lists and messages show the server's control characters escaped", async () => {
  await using server = fakeServer();
  const url = `http://127.0.0.1:${server.addr.port}`;

  const tokens = await hatcher(url, ["api-tokens", "list"]);
  assert.equal(tokens.code, 0, tokens.stderr);
  assert.doesNotMatch(tokens.stdout, RAW_CONTROL);
  assert.match(tokens.stdout, /evil\\x1b\]0;pwned\\x07 \| 2026\\x1b\[2J\\x1b\[H \| \\u202e\n$/);

  const organizations = await hatcher(url, ["organizations", "list"]);
  assert.equal(organizations.code, 0, organizations.stderr);
  assert.equal(organizations.stdout, "acme\\x1b]0;pwned\\x07\nb\\x9b31m\n");

  const whoami = await hatcher(url, ["whoami"]);
  assert.equal(whoami.code, 0, whoami.stderr);
  assert.doesNotMatch(whoami.stdout, RAW_CONTROL);
  assert.match(whoami.stdout, /me\\x1b\[2J\\x1b\[H@x\.test/);
});

Deno.test("a server's error text is one line on stderr with its controls escaped", async () => {
  await using server = fakeServer();
  const url = `http://127.0.0.1:${server.addr.port}`;
  const run = await runCli(["-u", url, "-t", "t", "--api-version", "1", "teams", "list", "acme"]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.doesNotMatch(run.stderr, RAW_CONTROL);
  assert.equal(run.stderr.split("\n").length, 2, `one line: ${JSON.stringify(run.stderr)}`);
  assert.match(run.stderr, /disk\\x1b\[2J\\x1b\[H on fire\\x1b\]0;pwned\\x07\\x0asecond line/);
});

Deno.test("--json keeps the values and writes C1 and bidi controls as \\u escapes", async () => {
  await using server = fakeServer();
  const url = `http://127.0.0.1:${server.addr.port}`;
  for (const args of [["api-tokens", "list"], ["organizations", "list"]]) {
    const run = await hatcher(url, ["--json", ...args]);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout.replace(/\n/g, ""), RAW_CONTROL);
    const parsed = JSON.parse(run.stdout);
    const values = JSON.stringify(parsed);
    assert.ok(values.includes("pwned"), values);
  }
  const organizations = JSON.parse(
    (await hatcher(url, ["--json", "organizations", "list"])).stdout,
  );
  assert.deepEqual(organizations, [`acme${TITLE}`, `b${C1_CSI}`]);
});
