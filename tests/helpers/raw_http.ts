/**
 * HTTP/1.1 over raw sockets, for tests where a client must misbehave: send
 * half a request, stall mid-body, hang up, or hold a connection open.
 */
import { createHash } from "node:crypto";
import { V1 } from "./http.ts";
import type { RunningServer } from "./server.ts";

const encoder = new TextEncoder();

/** Writes every byte (a socket write may take only part). */
export async function writeAll(connection: Deno.Conn, bytes: string | Uint8Array): Promise<void> {
  const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
  for (let at = 0; at < data.length;) at += await connection.write(data.subarray(at));
}

/** Opens a socket to the server and sends `text`; the caller decides what happens next. */
export async function rawRequest(
  server: RunningServer,
  text: string | Uint8Array,
): Promise<Deno.TcpConn> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await writeAll(connection, text);
  return connection;
}

/** A request head for `V1 + path`, with a Host header. */
export function requestHead(
  server: RunningServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): string {
  const lines = Object.entries({ host: `127.0.0.1:${server.port}`, ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return `${method} ${V1}${path} HTTP/1.1\r\n${lines}\r\n`;
}

export interface Closed {
  /** Everything the server sent before closing. */
  text: string;
  /** False when `timeoutMs` ran out first (the socket is closed then too). */
  byServer: boolean;
  /** Milliseconds from the call until the close. */
  afterMs: number;
}

/** Reads until the server closes the connection, or `timeoutMs` passes; closes the socket. */
export async function readUntilClosed(
  connection: Deno.Conn,
  timeoutMs = 10_000,
  until: (text: string) => boolean = () => false,
): Promise<Closed> {
  const started = performance.now();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    connection.close();
  }, timeoutMs);
  const buffer = new Uint8Array(4096);
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (!until(text)) {
      const read = await connection.read(buffer);
      if (read === null) break;
      text += decoder.decode(buffer.subarray(0, read), { stream: true });
    }
  } catch {
    /* closed by the timer, or reset by the server */
  } finally {
    clearTimeout(timer);
    try {
      connection.close();
    } catch { /* already */ }
  }
  return { text, byServer: !timedOut, afterMs: performance.now() - started };
}

/** Reads until the server closes (bounded by `timeoutMs`); returns the status line's code. */
export async function readStatus(
  connection: Deno.Conn,
  timeoutMs = 10_000,
): Promise<number | null> {
  const { text } = await readUntilClosed(connection, timeoutMs, (text) => text.includes("\r\n"));
  const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return match ? Number(match[1]) : null;
}

/**
 * Reads one response with a Content-Length body and leaves the connection
 * open (keep-alive); throws if the server closes first.
 */
export async function readResponse(
  connection: Deno.Conn,
): Promise<{ status: number; body: string }> {
  const buffer = new Uint8Array(4096);
  let bytes = new Uint8Array(0);
  const decoder = new TextDecoder();
  while (true) {
    const text = decoder.decode(bytes);
    const end = text.indexOf("\r\n\r\n");
    if (end >= 0) {
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1]);
      const headBytes = encoder.encode(text.slice(0, end + 4)).length;
      if (Number.isNaN(length)) throw new Error(`no Content-Length in ${text.slice(0, end)}`);
      if (bytes.length >= headBytes + length) {
        return {
          status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]),
          body: decoder.decode(bytes.subarray(headBytes, headBytes + length)),
        };
      }
    }
    const read = await connection.read(buffer);
    if (read === null) throw new Error("the server closed the connection mid-response");
    const grown = new Uint8Array(bytes.length + read);
    grown.set(bytes);
    grown.set(buffer.subarray(0, read), bytes.length);
    bytes = grown;
  }
}

/** A multipart upload body of the artefact file at `path`, cut in two at `splitAt` bytes. */
export async function uploadBody(path: string, splitAt: number) {
  const bytes = await Deno.readFile(path);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const boundary = "hardening-boundary";
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n` +
      JSON.stringify({ sha256 }) + `\r\n--${boundary}\r\nContent-Disposition: form-data; ` +
      `name="file"; filename="${path.split("/").pop()}"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const body = new Uint8Array(head.length + bytes.length + tail.length);
  body.set(head);
  body.set(bytes, head.length);
  body.set(tail, head.length + bytes.length);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    first: body.subarray(0, splitAt),
    rest: body.subarray(splitAt),
    length: body.length,
  };
}
