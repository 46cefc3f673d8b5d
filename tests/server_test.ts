/**
 * End-to-end tests of the reference EDS server: real processes, real HTTP.
 * Run: deno test -A tests/server_test.ts
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { addUser, REPO_ROOT, type RunningServer, startServer } from "./helpers/server.ts";
import { openDatabase } from "../server/db.ts";
import { readSignedPayload, SESSION_LIFETIME_MS, TokenStore } from "../server/tokens.ts";
import { runProcess } from "./helpers/cli.ts";

const V1 = "/api/v1/json";
const V0 = "/api/v0/json";
const ALICE = { email: "alice@example.com", password: "alice-Pa55word" };
const BOB = { email: "bob@example.com", password: "bob-Pa55word" };
const SERVER_MAIN = join(REPO_ROOT, "server", "main.ts");

interface Reply {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
}

function basic(user: { email: string; password: string }): string {
  return "Basic " + btoa(`${user.email}:${user.password}`);
}

function bearer(token: string): string {
  return `Bearer ${token}`;
}

async function call(
  server: RunningServer,
  method: string,
  path: string,
  options: {
    auth?: string;
    json?: unknown;
    rawBody?: BodyInit;
    root?: string;
    client?: Deno.HttpClient;
  } = {},
): Promise<Reply> {
  const headers = new Headers();
  if (options.auth) headers.set("authorization", options.auth);
  let body = options.rawBody;
  if (body !== undefined) headers.set("content-type", "application/json");
  if (options.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(options.json);
  }
  const init: RequestInit & { client?: Deno.HttpClient; duplex?: string } = {
    method,
    headers,
    body,
  };
  if (options.client) init.client = options.client;
  if (body instanceof ReadableStream) init.duplex = "half";
  const response = await fetch(`${server.url}${options.root ?? V1}${path}`, init);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? null : JSON.parse(text),
  };
}

function assertJsonError(reply: Reply, status: number, message?: string | RegExp): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.headers.get("content-type"), "application/json");
  assert.equal(typeof reply.body?.error, "string");
  if (typeof message === "string") assert.equal(reply.body.error, message);
  if (message instanceof RegExp) assert.match(reply.body.error, message);
}

/** A fresh server with alice and bob registered. */
async function serverWithUsers(): Promise<RunningServer> {
  const dataDir = await Deno.makeTempDir({ prefix: "eds-test-" });
  await addUser(dataDir, ALICE.email, ALICE.password);
  await addUser(dataDir, BOB.email, BOB.password);
  const server = await startServer({ dataDir });
  const stop = server.stop;
  let stopping: Promise<void> | undefined;
  // This helper made the directory, so it also removes it.
  server.stop = () =>
    stopping ??= stop().finally(() => Deno.remove(dataDir, { recursive: true }).catch(() => {}));
  server[Symbol.asyncDispose] = server.stop;
  return server;
}

async function createApiToken(server: RunningServer, name: string, user = ALICE) {
  const reply = await call(server, "POST", "/auth/tokens/api", {
    auth: basic(user),
    json: { name },
  });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return reply.body.token as string;
}

async function sessionToken(server: RunningServer, auth: string, root = V1): Promise<string> {
  const reply = await call(server, "POST", "/auth/tokens/auth", { auth, root });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body.token as string;
}

/** Runs main.ts to completion, for commands that must fail fast. */
async function runMain(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
) {
  return await runProcess([Deno.execPath(), "run", "-A", SERVER_MAIN, ...args], {
    ...options,
    cwd: REPO_ROOT,
  });
}

/** Spawns a server without the helper, to see its raw stdout and exit status. */
async function spawnRawServer(dataDir: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SERVER_MAIN, "--port", "0", "--quiet", "--data-dir", dataDir],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  while (!stdout.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    stdout += value;
  }
  return {
    firstLine: stdout,
    async stopWith(signal: Deno.Signal) {
      child.kill(signal);
      let rest = "";
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        rest += value;
      }
      const { code } = await child.output().catch(async () => await child.status);
      return { code, stdout: stdout + rest };
    },
  };
}

