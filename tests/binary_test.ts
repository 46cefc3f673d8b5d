/**
 * End to end: the standalone builds in `dist/` (scripts/build.ts, run at most
 * once per test run by helpers/build.ts). The linux-x64 binary runs with an
 * empty environment against the reference server; the bundle runs under Node;
 * the other targets are checked by their executable headers; SHA256SUMS by
 * `sha256sum -c`.
 */
import assert from "node:assert/strict";
import { VERSION } from "../lib/version.ts";
import {
  binaryName,
  binaryPath,
  BUNDLE_PATH,
  DIST,
  ensureBuilt,
  expectedOutputs,
  SUMS_PATH,
  type Target,
} from "./helpers/build.ts";
import { type CliRun, runCli, runProcess } from "./helpers/cli.ts";
import { startServer } from "./helpers/server.ts";
import { ROOT, startEggWorld } from "./helpers/world.ts";
import { writeEgg } from "./helpers/eggs.ts";
import { withTempDir } from "./helpers/files.ts";
import { createToken, login, sha256File, uploadEgg } from "../mod.ts";
import { join } from "node:path";
import { startTlsServer } from "./helpers/tls.ts";

const ADMIN = { email: "binary@example.com", password: "binary password" };
const TOKEN_LINE = /^Created API token ([^:]+): '([^']+)'\n$/;
const onLinuxX64 = Deno.build.os === "linux" && Deno.build.arch === "x86_64";

/** Runs the linux-x64 binary through `env -i` (nothing inherited) from `/`. */
async function runBinary(args: string[], stdin?: string): Promise<CliRun> {
  const child = new Deno.Command("/usr/bin/env", {
    args: ["-i", binaryPath("linux-x64"), ...args],
    clearEnv: true,
    cwd: "/",
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const { code, stdout, stderr } = await child.output();
  clearTimeout(timer);
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test({
  name: "the linux-x64 binary, with an empty environment: create, list, delete, refused",
  ignore: !onLinuxX64,
  async fn() {
    await ensureBuilt();
    await using server = await startServer({ admin: ADMIN });

    const version = await runBinary(["--version"]);
    assert.deepEqual(version, { code: 0, stdout: `hatcher ${VERSION}\n`, stderr: "" });

    const created = await runBinary(
      ["-u", server.url, "-U", ADMIN.email, "api-tokens", "create", "binary-token"],
      `${ADMIN.password}\n`,
    );
    assert.equal(created.code, 0, created.stderr);
    const match = created.stdout.match(TOKEN_LINE);
    assert.ok(match, `unexpected output: ${created.stdout}`);
    assert.equal(match[1], "binary-token");
    const token = match[2]!;

    const listed = await runBinary(["-u", server.url, "api-tokens", "list", "--token", token]);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^Name\s+\| Created\s+\| Last Used$/);
    assert.match(lines[1]!, /^binary-token \| \d{4}-\d\d-\d\dT/);
    assert.equal(lines.length, 2);

    const deleted = await runBinary([
      "-u",
      server.url,
      "--token",
      token,
      "api-tokens",
      "delete",
      "binary-token",
    ]);
    assert.deepEqual(deleted, { code: 0, stdout: "", stderr: "" });

    const refused = await runBinary(["-u", server.url, "--token", token, "api-tokens", "list"]);
    assert.deepEqual(refused, { code: 1, stdout: "", stderr: "Authentication failed\n" });
  },
});

Deno.test({
  name: "the linux-x64 binary against a self-signed server: refused without -k, works with it",
  ignore: !onLinuxX64,
  async fn() {
    await ensureBuilt();
    await using server = await startTlsServer({ admin: ADMIN });
    assert.match(server.url, /^https:/);
    const asAdmin = ["-u", server.url, "-U", ADMIN.email];

    const refused = await runBinary([...asAdmin, "api-tokens", "list"], `${ADMIN.password}\n`);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, "");
    assert.equal(refused.stderr.trim().split("\n").length, 1, refused.stderr);
    assert.match(refused.stderr, /^TLS certificate verification failed for https:\/\/127\./);
    assert.match(refused.stderr, /--insecure/);

    const created = await runBinary(
      [...asAdmin, "-k", "api-tokens", "create", "over-tls"],
      `${ADMIN.password}\n`,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^Created API token over-tls: '/);

    const listed = await runBinary(
      [...asAdmin, "-k", "api-tokens", "list"],
      `${ADMIN.password}\n`,
    );
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^over-tls \|/m);
  },
});

Deno.test("dist/hatcher.mjs lists tokens under node, outside the repository", async () => {
  await ensureBuilt();
  await using server = await startServer({ admin: ADMIN });
  const created = await runCli(
    ["-u", server.url, "-U", ADMIN.email, "api-tokens", "create", "node-token"],
    { stdin: `${ADMIN.password}\n` },
  );
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.match(TOKEN_LINE)![2]!;

  const listed = await runProcess(["node", BUNDLE_PATH, "api-tokens", "list"], {
    cwd: "/",
    env: { HATCHER_URL: server.url, HATCHER_TOKEN: token },
  });
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^Name\s+\| Created\s+\| Last Used\nnode-token \| \d{4}-/);
});

