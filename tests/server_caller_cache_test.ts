/**
 * The server keeps who a token belongs to and what each caller may do in a
 * repository while its database is unchanged (server/while_unchanged.ts).
 * Every change must show on the very next request: through the API, and
 * committed by another process on the same database (as `main.ts add-user`
 * does beside a running server). Also: a kept token still expires on time,
 * and `last_used` is written at most once a minute.
 * Run: deno test -A tests/server_caller_cache_test.ts
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  addTeamRepository,
  createToken,
  listTokens,
  login,
  removeTeamMember,
  removeTeamRepository,
  revokeToken,
  updateRepository,
} from "../mod.ts";
import { DATABASE_FILE_NAME } from "../server/db.ts";
import { DatabaseSync } from "node:sqlite";
import { V1 } from "./helpers/http.ts";
import { PASSWORD, ROOT, startEggWorld, USERS } from "./helpers/world.ts";

const INDEX = `${V1}/indices/acme/dev/rh7-x86_64/cp311/eggs`;

async function status(url: string, token?: string): Promise<number> {
  const response = await fetch(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  await response.body?.cancel();
  return response.status;
}

/** Runs `sql` on the server's database from this process: another connection. */
function fromAnotherConnection(dataDir: string, sql: string, ...params: (string | number)[]) {
  const db = new DatabaseSync(join(dataDir, DATABASE_FILE_NAME));
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    return db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

Deno.test("changes through the API show on the next request", async () => {
  await using server = await startEggWorld();
  const root = await login(server.url, { username: ROOT.email, password: ROOT.password });
  const reader = await login(server.url, { username: USERS.reader, password: PASSWORD });
  const { token } = await createToken(reader, "kept");
  const url = `${server.url}${INDEX}`;
  // Each answer asked twice: the second is the kept one.
  for (let i = 0; i < 2; i++) assert.equal(await status(url, token), 200);

  await removeTeamRepository(root, { organization: "acme", team: "readers", repository: "dev" });
  assert.equal(await status(url, token), 404, "the team lost the repository");
  await addTeamRepository(root, { organization: "acme", team: "readers", repository: "dev" });
  assert.equal(await status(url, token), 200, "and got it back");
  await removeTeamMember(root, { organization: "acme", team: "readers", email: USERS.reader });
  assert.equal(await status(url, token), 404, "the user left the team");

  assert.equal(await status(url), 401, "private: no anonymous reads");
  await updateRepository(root, { organization: "acme", name: "dev", public: true });
  assert.equal(await status(url), 200, "public now");
  await updateRepository(root, { organization: "acme", name: "dev", public: false });
  assert.equal(await status(url), 401, "private again");

  await revokeToken(reader, "kept");
  assert.equal(await status(url, token), 401, "a revoked token fails at once");
});

Deno.test("a change another process commits shows on the next request", async () => {
  await using server = await startEggWorld();
  const reader = await login(server.url, { username: USERS.reader, password: PASSWORD });
  const { token } = await createToken(reader, "kept");
  const url = `${server.url}${INDEX}`;
  for (let i = 0; i < 2; i++) assert.equal(await status(url, token), 200);
  for (let i = 0; i < 2; i++) assert.equal(await status(url), 401);

  fromAnotherConnection(
    server.dataDir,
    "UPDATE repositories SET public = 1 WHERE name = 'dev'",
  );
  assert.equal(await status(url), 200, "made public by another process");

  fromAnotherConnection(server.dataDir, "DELETE FROM api_tokens WHERE name = 'kept'");
  assert.equal(await status(url, token), 401, "deleted by another process");
});

Deno.test("a kept token still expires on time", async () => {
  await using server = await startEggWorld();
  const reader = await login(server.url, { username: USERS.reader, password: PASSWORD });
  const { token } = await createToken(reader, "short", { expiresIn: 2 });
  const url = `${server.url}${INDEX}`;
  for (let i = 0; i < 2; i++) assert.equal(await status(url, token), 200);
  await new Promise((resolve) => setTimeout(resolve, 2_100));
  assert.equal(await status(url, token), 401);
});

Deno.test("last_used is set by the first use and then at most once a minute", async () => {
  await using server = await startEggWorld();
  const reader = await login(server.url, { username: USERS.reader, password: PASSWORD });
  const { token } = await createToken(reader, "counted");
  const url = `${server.url}${INDEX}`;
  const lastUsed = async () =>
    (await listTokens(reader)).find((listed) => listed.name === "counted")?.lastUsed;
  assert.equal(await lastUsed(), null);
  assert.equal(await status(url, token), 200);
  const first = await lastUsed();
  assert.ok(first, "set by the first use");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(await status(url, token), 200);
  assert.equal(await lastUsed(), first, "not written again within the minute");
});
