/**
 * Transfer feedback on stderr, drawn only when stderr is a terminal: a
 * context header before a transfer and a progress bar with bytes and rate.
 * On a pipe both are silent, so logs and captured output stay clean.
 *
 * @module
 */
import type { IO } from "./io.ts";

/** A progress display; every method is a no-op off a terminal. */
export interface Progress {
  /**
   * `done` of `total` bytes; with `items`, a transfer of many artefacts
   * whose bar follows the items and whose bytes have no known total.
   */
  update(done: number, total?: number, items?: { done: number; total: number }): void;
  finish(): void;
}

const REDRAW_EVERY_MS = 100;
const BAR_WIDTH = 24;

/** Creates a progress bar labelled `label` on stderr, if stderr is a terminal. */
export function createProgress(io: IO, label: string): Progress {
  if (!io.stderrIsTTY) return { update() {}, finish() {} };
  const started = Date.now();
  let lastDraw = 0;
  let last = {
    done: 0,
    total: undefined as number | undefined,
    items: undefined as { done: number; total: number } | undefined,
  };
  let finished = false;
  const draw = () => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const { done, total, items } = last;
    const rate = `${formatBytes(done / seconds)}/s`;
    const bytes = total ? `${formatBytes(done)} / ${formatBytes(total)}` : formatBytes(done);
    const amount = items
      ? `${items.done}/${items.total} items (${(items.done / seconds).toFixed(1)}/s)  ${bytes}`
      : bytes;
    let bar = "";
    const fraction = items
      ? (items.total ? items.done / items.total : 1)
      : total
      ? done / total
      : NaN;
    if (!Number.isNaN(fraction)) {
      const filled = Math.round(Math.min(fraction, 1) * BAR_WIDTH);
      bar = ` [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${
        String(Math.floor(Math.min(fraction, 1) * 100)).padStart(3)
      }%`;
    }
    io.stderr.write(`\r\x1b[2K${label}${bar}  ${amount}  ${rate}`);
  };
  return {
    update(done, total, items) {
      last = { done, total, items };
      const now = Date.now();
      if (now - lastDraw >= REDRAW_EVERY_MS) {
        lastDraw = now;
        draw();
      }
    },
    finish() {
      if (finished) return;
      finished = true;
      draw();
      io.stderr.write("\n");
    },
  };
}

/** `1.5 MB`-style sizes (decimal units, like curl and most download tools). */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * The borderless two-column header shown before a transfer on a terminal:
 * what, where to, and when (local time with its offset).
 */
export function writeContextHeader(io: IO, rows: [string, string][]): void {
  if (!io.stderrIsTTY) return;
  const all: [string, string][] = [...rows, ["Time", localTime(new Date())]];
  const width = Math.max(...all.map(([key]) => key.length));
  io.stderr.write(all.map(([key, value]) => `${key.padEnd(width + 2)}${value}\n`).join(""));
}

function localTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const zone = Intl.DateTimeFormat(undefined, { timeZoneName: "short" })
    .formatToParts(date).find((part) => part.type === "timeZoneName")?.value ?? "";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ${zone} ` +
    `(${sign}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)})`;
}