Deno.test("prints exactly one ready line with the real port for --port 0, exits 0 on SIGTERM", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "eds-test-" });
  try {
    const server = await spawnRawServer(dataDir);
    const match = server.firstLine.match(/^Listening on http:\/\/127\.0\.0\.1:(\d+)\/\n$/);
    assert.ok(match, `unexpected ready line: ${JSON.stringify(server.firstLine)}`);
    const port = Number(match[1]);
    assert.ok(port > 0 && port !== 8080);
    const reply = await fetch(`http://127.0.0.1:${port}${V1}/auth/tokens/api`);
    await reply.body?.cancel();
    assert.equal(reply.status, 401);
    const { code, stdout } = await server.stopWith("SIGTERM");
    assert.equal(code, 0);
    assert.equal(stdout, server.firstLine, "nothing but the ready line on stdout");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("exits 0 on SIGINT", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "eds-test-" });
  try {
    const server = await spawnRawServer(dataDir);
    assert.match(server.firstLine, /^Listening on /);
    assert.equal((await server.stopWith("SIGINT")).code, 0);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("helper: startServer reports url and port, stop() exits 0 and removes its temp dir", async () => {
  const server = await startServer();
  assert.equal(server.url, `http://127.0.0.1:${server.port}`);
  assert.ok((await Deno.stat(join(server.dataDir, "eds.sqlite"))).isFile);
  await server.stop();
  await assert.rejects(Deno.stat(server.dataDir), Deno.errors.NotFound);
  await server.stop(); // idempotent
});

Deno.test("a token created before a restart still works after it on the same data dir", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "eds-test-" });
  try {
    await addUser(dataDir, ALICE.email, ALICE.password);
    let token: string;
    {
      await using server = await startServer({ dataDir });
      token = await createApiToken(server, "ci");
    }
    await using server = await startServer({ dataDir });
    const reply = await call(server, "GET", "/auth/tokens/api", { auth: bearer(token) });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.tokens.map((t: { name: string }) => t.name), ["ci"]);
    await sessionToken(server, bearer(token));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("v0 and v1 API roots serve the same token routes", async () => {
  await using server = await serverWithUsers();
  const token = await createApiToken(server, "from-v1");
  const v0 = await call(server, "GET", "/auth/tokens/api", { auth: basic(ALICE), root: V0 });
  assert.equal(v0.status, 200);
  assert.deepEqual(v0.body.tokens.map((t: { name: string }) => t.name), ["from-v1"]);
  const created = await call(server, "POST", "/auth/tokens/api", {
    auth: bearer(token),
    json: { name: "from-v0" },
    root: V0,
  });
  assert.equal(created.status, 201);
  assert.ok(await sessionToken(server, basic(ALICE), V0));
  const deleted = await call(server, "DELETE", "/auth/tokens/api/from-v0", {
    auth: basic(ALICE),
    root: V0,
  });
  assert.equal(deleted.status, 204);
  assert.equal(deleted.body, null);
});

