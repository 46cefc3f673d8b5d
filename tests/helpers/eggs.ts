/**
 * Test eggs: real zip archives written with zip.js, plus hand-made archives
 * for the hostile cases (zip bombs, unsafe paths) that a zip library would
 * refuse to write or that need lying headers.
 */
import { once } from "node:events";
import { join } from "node:path";
import { crc32, createDeflateRaw, deflateRawSync } from "node:zlib";
import { zip } from "../../lib/deps.ts";

/** Everything `EGG-INFO/spec/depend` holds, as written there. */
export interface EggSpec {
  metadataVersion: string;
  name: string;
  version: string;
  build: number;
  arch: string | null;
  platform: string | null;
  osdist: string | null;
  python: string | null;
  /** Written from metadata 1.2 on. */
  pythonTag: string | null;
  /** Written from metadata 1.3 on. */
  abiTag: string | null;
  /** Written from metadata 1.3 on. */
  platformTag: string | null;
  /** Written from metadata 1.4 on. */
  platformAbi: string | null;
  packages: string[];
}

/** A spec with the defaults of a CPython 3.11 egg for RedHat 7 on x86_64. */
export type EggSpecInput = Partial<EggSpec> & { name: string; version: string; build?: number };

/** Options of {@linkcode writeEgg}. */
export interface WriteEggOptions {
  /** File name; defaults to `<name>-<version>-<build>.egg`. */
  fileName?: string;
  /** More entries, by path. */
  extraEntries?: Record<string, Uint8Array | string>;
  /** Exact text of `EGG-INFO/spec/depend`, instead of one made from the spec. */
  specDependText?: string;
  /** Leave `EGG-INFO/spec/depend` out. */
  omitSpec?: boolean;
  /** Size of a stored random payload entry, streamed (1 GiB works in constant memory). */
  payloadBytes?: number;
}

/** Fills in the defaults of a spec. */
export function completeSpec(spec: EggSpecInput): EggSpec {
  return {
    metadataVersion: "1.3",
    build: 1,
    arch: "amd64",
    platform: "linux2",
    osdist: "RedHat_7",
    python: "3.11",
    pythonTag: "cp311",
    abiTag: "cp311",
    platformTag: "linux_x86_64",
    platformAbi: "gnu",
    packages: [],
    ...spec,
  };
}

function pyLiteral(value: string | number | null): string {
  if (value === null) return "None";
  if (typeof value === "number") return String(value);
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/**
 * The `EGG-INFO/spec/depend` text of a spec (defaults filled in), with the
 * keys of its metadata version, laid out as okonomiyaki writes them.
 */
export function specDependText(spec: EggSpecInput): string {
  const full = completeSpec(spec);
  const packages = full.packages.length === 0
    ? "packages = []"
    : `packages = [\n${full.packages.map((p) => `  ${pyLiteral(p)},\n`).join("")}]`;
  const [major, minor] = full.metadataVersion.split(".").map(Number) as [number, number];
  const since = (m: number) => major > 1 || (major === 1 && minor >= m);
  const tags = [
    ...(since(2) ? [`python_tag = ${pyLiteral(full.pythonTag)}`] : []),
    ...(since(3)
      ? [`abi_tag = ${pyLiteral(full.abiTag)}`, `platform_tag = ${pyLiteral(full.platformTag)}`]
      : []),
    ...(since(4) ? ["", `platform_abi = ${pyLiteral(full.platformAbi)}`] : []),
  ];
  return [
    `metadata_version = ${pyLiteral(full.metadataVersion)}`,
    `name = ${pyLiteral(full.name)}`,
    `version = ${pyLiteral(full.version)}`,
    `build = ${full.build}`,
    "",
    `arch = ${pyLiteral(full.arch)}`,
    `platform = ${pyLiteral(full.platform)}`,
    `osdist = ${pyLiteral(full.osdist)}`,
    `python = ${pyLiteral(full.python)}`,
    "",
    ...tags,
    "",
    packages,
    "",
  ].join("\n");
}

function pkgInfo(spec: EggSpec): string {
  return `Metadata-Version: 1.1\nName: ${spec.name}\nVersion: ${spec.version}\n`;
}

/** A stream of `size` bytes: one random 1 MiB block, repeated. */
export function randomPayload(size: number): ReadableStream<Uint8Array> {
  const block = new Uint8Array(1024 * 1024);
  for (let offset = 0; offset < block.length; offset += 65536) {
    crypto.getRandomValues(block.subarray(offset, offset + 65536));
  }
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      const length = Math.min(block.length, size - sent);
      if (length <= 0) return controller.close();
      controller.enqueue(block.slice(0, length));
      sent += length;
    },
  });
}

