/**
 * Help: every command's `--help` has an example of itself and names the
 * global options and variables that matter; `hatcher help <command...>`
 * shows the same; docs/cli.md is the tree's current reference.
 */
import assert from "node:assert/strict";
import { commandPath, EXAMPLES, leafCommands } from "../lib/cli/help.ts";
import { processIO } from "../lib/cli/io.ts";
import { buildProgram } from "../lib/cli/program.ts";
import { runCli, runProcess } from "./helpers/cli.ts";
import { REPO_ROOT } from "./helpers/server.ts";

const PATHS = leafCommands(buildProgram({ io: processIO(), exitCode: 0 })).map(commandPath);

Deno.test("every command's --help shows an example of it and the options that matter", async () => {
  assert.ok(PATHS.length >= 37, `only ${PATHS.length} commands`);
  for (const path of PATHS) {
    const run = await runCli([...path.split(" "), "--help"]);
    assert.equal(run.code, 0, `${path}: ${run.stderr}`);
    const examples = run.stdout.split("\nExamples:\n")[1];
    assert.ok(examples, `${path} has no Examples section`);
    const runsItself = examples.split("\n").some((line) =>
      line.includes("hatcher ") && `${line} `.includes(` ${path} `)
    );
    assert.ok(runsItself, `${path}: an example runs the command itself`);
    if (path !== "completions" && path !== "help") {
      for (const name of ["HATCHER_URL", "HATCHER_TOKEN", "HATCHER_CA_CERT", "--json"]) {
        assert.ok(run.stdout.includes(name), `${path} --help names ${name}`);
      }
    }
  }
  const unknown = Object.keys(EXAMPLES).filter((path) => !PATHS.includes(path));
  assert.deepEqual(unknown, [], "examples for commands that do not exist");
});

Deno.test("hatcher help <command...> shows that command's help; a typo is a usage error", async () => {
  const help = await runCli(["help", "eggs", "upload"]);
  const direct = await runCli(["eggs", "upload", "--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.equal(help.stdout, direct.stdout);
  assert.match(help.stdout, /^Usage: hatcher eggs upload /);
  const group = await runCli(["help", "teams", "members"]);
  assert.match(group.stdout, /^Usage: hatcher teams members /);
  assert.equal((await runCli(["help"])).stdout, (await runCli(["--help"])).stdout);
  const typo = await runCli(["help", "eggs", "uplod"]);
  assert.deepEqual(typo, {
    code: 2,
    stdout: "",
    stderr: "No command 'eggs uplod' (did you mean upload or batch-upload?)\n",
  });
});

Deno.test("docs/cli.md is the current reference of the command tree", async () => {
  const check = await runProcess([Deno.execPath(), "run", "-A", "scripts/cli_docs.ts", "--check"], {
    cwd: REPO_ROOT,
  });
  assert.equal(check.code, 0, check.stderr);
  const text = await Deno.readTextFile(`${REPO_ROOT}/docs/cli.md`);
  for (const path of PATHS) assert.ok(text.includes(`\n## hatcher ${path}\n`), path);
});
