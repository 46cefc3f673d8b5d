/**
 * End to end on a pseudo-terminal (util-linux `script`): the password prompt
 * is exactly `Password: `, as in the original hatcher's user guide, echoes
 * nothing (not even a mask), lets the user correct a typo, and a deletion's
 * question can follow it on the same terminal.
 */
import assert from "node:assert/strict";
import { runCli, runCliOnTty } from "./helpers/cli.ts";
import { startServer } from "./helpers/server.ts";

const ADMIN = { email: "prompt@example.com", password: "prompt password" };

Deno.test("the password prompt is exactly `Password: ` and echoes nothing", async () => {
  await using server = await startServer({ admin: ADMIN });
  // A typo corrected with Backspace: "x" then DEL.
  const { code, screen } = await runCliOnTty(
    ["-u", server.url, "-U", ADMIN.email, "api-tokens", "create", "prompted"],
    { input: `${ADMIN.password}x\x7f\r`, waitFor: "Password: " },
  );
  assert.equal(code, 0, screen);
  const lines = screen.replaceAll("\r", "").split("\n");
  assert.equal(lines[0], "Password: ", JSON.stringify(screen));
  assert.match(lines[1]!, /^Created API token prompted: '/);
  assert.ok(!/[*•▪]/.test(lines[0]!), "no mask characters");
  assert.ok(!screen.includes("prompt password"), "the password is not echoed");
  // deno-lint-ignore no-control-regex
  assert.ok(!/\x1b\[/.test(screen), "no cursor movement or colour");
});

Deno.test("the password prompt, then a deletion's question, on one terminal", async () => {
  await using server = await startServer({ admin: ADMIN });
  const root = ["-u", server.url, "-U", ADMIN.email, "-p", ADMIN.password];
  for (
    const args of [["organizations", "create", "acme", "A"], [
      "repositories",
      "create",
      "acme",
      "gone",
      "g",
    ]]
  ) {
    assert.equal((await runCli([...root, ...args])).code, 0);
  }
  const { code, screen } = await runCliOnTty(
    ["-u", server.url, "-U", ADMIN.email, "repositories", "delete", "acme", "gone"],
    {
      answers: [
        { waitFor: "Password: ", input: `${ADMIN.password}\r` },
        { waitFor: "Proceed? [y/N] ", input: "y\r" },
      ],
    },
  );
  assert.equal(code, 0, screen);
  assert.match(screen, /^Password: \r?\nacme\/gone will be deleted\. Proceed\? \[y\/N\] y/);
  assert.equal((await runCli([...root, "repositories", "list", "acme"])).stdout, "");
});