Deno.test({
  name:
    "a large egg (hashed on a worker where the runtime has one) downloads exactly: binary and node",
  ignore: !onLinuxX64,
  async fn() {
    await ensureBuilt();
    await using server = await startEggWorld();
    await withTempDir(async (dir) => {
      // Above the size where downloads move hashing and writing to a worker.
      const egg = await writeEgg(dir, { name: "large", version: "1.0" }, {
        payloadBytes: 40 << 20,
      });
      const session = await login(server.url, { username: ROOT.email, password: ROOT.password });
      await uploadEgg(
        session,
        { organization: "acme", repository: "dev", platform: "rh7-x86_64" },
        egg,
      );
      const { token } = await createToken(session, "large-download");
      const download = ["eggs", "download", "acme", "dev", "rh7-x86_64", "cp311", "large", "1.0-1"];
      const runs = {
        binary: await runBinary(["-u", server.url, "-t", token, ...download, join(dir, "bun.egg")]),
        node: await runProcess(
          ["node", BUNDLE_PATH, "-u", server.url, "-t", token, ...download, join(dir, "node.egg")],
          { cwd: "/" },
        ),
      };
      for (const [name, run] of Object.entries(runs)) {
        const saved = join(dir, `${name === "binary" ? "bun" : "node"}.egg`);
        assert.deepEqual(run, { code: 0, stdout: `Saved ${saved}\n`, stderr: "" }, name);
        assert.equal(await sha256File(saved), await sha256File(egg));
      }
    });
  },
});

/**
 * How to run a foreign target's binary on this machine, when the tools are
 * installed (`.ci/run` installs them from Debian): linux-arm64 under
 * qemu-user with Debian's aarch64 C library (libc6-arm64-cross), windows-x64
 * under Wine 9 or later (Debian 12's Wine 8.0 lacks bcryptprimitives.dll,
 * which bun's Windows runtime imports, so the binary cannot load there).
 */
async function emulator(target: Target): Promise<string[] | undefined> {
  const found = async (command: string, args: string[]) => {
    try {
      const { code, stdout } = await new Deno.Command(command, { args, stdout: "piped" }).output();
      return code === 0 ? new TextDecoder().decode(stdout) : undefined;
    } catch {
      return undefined;
    }
  };
  if (target === "linux-arm64" && onLinuxX64) {
    const sysroot = "/usr/aarch64-linux-gnu";
    const loader = await Deno.stat(`${sysroot}/lib/ld-linux-aarch64.so.1`).catch(() => undefined);
    for (const qemu of ["qemu-aarch64-static", "qemu-aarch64"]) {
      if (loader && await found(qemu, ["--version"]) !== undefined) return [qemu, "-L", sysroot];
    }
  }
  if (target === "windows-x64" && onLinuxX64) {
    for (const wine of ["wine64", "/usr/lib/wine/wine64", "wine"]) {
      const version = await found(wine, ["--version"]);
      const major = Number(version?.match(/wine-(\d+)/)?.[1] ?? 0);
      if (major >= 9) return [wine];
    }
  }
  return undefined;
}

