// Runs tasks with at most `concurrency` in flight and hands each result to
// `onDone` as soon as it exists, one at a time, so a durable writer never
// sees two rows at once. Stops starting new tasks once `signal` aborts.
// The lanes share one iterator and take the next item only when they are
// free, so a lazily made sequence of items is made no faster than it runs.
export async function runPool<T, R>(
  items: Iterable<T>,
  concurrency: number,
  task: (item: T) => Promise<R>,
  onDone: (item: T, result: R) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const queue = items[Symbol.iterator]();
  let chain = Promise.resolve();
  const lane = async (): Promise<void> => {
    while (!signal.aborted) {
      const next = queue.next();
      if (next.done) return;
      const result = await task(next.value);
      chain = chain.then(() => onDone(next.value, result));
      await chain;
    }
  };
  const lanes = Array.from({ length: Math.max(1, concurrency) }, lane);
  // Wait for every lane, even after one failed, so no worker outlives the pool.
  const settled = await Promise.allSettled(lanes);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
}
