/**
 * What the benchmarks in scripts/ share: output, statistics, and the order of
 * runs that keeps side-by-side ratios fair on a noisy machine.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Writes text to stdout as it comes (no buffering, no trailing newline added). */
export function print(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text));
}

/** The median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Ticks per second of /proc's CPU times, asked once. */
let clockTicks: number | undefined;

/** CPU time (user + kernel, all threads) a process has used so far, in seconds. */
export async function processCpuSeconds(pid: number): Promise<number> {
  clockTicks ??= Number(
    new TextDecoder().decode(
      (await new Deno.Command("getconf", { args: ["CLK_TCK"] }).output()).stdout,
    ),
  ) || 100;
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Flushes dirty pages, so the next run does not pay for the last one's writes. */
export async function settle(): Promise<void> {
  await new Deno.Command("sync").output();
}

/**
 * Runs every item once untimed as a warm-up (these VMs get faster as fresh
 * memory is touched), then `rounds` timed rounds in alternating order, so no
 * item always runs first. `run` is told whether its run counts.
 */
export async function inAlternatingRounds<T>(
  items: readonly T[],
  rounds: number,
  run: (item: T, counted: boolean) => Promise<void>,
): Promise<void> {
  for (let round = -1; round < rounds; round++) {
    for (const item of round % 2 ? items : [...items].reverse()) await run(item, round >= 0);
  }
}

/** One timed run of a command. */
export interface Timed {
  seconds: number;
  peakRssKb: number;
  /** CPU time in user space and in the kernel, in seconds. */
  userSeconds: number;
  kernelSeconds: number;
  /** CPU time the server spent meanwhile (user + kernel), in seconds. */
  serverSeconds: number;
}

/**
 * Runs a command under GNU time, with the CPU time the server (`serverPid`)
 * spent meanwhile; fails loudly on a non-zero exit.
 */
export async function timed(argv: string[], serverPid: number): Promise<Timed> {
  await settle();
  const report = await Deno.makeTempFile();
  const serverBefore = await processCpuSeconds(serverPid);
  const started = performance.now();
  const { code, stderr } = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M %U %S", "-o", report, ...argv],
    stdout: "null",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const serverSeconds = await processCpuSeconds(serverPid) - serverBefore;
  if (code !== 0) {
    throw new Error(`${argv.slice(0, 4).join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
  }
  const last = (await Deno.readTextFile(report)).trim().split("\n").at(-1) ?? "";
  const [peakRssKb, userSeconds, kernelSeconds] = last.split(" ").map(Number) as [
    number,
    number,
    number,
  ];
  await Deno.remove(report);
  return { seconds, peakRssKb, userSeconds, kernelSeconds, serverSeconds };
}

/**
 * Prints each run's wall time, its CPU time and the server's, and the floor
 * the two CPUs set on a machine whose cores they share: (client + server) /
 * cores. Returns the floors (medians) by name.
 */
export function printCpuTable(results: Record<string, Timed[]>): Record<string, number> {
  const cores = navigator.hardwareConcurrency;
  print(
    `\nCPU per run (medians; ${cores} cores, shared with the server)\n` +
      "| run | wall s | client CPU s | server CPU s | floor s = (client + server) / cores |\n" +
      "|---|---|---|---|---|\n",
  );
  const floors: Record<string, number> = {};
  for (const [name, runs] of Object.entries(results)) {
    const client = runs.map((r) => r.userSeconds + r.kernelSeconds);
    const server = runs.map((r) => r.serverSeconds);
    floors[name] = median(
      runs.map((r) => (r.userSeconds + r.kernelSeconds + r.serverSeconds) / cores),
    );
    print(
      `| ${name} | ${median(runs.map((r) => r.seconds)).toFixed(2)} | ${
        median(client).toFixed(2)
      } | ${median(server).toFixed(2)} | ${floors[name]!.toFixed(2)} |\n`,
    );
  }
  return floors;
}
