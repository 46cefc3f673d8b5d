/**
 * A `fetch`-compatible function over `node:http` and `node:https`, for the two
 * things the runtime's `fetch` does badly here:
 *
 * - TLS settings per client: skipping certificate verification (`--insecure`)
 *   and trusting extra certificate authorities (`--ca-cert`); Deno's `fetch`
 *   has neither, only process-wide runtime flags (`DENO_CERT`);
 * - streaming request bodies (uploads): Deno's `fetch` sends a streamed body
 *   in small pieces at a crawl once the server applies back-pressure (about
 *   20 MB/s on loopback), while `node:http` keeps the pipe full.
 *
 * It behaves the same under Deno, Node and Bun.
 *
 * @module
 */
import type { ClientRequest, IncomingMessage } from "node:http";

/** node:http(s) and node:stream, loaded on first use: they cost startup time. */
async function nodeModules(protocol: string) {
  const [{ request }, { Readable }] = await Promise.all([
    protocol === "https:" ? import("node:https") : import("node:http"),
    import("node:stream"),
  ]);
  return { request, Readable };
}

/**
 * The trusted set: the runtime's built-in authorities plus `extra`, since
 * node's `ca` option replaces the built-in set instead of adding to it.
 */
async function trustedAuthorities(extra: readonly string[]): Promise<string[]> {
  const { rootCertificates } = await import("node:tls");
  return [...rootCertificates, ...extra];
}

type StreamModule = Awaited<ReturnType<typeof nodeModules>>["Readable"];

/** Statuses whose responses must not have a body in the Fetch API. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** Options of {@linkcode createNodeFetch}. */
export interface NodeFetchOptions {
  /**
   * Verify the server's TLS certificate.
   * @default {true}
   */
  verifyTls?: boolean;
  /**
   * PEM certificates of authorities to trust besides the built-in ones
   * (e.g. a company CA), each a `-----BEGIN CERTIFICATE-----` block.
   */
  caCerts?: readonly string[];
}

/**
 * Creates a fetch function that sends requests with `node:http(s)`.
 *
 * @param options `verifyTls: false` accepts any certificate; `caCerts` adds trusted authorities.
 * @returns A function with the signature of `fetch`.
 *
 * @example Talk to a server with a self-signed certificate
 * ```ts
 * import { createNodeFetch } from "./node_fetch.ts";
 * const fetchAnyCert = createNodeFetch({ verifyTls: false });
 * const response = await fetchAnyCert("https://127.0.0.1:8443/");
 * await response.body?.cancel();
 * ```
 */
export function createNodeFetch(options: NodeFetchOptions = {}): typeof fetch {
  const verifyTls = options.verifyTls ?? true;
  let ca: Promise<string[]> | undefined;
  return async function nodeFetch(input, init) {
    // Read the parts without building a Request, which would lock a stream body.
    const source = input instanceof Request ? input : undefined;
    const url = new URL(source ? source.url : String(input));
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new TypeError(`Unsupported URL scheme "${url.protocol}"`);
    }
    const method = init?.method ?? source?.method ?? "GET";
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? source?.headers).forEach((value, key) => headers[key] = value);
    const body = init?.body ?? source?.body ?? null;
    const signal = init?.signal ?? source?.signal ?? undefined;
    const { request: send, Readable } = await nodeModules(url.protocol);
    const authorities = url.protocol === "https:" && options.caCerts?.length
      ? await (ca ??= trustedAuthorities(options.caCerts))
      : undefined;

    return await new Promise<Response>((resolve, reject) => {
      const outgoing = send(url, {
        method,
        headers,
        rejectUnauthorized: verifyTls,
        ...(authorities ? { ca: authorities } : {}),
        signal,
      }, (incoming) => resolve(toResponse(incoming, method, Readable)));
      outgoing.on("error", (cause) => {
        reject(
          signal?.aborted ? signal.reason : new TypeError("fetch failed", { cause }),
        );
      });
      sendBody(outgoing, body, Readable).catch((cause) => outgoing.destroy(cause));
    });
  };
}

async function sendBody(
  outgoing: ClientRequest,
  body: BodyInit | null,
  Readable: StreamModule,
): Promise<void> {
  if (body === null) return void outgoing.end();
  if (typeof body === "string" || body instanceof Uint8Array) return void outgoing.end(body);
  if (body instanceof ArrayBuffer) return void outgoing.end(new Uint8Array(body));
  if (ArrayBuffer.isView(body)) {
    return void outgoing.end(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  }
  if (body instanceof ReadableStream) {
    // Node's pipe applies back-pressure, so a large upload stays in constant memory.
    Readable.fromWeb(body as import("node:stream/web").ReadableStream).pipe(outgoing);
    return;
  }
  // Blob, FormData, URLSearchParams: let the Fetch API serialise them.
  const bytes = new Uint8Array(await new Response(body).arrayBuffer());
  outgoing.end(bytes);
}

function toResponse(incoming: IncomingMessage, method: string, Readable: StreamModule): Response {
  const headers = new Headers();
  for (const [key, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(key, item);
  }
  const status = incoming.statusCode ?? 502;
  const hasBody = !NULL_BODY_STATUSES.has(status) && method !== "HEAD";
  if (!hasBody) incoming.resume();
  const body = hasBody ? Readable.toWeb(incoming) as unknown as ReadableStream<Uint8Array> : null;
  return new Response(body, { status, statusText: incoming.statusMessage ?? "", headers });
}
