/** End to end: the CLI against the reference server over HTTPS with a self-signed certificate. */
import assert from "node:assert/strict";
import { runCli } from "./helpers/cli.ts";
import { startTlsServer } from "./helpers/tls.ts";

const ADMIN = { email: "tls@example.com", password: "tls password" };

Deno.test("a self-signed server is refused without -k and works with it", async (t) => {
  await using server = await startTlsServer({ admin: ADMIN });
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const asAdmin = ["-u", server.url, "-U", ADMIN.email, "-p", ADMIN.password];

  await t.step("without --insecure: a TLS error that suggests --insecure", async () => {
    const run = await runCli([...asAdmin, "api-tokens", "list"]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.match(run.stderr, /^TLS certificate verification failed for https:\/\/127\.0\.0\.1:/);
    assert.match(run.stderr, /--insecure/);
  });
  await t.step("with -k", async () => {
    const created = await runCli([...asAdmin, "-k", "api-tokens", "create", "over-tls"]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^Created API token over-tls: '/);
  });
  await t.step("with HATCHER_INSECURE=1", async () => {
    const run = await runCli([...asAdmin, "api-tokens", "list"], {
      env: { HATCHER_INSECURE: "1" },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^over-tls \|/m);
  });
  await t.step("HATCHER_INSECURE=0 keeps verification on", async () => {
    const run = await runCli([...asAdmin, "api-tokens", "list"], {
      env: { HATCHER_INSECURE: "0" },
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^TLS certificate verification failed/);
  });
  await t.step("-k beats HATCHER_INSECURE=false", async () => {
    const run = await runCli([...asAdmin, "-k", "api-tokens", "list"], {
      env: { HATCHER_INSECURE: "false" },
    });
    assert.equal(run.code, 0, run.stderr);
  });
});