/**
 * Writes a real egg (a zip written by zip.js) into `dir` and returns its path.
 * It holds `EGG-INFO/spec/depend`, `EGG-INFO/PKG-INFO` and `<name>/__init__.py`.
 */
export async function writeEgg(
  dir: string,
  spec: EggSpecInput,
  options: WriteEggOptions = {},
): Promise<string> {
  const full = completeSpec(spec);
  const path = join(dir, options.fileName ?? `${full.name}-${full.version}-${full.build}.egg`);
  const file = await Deno.open(path, { create: true, write: true, truncate: true });
  const writer = new zip.ZipWriter(file.writable, { useWebWorkers: false });
  try {
    if (!options.omitSpec) {
      const text = options.specDependText ?? specDependText(full);
      await writer.add("EGG-INFO/spec/depend", new zip.TextReader(text));
    }
    await writer.add("EGG-INFO/PKG-INFO", new zip.TextReader(pkgInfo(full)));
    await writer.add(`${full.name}/__init__.py`, new zip.TextReader(`__version__ = "1"\n`));
    for (const [name, content] of Object.entries(options.extraEntries ?? {})) {
      const reader = typeof content === "string"
        ? new zip.TextReader(content)
        : new zip.Uint8ArrayReader(content);
      await writer.add(name, reader);
    }
    if (options.payloadBytes !== undefined) {
      await writer.add(`${full.name}/payload.bin`, randomPayload(options.payloadBytes), {
        level: 0,
      });
    }
  } finally {
    await writer.close();
  }
  return path;
}

/** One entry of a hand-made archive, as stored (already compressed). */
export interface RawZipEntry {
  name: string;
  /** The bytes as stored in the archive. */
  data: Uint8Array;
  /** 0 (stored) or 8 (deflate). */
  method: 0 | 8;
  /** CRC-32 of the uncompressed content. */
  crc: number;
  /** Uncompressed size written in the headers (may lie). */
  size: number;
}

/** An entry deflated from `content`, with honest headers. */
export function deflatedEntry(name: string, content: string | Uint8Array): RawZipEntry {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  return {
    name,
    data: deflateRawSync(bytes),
    method: 8,
    crc: crc32(bytes) >>> 0,
    size: bytes.length,
  };
}

/** Writes a zip archive byte by byte (no zip64, no data descriptors). */
export async function writeRawZip(path: string, entries: RawZipEntry[]): Promise<string> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const local = new Uint8Array(30 + name.length);
    const view = new DataView(local.buffer);
    view.setUint32(0, 0x04034b50, true);
    view.setUint16(4, 20, true);
    view.setUint16(6, 0x0800, true); // UTF-8 names
    view.setUint16(8, entry.method, true);
    view.setUint16(12, 0x21, true); // 1980-01-01
    view.setUint32(14, entry.crc, true);
    view.setUint32(18, entry.data.length, true);
    view.setUint32(22, entry.size, true);
    view.setUint16(26, name.length, true);
    local.set(name, 30);
    const header = new Uint8Array(46 + name.length);
    const headerView = new DataView(header.buffer);
    headerView.setUint32(0, 0x02014b50, true);
    headerView.setUint16(4, 20, true);
    headerView.setUint16(6, 20, true);
    headerView.setUint16(8, 0x0800, true);
    headerView.setUint16(10, entry.method, true);
    headerView.setUint16(14, 0x21, true);
    headerView.setUint32(16, entry.crc, true);
    headerView.setUint32(20, entry.data.length, true);
    headerView.setUint32(24, entry.size, true);
    headerView.setUint16(28, name.length, true);
    headerView.setUint32(42, offset, true);
    header.set(name, 46);
    parts.push(local, entry.data);
    central.push(header);
    offset += local.length + entry.data.length;
  }
  const centralSize = central.reduce((sum, part) => sum + part.length, 0);
  const end = new Uint8Array(22);
  const endView = new DataView(end.buffer);
  endView.setUint32(0, 0x06054b50, true);
  endView.setUint16(8, entries.length, true);
  endView.setUint16(10, entries.length, true);
  endView.setUint32(12, centralSize, true);
  endView.setUint32(16, offset, true);
  const file = await Deno.open(path, { create: true, write: true, truncate: true });
  try {
    for (const part of [...parts, ...central, end]) {
      let written = 0;
      while (written < part.length) written += await file.write(part.subarray(written));
    }
  } finally {
    file.close();
  }
  return path;
}

