/**
 * `hatcher completions bash|zsh|fish` and the global `--command-tree`.
 *
 * @module
 */
import { commandTree, renderCommandTree } from "../command_tree.ts";
import { completionScript, type Shell, SHELLS } from "../completions.ts";
import { type Command, CommanderError } from "../deps.ts";
import { UsageError } from "../errors.ts";
import { type CommandResult, runAction } from "../result.ts";

/** `completions SHELL`: prints the script; load it in the shell's startup file. */
export function completionsCommand(program: Command, shell: string): Promise<CommandResult> {
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`Unknown shell "${shell}": use one of ${SHELLS.join(", ")}`);
  }
  const script = completionScript(shell as Shell, commandTree(program));
  return Promise.resolve({ data: { shell, script }, text: script });
}

/** Adds `completions` and the `--command-tree` option to the program. */
export function registerCompletions(program: Command): void {
  program.command("completions").description("Print a shell completion script")
    .argument("<shell>", SHELLS.join(" | "))
    .addHelpText(
      "after",
      "\nLoad it:\n  bash: source <(hatcher completions bash)\n" +
        "  zsh:  source <(hatcher completions zsh)\n  fish: hatcher completions fish | source\n",
    )
    .action(runAction((_context, shell: string) => completionsCommand(program, shell)));
  program.option("--command-tree", "print the whole command tree and exit");
  program.on("option:command-tree", () => {
    program.configureOutput().writeOut?.(renderCommandTree(commandTree(program)));
    // Handled like --version: an early, successful exit.
    throw new CommanderError(0, "hatcher.commandTree", "");
  });
}
