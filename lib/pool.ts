/**
 * Runs work over a list with a bounded number of jobs at once: batch
 * uploads, exports, imports and mirrors share it.
 *
 * @module
 */

/**
 * Runs `work` over the items with at most `jobs` at a time. On the first
 * error no new item starts; running ones finish (an upload cut off midway
 * would leave its effect unknown), then the error is thrown.
 */
export async function runPool<T>(
  items: T[],
  jobs: number,
  work: (item: T) => Promise<void>,
  options: { stopOnError?: boolean } = {},
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !(failure && options.stopOnError !== false)) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  if (failure) throw failure.error;
}