/** The usual entries of an egg (honest, deflated), for hand-made archives. */
export function eggEntries(spec: EggSpecInput): RawZipEntry[] {
  const full = completeSpec(spec);
  return [
    deflatedEntry("EGG-INFO/spec/depend", specDependText(full)),
    deflatedEntry("EGG-INFO/PKG-INFO", pkgInfo(full)),
    deflatedEntry(`${full.name}/__init__.py`, `__version__ = "1"\n`),
  ];
}

/** Options of {@linkcode writeZipBomb}. */
export interface ZipBombOptions {
  /** Bytes of zeros that spec/depend inflates to. @default {134217728} (128 MiB) */
  inflatedBytes?: number;
  /** Uncompressed size claimed by the headers; the true size when unset. */
  declaredSize?: number;
}

/**
 * An entry `name` of deflated zeros that inflate to `inflatedBytes` (128 MiB
 * by default), with a declared size that may lie. Built in constant memory.
 */
export async function zipBombEntry(
  name: string,
  options: ZipBombOptions = {},
): Promise<RawZipEntry> {
  const inflatedBytes = options.inflatedBytes ?? 128 * 1024 * 1024;
  const zeros = new Uint8Array(1024 * 1024);
  const deflater = createDeflateRaw({ level: 9 });
  const chunks: Uint8Array[] = [];
  deflater.on("data", (chunk: Uint8Array) => chunks.push(chunk));
  const ended = once(deflater, "end");
  let crc = 0;
  for (let left = inflatedBytes; left > 0; left -= zeros.length) {
    const chunk = zeros.subarray(0, Math.min(left, zeros.length));
    crc = crc32(chunk, crc);
    if (!deflater.write(chunk)) await once(deflater, "drain");
  }
  deflater.end();
  await ended;
  const data = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  return { name, data, method: 8, crc: crc >>> 0, size: options.declaredSize ?? inflatedBytes };
}

/**
 * Writes `<name>-1.0-1.egg`, a valid-looking egg whose `EGG-INFO/spec/depend`
 * is deflated zeros that inflate to more than 100 MB. Built in constant memory.
 */
export async function writeZipBomb(
  dir: string,
  name: string,
  options: ZipBombOptions = {},
): Promise<string> {
  const [, ...rest] = eggEntries({ name, version: "1.0", build: 1 });
  const spec = await zipBombEntry("EGG-INFO/spec/depend", options);
  return await writeRawZip(join(dir, `${name}-1.0-1.egg`), [spec, ...rest]);
}

/** Writes `<name>-1.0-1.egg`, an otherwise valid egg with an entry `../../evil.txt`. */
export async function writeTraversalEgg(dir: string, name: string): Promise<string> {
  return await writeRawZip(join(dir, `${name}-1.0-1.egg`), [
    ...eggEntries({ name, version: "1.0", build: 1 }),
    deflatedEntry("../../evil.txt", "pwned\n"),
  ]);
}
