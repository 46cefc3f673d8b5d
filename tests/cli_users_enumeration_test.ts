/**
 * Issue 13, item 4 (enumeration): creating a user whose email already has an
 * account in another organization answers exactly like creating a new one,
 * through the CLI (which always sends a password) and on the wire.
 */
import assert from "node:assert/strict";
import { login } from "../mod.ts";
import { runCli } from "./helpers/cli.ts";
import { V1 } from "./helpers/http.ts";
import { loginArgs, PASSWORD, ROOT, startEggWorld, USERS } from "./helpers/world.ts";

Deno.test("item 4: an account elsewhere and a new one get the same answer", async () => {
  await using server = await startEggWorld();
  const root = loginArgs(server, ROOT.email);
  const answers = [];
  for (const email of [USERS.stranger, "newcomer@acme.test"]) {
    const run = await runCli([...root, "users", "create", "acme", email]);
    assert.equal(run.code, 0, run.stderr);
    answers.push(run.stdout.replace(email, "EMAIL").replace(/'[^']+'/, "'PASSWORD'"));
  }
  assert.equal(answers[0], answers[1]);
  assert.equal(answers[0], "Created user EMAIL with password 'PASSWORD'\n");
  // The existing account kept its own password.
  await login(server.url, { username: USERS.stranger, password: PASSWORD });

  // On the wire, with a password given, as hatcher sends it: identical bodies.
  const session = await fetch(`${server.url}${V1}/auth/tokens/auth`, {
    method: "POST",
    headers: { authorization: `Basic ${btoa(`${ROOT.email}:${ROOT.password}`)}` },
  }).then((response) => response.json());
  const bodies = [];
  for (const email of [USERS.stranger, "other-newcomer@acme.test"]) {
    await runCli([...root, "users", "delete", "acme", email, "-y"]);
    const response = await fetch(`${server.url}${V1}/admin/organizations/acme/users`, {
      method: "POST",
      headers: { authorization: `Bearer ${session.token}`, "content-type": "application/json" },
      body: JSON.stringify({ email, password: "a given password" }),
    });
    bodies.push([response.status, Object.keys(await response.json())]);
  }
  assert.deepEqual(bodies[0], bodies[1]);
});
