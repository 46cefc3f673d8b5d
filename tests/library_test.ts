/**
 * The library (`mod.ts`) in-process against the reference server, plus small
 * loopback servers for what the reference server cannot be made to do on
 * demand (fail with 500, hang, redirect).
 */
import assert from "node:assert/strict";
import {
  AuthenticationError,
  ConflictError,
  ConnectionError,
  createToken,
  HatcherError,
  listTokens,
  login,
  NotFoundError,
  revokeToken,
  ServerError,
  TimeoutError,
  TlsError,
  VERSION,
} from "../mod.ts";
import { REPO_ROOT, startServer } from "./helpers/server.ts";
import { startTlsServer } from "./helpers/tls.ts";

const ADMIN = { email: "lib@example.com", password: "library password" };
const asAdmin = { username: ADMIN.email, password: ADMIN.password };

/** A loopback server with a custom handler, for failure modes. */
function serveOnce(handler: Deno.ServeHandler): Deno.HttpServer & { url: string } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  return Object.assign(server, { url: `http://127.0.0.1:${server.addr.port}` });
}

Deno.test("login, createToken, listTokens and revokeToken round trip", async () => {
  await using server = await startServer({ admin: ADMIN });
  const session = await login(server.url, asAdmin);
  assert.equal(session.authMethod, "password");
  assert.equal(session.username, ADMIN.email);
  assert.equal(session.url, server.url);

  const created = await createToken(session, "lib-token");
  assert.equal(created.name, "lib-token");
  let [listed] = await listTokens(session);
  assert.equal(listed?.name, "lib-token");
  assert.equal(listed?.lastUsed, null);
  assert.ok(!Number.isNaN(Date.parse(listed!.created)));

  const viaToken = await login(`${server.url}/`, { token: created.token });
  assert.equal(viaToken.authMethod, "token");
  assert.equal(viaToken.username, undefined);
  [listed] = await listTokens(viaToken);
  assert.ok(listed?.lastUsed, "using the token sets lastUsed");

  await revokeToken(viaToken, "lib-token");
  await assert.rejects(listTokens(viaToken), AuthenticationError, "its session dies with it");
  await assert.rejects(login(server.url, { token: created.token }), AuthenticationError);
  assert.deepEqual(await listTokens(session), []);
});

Deno.test("the password wins when both credentials are given", async () => {
  await using server = await startServer({ admin: ADMIN });
  const session = await login(server.url, { ...asAdmin, token: "bogus" });
  assert.equal(session.authMethod, "password");
});

Deno.test("incomplete credentials are a TypeError before any request", async () => {
  let requests = 0;
  const counting: typeof fetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const options = { fetch: counting };
  await assert.rejects(login("http://127.0.0.1:9", { password: "x" }, options), TypeError);
  await assert.rejects(login("http://127.0.0.1:9", { username: "a@b.c" }, options), TypeError);
  await assert.rejects(login("http://127.0.0.1:9", {}, options), TypeError);
  await assert.rejects(login("ftp://host", { token: "t" }, options), TypeError);
  assert.equal(requests, 0);
});

Deno.test("typed errors: conflict and not found carry the server's text", async () => {
  await using server = await startServer({ admin: ADMIN });
  const session = await login(server.url, asAdmin);
  await createToken(session, "dup");
  const conflict = await assert.rejects(createToken(session, "dup"), (error) => {
    assert.ok(error instanceof ConflictError);
    assert.equal(error.status, 409);
    assert.equal(error.method, "POST");
    assert.equal(error.message, "An API token named 'dup' already exists");
    return true;
  });
  void conflict;
  await assert.rejects(revokeToken(session, "missing"), (error) => {
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.message, "No API token named 'missing'");
    return true;
  });
});

