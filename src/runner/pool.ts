// Runs tasks with at most `concurrency` in flight and hands each result to
// `onDone` as soon as it exists, one at a time, so a durable writer never
// sees two rows at once. Stops starting new tasks once `signal` aborts.
export async function runPool<T, R>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
  onDone: (item: T, result: R) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  let next = 0;
  let chain = Promise.resolve();
  const lane = async (): Promise<void> => {
    while (next < items.length && !signal.aborted) {
      const item = items[next++];
      const result = await task(item);
      chain = chain.then(() => onDone(item, result));
      await chain;
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane);
  // Wait for every lane, even after one failed, so no worker outlives the pool.
  const settled = await Promise.allSettled(lanes);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
}
