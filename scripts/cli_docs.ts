/**
 * Writes docs/cli.md, the command reference, from the CLI's command tree
 * (`deno task docs:cli`); with `--check`, fails instead when the file is
 * not what the tree gives (part of `deno task test`).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { renderReference } from "../lib/cli/help.ts";
import { processIO } from "../lib/cli/io.ts";
import { buildProgram } from "../lib/cli/program.ts";

const FILE = fileURLToPath(new URL("../docs/cli.md", import.meta.url));

const text = renderReference(buildProgram({ io: processIO(), exitCode: 0 }));
if (Deno.args.includes("--check")) {
  let current = "";
  try {
    current = await Deno.readTextFile(FILE);
  } catch {
    // Missing: reported below like any difference.
  }
  if (current !== text) {
    Deno.stderr.writeSync(
      new TextEncoder().encode("docs/cli.md is out of date: run `deno task docs:cli`\n"),
    );
    Deno.exit(1);
  }
} else {
  await Deno.writeTextFile(FILE, text);
  Deno.stdout.writeSync(new TextEncoder().encode(`wrote ${FILE}\n`));
}