Deno.test("requests carry the hatcher User-Agent and a session token, not the password", async () => {
  await using server = await startServer({ admin: ADMIN });
  const seen: { url: string; headers: Headers }[] = [];
  const recording: typeof fetch = (input, init) => {
    seen.push({ url: String(input), headers: new Headers(init?.headers) });
    return fetch(input, init);
  };
  const session = await login(server.url, asAdmin, { fetch: recording });
  await listTokens(session);
  assert.equal(seen.length, 2);
  for (const { headers } of seen) assert.equal(headers.get("user-agent"), `hatcher/${VERSION}`);
  assert.match(seen[0]!.headers.get("authorization")!, /^Basic /);
  assert.match(seen[1]!.headers.get("authorization")!, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  assert.ok(seen[1]!.url.endsWith("/api/v1/json/auth/tokens/api"));
});

Deno.test("a session value holds no secret", async () => {
  await using server = await startServer({ admin: ADMIN });
  const session = await login(server.url, asAdmin);
  const { token } = await createToken(session, "hidden");
  const viaToken = await login(server.url, { token });
  for (const shown of [Deno.inspect(session), JSON.stringify(session), Deno.inspect(viaToken)]) {
    assert.ok(!shown.includes(ADMIN.password) && !shown.includes(token), shown);
  }
});

Deno.test("apiVersion 0 uses /api/v0/json", async () => {
  await using server = await startServer({ admin: ADMIN });
  const urls: string[] = [];
  const session = await login(server.url, asAdmin, {
    apiVersion: 0,
    fetch: (input, init) => (urls.push(String(input)), fetch(input, init)),
  });
  await listTokens(session);
  assert.ok(urls.every((url) => url.includes("/api/v0/json/")), urls.join());
});

Deno.test("a stopped server gives a ConnectionError naming the URL", async () => {
  const server = await startServer();
  await server.stop();
  await assert.rejects(login(server.url, { token: "t" }), (error) => {
    assert.ok(error instanceof ConnectionError && !(error instanceof TlsError));
    assert.ok(error.message.startsWith(`Cannot connect to ${server.url}/`), error.message);
    return true;
  });
});

Deno.test("a server that never answers gives a TimeoutError", async () => {
  const hung = Promise.withResolvers<void>();
  await using server = serveOnce(async () => {
    await hung.promise;
    return new Response("late");
  });
  await assert.rejects(login(server.url, { token: "t" }, { timeout: 200 }), (error) => {
    assert.ok(error instanceof TimeoutError);
    assert.match(error.message, /within 0\.2 s/);
    return true;
  });
  hung.resolve();
});

Deno.test("an aborted signal cancels the request", async () => {
  const hung = Promise.withResolvers<void>();
  await using server = serveOnce(async () => {
    await hung.promise;
    return new Response("late");
  });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException("user gave up", "AbortError")), 100);
  await assert.rejects(
    login(server.url, { token: "t" }, { signal: controller.signal }),
    (error) => error instanceof DOMException && error.name === "AbortError",
  );
  hung.resolve();
});

Deno.test("a 5xx is a ServerError with the server's text", async () => {
  await using server = serveOnce(() =>
    Response.json({ error: "database is on fire" }, { status: 503 })
  );
  await assert.rejects(login(server.url, { token: "t" }), (error) => {
    assert.ok(error instanceof ServerError);
    assert.equal(error.status, 503);
    assert.equal(error.message, "Server error (HTTP 503): database is on fire");
    return true;
  });
});

Deno.test("a redirect is refused, not followed, and named", async () => {
  let followed = false;
  await using server = serveOnce((request) => {
    if (new URL(request.url).pathname.startsWith("/elsewhere")) followed = true;
    return new Response(null, { status: 302, headers: { location: "/elsewhere" } });
  });
  await assert.rejects(login(server.url, { token: "t" }), (error) => {
    assert.ok(error instanceof HatcherError);
    assert.match(error.message, /redirected POST .* to .*\/elsewhere/);
    return true;
  });
  assert.equal(followed, false);
});

