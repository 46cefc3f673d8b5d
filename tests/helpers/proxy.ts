/**
 * A loopback reverse proxy in front of the reference server, for behaviour
 * the real server never shows on its own (e.g. an upload that becomes
 * visible only a while later). Every request is forwarded unchanged unless
 * `intercept` answers it.
 */
export interface Proxy extends AsyncDisposable {
  url: string;
}

/**
 * Starts a proxy on 127.0.0.1 for `target`; `intercept` sees each request
 * first and may answer it itself by returning a response.
 */
export function startProxy(
  target: string,
  intercept: (request: Request, path: string) => Response | undefined,
  /** Changes a forwarded answer (e.g. drops a body a real server would not send). */
  transform: (response: Response, request: Request, path: string) => Response = (response) =>
    response,
): Promise<Proxy> {
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) =>
        resolve({
          url: `http://127.0.0.1:${port}`,
          [Symbol.asyncDispose]: () => server.shutdown(),
        }),
    }, async (request) => {
      const url = new URL(request.url);
      const answer = intercept(request, url.pathname);
      if (answer) {
        await request.body?.cancel();
        return answer;
      }
      const response = await fetch(`${target}${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: "manual",
      });
      return transform(
        new Response(response.body, { status: response.status, headers: response.headers }),
        request,
        url.pathname,
      );
    });
  });
}
