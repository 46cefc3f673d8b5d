/**
 * Fails when the code crosses the project's boundaries:
 * - `mod.ts` (the library) must not load the CLI, the server or any CLI package;
 * - `cli.ts` must not load the server;
 * - shipped code (`mod.ts`, `cli.ts`, `lib/`) uses no `Deno.*` API, so it
 *   bundles into a binary that runs under Node or Bun;
 * - `npm:` specifiers appear only in the dependency modules.
 *
 * Run: `deno run -A scripts/check_boundaries.ts`
 */
import { relative } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

const root = fromFileUrl(new URL("..", import.meta.url));
const DEPENDENCY_MODULES = new Set(["lib/deps.ts", "lib/cli/deps.ts"]);
const problems: string[] = [];

async function moduleGraph(entry: string): Promise<string[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root,
  }).output();
  if (code !== 0) throw new Error(`deno info ${entry} failed: ${new TextDecoder().decode(stderr)}`);
  const info = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: { specifier: string }[];
    npmPackages?: Record<string, unknown>;
  };
  return info.modules.map((module) =>
    module.specifier.startsWith("file:")
      ? relative(root, fromFileUrl(module.specifier))
      : module.specifier
  );
}

const library = await moduleGraph("mod.ts");
for (const module of library) {
  if (/^(lib\/cli\/|server\/|cli\.ts)/.test(module)) {
    problems.push(`mod.ts loads ${module}: the library must not depend on the CLI or server`);
  }
  if (/^npm:\/?(commander|@inquirer|picocolors)/.test(module)) {
    problems.push(`mod.ts loads ${module}: a CLI-only package`);
  }
}
for (const module of await moduleGraph("cli.ts")) {
  if (module.startsWith("server/")) {
    problems.push(`cli.ts loads ${module}: the client never imports the server`);
  }
}

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(`${root}/${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sourceFiles(path);
    else if (path.endsWith(".ts")) yield path;
  }
}

const shipped = ["mod.ts", "cli.ts"];
for await (const path of sourceFiles("lib")) shipped.push(path);
for (const path of shipped) {
  const lines = (await Deno.readTextFile(`${root}/${path}`)).split("\n");
  lines.forEach((line, index) => {
    const code = line.trim();
    if (code.startsWith("*") || code.startsWith("//") || code.startsWith("/*")) return;
    if (/\bDeno\./.test(code)) {
      problems.push(`${path}:${index + 1}: uses a Deno API; shipped code must run under Node too`);
    }
    if (/["']npm:/.test(code) && !DEPENDENCY_MODULES.has(path)) {
      problems.push(
        `${path}:${index + 1}: an npm: specifier outside ${[...DEPENDENCY_MODULES].join(", ")}`,
      );
    }
  });
}

const encoder = new TextEncoder();
if (problems.length > 0) {
  Deno.stderr.writeSync(encoder.encode(problems.join("\n") + "\n"));
  Deno.exit(1);
}
Deno.stdout.writeSync(
  encoder.encode(
    `Boundaries hold: ${library.length} library modules, ${shipped.length} shipped files\n`,
  ),
);
