/**
 * Wires the database, token store and routes into one request handler, so the
 * same app runs under `main.ts` and could run in-process in tests.
 */
import type { Database } from "./db.ts";
import { Router, toErrorResponse } from "./http.ts";
import { registerOrganizationRoutes } from "./routes/admin_organizations.ts";
import { registerTeamRoutes } from "./routes/admin_teams.ts";
import { registerUserRoutes } from "./routes/admin_users.ts";
import { registerAuthTokenRoutes } from "./routes/auth_tokens.ts";
import { ARTEFACT_KINDS } from "./kinds/registry.ts";
import { registerArtefactRoutes } from "./routes/artefacts.ts";
import { registerMetadataRoutes } from "./routes/metadata.ts";
import type { ObjectStore } from "./objects.ts";
import { loadTokenSecret, TokenStore } from "./tokens.ts";

export interface Logger {
  /** Per-request lines; main.ts silences these with --quiet. */
  info(line: string): void;
  /** Unexpected failures; always worth seeing. */
  error(line: string): void;
}

export interface AppOptions {
  db: Database;
  log: Logger;
  /** Artefact files; main.ts prepares it (empties tmp) before the app starts. */
  objects: ObjectStore;
  /** Largest accepted artefact file, in bytes. */
  maxUploadBytes: number;
}

export type App = (request: Request) => Promise<Response>;

export function createApp({ db, log, objects, maxUploadBytes }: AppOptions): App {
  const tokens = new TokenStore(db, loadTokenSecret(db));
  const router = new Router();
  const context = { db, tokens, objects, maxUploadBytes };
  registerAuthTokenRoutes(router, context);
  registerOrganizationRoutes(router, context);
  registerTeamRoutes(router, context);
  registerUserRoutes(router, context);
  registerMetadataRoutes(router, context);
  for (const kind of ARTEFACT_KINDS) registerArtefactRoutes(router, context, kind);

  return async (request) => {
    const started = performance.now();
    let response: Response;
    try {
      response = await router.handle(request);
    } catch (error) {
      response = toErrorResponse(error, (line) => log.error(line));
    }
    // Only method, path (no query) and status: never headers or bodies, which carry secrets.
    const { pathname } = new URL(request.url);
    const elapsed = (performance.now() - started).toFixed(1);
    log.info(`${request.method} ${pathname} ${response.status} ${elapsed}ms`);
    return response;
  };
}
