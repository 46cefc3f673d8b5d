/**
 * A streaming multipart/form-data reader (RFC 7578). Parts are read one at a
 * time and their bodies handed out chunk by chunk as they arrive, so memory
 * stays bounded by the network chunk size whatever the upload size; nothing
 * is buffered beyond one chunk plus a delimiter's worth of look-behind.
 * `request.formData()` would hold the whole file in memory instead.
 */
/** The body is not well-formed multipart, or the client stopped sending it. */
export class MultipartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MultipartError";
  }
}

export interface PartHeaders {
  /** The `name` of `Content-Disposition: form-data`. */
  name: string;
  /** The `filename` (or decoded `filename*`), null when absent. */
  filename: string | null;
  contentType: string | null;
}

export interface Part extends PartHeaders {
  /** The next chunk of this part's body; null once it is complete. */
  read(): Promise<Uint8Array | null>;
}

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_PREAMBLE_BYTES = 16 * 1024;
const encoder = new TextEncoder();

/** The boundary of a `multipart/form-data` content type, or null if it has none. */
export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType) return null;
  const [type, ...params] = splitParameters(contentType);
  if (type?.toLowerCase() !== "multipart/form-data") return null;
  const boundary = parameters(params).get("boundary");
  // RFC 2046: 1-70 characters.
  return boundary && boundary.length <= 70 ? boundary : null;
}

/** Splits on `;` outside double quotes. */
function splitParameters(header: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const char = header[i]!;
    if (quoted && char === "\\" && i + 1 < header.length) {
      current += char + header[++i];
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === ";" && !quoted) {
      parts.push(current.trim());
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current.trim());
  return parts;
}

/** `key=value` / `key="quoted"` pairs, keys lower-cased. */
function parameters(params: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const param of params) {
    const equals = param.indexOf("=");
    if (equals <= 0) continue;
    const key = param.slice(0, equals).trim().toLowerCase();
    let value = param.slice(equals + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(.)/g, "$1");
    }
    map.set(key, value);
  }
  return map;
}

/** RFC 5987 `UTF-8''percent%20encoded`; null if it cannot be decoded. */
function decodeExtendedValue(value: string): string | null {
  const match = /^utf-8'[^']*'(.*)$/i.exec(value);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}

function parseHeaders(text: string): PartHeaders {
  let disposition: string | undefined;
  let contentType: string | null = null;
  for (const line of text.split("\r\n")) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new MultipartError("Malformed multipart part header");
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") disposition = value;
    else if (key === "content-type") contentType = value;
  }
  const [kind, ...rest] = splitParameters(disposition ?? "");
  if (kind?.toLowerCase() !== "form-data") {
    throw new MultipartError("Each multipart part needs 'Content-Disposition: form-data'");
  }
  const params = parameters(rest);
  const name = params.get("name");
  if (name === undefined) throw new MultipartError("A multipart part has no name");
  const extended = params.get("filename*");
  const filename = (extended === undefined ? null : decodeExtendedValue(extended)) ??
    params.get("filename") ?? null;
  return { name, filename, contentType };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/**
 * A byte string to search for with Boyer-Moore-Horspool: on random file data
 * it looks at about one byte in `length`, so parsing stays well below the
 * cost of hashing. (node:buffer's indexOf is several times slower on Deno.)
 */
class Needle {
  readonly bytes: Uint8Array;
  readonly #skip = new Uint32Array(256);

  constructor(text: string) {
    this.bytes = encoder.encode(text);
    const n = this.bytes.length;
    this.#skip.fill(n);
    for (let i = 0; i < n - 1; i++) this.#skip[this.bytes[i]!] = n - 1 - i;
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Where the needle first occurs in `haystack`, or -1. */
  find(haystack: Uint8Array): number {
    const bytes = this.bytes;
    const n = bytes.length;
    const lastByte = bytes[n - 1]!;
    for (let at = 0; at <= haystack.length - n;) {
      const byte = haystack[at + n - 1]!;
      if (byte === lastByte) {
        let i = n - 2;
        while (i >= 0 && haystack[at + i] === bytes[i]) i--;
        if (i < 0) return at;
      }
      at += this.#skip[byte]!;
    }
    return -1;
  }

  /**
   * The length of the longest end of `haystack` that could be the start of
   * the needle (and must be kept until more bytes arrive). Usually 0, so the
   * next chunk is used as is instead of being copied behind a kept tail.
   */
  partialAtEnd(haystack: Uint8Array): number {
    const bytes = this.bytes;
    for (let at = Math.max(0, haystack.length - bytes.length + 1); at < haystack.length; at++) {
      let i = 0;
      while (at + i < haystack.length && haystack[at + i] === bytes[i]) i++;
      if (at + i === haystack.length) return haystack.length - at;
    }
    return 0;
  }
}

const HEADER_END = new Needle("\r\n\r\n");

type State = "preamble" | "delimiter" | "body" | "end";

/**
 * Reads the parts of one body in order. Call {@linkcode nextPart} again only
 * after the previous part is read to its end, or it is skipped for you.
 */
export class MultipartReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  /** `\r\n--boundary`: every delimiter, the first one included thanks to #buffer's seed. */
  readonly #delimiter: Needle;
  /** Unconsumed bytes. Seeded with CRLF so a body starting with `--boundary` matches too. */
  #buffer: Uint8Array = encoder.encode("\r\n");
  #ended = false;
  #state: State = "preamble";
  #current: Part | null = null;

