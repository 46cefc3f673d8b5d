/**
 * End to end: every byte the CLI writes reaches a pipe before it exits, in
 * each runtime we ship (the linux-x64 binary, the bundle under node, `deno
 * run cli.ts`), also when the reader is slow; a reader that goes away early
 * (`| head`) ends the command quietly.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createToken, login, uploadEgg } from "../mod.ts";
import { binaryPath, BUNDLE_PATH, ensureBuilt } from "./helpers/build.ts";
import { baseEnv, cliCommand } from "./helpers/cli.ts";
import { writeEgg } from "./helpers/eggs.ts";
import { withTempDir } from "./helpers/files.ts";
import { ROOT, startEggWorld } from "./helpers/world.ts";

const onLinuxX64 = Deno.build.os === "linux" && Deno.build.arch === "x86_64";
const EGGS = 50;
/** About 56 KB of `spec/depend` per egg, under the 64 KiB limit: ~65 KB of JSON each. */
const PACKAGES_PER_EGG = 1900;

/**
 * Runs `sh -c SCRIPT sh ARGV...` with the clean environment; the script
 * refers to the command as "$@". Killed after 60 s.
 */
async function shell(script: string, argv: string[], env: Record<string, string>) {
  const child = new Deno.Command("sh", {
    args: ["-c", script, "sh", ...argv],
    env: { ...baseEnv(), ...env },
    clearEnv: true,
    cwd: "/",
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const { code, stderr } = await child.output();
  clearTimeout(timer);
  return { code, stderr: new TextDecoder().decode(stderr) };
}

Deno.test({
  name: "a multi-megabyte --json listing reaches a slow pipe byte for byte; `| head` ends quietly",
  async fn(t) {
    await ensureBuilt();
    await using server = await startEggWorld();
    await withTempDir(async (dir) => {
      const session = await login(server.url, { username: ROOT.email, password: ROOT.password });
      const target = { organization: "acme", repository: "dev", platform: "rh7-x86_64" };
      for (let n = 0; n < EGGS; n++) {
        const packages = Array.from(
          { length: PACKAGES_PER_EGG },
          (_, i) => `dependency-${String(i).padStart(4, "0")} 1.0.${n}-1`,
        );
        const egg = await writeEgg(dir, { name: `wide${n}`, version: "1.0", packages });
        await uploadEgg(session, target, egg);
        await Deno.remove(egg);
      }
      const { token } = await createToken(session, "pipe-test");
      const args = ["-u", server.url, "-t", token, "--json", "eggs", "list", "acme", "dev"];
      args.push("rh7-x86_64", "cp311");

      const runtimes: Record<string, string[]> = {
        "deno run cli.ts": cliCommand(args),
        "node dist/hatcher.mjs": ["node", BUNDLE_PATH, ...args],
      };
      if (onLinuxX64) runtimes["dist/hatcher-linux-x64"] = [binaryPath("linux-x64"), ...args];

      for (const [name, argv] of Object.entries(runtimes)) {
        await t.step(name, async () => {
          const file = join(dir, "file.json");
          const piped = join(dir, "piped.json");
          const env = { FILE: file, PIPED: piped };
          const toFile = await shell('"$@" > "$FILE"', argv, env);
          assert.deepEqual(toFile, { code: 0, stderr: "" });
          const expected = await Deno.readFile(file);
          assert.ok(expected.length > 3_000_000, `only ${expected.length} bytes`);
          assert.equal(JSON.parse(new TextDecoder().decode(expected)).length, EGGS);

          // The reader takes nothing for a second, then everything: the pipe
          // (64 KiB) fills long before the CLI has written its output.
          const slow = await shell(
            'set -e; { "$@"; echo "exit $?" >&2; } | { sleep 1; cat > "$PIPED"; }',
            argv,
            env,
          );
          assert.deepEqual(slow, { code: 0, stderr: "exit 0\n" });
          const received = await Deno.readFile(piped);
          assert.equal(received.length, expected.length);
          assert.ok(received.every((byte, i) => byte === expected[i]), "same bytes");

          // `| head`: the reader leaves after 100 bytes; no message, no failure.
          const head = await shell(
            '{ "$@"; echo "exit $?" >&2; } | head -c 100 > "$PIPED"',
            argv,
            env,
          );
          assert.deepEqual(head, { code: 0, stderr: "exit 0\n" });
          assert.equal((await Deno.readFile(piped)).length, 100);
        });
      }
    });
  },
});