Deno.test("session exchange works with Basic credentials and the session token authenticates", async () => {
  await using server = await serverWithUsers();
  const session = await sessionToken(server, basic(ALICE));
  assert.match(session, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const header = JSON.parse(atob(session.split(".")[0]!));
  assert.deepEqual(header, { alg: "HS256", typ: "JWT" });
  const list = await call(server, "GET", "/auth/tokens/api", { auth: bearer(session) });
  assert.equal(list.status, 200);
  assert.deepEqual(list.body, { tokens: [] });
  // A session can be refreshed with itself, as hatcher does every 240 s.
  assert.notEqual(await sessionToken(server, bearer(session)), session);
});

Deno.test("session exchange works with a Bearer API token", async () => {
  await using server = await serverWithUsers();
  const token = await createApiToken(server, "laptop");
  const session = await sessionToken(server, bearer(token));
  assert.notEqual(session, token);
  const list = await call(server, "GET", "/auth/tokens/api", { auth: bearer(session) });
  assert.equal(list.status, 200);
  assert.equal(list.body.tokens[0].name, "laptop");
});

Deno.test("listing shows name, created and last_used (null until the token is used), sorted", async () => {
  await using server = await serverWithUsers();
  // The real server's format (user guide: `2014-10-20T17:30:07.956240`): UTC, no zone, microseconds.
  const before = new Date().toISOString().replace("Z", "000");
  const zeta = await createApiToken(server, "zeta");
  await createApiToken(server, "alpha");
  const first = await call(server, "GET", "/auth/tokens/api", { auth: basic(ALICE) });
  assert.deepEqual(first.body.tokens.map((t: { name: string }) => t.name), ["alpha", "zeta"]);
  for (const token of first.body.tokens) {
    assert.deepEqual(Object.keys(token).sort(), ["created", "last_used", "name"]);
    assert.equal(token.last_used, null);
    assert.match(token.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    assert.ok(token.created >= before);
  }
  await sessionToken(server, bearer(zeta));
  const second = await call(server, "GET", "/auth/tokens/api", { auth: basic(ALICE) });
  const [alpha, used] = second.body.tokens;
  assert.equal(alpha.last_used, null);
  assert.match(used.last_used, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  assert.ok(used.last_used >= used.created);
  assert.ok(!JSON.stringify(second.body).includes(zeta), "the list never shows a secret");
});

Deno.test("a deleted API token is refused at once, and so are sessions obtained with it", async () => {
  await using server = await serverWithUsers();
  const token = await createApiToken(server, "doomed");
  const session = await sessionToken(server, bearer(token));
  const refreshed = await sessionToken(server, bearer(session));
  const passwordSession = await sessionToken(server, basic(ALICE));
  const deleted = await call(server, "DELETE", "/auth/tokens/api/doomed?force=False", {
    auth: bearer(token),
  });
  assert.equal(deleted.status, 204);
  for (const dead of [token, session, refreshed]) {
    assertJsonError(
      await call(server, "GET", "/auth/tokens/api", { auth: bearer(dead) }),
      401,
      "Authentication failed",
    );
    assertJsonError(
      await call(server, "POST", "/auth/tokens/auth", { auth: bearer(dead) }),
      401,
      "Authentication failed",
    );
  }
  const alive = await call(server, "GET", "/auth/tokens/api", { auth: bearer(passwordSession) });
  assert.equal(alive.status, 200);
});

Deno.test("wrong password, unknown user, bad or missing credentials give 401 JSON", async () => {
  await using server = await serverWithUsers();
  const token = await createApiToken(server, "real");
  const [head, payload] = token.split(".");
  const attempts = [
    basic({ email: ALICE.email, password: "wrong" }),
    basic({ email: "nobody@example.com", password: ALICE.password }),
    "Basic !!!not-base64",
    bearer("not-a-token"),
    bearer(`${head}.${payload}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`),
    "Digest abc",
    undefined,
  ];
  for (const auth of attempts) {
    assertJsonError(
      await call(server, "POST", "/auth/tokens/auth", { auth }),
      401,
      "Authentication failed",
    );
  }
  assertJsonError(await call(server, "GET", "/auth/tokens/api"), 401, "Authentication failed");
  // Emails are matched case-insensitively.
  const upper = basic({ email: ALICE.email.toUpperCase(), password: ALICE.password });
  assert.equal((await call(server, "POST", "/auth/tokens/auth", { auth: upper })).status, 200);
});

Deno.test("creating a second token with the same name gives 409", async () => {
  await using server = await serverWithUsers();
  await createApiToken(server, "twice");
  assertJsonError(
    await call(server, "POST", "/auth/tokens/api", { auth: basic(ALICE), json: { name: "twice" } }),
    409,
    "An API token named 'twice' already exists",
  );
  // Another user may use the same name.
  await createApiToken(server, "twice", BOB);
});

Deno.test("another user's token is invisible and cannot be deleted (404)", async () => {
  await using server = await serverWithUsers();
  const aliceToken = await createApiToken(server, "alice-only");
  const bobList = await call(server, "GET", "/auth/tokens/api", { auth: basic(BOB) });
  assert.deepEqual(bobList.body, { tokens: [] });
  assertJsonError(
    await call(server, "DELETE", "/auth/tokens/api/alice-only", { auth: basic(BOB) }),
    404,
    "No API token named 'alice-only'",
  );
  assertJsonError(
    await call(server, "DELETE", "/auth/tokens/api/never-existed", { auth: basic(ALICE) }),
    404,
    "No API token named 'never-existed'",
  );
  assert.equal(
    (await call(server, "GET", "/auth/tokens/api", { auth: bearer(aliceToken) })).status,
    200,
  );
});

Deno.test("token names outside 1-100 letters, digits, '-', '_', '.' give 400", async () => {
  await using server = await serverWithUsers();
  for (const name of ["", "has space", "slash/name", "ünïcode", "x".repeat(101), "..", 42, null]) {
    assertJsonError(
      await call(server, "POST", "/auth/tokens/api", { auth: basic(ALICE), json: { name } }),
      400,
      /1-100 characters of letters, digits/,
    );
  }
  assertJsonError(
    await call(server, "POST", "/auth/tokens/api", { auth: basic(ALICE), json: {} }),
    400,
  );
  await createApiToken(server, "x".repeat(100));
  await createApiToken(server, "My-laptop_2.0");
});

Deno.test("malformed JSON and non-object bodies give 400", async () => {
  await using server = await serverWithUsers();
  const auth = basic(ALICE);
  for (const rawBody of ["{not json", "[1,2]", '"name"', "", "null"]) {
    assertJsonError(
      await call(server, "POST", "/auth/tokens/api", { auth, rawBody }),
      400,
      /JSON/,
    );
  }
});

Deno.test("bodies over 64 KiB give 413, with or without Content-Length", async () => {
  await using server = await serverWithUsers();
  const auth = basic(ALICE);
  const big = JSON.stringify({ name: "big", padding: "x".repeat(70_000) });
  const message = "Request body too large (limit 65536 bytes)";
  assertJsonError(
    await call(server, "POST", "/auth/tokens/api", { auth, rawBody: big }),
    413,
    message,
  );
  const chunk = new TextEncoder().encode(big.slice(0, 10_000));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 10) controller.enqueue(chunk);
      else controller.close();
    },
  });
  assertJsonError(
    await call(server, "POST", "/auth/tokens/api", { auth, rawBody: stream }),
    413,
    message,
  );
});

