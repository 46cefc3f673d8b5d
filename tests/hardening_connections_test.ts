/**
 * Issue 13 item 6, connections: the server's own connection layer
 * (server/serve.ts, `--timed-connections`) closes connections whose request head does not arrive in
 * time, idle keep-alive connections, and connections beyond the bound, while
 * bodies, TLS and a clean stop work as before. Raw sockets to real server
 * processes on loopback; timeouts of a second or two keep every test short.
 */
import assert from "node:assert/strict";
import { writeEgg } from "./helpers/eggs.ts";
import { withTempDir } from "./helpers/files.ts";
import { basic, expectStatus, makeCall, V1 } from "./helpers/http.ts";
import {
  rawRequest,
  readResponse,
  readStatus,
  readUntilClosed,
  requestHead,
  uploadBody,
  writeAll,
} from "./helpers/raw_http.ts";
import { REPO_ROOT, startServer } from "./helpers/server.ts";
import { makeCertificateAuthority, startTlsServer } from "./helpers/tls.ts";
import { PASSWORD, ROOT, startEggWorld, USERS } from "./helpers/world.ts";

const call = makeCall(ROOT);
const UPLOADER = { email: USERS.uploader, password: PASSWORD };
/** The connection layer is opt-in (docs/benchmarks.md says why). */
const TIMED = ["--timed-connections"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Closed by the server, at the timeout (not before), with slack for a busy machine. */
function assertClosedAfter(
  closed: { byServer: boolean; afterMs: number },
  timeoutMs: number,
  label: string,
) {
  assert.ok(closed.byServer, `${label}: still open`);
  assert.ok(closed.afterMs >= timeoutMs - 200, `${label}: closed after ${closed.afterMs} ms`);
  assert.ok(closed.afterMs < timeoutMs + 4000, `${label}: closed after ${closed.afterMs} ms`);
}

Deno.test("item 6: half-sent request lines and headers are closed after the header timeout", async () => {
  await using server = await startServer({ extraArgs: [...TIMED, "--header-timeout", "1"] });
  const head = requestHead(server, "GET", "/metadata/platforms");
  const halves = {
    "nothing at all": "",
    "half a request line": head.slice(0, 20),
    "the request line and half a header": head.slice(0, head.indexOf("\r\n") + 10),
    "every header but the blank line": head.slice(0, -2),
  };
  const closed = await Promise.all(
    Object.entries(halves).map(async ([label, text]) => {
      const connection = await rawRequest(server, text);
      return { label, ...await readUntilClosed(connection, 8000) };
    }),
  );
  for (const result of closed) {
    assertClosedAfter(result, 1000, result.label);
    assert.equal(result.text, "", `${result.label}: no answer`);
  }
});

Deno.test("item 6: a head dripped byte by byte is still closed at the header timeout", async () => {
  await using server = await startServer({ extraArgs: [...TIMED, "--header-timeout", "1"] });
  const head = requestHead(server, "GET", "/metadata/platforms", { "x-padding": "a".repeat(100) });
  const connection = await rawRequest(server, "");
  const dripping = (async () => {
    for (const byte of head.slice(0, -2)) {
      await writeAll(connection, byte);
      await sleep(100);
    }
  })().catch(() => {/* closed by the server */});
  assertClosedAfter(await readUntilClosed(connection, 8000), 1000, "dripped head");
  await dripping;
});

Deno.test("item 6: 200 half-open connections are all closed, and a normal request works meanwhile", async () => {
  await using server = await startServer({
    admin: ROOT,
    extraArgs: [...TIMED, "--header-timeout", "2"],
  });
  const head = requestHead(server, "GET", "/metadata/platforms");
  const connections = await Promise.all(
    Array.from({ length: 200 }, () => rawRequest(server, head.slice(0, 30))),
  );
  const closing = Promise.all(connections.map((connection) => readUntilClosed(connection, 10_000)));
  const started = performance.now();
  expectStatus(await call(server, "GET", "/metadata/platforms"), 200);
  const answeredMs = performance.now() - started;
  const closed = await closing;
  assert.ok(answeredMs < 1500, `answered while they were open, after ${answeredMs} ms`);
  assert.equal(closed.filter((result) => result.byServer).length, 200, "all closed by the server");
  for (const result of closed) assertClosedAfter(result, 2000, "half-open connection");
});

Deno.test("item 6: an idle keep-alive connection is closed after the keep-alive timeout", async () => {
  await using server = await startServer({
    extraArgs: [...TIMED, "--header-timeout", "1", "--keep-alive-timeout", "2"],
  });
  const head = requestHead(server, "GET", "/metadata/platforms");
  const connection = await rawRequest(server, head);
  assert.equal((await readResponse(connection)).status, 401);
  // Past the header timeout: an idle connection between requests is kept.
  await sleep(1300);
  await writeAll(connection, head);
  assert.equal((await readResponse(connection)).status, 401, "kept alive, served again");
  assertClosedAfter(await readUntilClosed(connection, 8000), 2000, "idle keep-alive connection");
});

Deno.test("item 6: a slow but steady upload is not cut by the header timeout", async () => {
  await withTempDir(async (dir) => {
    await using server = await startEggWorld({ extraArgs: [...TIMED, "--header-timeout", "1"] });
    const egg = await writeEgg(dir, { name: "steady", version: "1.0" }, { payloadBytes: 100_000 });
    const body = await uploadBody(egg, 0);
    const connection = await rawRequest(
      server,
      requestHead(server, "POST", "/data/acme/dev/rh7-x86_64/eggs/upload", {
        authorization: basic(UPLOADER),
        "content-type": body.contentType,
        "content-length": String(body.length),
      }),
    );
    // Ten pieces 300 ms apart: three times the header timeout in all.
    const piece = Math.ceil(body.rest.length / 10);
    const started = performance.now();
    for (let at = 0; at < body.rest.length; at += piece) {
      await sleep(300);
      await writeAll(connection, body.rest.subarray(at, at + piece));
    }
    assert.equal(await readStatus(connection), 201);
    assert.ok(performance.now() - started > 2500, "the upload took longer than the header timeout");
  });
});

Deno.test("item 6: connections beyond --max-connections are closed at once", async () => {
  await using server = await startServer({
    extraArgs: [...TIMED, "--max-connections", "5", "--header-timeout", "30"],
  });
  const held = await Promise.all(Array.from({ length: 5 }, () => rawRequest(server, "")));
  await sleep(300); // accepted by the server, not only by the kernel
  const refused = await readUntilClosed(await rawRequest(server, ""), 5000);
  assert.ok(refused.byServer && refused.afterMs < 1000, `closed after ${refused.afterMs} ms`);
  // The ones it holds are served.
  const head = requestHead(server, "GET", "/metadata/platforms");
  await writeAll(held[0]!, head);
  assert.equal((await readResponse(held[0]!)).status, 401);
  // A closed one makes room for a new one.
  held.pop()!.close();
  let status: number | null = null;
  for (let attempt = 0; attempt < 20 && status === null; attempt++) {
    await sleep(100);
    status = await readStatus(await rawRequest(server, head), 5000);
  }
  assert.equal(status, 401);
  for (const connection of held) connection.close();
});

Deno.test("item 6: TLS still works (HTTP/1.1 and HTTP/2), and half a head over TLS is closed in time", async () => {
  await using server = await startTlsServer(
    { admin: ROOT, extraArgs: [...TIMED, "--header-timeout", "1"] },
    makeCertificateAuthority,
  );
  const ca = await Deno.readTextFile(server.certificate.caFile);
  using client = Deno.createHttpClient({ caCerts: [ca] });
  const signIn = await fetch(`${server.url}${V1}/auth/tokens/auth`, {
    method: "POST",
    headers: { authorization: basic(ROOT) },
    client,
  });
  assert.equal(signIn.status, 200);
  assert.match((await signIn.json()).token, /\S{20,}/);
  for (const protocol of ["h2", "http/1.1"]) {
    const tls = await Deno.connectTls({
      hostname: "127.0.0.1",
      port: server.port,
      caCerts: [ca],
      alpnProtocols: [protocol],
    });
    assert.equal((await tls.handshake()).alpnProtocol, protocol);
    tls.close();
  }
  const half = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: server.port,
    caCerts: [ca],
    alpnProtocols: ["http/1.1"],
  });
  await writeAll(half, `GET ${V1}/metadata/platforms HTTP/1.1\r\nhost: 127`);
  assertClosedAfter(await readUntilClosed(half, 8000), 1000, "half a head over TLS");
});

