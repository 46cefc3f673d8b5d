/**
 * Issue 13, server side: the reference server against hostile users and bad
 * days. Each test names the item it covers. Real server processes on
 * loopback; raw sockets where a client must misbehave (stall, hang up).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { addTeamMember, createTeam, createUser, login } from "../mod.ts";
import { runCli } from "./helpers/cli.ts";
import { writeEgg } from "./helpers/eggs.ts";
import { withTempDir } from "./helpers/files.ts";
import { basic, expectError, expectStatus, makeCall, V1 } from "./helpers/http.ts";
import { rawRequest, readStatus, requestHead, uploadBody } from "./helpers/raw_http.ts";
import { type RunningServer, startServer } from "./helpers/server.ts";
import { loginArgs, PASSWORD, ROOT, startEggWorld, USERS } from "./helpers/world.ts";

const call = makeCall(ROOT);
const UPLOADER = { email: USERS.uploader, password: PASSWORD };

/** One raw POST /auth/tokens/auth with Basic credentials (no session caching). */
async function signIn(server: RunningServer, email: string, password: string) {
  const response = await fetch(`${server.url}${V1}/auth/tokens/auth`, {
    method: "POST",
    headers: { authorization: basic({ email, password }) },
  });
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: await response.json(),
  };
}

Deno.test("item 4: password guesses per account answer 429 with Retry-After, the right password too", async () => {
  await using server = await startServer({
    admin: ROOT,
    extraArgs: ["--max-auth-failures-per-account", "3", "--auth-failure-window", "2"],
  });
  const token = (await call(server, "POST", "/auth/tokens/api", { json: { name: "ci" } })).body
    .token;
  for (const email of [ROOT.email, "nobody@example.com"]) {
    for (let guess = 0; guess < 3; guess++) {
      assert.equal((await signIn(server, email, `wrong ${guess}`)).status, 401);
    }
    const limited = await signIn(server, email, "wrong again");
    assert.equal(limited.status, 429, email);
    assert.match(limited.retryAfter ?? "", /^[12]$/);
    assert.match(limited.body.error, /^Too many failed sign-ins: try again in [12] s$/);
  }
  assert.equal((await signIn(server, ROOT.email, ROOT.password)).status, 429, "no oracle");
  // Tokens cannot be guessed and keep working.
  const withToken = await fetch(`${server.url}${V1}/auth/tokens/api`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(withToken.status, 200);
  await withToken.body?.cancel();
  await new Promise((resolve) => setTimeout(resolve, 2100));
  assert.equal((await signIn(server, ROOT.email, ROOT.password)).status, 200);
});

Deno.test("item 4: failures per client address are limited across accounts", async () => {
  await using server = await startServer({
    admin: ROOT,
    extraArgs: ["--max-auth-failures-per-address", "4"],
  });
  for (let guess = 0; guess < 4; guess++) {
    assert.equal((await signIn(server, `user${guess}@example.com`, "x")).status, 401);
  }
  assert.equal((await signIn(server, "someone-else@example.com", "x")).status, 429);
  assert.equal((await signIn(server, ROOT.email, ROOT.password)).status, 429);
});

Deno.test("item 4: an organization admin cannot tell whether an email exists elsewhere", async () => {
  await using server = await startEggWorld();
  const root = await login(server.url, { username: ROOT.email, password: ROOT.password });
  await createTeam(root, { organization: "acme", team: "admins", group: "admin" });
  const admin = { email: "admin@acme.test", password: PASSWORD };
  await createUser(root, { organization: "acme", ...admin });
  await addTeamMember(root, { organization: "acme", team: "admins", email: admin.email });
  const answers = [];
  for (const email of [USERS.stranger, "brand-new@other.test"]) {
    const reply = await call(server, "POST", "/admin/organizations/acme/users", {
      as: admin,
      json: { email, password: "chosen by acme" },
    });
    answers.push({ status: reply.status, body: reply.body });
  }
  assert.deepEqual(answers, [
    { status: 201, body: { email: USERS.stranger } },
    { status: 201, body: { email: "brand-new@other.test" } },
  ]);
  // The stranger's account keeps its own password; acme did not take it over.
  assert.equal((await signIn(server, USERS.stranger, PASSWORD)).status, 200);
  assert.equal((await signIn(server, USERS.stranger, "chosen by acme")).status, 401);
});

Deno.test("item 5: revoking an API token revokes the tokens and sessions made with it", async () => {
  await using server = await startEggWorld();
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const post = async (path: string, headers: Record<string, string>, json?: unknown) => {
    const response = await fetch(`${server.url}${V1}${path}`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    return { status: response.status, body: await response.json() };
  };
  const parent = (await post("/auth/tokens/api", { authorization: basic(UPLOADER) }, {
    name: "parent",
  })).body.token;
  const session = (await post("/auth/tokens/auth", bearer(parent))).body.token;
  const child = (await post("/auth/tokens/api", bearer(session), { name: "child" })).body.token;
  const grandchild = (await post("/auth/tokens/api", bearer(child), { name: "grandchild" })).body
    .token;
  const childSession = (await post("/auth/tokens/auth", bearer(child))).body.token;
  // A token made with a password stands on its own.
  const independent = (await post("/auth/tokens/api", { authorization: basic(UPLOADER) }, {
    name: "independent",
  })).body.token;
  const revoke = await fetch(`${server.url}${V1}/auth/tokens/api/parent`, {
    method: "DELETE",
    headers: { authorization: basic(UPLOADER) },
  });
  assert.equal(revoke.status, 204);
  for (const [label, token] of Object.entries({ session, child, grandchild, childSession })) {
    assert.equal((await post("/auth/tokens/auth", bearer(token))).status, 401, label);
  }
  assert.equal((await post("/auth/tokens/auth", bearer(independent))).status, 200);
});

Deno.test("item 6: a stalled upload times out, frees its slot and leaves no temporary file", async () => {
  await withTempDir(async (dir) => {
    const dataDir = join(dir, "data");
    await (await startEggWorld({ dataDir })).stop();
    await using limited = await startServer({
      dataDir,
      extraArgs: ["--body-idle-timeout", "1", "--max-concurrent-uploads", "1"],
    });
    const egg = await writeEgg(dir, { name: "slow", version: "1.0" }, { payloadBytes: 300_000 });
    const body = await uploadBody(egg, 200_000);
    const auth = basic(UPLOADER);
    const head = requestHead(limited, "POST", "/data/acme/dev/rh7-x86_64/eggs/upload", {
      authorization: auth,
      "content-type": body.contentType,
      "content-length": String(body.length),
    });
    const stalled = await rawRequest(limited, head);
    await stalled.write(body.first);
    // While it holds the only upload slot, another upload is turned away.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const tmp = join(limited.dataDir, "tmp");
    assert.equal([...Deno.readDirSync(tmp)].length, 1, "the stalled upload's directory");
    const second = await fetch(`${limited.url}${V1}/data/acme/dev/rh7-x86_64/eggs/upload`, {
      method: "POST",
      headers: { authorization: auth, "content-type": body.contentType },
      body: new Uint8Array(10),
    });
    assert.equal(second.status, 503);
    assert.equal(second.headers.get("retry-after"), "5");
    await second.body?.cancel();
    const started = Date.now();
    const status = await readStatus(stalled);
    assert.ok(status === 408 || status === 400 || status === null, `status ${status}`);
    assert.ok(Date.now() - started < 5000, "timed out within the idle timeout");
    assert.deepEqual([...Deno.readDirSync(tmp)], [], "no temporary file left");
    const upload = await runCli([
      ...loginArgs(limited, USERS.uploader),
      "eggs",
      "upload",
      "acme",
      "dev",
      "rh7-x86_64",
      egg,
    ]);
    assert.equal(upload.code, 0, upload.stderr);
  });
});

Deno.test("item 8: a JSON body cut short is a 400, and nothing is logged as an internal error", async () => {
  await using server = await startServer({ admin: ROOT });
  const head = requestHead(server, "POST", "/auth/tokens/api", {
    authorization: basic(ROOT),
    "content-type": "application/json",
    "content-length": "100",
  });
  const connection = await rawRequest(server, head + '{"name": "cut');
  await connection.closeWrite();
  assert.equal(await readStatus(connection), 400);
  await server.stop();
  assert.doesNotMatch(server.stderrText(), /internal error/);
});

Deno.test("item 8: an upload into a repository deleted while it streams is a 409, not a 500", async () => {
  await withTempDir(async (dir) => {
    await using server = await startEggWorld();
    const egg = await writeEgg(dir, { name: "orphan", version: "1.0" }, { payloadBytes: 300_000 });
    const body = await uploadBody(egg, 200_000);
    const connection = await rawRequest(
      server,
      requestHead(server, "POST", "/data/acme/dev/rh7-x86_64/eggs/upload", {
        authorization: basic(UPLOADER),
        "content-type": body.contentType,
        "content-length": String(body.length),
      }),
    );
    await connection.write(body.first);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expectStatus(await call(server, "DELETE", "/admin/repositories/acme/dev?force=True"), 204);
    for (let at = 0; at < body.rest.length;) at += await connection.write(body.rest.subarray(at));
    assert.equal(await readStatus(connection), 409);
    await server.stop();
    assert.doesNotMatch(server.stderrText(), /internal error/);
  });
});

Deno.test("item 9: JSON bodies need application/json, and cross-origin changes are refused", async () => {
  await using server = await startServer({ admin: ROOT });
  const create = (name: string, headers: Record<string, string>) =>
    fetch(`${server.url}${V1}/auth/tokens/api`, {
      method: "POST",
      headers: { authorization: basic(ROOT), ...headers },
      body: JSON.stringify({ name }),
    }).then(async (response) => ({ status: response.status, body: await response.json() }));
  const plain = await create("plain", { "content-type": "text/plain" });
  assert.equal(plain.status, 415);
  assert.equal(
    (await create("form", { "content-type": "application/x-www-form-urlencoded" })).status,
    415,
  );
  const json = { "content-type": "application/json" };
  assert.equal((await create("evil", { ...json, origin: "https://evil.example" })).status, 403);
  assert.equal((await create("site", { ...json, "sec-fetch-site": "cross-site" })).status, 403);
  assert.equal((await create("own", { ...json, origin: server.url })).status, 201);
  assert.equal((await create("cli", json)).status, 201);
  const list = await call(server, "GET", "/auth/tokens/api", {
    headers: { origin: "https://evil.example" },
  });
  expectStatus(list, 200);
  assert.deepEqual(list.body.tokens.map((token: { name: string }) => token.name), ["cli", "own"]);
});

Deno.test("item 10: the data directory is private, and a loose one is tightened on start", async () => {
  await withTempDir(async (parent) => {
    const dataDir = join(parent, "fresh");
    {
      await using server = await startServer({ admin: ROOT, dataDir });
      await call(server, "POST", "/auth/tokens/api", { json: { name: "t" } });
      assert.equal(Deno.statSync(dataDir).mode! & 0o777, 0o700);
      for (const name of ["eds.sqlite", "eds.sqlite-wal", "eds.sqlite-shm"]) {
        assert.equal(Deno.statSync(join(dataDir, name)).mode! & 0o777, 0o600, name);
      }
    }
    Deno.chmodSync(dataDir, 0o755);
    Deno.chmodSync(join(dataDir, "eds.sqlite"), 0o644);
    await using server = await startServer({ dataDir });
    assert.equal(Deno.statSync(dataDir).mode! & 0o777, 0o700);
    assert.equal(Deno.statSync(join(dataDir, "eds.sqlite")).mode! & 0o777, 0o600);
    assert.match(server.stderrText(), /tightened permissions of .*fresh from 0755 to 0700/);
    assert.match(server.stderrText(), /tightened permissions of .*eds\.sqlite from 0644 to 0600/);
  });
});

Deno.test("item 12: tokens may expire, a user's tokens are limited, and the CLI shows Expires only then", async () => {
  await using server = await startServer({
    admin: ROOT,
    extraArgs: ["--max-api-tokens-per-user", "3"],
  });
  const root = ["-u", server.url, "-U", ROOT.email, "-p", ROOT.password];
  const plain = await runCli([...root, "api-tokens", "create", "forever"]);
  assert.equal(plain.code, 0, plain.stderr);
  const listed = await runCli([...root, "api-tokens", "list"]);
  assert.match(listed.stdout, /^Name +\| Created +\| Last Used\n/, "no Expires column");
  const short = await runCli([
    ...root,
    "--json",
    "api-tokens",
    "create",
    "short",
    "--expires-in",
    "2s",
  ]);
  assert.equal(short.code, 0, short.stderr);
  const { token, expires } = JSON.parse(short.stdout);
  assert.ok(Date.parse(expires) > Date.now());
  const month = await runCli([...root, "api-tokens", "create", "month", "--expires-in", "30d"]);
  assert.equal(month.code, 0, month.stderr);
  const withExpiry = await runCli([...root, "api-tokens", "list"]);
  assert.match(withExpiry.stdout, /^Name +\| Created +\| Last Used +\| Expires\n/);
  assert.match(withExpiry.stdout, /\nforever +\| \S+ +\| +\| *\n/);
  const fourth = await runCli([...root, "api-tokens", "create", "fourth"]);
  assert.equal(fourth.code, 1);
  assert.match(fourth.stderr, /at most 3 API tokens/);
  const bad = await runCli([...root, "api-tokens", "create", "bad", "--expires-in", "soon"]);
  assert.equal(bad.code, 2);
  assert.equal((await runCli(["-u", server.url, "-t", token, "api-tokens", "list"])).code, 0);
  await new Promise((resolve) => setTimeout(resolve, 2200));
  const expired = await runCli(["-u", server.url, "-t", token, "api-tokens", "list"]);
  assert.equal(expired.code, 1);
  assert.equal(expired.stderr, "Authentication failed\n");
});

Deno.test("item 12: disabled eggs a batch never re-indexed are removed after the delay", async () => {
  await withTempDir(async (dir) => {
    const dataDir = join(dir, "data");
    await using server = await startEggWorld({ dataDir });
    const egg = await writeEgg(dir, { name: "abandoned", version: "1.0" });
    const kept = await writeEgg(dir, { name: "kept", version: "1.0" });
    for (const [path, enabled] of [[egg, "False"], [kept, "True"]] as const) {
      const body = await uploadBody(path, 0);
      const response = await fetch(
        `${server.url}${V1}/data/acme/dev/rh7-x86_64/eggs/upload?enabled=${enabled}`,
        {
          method: "POST",
          headers: { authorization: basic(UPLOADER), "content-type": body.contentType },
          body: body.rest,
        },
      );
      assert.equal(response.status, 201);
      await response.body?.cancel();
    }
    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await using restarted = await startServer({
      dataDir,
      extraArgs: ["--disabled-ttl", "1"],
    });
    const metadata = (name: string) =>
      call(restarted, "GET", `/metadata/acme/dev/rh7-x86_64/cp311/eggs/${name}/1.0-1`, {
        as: UPLOADER,
      });
    expectStatus(await metadata("abandoned"), 404);
    expectStatus(await metadata("kept"), 200);
    assert.match(restarted.stderrText(), /removed 1 disabled eggs older than the TTL/);
  });
});

Deno.test("item 11: the audit trail records who did what, for administrators only, append-only", async () => {
  await withTempDir(async (dir) => {
    await using server = await startEggWorld();
    const egg = await writeEgg(dir, { name: "audited", version: "1.0" });
    const other = await writeEgg(await Deno.makeTempDir({ dir }), {
      name: "audited",
      version: "1.0",
    }, { extraEntries: { "audited/other.py": "# different bytes\n" } });
    const as = (email: string, args: string[]) => runCli([...loginArgs(server, email), ...args]);
    const target = ["acme", "dev", "rh7-x86_64"];
    assert.equal((await as(USERS.uploader, ["eggs", "upload", ...target, egg])).code, 0);
    assert.equal((await as(ROOT.email, ["eggs", "upload", ...target, other, "--force"])).code, 0);
    assert.equal(
      (await as(ROOT.email, ["eggs", "delete", ...target, "cp311", "audited", "1.0-1", "-y"])).code,
      0,
    );
    assert.equal((await as(ROOT.email, ["teams", "create", "acme", "auditors", "read"])).code, 0);
    assert.equal((await as(USERS.reader, ["api-tokens", "create", "mine"])).code, 0);
    const listed = await as(ROOT.email, ["--json", "audit", "list", "acme"]);
    assert.equal(listed.code, 0, listed.stderr);
    const entries = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    const summary = entries.map((entry) => [entry.actor, entry.action, entry.target]);
    const tail = summary.slice(-4);
    assert.deepEqual(tail, [
      [`${USERS.uploader} (session token)`, "egg.upload", "acme/dev/rh7-x86_64/audited-1.0-1.egg"],
      [`${ROOT.email} (session token)`, "egg.overwrite", "acme/dev/rh7-x86_64/audited-1.0-1.egg"],
      [`${ROOT.email} (session token)`, "egg.delete", "acme/dev/rh7-x86_64/cp311/audited/1.0-1"],
      [`${ROOT.email} (session token)`, "team.create", "acme/auditors"],
    ]);
    assert.ok(summary.some(([, action]) => action === "user.create"), "set-up is there too");
    // Token events belong to no organization: the site administrator's whole list has them.
    const all = JSON.parse((await as(ROOT.email, ["--json", "audit", "list"])).stdout);
    assert.ok(
      all.some((entry: { action: string; target: string }) =>
        entry.action === "token.create" && entry.target === "mine"
      ),
    );
    const table = await as(ROOT.email, ["audit", "list", "acme"]);
    assert.match(table.stdout, /^Time +\| Actor +\| Action +\| Target\n/);
    // Not for the uploader, nor for another organization's members.
    assert.equal((await as(USERS.uploader, ["audit", "list", "acme"])).code, 1);
    assert.equal((await as(USERS.stranger, ["audit", "list", "acme"])).code, 1);
    assert.equal((await as(USERS.stranger, ["audit", "list"])).code, 1);
    const db = new DatabaseSync(join(server.dataDir, "eds.sqlite"));
    try {
      assert.throws(() => db.exec("DELETE FROM audit_log"), /append-only/);
      assert.throws(() => db.exec("UPDATE audit_log SET actor = 'nobody'"), /append-only/);
    } finally {
      db.close();
    }
  });
});

Deno.test("names: emails with controls, bidi overrides or slashes are refused everywhere", async () => {
  await using server = await startEggWorld();
  for (
    const email of ["nul\0@x.test", "esc\x1b]0;x\x07@x.test", "rtl\u202e@x.test", "a/b@x.test"]
  ) {
    expectError(
      await call(server, "POST", "/admin/organizations/acme/users", { json: { email } }),
      400,
      /^Email must be an address/,
    );
  }
  for (const name of [".", "..", "a\x1bb", "a/b"]) {
    expectError(
      await call(server, "POST", "/auth/tokens/api", { json: { name } }),
      400,
      /^Token name must be/,
    );
  }
  for (const name of ["..", ".hidden", "a\u202eb"]) {
    expectError(
      await call(server, "POST", "/admin/organizations/acme/teams", {
        json: { name, group: "read" },
      }),
      400,
      /^Team name must be/,
    );
  }
});