Deno.test("TLS: a self-signed server is a TlsError, and insecure: true connects", async () => {
  await using server = await startTlsServer({ admin: ADMIN });
  await assert.rejects(login(server.url, asAdmin), (error) => {
    assert.ok(error instanceof TlsError);
    assert.ok(error.message.includes(server.url), error.message);
    assert.match(error.message, /self-signed certificate/);
    assert.match(error.message, /--insecure/);
    return true;
  });
  const session = await login(server.url, asAdmin, { insecure: true });
  const { token } = await createToken(session, "tls");
  assert.deepEqual((await listTokens(session)).map((t) => t.name), ["tls"]);
  await revokeToken(session, "tls");
  await assert.rejects(login(server.url, { token }, { insecure: true }), AuthenticationError);
});

Deno.test("VERSION matches deno.json", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/deno.json`));
  assert.equal(VERSION, config.version);
});

/** A fake EDS that accepts any login and answers token listings through `listing`. */
function fakeEds(listing: (attempt: number) => Response) {
  let attempts = 0;
  let creates = 0;
  const server = serveOnce((request) => {
    const path = new URL(request.url).pathname;
    if (path.endsWith("/auth/tokens/auth")) return Response.json({ token: "session" });
    if (request.method === "POST") {
      creates++;
      return Response.json({ error: "overloaded" }, { status: 503 });
    }
    return listing(++attempts);
  });
  return Object.assign(server, { attempts: () => attempts, creates: () => creates });
}

Deno.test("GET requests are retried with backoff on 502/503/504, then succeed", async () => {
  await using server = fakeEds((attempt) =>
    attempt <= 2
      ? Response.json({ error: "busy" }, { status: attempt === 1 ? 502 : 503 })
      : Response.json({ tokens: [] })
  );
  const session = await login(server.url, { token: "t" }, { retryDelay: 10 });
  assert.deepEqual(await listTokens(session), []);
  assert.equal(server.attempts(), 3);
});

Deno.test("retries stop after the configured count", async () => {
  await using server = fakeEds(() => Response.json({ error: "down" }, { status: 504 }));
  const session = await login(server.url, { token: "t" }, { retryDelay: 1, retries: 2 });
  await assert.rejects(listTokens(session), ServerError);
  assert.equal(server.attempts(), 3, "one try and two retries");
});

Deno.test("a POST whose effect is unknown is never retried", async () => {
  await using server = fakeEds(() => Response.json({ tokens: [] }));
  const session = await login(server.url, { token: "t" }, { retryDelay: 1 });
  await assert.rejects(createToken(session, "once"), ServerError);
  assert.equal(server.creates(), 1);
});

Deno.test("a GET is retried after the connection is reset", async () => {
  // A raw TCP server: the first listing connection is closed without an answer.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let listings = 0;
  const serving = (async () => {
    for await (const connection of listener) {
      const buffer = new Uint8Array(65536);
      const read = await connection.read(buffer).catch(() => null);
      const head = new TextDecoder().decode(buffer.subarray(0, read ?? 0));
      const body = head.startsWith("POST")
        ? JSON.stringify({ token: "session" })
        : ++listings === 1
        ? undefined
        : JSON.stringify({ tokens: [] });
      if (body !== undefined) {
        const answer = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n` +
          `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`;
        await connection.write(new TextEncoder().encode(answer)).catch(() => {});
      }
      connection.close();
    }
  })().catch(() => {});
  const url = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  const session = await login(url, { token: "t" }, { retryDelay: 10 });
  assert.deepEqual(await listTokens(session), []);
  assert.equal(listings, 2);
  listener.close();
  await serving;
});

Deno.test("names that a URL would resolve away never reach a request", async () => {
  const { anonymousSession, listEggs, HatcherError } = await import("../mod.ts");
  // Nothing listens there: a request would fail with a ConnectionError instead.
  const session = anonymousSession("http://127.0.0.1:9");
  for (const organization of ["..", ".", ""]) {
    await assert.rejects(
      listEggs(session, {
        organization,
        repository: "dev",
        platform: "rh7-x86_64",
        pythonTag: "cp311",
      }),
      (error: unknown) =>
        error instanceof HatcherError &&
        /Refusing the name .* in a request path/.test(error.message),
      JSON.stringify(organization),
    );
  }
});