Deno.test("unknown routes give 404 JSON", async () => {
  await using server = await serverWithUsers();
  for (const path of ["/", "/api/v2/json/auth/tokens/api", `${V1}/nope`, `${V1}`]) {
    const response = await fetch(`${server.url}${path}`);
    assertJsonError(
      { status: response.status, headers: response.headers, body: await response.json() },
      404,
      "Not found",
    );
  }
});

Deno.test("a known path with the wrong method gives 405 JSON with an Allow header", async () => {
  await using server = await serverWithUsers();
  const put = await call(server, "PUT", "/auth/tokens/api", { auth: basic(ALICE) });
  assertJsonError(put, 405);
  assert.equal(put.headers.get("allow"), "GET, HEAD, POST");
  const get = await call(server, "GET", "/auth/tokens/auth");
  assertJsonError(get, 405);
  assert.equal(get.headers.get("allow"), "POST");
});

Deno.test("--admin without EDS_ADMIN_PASSWORD on a fresh data dir fails with exit 2", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "eds-test-" });
  try {
    const { code, stdout, stderr } = await runMain([
      "--port",
      "0",
      "--data-dir",
      dataDir,
      "--admin",
      "root@example.com",
    ]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(stderr, /^error: EDS_ADMIN_PASSWORD must be set[^\n]*\n$/);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("--admin creates the site administrator once; later starts keep its password", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "eds-test-" });
  const admin = { email: "root@example.com", password: "first-Pa55" };
  try {
    {
      await using server = await startServer({ dataDir, admin });
      await sessionToken(server, basic(admin));
    }
    {
      // A different password on restart must not replace the stored one.
      await using server = await startServer({
        dataDir,
        admin: { email: admin.email, password: "ignored" },
      });
      await sessionToken(server, basic(admin));
      const ignored = basic({ email: admin.email, password: "ignored" });
      assertJsonError(await call(server, "POST", "/auth/tokens/auth", { auth: ignored }), 401);
    }
    // Existing admin: no password needed at all.
    const noPassword = await spawnRawServerWithArgs([
      "--data-dir",
      dataDir,
      "--admin",
      admin.email,
    ]);
    assert.equal(noPassword.code, 0, noPassword.stderr);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

/** Starts main.ts with extra args and no EDS_ADMIN_PASSWORD, waits for readiness, SIGTERMs it. */
async function spawnRawServerWithArgs(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SERVER_MAIN, "--port", "0", "--quiet", ...args],
    cwd: REPO_ROOT,
    env: {},
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = await reader.read();
  if (!first.done) child.kill("SIGTERM");
  while (!(await reader.read()).done) { /* drain */ }
  const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
  const { code } = await child.status;
  return { code, ready: first.value ?? "", stderr };
}

Deno.test("bad arguments print one error line and exit 2", async () => {
  const cases = [
    [],
    ["--data-dir", "/tmp/x", "--port", "abc"],
    ["--data-dir", "/tmp/x", "--port", "70000"],
    ["--data-dir", "/tmp/x", "--bogus"],
    ["--data-dir", "/tmp/x", "--tls-cert", "/nonexistent.pem"],
    ["--data-dir", "/tmp/x", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"],
    ["--data-dir", "/tmp/x", "stray"],
    ["add-user", "--data-dir", "/tmp/x"],
  ];
  for (const args of cases) {
    const { code, stderr } = await runMain(args);
    assert.equal(code, 2, `args ${args.join(" ")}: ${stderr}`);
    assert.match(stderr, /^error: [^\n]+\n$/, `args ${args.join(" ")}`);
    assert.doesNotMatch(stderr, /\bat .*:\d+:\d+/, "no stack trace");
  }
});

Deno.test("add-user fails without waiting when stdin is empty, and exits 1 for an existing user", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "eds-test-" });
  try {
    const empty = await runMain(["add-user", "--data-dir", dataDir, ALICE.email], { stdin: "" });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no password on stdin/);
    await addUser(dataDir, ALICE.email, ALICE.password, { siteAdmin: true });
    const again = await runMain(["add-user", "--data-dir", dataDir, "ALICE@example.com"], {
      stdin: "other\n",
    });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
    assert.ok(!again.stderr.includes("other"));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("add-user works while a server is running on the same data dir", async () => {
  await using server = await startServer();
  await addUser(server.dataDir, "carol@example.com", "carol-Pa55");
  const carol = { email: "carol@example.com", password: "carol-Pa55" };
  await sessionToken(server, basic(carol));
});

Deno.test("serves HTTPS with a self-signed certificate and says https in the ready line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "eds-tls-" });
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  try {
    // deno-fmt-ignore
    const openssl = await new Deno.Command("openssl", {
      args: [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:FALSE",
        "-days", "1", "-keyout", key, "-out", cert,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(openssl.code, 0, new TextDecoder().decode(openssl.stderr));
    const dataDir = join(dir, "data");
    await Deno.mkdir(dataDir);
    await addUser(dataDir, ALICE.email, ALICE.password);
    await using server = await startServer({ dataDir, tlsCert: cert, tlsKey: key });
    assert.equal(server.url, `https://127.0.0.1:${server.port}`);
    using client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(cert)] });
    const reply = await call(server, "POST", "/auth/tokens/auth", { auth: basic(ALICE), client });
    assert.equal(reply.status, 200);
    assert.ok(reply.body.token);
    await assert.rejects(fetch(`${server.url}${V1}/auth/tokens/api`), "untrusted without the CA");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the request log never contains passwords or tokens", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "eds-test-" });
  try {
    await addUser(dataDir, ALICE.email, ALICE.password);
    await using server = await startServer({ dataDir, logRequests: true });
    const token = await createApiToken(server, "logged");
    const session = await sessionToken(server, bearer(token));
    await call(server, "GET", "/auth/tokens/api", { auth: bearer(session) });
    await call(server, "POST", "/auth/tokens/auth", {
      auth: basic({ email: ALICE.email, password: "wrong-Secret" }),
    });
    await call(server, "DELETE", "/auth/tokens/api/logged?force=False", { auth: bearer(token) });
    await server.stop();
    const log = server.stderrText();
    assert.match(log, /^POST \/api\/v1\/json\/auth\/tokens\/api 201 [\d.]+ms$/m);
    assert.match(log, /^DELETE \/api\/v1\/json\/auth\/tokens\/api\/logged 204 [\d.]+ms$/m);
    assert.equal(log.trim().split("\n").length, 5, log);
    for (const secret of [ALICE.password, "wrong-Secret", token, session, btoa(ALICE.email)]) {
      assert.ok(!log.includes(secret), "secret leaked into the log");
    }
    assert.ok(!log.includes(token.split(".")[2]!), "token signature leaked into the log");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("token store: sessions expire after 15 minutes and tampered tokens are rejected", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "eds-test-" });
  const db = openDatabase(dataDir);
  try {
    db.prepare(
      "INSERT INTO users (email, password_hash, created_at) VALUES ('t@example.com', 'x', 'now')",
    ).run();
    const store = new TokenStore(db, new Uint8Array(32).fill(7));
    const start = new Date("2030-01-01T00:00:00Z");
    const session = store.createSession(1, null, start);
    assert.equal(store.verify(session, start)?.userId, 1);
    const nearlyExpired = new Date(start.getTime() + SESSION_LIFETIME_MS - 1000);
    assert.equal(store.verify(session, nearlyExpired)?.kind, "session");
    assert.equal(store.verify(session, new Date(start.getTime() + SESSION_LIFETIME_MS)), null);

    const api = store.createApiToken(1, "t", {}, start);
    const payload = readSignedPayload(new Uint8Array(32).fill(7), api);
    assert.equal(payload?.typ, "api");
    assert.equal(payload?.jti.length, 32);
    assert.equal(readSignedPayload(new Uint8Array(32).fill(8), api), null, "other secret");
    const [h, p, s] = api.split(".") as [string, string, string];
    const forged = btoa(JSON.stringify({ typ: "session", id: 1, jti: "x", exp: 9e9 }))
      .replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    assert.equal(store.verify(`${h}.${forged}.${s}`), null);
    assert.equal(store.verify(`${h}.${p}.${s.slice(0, -2)}AA`), null);
    assert.ok(store.verify(api));
    // The database holds only hashes: the token text appears nowhere.
    const dump = JSON.stringify(db.prepare("SELECT * FROM api_tokens").all());
    assert.ok(!dump.includes(api) && !dump.includes(s));
  } finally {
    db.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
