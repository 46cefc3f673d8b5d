/**
 * The server's catalogue: platforms and Python tags.
 *
 * @module
 */
import { compareText, stringList } from "./answers.ts";
import { type Session, sessionJson } from "./session.ts";

/**
 * Lists the platforms the server knows, e.g. `rh7-x86_64`, sorted.
 *
 * @param session From {@linkcode login}.
 *
 * @example
 * ```ts
 * import { listPlatforms, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * console.log((await listPlatforms(session)).includes("rh7-x86_64"));
 * ```
 */
export async function listPlatforms(session: Session): Promise<string[]> {
  const body = await sessionJson(session, "GET", "metadata/platforms");
  return stringList(body, "platforms").sort(compareText);
}

/**
 * Lists Python tags: by default those of real runtimes (`cp311`, `pp27`...);
 * with `all`, every tag the server knows (`py3`, `none`...). Server order.
 *
 * @param session From {@linkcode login}.
 * @param options `all`: every known tag; default `false`.
 *
 * @example
 * ```ts
 * import { listPythonTags, login } from "@hatcher/hatcher";
 * const session = await login("http://127.0.0.1:8080", { token: "<api token>" });
 * console.log(await listPythonTags(session, { all: true }));
 * ```
 */
export async function listPythonTags(
  session: Session,
  options: { all?: boolean } = {},
): Promise<string[]> {
  const path = options.all ? "metadata/python-tags/all" : "metadata/python-tags";
  return stringList(await sessionJson(session, "GET", path), "python_tags");
}
