/**
 * End to end: a server whose certificate a company CA signed (made with
 * openssl in the test). Every kind of request (login, admin calls, listing,
 * metadata, upload, batch upload, download) succeeds with `--ca-cert`, its
 * variable, a profile setting or `SSL_CERT_FILE`, and fails without them with
 * the TLS message; in each runtime we ship.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { binaryPath, BUNDLE_PATH, ensureBuilt } from "./helpers/build.ts";
import { runCli, runProcess } from "./helpers/cli.ts";
import { writeEgg } from "./helpers/eggs.ts";
import { withTempDir } from "./helpers/files.ts";
import { makeCertificateAuthority, startTlsServer } from "./helpers/tls.ts";

const ADMIN = { email: "ca@example.com", password: "ca password" };
const TARGET = ["acme", "dev", "rh7-x86_64"];
const INDEX = [...TARGET, "cp311"];
const TLS_FAILURE =
  /^TLS certificate verification failed for https:\/\/127\.0\.0\.1:\d+.*--ca-cert FILE.*--insecure/;
const onLinuxX64 = Deno.build.os === "linux" && Deno.build.arch === "x86_64";

Deno.test("a company CA: every request works with --ca-cert and fails without it", async (t) => {
  await using server = await startTlsServer({ admin: ADMIN }, makeCertificateAuthority);
  const ca = server.certificate.caFile;
  const admin = ["-u", server.url, "-U", ADMIN.email, "-p", ADMIN.password];
  // The machine's own SSL_CERT_FILE (if any) does not hold the test CA.
  const env = { SSL_CERT_FILE: "" };

  await withTempDir(async (dir) => {
    const egg = await writeEgg(dir, { name: "trusted", version: "1.0" });
    const batch = [
      await writeEgg(dir, { name: "first", version: "1.0" }),
      await writeEgg(dir, { name: "second", version: "1.0" }),
    ];
    const downloads = join(dir, "downloads");
    await Deno.mkdir(downloads);
    const requests: [string, string[]][] = [
      ["organizations create", ["organizations", "create", "acme", "ACME"]],
      ["repositories create", ["repositories", "create", "acme", "dev", "dev eggs"]],
      ["api-tokens create", ["api-tokens", "create", "ca-token"]],
      ["eggs upload", ["eggs", "upload", ...TARGET, egg]],
      ["eggs batch-upload", ["eggs", "batch-upload", ...TARGET, ...batch]],
      ["eggs list", ["eggs", "list", ...INDEX]],
      ["eggs metadata", ["eggs", "metadata", ...INDEX, "trusted", "1.0-1"]],
      ["eggs download", ["eggs", "download", ...INDEX, "trusted", "1.0-1", downloads]],
    ];

    await t.step(
      "without the CA: each kind of request is refused with the TLS message",
      async () => {
        for (const [name, args] of requests) {
          const run = await runCli([...admin, ...args], { env });
          assert.equal(run.code, 1, name);
          assert.equal(run.stdout, "", name);
          assert.match(run.stderr, TLS_FAILURE, name);
          assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
        }
      },
    );
    await t.step("with --ca-cert: each kind of request succeeds", async () => {
      for (const [name, args] of requests) {
        const run = await runCli([...admin, "--ca-cert", ca, ...args], { env });
        assert.equal(run.code, 0, `${name}: ${run.stderr}`);
      }
      const listed = await runCli([...admin, "--ca-cert", ca, "eggs", "list", ...INDEX], { env });
      assert.match(listed.stdout, /^first-1\.0-1\.egg\s+\| cp311$/m);
      assert.match(listed.stdout, /^trusted-1\.0-1\.egg\s+\| cp311$/m);
      assert.ok((await Deno.stat(join(downloads, "trusted-1.0-1.egg"))).isFile);
    });
    await t.step("HATCHER_CA_CERT, then SSL_CERT_FILE, do the same", async () => {
      for (const variable of ["HATCHER_CA_CERT", "SSL_CERT_FILE"]) {
        const upload = await runCli([...admin, "eggs", "upload", "--force", ...TARGET, egg], {
          env: { ...env, [variable]: ca },
        });
        assert.equal(upload.code, 0, `${variable}: ${upload.stderr}`);
        const list = await runCli([...admin, "eggs", "list", ...INDEX], {
          env: { ...env, [variable]: ca },
        });
        assert.equal(list.code, 0, `${variable}: ${list.stderr}`);
      }
    });
    await t.step("a profile keeps the CA: login with --ca-cert, then nothing", async () => {
      const config = join(dir, "config");
      const profileEnv = { ...env, HATCHER_CONFIG_DIR: config };
      const login = await runCli([...admin, "--ca-cert", ca, "login"], { env: profileEnv });
      assert.equal(login.code, 0, login.stderr);
      const saved = JSON.parse(await Deno.readTextFile(join(config, "config.json")));
      assert.equal(saved.profiles.default.caCert, ca);
      const whoami = await runCli(["whoami"], { env: profileEnv });
      assert.equal(whoami.code, 0, whoami.stderr);
      assert.match(whoami.stdout, /^User: ca@example\.com/m);
      const upload = await runCli(["eggs", "upload", "--force", ...TARGET, egg], {
        env: profileEnv,
      });
      assert.equal(upload.code, 0, upload.stderr);
      const logout = await runCli(["logout"], { env: profileEnv });
      assert.equal(logout.code, 0, logout.stderr);
    });
    await t.step("a missing or non-PEM CA file is a usage error, before any request", async () => {
      const missing = await runCli([
        ...admin,
        "--ca-cert",
        join(dir, "nope.pem"),
        "eggs",
        "list",
        ...INDEX,
      ], { env });
      assert.deepEqual(missing, {
        code: 2,
        stdout: "",
        stderr: `Cannot read the CA certificate file ${
          join(dir, "nope.pem")
        } (--ca-cert): no such file\n`,
      });
      const notPem = await runCli([...admin, "eggs", "list", ...INDEX], {
        env: { ...env, HATCHER_CA_CERT: egg },
      });
      assert.equal(notPem.code, 2);
      assert.match(notPem.stderr, /\(HATCHER_CA_CERT\) holds no PEM certificate/);
    });
  });
});

Deno.test("a company CA in the bundle under node and the linux-x64 binary: upload and list", async (t) => {
  await ensureBuilt();
  await using server = await startTlsServer({ admin: ADMIN }, makeCertificateAuthority);
  const ca = server.certificate.caFile;
  const admin = ["-u", server.url, "-U", ADMIN.email, "-p", ADMIN.password];
  const env = { SSL_CERT_FILE: "" };
  const setUp = [["organizations", "create", "acme", "ACME"], [
    "repositories",
    "create",
    "acme",
    "dev",
    "d",
  ]];
  for (const args of setUp) {
    const run = await runCli([...admin, "--ca-cert", ca, ...args], { env });
    assert.equal(run.code, 0, run.stderr);
  }
  const runtimes: Record<string, string[]> = { "node dist/hatcher.mjs": ["node", BUNDLE_PATH] };
  if (onLinuxX64) runtimes["dist/hatcher-linux-x64"] = [binaryPath("linux-x64")];
  await withTempDir(async (dir) => {
    for (const [name, command] of Object.entries(runtimes)) {
      await t.step(name, async () => {
        const egg = await writeEgg(dir, { name: `from${command.length}`, version: "1.0" });
        const refused = await runProcess([...command, ...admin, "eggs", "upload", ...TARGET, egg], {
          env,
          cwd: "/",
        });
        assert.equal(refused.code, 1, refused.stderr);
        assert.match(refused.stderr, TLS_FAILURE);
        const upload = await runProcess(
          [...command, ...admin, "--ca-cert", ca, "eggs", "upload", ...TARGET, egg],
          { env, cwd: "/" },
        );
        assert.equal(upload.code, 0, upload.stderr);
        const list = await runProcess(
          [...command, ...admin, "eggs", "list", ...INDEX],
          { env: { ...env, HATCHER_CA_CERT: ca }, cwd: "/" },
        );
        assert.equal(list.code, 0, list.stderr);
        assert.match(list.stdout, new RegExp(`^from${command.length}-1\\.0-1\\.egg`, "m"));
      });
    }
  });
});
