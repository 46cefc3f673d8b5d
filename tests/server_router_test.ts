/**
 * The server's router (server/http.ts): only routes of a path's shape are
 * tried, yet dispatch is what trying every route in order gives: the first
 * registered match wins, a parameter matches any non-empty segment (also in
 * first place), and 404 / 405 with its Allow header are decided on all
 * routes of the path.
 * Run: deno test -A tests/server_router_test.ts
 */
import assert from "node:assert/strict";
import { HttpError, Router } from "../server/http.ts";

const ROOT = "http://127.0.0.1/api/v1/json";

function router(): Router {
  const answer = (name: string) => ({ params }: { params: Record<string, string> }) =>
    Response.json({ name, params });
  return new Router()
    .add("GET", "/indices/:org/:repo/:platform/runtimes", answer("runtimes"))
    .add("GET", "/indices/:org/:repo/:platform/:tag/eggs", answer("eggs"))
    .add("GET", "/indices/acme/:repo/:platform/:tag/eggs", answer("acme eggs, second"))
    .add("POST", "/data/:org/:repo/:platform/eggs/upload", answer("upload"))
    .add("GET", "/:anything/x", answer("parameter first"))
    .add("DELETE", "/metadata/x", answer("metadata x"));
}

async function dispatch(r: Router, method: string, path: string) {
  try {
    const response = await r.handle(new Request(`${ROOT}${path}`, { method }));
    return {
      status: response.status,
      body: method !== "HEAD" && response.status === 200 ? await response.json() : null,
    };
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.status, allow: error.headers.allow };
  }
}

Deno.test("the first route registered that matches answers, parameters decoded", async () => {
  const r = router();
  assert.deepEqual(await dispatch(r, "GET", "/indices/acme/dev/rh8-x86_64/cp311/eggs"), {
    status: 200,
    body: {
      name: "eggs",
      params: { org: "acme", repo: "dev", platform: "rh8-x86_64", tag: "cp311" },
    },
  });
  assert.equal((await dispatch(r, "GET", "/indices/a%20b/dev/p/runtimes")).body.params.org, "a b");
  assert.equal((await dispatch(r, "HEAD", "/indices/a/b/p/runtimes")).status, 200);
});

Deno.test("a route with a parameter first matches beside literal first segments", async () => {
  const r = router();
  for (const first of ["indices", "metadata", "anything-else"]) {
    assert.deepEqual((await dispatch(r, "GET", `/${first}/x`)).body, {
      name: "parameter first",
      params: { anything: first },
    });
  }
  // Order still counts across both kinds: DELETE /metadata/x is the literal route.
  assert.equal((await dispatch(r, "DELETE", "/metadata/x")).body.name, "metadata x");
});

Deno.test("404 for no route of the path, 405 with every method the path has", async () => {
  const r = router();
  assert.equal((await dispatch(r, "GET", "/indices/a/b/p/cp311")).status, 404);
  assert.equal((await dispatch(r, "GET", "/nothing/here/at/all")).status, 404);
  assert.equal((await dispatch(r, "GET", "//x")).status, 404, "an empty segment is no parameter");
  assert.deepEqual(await dispatch(r, "PUT", "/metadata/x"), {
    status: 405,
    allow: "DELETE, GET, HEAD",
  });
  assert.deepEqual(await dispatch(r, "GET", "/data/a/b/p/eggs/upload"), {
    status: 405,
    allow: "POST",
  });
});

Deno.test("routes added after a request are found", async () => {
  const r = router();
  assert.equal((await dispatch(r, "GET", "/late/route")).status, 404);
  r.add("GET", "/late/route", () => new Response("{}"));
  assert.equal((await dispatch(r, "GET", "/late/route")).status, 200);
});
