/**
 * Serves the working tree over HTTP on loopback, the way a user's
 * `deno run https://.../cli.ts` would fetch it.
 */
import { extname, join, normalize } from "node:path";
import { REPO_ROOT } from "./server.ts";

/** Deno refuses `.ts` under the `video/mp2t` type some static servers send. */
const CONTENT_TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".mjs": "application/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

export interface StaticServer extends AsyncDisposable {
  url: string;
  /** Paths that were requested, for assertions. */
  requested: string[];
}

/** Starts a static file server for REPO_ROOT on 127.0.0.1 and a free port. */
export function serveRepository(): Promise<StaticServer> {
  const requested: string[] = [];
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) =>
        resolve({
          url: `http://127.0.0.1:${port}`,
          requested,
          [Symbol.asyncDispose]: () => server.shutdown(),
        }),
    }, async (request) => {
      const path = normalize(decodeURIComponent(new URL(request.url).pathname));
      requested.push(path);
      if (path.includes("..")) return new Response("bad path", { status: 400 });
      try {
        const body = await Deno.readFile(join(REPO_ROOT, path));
        const type = CONTENT_TYPES[extname(path)] ?? "application/octet-stream";
        return new Response(body, { headers: { "content-type": type } });
      } catch {
        return new Response("not found", { status: 404 });
      }
    });
  });
}
