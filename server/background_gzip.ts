/**
 * gzip on another thread, fed while a document is still being built: a
 * 100,000-egg index takes about a second to build on the server's thread
 * and 0.6 s to compress. One after the other, its first gzip request waited
 * for both; side by side, for the build alone. One worker per process
 * (gzip_worker.ts) takes every job's blocks in order. Each block is deflated
 * on its own, so the result is about 0.2% larger than one pass over it all.
 */

interface Job {
  pieces: Uint8Array<ArrayBuffer>[];
  /** How many pieces make it whole, known once the last block is sent. */
  expected?: number;
  resolve(pieces: Uint8Array<ArrayBuffer>[]): void;
  reject(error: Error): void;
}

let worker: Worker | undefined;
let nextJob = 1;
const jobs = new Map<number, Job>();

function failAll(error: Error): void {
  for (const job of jobs.values()) job.reject(error);
  jobs.clear();
  worker?.terminate();
  worker = undefined; // the next job starts a new one
}

function settle(id: number, job: Job): void {
  if (job.expected === undefined || job.pieces.length < job.expected) return;
  jobs.delete(id);
  job.resolve(job.pieces);
}

function gzipWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL("./gzip_worker.ts", import.meta.url), { type: "module" });
  started.onmessage = ({ data }: MessageEvent) => {
    const job = jobs.get(data.job);
    if (!job) return;
    if (data.error !== undefined) {
      jobs.delete(data.job);
      job.reject(new Error(`gzip failed: ${data.error}`));
      return;
    }
    job.pieces.push(data.piece);
    settle(data.job, job);
  };
  started.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    failAll(new Error(`the gzip worker failed: ${event.message}`));
  };
  return worker = started;
}

/** One document's compression: its blocks given in order, the last one by finish. */
export class BackgroundGzip {
  readonly #id = nextJob++;
  readonly #job: Job;
  readonly #done: Promise<Uint8Array<ArrayBuffer>[]>;
  #sent = 0;

  constructor() {
    const { promise, resolve, reject } = Promise.withResolvers<Uint8Array<ArrayBuffer>[]>();
    promise.catch(() => {}); // reported to whoever awaits result(), if anyone does
    this.#job = { pieces: [], resolve, reject };
    jobs.set(this.#id, this.#job);
    this.#done = promise;
  }

  /** Compresses `block`; the worker gets a copy, the caller keeps its own. */
  push(block: Uint8Array): void {
    this.#post(block, false);
  }

  /** The last block (maybe empty): after it, result() resolves. */
  finish(block: Uint8Array = new Uint8Array(0)): void {
    this.#post(block, true);
  }

  /** The gzip member in pieces, to be joined in this order. */
  result(): Promise<Uint8Array<ArrayBuffer>[]> {
    return this.#done;
  }

  #post(block: Uint8Array, last: boolean): void {
    if (jobs.get(this.#id) !== this.#job || this.#job.expected !== undefined) return;
    // A view of a larger buffer would be cloned whole.
    const own = block.byteLength === block.buffer.byteLength ? block : block.slice();
    gzipWorker().postMessage({ job: this.#id, block: own, last });
    this.#sent++;
    if (last) {
      this.#job.expected = this.#sent;
      settle(this.#id, this.#job);
    }
  }
}
