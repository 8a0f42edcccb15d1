// The pool takes items from a lazily made sequence only as lanes free up,
// so a sweep's runs are made as they start, never all ahead of time.
import { describe, expect, it } from 'vitest';
import { runPool } from '../../src/runner/pool.js';

describe('runPool', () => {
  it('takes the next item only when a lane is free, and hands on every result', async () => {
    let made = 0;
    function* items(): Generator<number> {
      for (let i = 0; i < 10; i++) {
        made++;
        yield i;
      }
    }
    const madeWhenStarted: number[] = [];
    const done: number[] = [];
    await runPool(
      items(),
      3,
      async (item) => {
        madeWhenStarted.push(made);
        await new Promise((resolve) => setTimeout(resolve, 1 + (item % 3)));
        return item * 2;
      },
      async (item, result) => {
        expect(result).toBe(item * 2);
        done.push(item);
      },
      new AbortController().signal,
    );
    expect(done.toSorted((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The first three start together; after that, one item is made per finished one.
    expect(madeWhenStarted.slice(0, 3)).toEqual([1, 2, 3]);
    madeWhenStarted.slice(3).forEach((m, k) => expect(m).toBe(k + 4));
  });

  it('makes no item once the signal has aborted', async () => {
    let made = 0;
    const endless = {
      *[Symbol.iterator]() {
        for (;;) yield made++;
      },
    };
    const stop = new AbortController();
    // The first task aborts as it starts, before the second lane takes anything.
    await runPool(endless, 2, async () => stop.abort(), async () => {}, stop.signal);
    expect(made).toBe(1);
  });
});
