/**
 * Startup benchmark: `hatcher --version` and `hatcher api-tokens list` (against
 * a local reference server) for the standalone binary, `deno run -A cli.ts` and
 * `node dist/hatcher.mjs`, next to the import floor of the original Python
 * hatcher (`python3 -c "import click, requests"`), all in ONE hyperfine run so
 * the numbers are side by side. Prints hyperfine's markdown table and the
 * medians. Target: the binary's `--version` under 20 ms (median).
 *
 * Needs hyperfine (`apt-get install -y hyperfine`); builds dist/ first if it
 * is older than the sources (tests/helpers/build.ts).
 *
 * Run: `deno task bench:startup [--runs 20] [--warmup 3]`
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { binaryPath, BUNDLE_PATH, ensureBuilt } from "../tests/helpers/build.ts";
import { runProcess } from "../tests/helpers/cli.ts";
import { startServer } from "../tests/helpers/server.ts";

const TARGET_MS = 20;
const ADMIN = { email: "bench@example.com", password: "bench password" };
const root = fileURLToPath(new URL("..", import.meta.url));
const encoder = new TextEncoder();
const print = (text: string) => Deno.stdout.writeSync(encoder.encode(text));

/** A failure reported as one line; thrown so the server is stopped on the way out. */
class BenchError extends Error {}
const fail = (line: string): never => {
  throw new BenchError(line);
};

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
  },
});

async function succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    const { code } = await new Deno.Command(command, { args, stdout: "null", stderr: "null" })
      .output();
    return code === 0;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  if (!(await succeeds("hyperfine", ["--version"]))) {
    fail("hyperfine not found: install it with `apt-get install -y hyperfine`");
  }
  if (!(await succeeds("node", ["--version"]))) fail("node not found on PATH");
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    fail("the benchmark runs dist/hatcher-linux-x64: run it on a linux x86_64 machine");
  }

  Deno.stderr.writeSync(encoder.encode("making sure dist/ is up to date...\n"));
  await ensureBuilt();
  const binary = binaryPath("linux-x64");

  await using server = await startServer({ admin: ADMIN });
  const created = await runProcess(
    [binary, "-u", server.url, "-U", ADMIN.email, "api-tokens", "create", "bench"],
    { stdin: `${ADMIN.password}\n` },
  );
  const token = created.stdout.match(/'([^']+)'/)?.[1];
  if (created.code !== 0 || token === undefined) {
    fail(`creating a token failed: ${created.stderr.trim() || created.stdout.trim()}`);
  }

  // The Python floor: the original hatcher imports click and requests first.
  let python: { name: string; command: string } | undefined = {
    name: `python3 -c "import click, requests" (Python hatcher's import floor)`,
    command: `python3 -c "import click, requests"`,
  };
  if (!(await succeeds("python3", ["-c", "import click, requests"]))) {
    python = (await succeeds("python3", ["-c", "import json, urllib.request"]))
      ? {
        name: `python3 -c "import json, urllib.request" (STAND-IN: click/requests not installed)`,
        command: `python3 -c "import json, urllib.request"`,
      }
      : undefined;
  }

  const runners = [
    { name: "binary", command: binary },
    { name: "deno run -A cli.ts", command: `${Deno.execPath()} run -A cli.ts` },
    { name: "node dist/hatcher.mjs", command: `node ${BUNDLE_PATH}` },
  ];
  const commands: { name: string; command: string }[] = [];
  for (const subcommand of ["--version", "api-tokens list"]) {
    for (const runner of runners) {
      commands.push({
        name: `${runner.name} ${subcommand}`,
        command: `${runner.command} ${subcommand}`,
      });
    }
  }
  if (python) commands.push(python);

  const work = await Deno.makeTempDir({ prefix: "hatcher-bench-startup-" });
  try {
    const markdown = join(work, "results.md");
    const json = join(work, "results.json");
    const args = ["-N", "--style", "none", "--warmup", values.warmup, "--runs", values.runs];
    args.push("--export-markdown", markdown, "--export-json", json);
    for (const { name, command } of commands) args.push("--command-name", name, command);
    Deno.stderr.writeSync(
      encoder.encode(`hyperfine: ${commands.length} commands, ${values.runs} runs each...\n`),
    );
    const result = await new Deno.Command("hyperfine", {
      args,
      cwd: root,
      env: { HATCHER_URL: server.url, HATCHER_TOKEN: token!, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (result.code !== 0) {
      const text = new TextDecoder().decode(result.stderr).trim().split("\n");
      fail(`hyperfine failed: ${text.filter(Boolean).slice(-3).join(" / ")}`);
    }

    print(`\n${await Deno.readTextFile(markdown)}\n`);
    const { results } = JSON.parse(await Deno.readTextFile(json)) as {
      results: { command: string; median: number; mean: number; stddev: number }[];
    };
    const width = Math.max(...results.map((row) => row.command.length));
    print(`${"command".padEnd(width)}  median\n`);
    for (const row of results) {
      print(`${row.command.padEnd(width)}  ${(row.median * 1000).toFixed(1).padStart(6)} ms\n`);
    }
    const binaryVersion = results.find((row) => row.command === "binary --version")!;
    const median = binaryVersion.median * 1000;
    print(
      `\ntarget: binary --version median under ${TARGET_MS} ms: ` +
        `${median < TARGET_MS ? "met" : "MISSED"} (${median.toFixed(1)} ms)\n`,
    );
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

try {
  await main();
} catch (error) {
  const line = error instanceof BenchError ? error.message : String(error).split("\n")[0];
  Deno.stderr.writeSync(encoder.encode(`bench:startup: ${line}\n`));
  Deno.exit(1);
}
