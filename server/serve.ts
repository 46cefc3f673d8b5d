/**
 * The server's HTTP connections. `Deno.serve` (Deno 2.9.6) has no header or
 * keep-alive timeout, so a client that sends half a request head keeps its
 * connection open forever. With `timedConnections` connections are accepted
 * one by one instead, each wrapped in `Deno.serveHttp` and its next request
 * raced against a timer, and a bounded number is open at once. That costs
 * downloads more CPU, so it is opt-in (docs/benchmarks.md).
 * Bodies are not timed here: the app's body idle timeout applies to them.
 *
 * One gap, in Deno itself: a TLS connection is handshaken by a background task
 * of Deno's (rustls-tokio-stream) that closing the connection does not stop,
 * so the socket of a client that never sends its TLS hello stays open until
 * that client sends something or goes away, closed here or not.
 */

/** Beside each request, as `Deno.serve` passes it: the app limits sign-ins per address. */
export interface ConnectionInfo {
  remoteAddr: Deno.NetAddr;
}

export type Handler = (request: Request, info: ConnectionInfo) => Response | Promise<Response>;

/** The head of a connection's first request must arrive within this time. */
export const DEFAULT_HEADER_TIMEOUT_MS = 10_000;
/** A connection with no request in flight is closed after this long without a new one. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 60_000;
/** Connections open at once, at most; more are closed as soon as they are accepted. */
export const DEFAULT_MAX_CONNECTIONS = 1000;
/** After a failed accept (out of file descriptors, say), wait this long before the next. */
const ACCEPT_RETRY_MS = 100;

export interface ServeOptions {
  /**
   * Accept connections here, each timed (`Deno.serveHttp`); otherwise plain
   * `Deno.serve`, untimed and unbounded, whose downloads cost less CPU
   * (docs/benchmarks.md) and which then ignores the three limits below.
   */
  timedConnections?: boolean;
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM texts: both or neither. */
  cert?: string;
  key?: string;
  headerTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  maxConnections?: number;
  /** Called once the socket listens, before any connection is accepted. */
  onListen?: (addr: Deno.NetAddr) => void;
  /** Unexpected failures (a handler that threw, a failed accept). */
  onError?: (line: string) => void;
}

export interface Server {
  addr: Deno.NetAddr;
  /** Stops accepting, closes idle connections, and resolves once in-flight requests are done. */
  shutdown(): Promise<void>;
}

/** What `Deno.serveHttp` returns; Deno 2's type declarations no longer list it. */
interface HttpConn {
  nextRequest(): Promise<RequestEvent | null>;
  close(): void;
}

interface RequestEvent {
  readonly request: Request;
  respondWith(response: Response): Promise<void>;
}

function serveHttpOf(): (conn: Deno.Conn) => HttpConn {
  const serveHttp = (Deno as unknown as { serveHttp?: (conn: Deno.Conn) => HttpConn }).serveHttp;
  if (typeof serveHttp !== "function") {
    throw new Error(`this Deno (${Deno.version.deno}) has no Deno.serveHttp`);
  }
  return serveHttp;
}

/** One accepted connection: its requests in flight and the timer that closes it when idle. */
class Connection {
  #conn: Deno.Conn;
  #http: HttpConn | undefined;
  #inFlight = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #draining = false;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  serveHttp(serveHttp: (conn: Deno.Conn) => HttpConn): HttpConn {
    return this.#http = serveHttp(this.#conn);
  }

  /** Closes the connection unless `nextRequest` delivers a request head within `ms`. */
  expectRequestWithin(ms: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.close(), ms);
  }

  requestStarted(): void {
    clearTimeout(this.#timer);
    this.#inFlight++;
  }

  requestDone(keepAliveMs: number): void {
    if (--this.#inFlight > 0) return;
    if (this.#draining) this.close();
    else this.expectRequestWithin(keepAliveMs);
  }

  /** Shutting down: close now when idle, else once the last response is sent. */
  drain(): void {
    this.#draining = true;
    if (this.#inFlight === 0) this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    try {
      // Closing the HTTP connection also closes the socket; a pending nextRequest() resolves null.
      (this.#http ?? this.#conn).close();
    } catch { /* closed by the peer already */ }
  }
}

function internalError(): Response {
  return new Response(JSON.stringify({ error: "Internal server error" }), {
    status: 500,
    headers: { "content-type": "application/json" },
  });
}

export function startHttpServer(options: ServeOptions, handler: Handler): Server {
  if (!options.timedConnections) {
    const { hostname, port, cert, key, onListen } = options;
    const server = Deno.serve({
      hostname,
      port,
      ...(cert && key ? { cert, key } : {}),
      // The caller's ready line replaces Deno's default message on stderr.
      onListen: (addr: Deno.NetAddr) => onListen?.(addr),
    }, handler);
    return { addr: server.addr, shutdown: () => server.shutdown() };
  }
  return startTimedServer(options, handler);
}

function startTimedServer(options: ServeOptions, handler: Handler): Server {
  const serveHttp = serveHttpOf();
  const headerTimeoutMs = options.headerTimeoutMs ?? DEFAULT_HEADER_TIMEOUT_MS;
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const onError = options.onError ?? (() => {});
  const { cert, key } = options;
  const listener: Deno.Listener = cert && key
    ? Deno.listenTls({
      hostname: options.hostname,
      port: options.port,
      cert,
      key,
      alpnProtocols: ["h2", "http/1.1"], // as Deno.serve offers
    })
    : Deno.listen({ hostname: options.hostname, port: options.port });
  const addr = listener.addr as Deno.NetAddr;
  const open = new Map<Connection, Promise<void>>();
  let stopping = false;

  async function respond(event: RequestEvent, info: ConnectionInfo): Promise<void> {
    let response: Response;
    try {
      response = await handler(event.request, info);
    } catch (error) {
      onError(`internal error: ${error instanceof Error ? error.message : String(error)}`);
      response = internalError();
    }
    // Rejects when the client goes away before the response is sent: nothing to do then.
    await event.respondWith(response).catch(() => {});
  }

  async function serveConnection(connection: Connection, conn: Deno.Conn) {
    const info = { remoteAddr: conn.remoteAddr as Deno.NetAddr };
    // Over TLS the handshake's time counts toward the head's.
    connection.expectRequestWithin(headerTimeoutMs);
    const http = connection.serveHttp(serveHttp);
    const responses = new Set<Promise<void>>();
    while (true) {
      // Over HTTP/1.1 the next head is read only once the current response is
      // sent; over HTTP/2 requests on one connection overlap.
      const event = await http.nextRequest().catch(() => null);
      if (event === null) break;
      connection.requestStarted();
      const responding = respond(event, info).finally(() => {
        responses.delete(responding);
        connection.requestDone(keepAliveTimeoutMs);
      });
      responses.add(responding);
    }
    await Promise.all(responses);
    connection.close();
  }

  function accepted(conn: Deno.Conn): void {
    if (open.size >= maxConnections || stopping) {
      conn.close();
      return;
    }
    const connection = new Connection(conn);
    open.set(connection, serveConnection(connection, conn).finally(() => open.delete(connection)));
  }

  const accepting = (async () => {
    while (!stopping) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (stopping || error instanceof Deno.errors.BadResource) break;
        onError(`cannot accept a connection: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      accepted(conn);
    }
  })();

  options.onListen?.(addr);
  let stopped: Promise<void> | undefined;
  return {
    addr,
    shutdown() {
      stopped ??= (async () => {
        stopping = true;
        listener.close();
        await accepting;
        for (const connection of open.keys()) connection.drain();
        await Promise.all(open.values());
      })();
      return stopped;
    },
  };
}
