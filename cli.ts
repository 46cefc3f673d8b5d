/**
 * The `hatcher` command-line client for an Enthought Deployment Server.
 *
 * Run it with `deno run -A cli.ts --help`, straight from a URL, or as the
 * bundled single-file binary. The work happens in `lib/cli/main.ts`; this file
 * only hands over the arguments and exits with the code it gets back (`main`
 * resolves once its output has reached stdout and stderr).
 *
 * @module
 */
import process from "node:process";
import { main } from "./lib/cli/main.ts";

main(process.argv.slice(2)).then((code) => process.exit(code));