for (const target of ["linux-arm64", "windows-x64"] as const) {
  const command = await emulator(target);
  Deno.test({
    name: `the ${target} binary runs (${
      command?.[0] ?? "no emulator here"
    }): --version, --help, a token list`,
    ignore: command === undefined,
    async fn() {
      await ensureBuilt();
      await using server = await startServer({ admin: ADMIN });
      const run = (args: string[]) =>
        runProcess([...command!, binaryPath(target), ...args], {
          env: { WINEDEBUG: "-all", WINEPREFIX: join(DIST, ".wine") },
          timeoutMs: 120_000,
        });
      assert.deepEqual(await run(["--version"]), {
        code: 0,
        stdout: `hatcher ${VERSION}\n`,
        stderr: "",
      });
      const help = await run(["--help"]);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /^Usage: hatcher \[global options\] <command>/);
      const created = await runCli(
        ["-u", server.url, "-U", ADMIN.email, "-p", ADMIN.password, "api-tokens", "create", target],
      );
      const token = created.stdout.match(TOKEN_LINE)![2]!;
      const listed = await run(["-u", server.url, "-t", token, "api-tokens", "list"]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(
        listed.stdout,
        new RegExp(`^Name\\s+\\| Created\\s+\\| Last Used\n${target} \\| \\d{4}-`),
      );
    },
  });
}

/** What each target's header must say. */
const FORMATS: Record<Target, { format: "ELF" | "Mach-O" | "PE"; machine: number }> = {
  "linux-x64": { format: "ELF", machine: 0x3e },
  "linux-arm64": { format: "ELF", machine: 0xb7 },
  "darwin-x64": { format: "Mach-O", machine: 0x01000007 },
  "darwin-arm64": { format: "Mach-O", machine: 0x0100000c },
  "windows-x64": { format: "PE", machine: 0x8664 },
};

/** Reads a binary's header: its format and machine (ELF e_machine, Mach-O cputype, PE Machine). */
async function readHeader(path: string): Promise<{ format: string; machine: number }> {
  using file = await Deno.open(path);
  const bytes = new Uint8Array(4096);
  const length = (await file.read(bytes)) ?? 0;
  const view = new DataView(bytes.buffer, 0, length);
  if (length >= 20 && view.getUint32(0) === 0x7f454c46) {
    assert.equal(view.getUint8(4), 2, "ELFCLASS64");
    assert.equal(view.getUint8(5), 1, "little-endian");
    return { format: "ELF", machine: view.getUint16(18, true) };
  }
  if (length >= 8 && view.getUint32(0, true) === 0xfeedfacf) {
    return { format: "Mach-O", machine: view.getUint32(4, true) };
  }
  if (length >= 64 && view.getUint16(0) === 0x4d5a /* "MZ" */) {
    const pe = view.getUint32(0x3c, true);
    assert.ok(pe + 6 <= length, `PE header offset ${pe} out of the first ${length} bytes`);
    assert.equal(view.getUint32(pe), 0x50450000, `"PE\\0\\0" at ${pe}`);
    return { format: "PE", machine: view.getUint16(pe + 4, true) };
  }
  throw new Error(`${path}: not an ELF, Mach-O or PE file`);
}

Deno.test("every target's binary has the right executable format and machine", async (t) => {
  await ensureBuilt();
  for (const [target, expected] of Object.entries(FORMATS) as [Target, typeof FORMATS[Target]][]) {
    await t.step(binaryName(target), async () => {
      const header = await readHeader(binaryPath(target));
      assert.deepEqual(header, expected);
    });
  }
});

Deno.test("dist/SHA256SUMS lists every output and sha256sum -c accepts it", async () => {
  await ensureBuilt();
  const lines = (await Deno.readTextFile(SUMS_PATH)).split("\n").filter(Boolean);
  for (const line of lines) assert.match(line, /^[0-9a-f]{64} {2}[\w.-]+$/);
  assert.deepEqual(lines.map((line) => line.slice(66)).sort(), expectedOutputs().sort());
  const check = await runProcess(["sha256sum", "-c", "--strict", "SHA256SUMS"], { cwd: DIST });
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.equal(check.stdout.split("\n").filter((line) => line.endsWith(": OK")).length, 6);
});
