/**
 * A populated server for egg tests, set up through the library (the CLI's
 * own admin commands are tested elsewhere): organization `acme` with
 * repository `dev`, and one user per role.
 */
import {
  addTeamMember,
  addTeamRepository,
  createOrganization,
  createRepository,
  createTeam,
  createUser,
  login,
} from "../../mod.ts";
import { type RunningServer, startServer } from "./server.ts";

export const ROOT = { email: "root@example.com", password: "root password" };
export const PASSWORD = "egg tester password";
export const USERS = {
  uploader: "uploader@acme.test",
  reader: "reader@acme.test",
  indexer: "indexer@acme.test",
  stranger: "stranger@other.test",
} as const;

/** Starts a server with acme/dev and the users of {@linkcode USERS}. */
export async function startEggWorld(
  options: { dataDir?: string; logRequests?: boolean; extraArgs?: string[] } = {},
): Promise<RunningServer> {
  const server = await startServer({ admin: ROOT, ...options });
  const root = await login(server.url, { username: ROOT.email, password: ROOT.password });
  await createOrganization(root, { name: "acme", description: "ACME" });
  await createOrganization(root, { name: "other", description: "Other" });
  await createRepository(root, { organization: "acme", name: "dev", description: "dev eggs" });
  const teams = [["uploaders", "upload", USERS.uploader], ["readers", "read", USERS.reader], [
    "indexers",
    "read-index",
    USERS.indexer,
  ]] as const;
  for (const [team, group, email] of teams) {
    await createTeam(root, { organization: "acme", team, group });
    await createUser(root, { organization: "acme", email, password: PASSWORD });
    await addTeamMember(root, { organization: "acme", team, email });
    await addTeamRepository(root, { organization: "acme", team, repository: "dev" });
  }
  await createUser(root, { organization: "other", email: USERS.stranger, password: PASSWORD });
  return server;
}

/** Global options that log in as `email` with the shared test password. */
export function loginArgs(server: RunningServer, email: string): string[] {
  const password = email === ROOT.email ? ROOT.password : PASSWORD;
  return ["-u", server.url, "-U", email, "-p", password];
}
