/**
 * The line hatcher writes to `security -i` on macOS (where the Keychain
 * test cannot run): split by the rules of `security`'s interactive mode
 * (SecurityTool's split_line: blanks separate words, a word may be quoted
 * with " or ', a backslash takes the next character literally), it gives
 * back exactly the arguments meant, whatever the secret holds.
 */
import assert from "node:assert/strict";
import { addPasswordLine, quoteForSecurity } from "../lib/cli/credentials/keychain.ts";
import { CredentialStoreError } from "../lib/cli/credentials/credential_store.ts";

/** An independent reading of split_line's rules. */
function splitLikeSecurity(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (word === undefined) {
      if (/\s/.test(ch)) continue;
      word = "";
      if (ch === '"' || ch === "'") {
        quote = ch;
        continue;
      }
    }
    if (ch === "\\") {
      word += line[++i] ?? "";
    } else if (quote ? ch === quote : /\s/.test(ch)) {
      words.push(word);
      word = undefined;
      quote = undefined;
    } else {
      word += ch;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

Deno.test("the security -i line carries any one-line secret intact", () => {
  const secrets = [
    "eyJhbGciOiJIUzI1NiJ9.eyJ0eXAiOiJhcGkifQ.sig-_",
    'quote " and backslash \\ and \\" both',
    "single ' quote and  two  spaces\tand a tab",
    "",
  ];
  for (const secret of secrets) {
    const line = addPasswordLine(
      "a-b-c",
      secret,
      'hatcher API token for me on http://x (profile "p")',
    );
    assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"));
    assert.deepEqual(splitLikeSecurity(line.slice(0, -1)), [
      "add-generic-password",
      "-U",
      "-s",
      "hatcher",
      "-a",
      "a-b-c",
      "-l",
      'hatcher API token for me on http://x (profile "p")',
      "-w",
      secret,
    ]);
  }
});

Deno.test("a secret with a line break or too long for security -i is refused, not cut", () => {
  assert.throws(() => quoteForSecurity("two\nlines"), CredentialStoreError);
  assert.throws(() => addPasswordLine("a", "x".repeat(5000), "label"), CredentialStoreError);
});
