import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

export interface SliceOptions {
  /** Longest a slice should take; the embedded database serves nothing else meanwhile. */
  budgetMs?: number;
  /** Items in the first slice; later slices grow or shrink to fit the budget. */
  initialSize?: number;
  maxSize?: number;
}

/**
 * Runs long work (rollups, exports, retention) as many short slices with the event loop free between
 * them, so requests keep being served on the one-connection embedded database. `work(size)` does up to
 * `size` items in its own transaction and returns how many it did; 0 means finished. The size adapts so
 * each slice takes about `budgetMs`. Returns the total done.
 */
export async function inSlices(work: (size: number) => Promise<number>, options: SliceOptions = {}): Promise<number> {
  const budget = options.budgetMs ?? 50;
  const maxSize = options.maxSize ?? 100_000;
  let size = options.initialSize ?? 100;
  let total = 0;
  for (;;) {
    const started = performance.now();
    const done = await work(size);
    if (done === 0) return total;
    total += done;
    const took = Math.max(performance.now() - started, 0.1);
    // Aim for the budget, changing at most fourfold per slice so one odd slice does not swing it.
    const target = Math.round(size * Math.min(4, Math.max(0.25, (budget * 0.8) / took)));
    size = Math.max(1, Math.min(maxSize, target));
    await yieldToEventLoop();
  }
}