Deno.test("item 6: a TLS connection silent past the header timeout is closed as soon as its client speaks", async () => {
  await using server = await startTlsServer(
    { extraArgs: [...TIMED, "--header-timeout", "1"] },
    makeCertificateAuthority,
  );
  const ca = await Deno.readTextFile(server.certificate.caFile);
  const silent = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  // Past the header timeout. Deno keeps the socket of a handshake that has
  // not begun (see server/serve.ts), so the server can only act now.
  await sleep(1500);
  const late = await Deno.startTls(silent, { hostname: "127.0.0.1", caCerts: [ca] });
  const closed = await readUntilClosed(late, 5000);
  assert.ok(closed.byServer && closed.afterMs < 1000, `closed after ${closed.afterMs} ms`);
  assert.equal(closed.text, "");
  using client = Deno.createHttpClient({ caCerts: [ca] });
  const reply = await fetch(`${server.url}${V1}/metadata/platforms`, { client });
  assert.equal(reply.status, 401, "others are served");
  await reply.body?.cancel();
});

Deno.test("item 6: SIGTERM finishes an in-flight upload, closes idle connections and exits 0", async () => {
  await withTempDir(async (dir) => {
    const server = await startEggWorld({ extraArgs: TIMED });
    const egg = await writeEgg(dir, { name: "inflight", version: "1.0" }, {
      payloadBytes: 300_000,
    });
    const body = await uploadBody(egg, 200_000);
    const upload = await rawRequest(
      server,
      requestHead(server, "POST", "/data/acme/dev/rh7-x86_64/eggs/upload", {
        authorization: basic(UPLOADER),
        "content-type": body.contentType,
        "content-length": String(body.length),
      }),
    );
    await writeAll(upload, body.first);
    const idle = await rawRequest(server, "");
    const keptAlive = await rawRequest(server, requestHead(server, "GET", "/metadata/platforms"));
    assert.equal((await readResponse(keptAlive)).status, 401);
    await sleep(300);
    const started = performance.now();
    const stopping = server.stop(); // SIGTERM; rejects unless the exit code is 0
    const [idleClosed, keptAliveClosed] = await Promise.all([
      readUntilClosed(idle, 5000),
      readUntilClosed(keptAlive, 5000),
    ]);
    assert.ok(idleClosed.byServer && keptAliveClosed.byServer, "idle connections closed");
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.1", port: server.port }),
      Deno.errors.ConnectionRefused,
    );
    await writeAll(upload, body.rest);
    assert.equal(await readStatus(upload), 201, "the in-flight upload completed");
    await stopping;
    assert.ok(performance.now() - started < 5000, "stopped without waiting for the grace period");
  });
});

Deno.test("item 6: connection limits must be positive whole numbers", async () => {
  for (
    const [option, value] of [["--header-timeout", "0"], ["--keep-alive-timeout", "1.5"], [
      "--max-connections",
      "many",
    ]]
  ) {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "server/main.ts", "--data-dir", "/nonexistent", option!, value!],
      cwd: REPO_ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 2, option);
    assert.match(
      new TextDecoder().decode(stderr),
      new RegExp(`^error: ${option} must be a positive whole number, got '${value}'\\n$`),
    );
  }
});