  constructor(body: ReadableStream<Uint8Array>, boundary: string) {
    this.#reader = body.getReader();
    this.#delimiter = new Needle(`\r\n--${boundary}`);
  }

  /** Stops reading the body (after an error, or once the wanted parts are in). */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  /** Reads one more network chunk into #buffer; false at the end of the body. */
  async #fill(): Promise<boolean> {
    if (this.#ended) return false;
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await this.#reader.read();
    } catch (error) {
      throw new MultipartError("The upload was interrupted before it was complete", {
        cause: error,
      });
    }
    if (result.done) {
      this.#ended = true;
      return false;
    }
    this.#buffer = concat(this.#buffer, result.value);
    return true;
  }

  #truncated(): MultipartError {
    return new MultipartError("The upload ended before the closing multipart boundary");
  }

  async nextPart(): Promise<Part | null> {
    if (this.#state === "body") {
      while (await this.#current!.read() !== null) { /* skip the rest of the part */ }
    }
    if (this.#state === "end") return null;
    if (this.#state === "preamble") await this.#skipPreamble();

    // Just after a delimiter: `--` closes the body, else padding and CRLF, then headers.
    while (this.#buffer.length < 2) if (!await this.#fill()) throw this.#truncated();
    if (this.#buffer[0] === 0x2d && this.#buffer[1] === 0x2d) {
      this.#state = "end";
      return null;
    }
    let headerEnd: number;
    while ((headerEnd = HEADER_END.find(this.#buffer)) < 0) {
      if (this.#buffer.length > MAX_HEADER_BYTES) {
        throw new MultipartError(
          `Multipart part headers are larger than ${MAX_HEADER_BYTES} bytes`,
        );
      }
      if (!await this.#fill()) throw this.#truncated();
    }
    const raw = new TextDecoder().decode(this.#buffer.subarray(0, headerEnd));
    // The rest of the delimiter line is optional whitespace (transport padding), then CRLF.
    const lineEnd = raw.indexOf("\r\n");
    const padding = lineEnd < 0 ? raw : raw.slice(0, lineEnd);
    if (padding.trim() !== "") throw new MultipartError("Malformed multipart boundary line");
    const headers = parseHeaders(lineEnd < 0 ? "" : raw.slice(lineEnd + 2));
    this.#buffer = this.#buffer.subarray(headerEnd + HEADER_END.length);
    this.#state = "body";
    const part: Part = { ...headers, read: () => this.#readBody(part) };
    this.#current = part;
    return part;
  }

  async #skipPreamble(): Promise<void> {
    let skipped = 0;
    while (true) {
      const found = this.#delimiter.find(this.#buffer);
      if (found >= 0) {
        this.#buffer = this.#buffer.subarray(found + this.#delimiter.length);
        this.#state = "delimiter";
        return;
      }
      const keep = this.#delimiter.partialAtEnd(this.#buffer);
      skipped += this.#buffer.length - keep;
      this.#buffer = this.#buffer.subarray(this.#buffer.length - keep);
      if (skipped > MAX_PREAMBLE_BYTES) {
        throw new MultipartError("No multipart boundary found at the start of the body");
      }
      if (!await this.#fill()) throw this.#truncated();
    }
  }

  async #readBody(part: Part): Promise<Uint8Array | null> {
    if (this.#current !== part || this.#state !== "body") return null;
    while (true) {
      const found = this.#delimiter.find(this.#buffer);
      if (found >= 0) {
        const data = this.#buffer.subarray(0, found);
        this.#buffer = this.#buffer.subarray(found + this.#delimiter.length);
        this.#state = "delimiter";
        this.#current = null;
        return data.length > 0 ? data : null;
      }
      // Everything but a possible delimiter start at the end is part of the body.
      const safe = this.#buffer.length - this.#delimiter.partialAtEnd(this.#buffer);
      if (safe > 0) {
        const data = this.#buffer.subarray(0, safe);
        this.#buffer = this.#buffer.subarray(safe);
        return data;
      }
      if (!await this.#fill()) throw this.#truncated();
    }
  }
}
