import { describe, expect, it } from 'vitest';
import { inSlices } from './slices.js';

describe('inSlices', () => {
  it('does all the work in slices and reports the total', async () => {
    let remaining = 1_000;
    const sizes: number[] = [];
    const total = await inSlices(
      async (size) => {
        sizes.push(size);
        const done = Math.min(size, remaining);
        remaining -= done;
        return done;
      },
      { initialSize: 10 },
    );
    expect(total).toBe(1_000);
    expect(remaining).toBe(0);
    expect(sizes[0]).toBe(10);
    // Cheap items: slices grow (at most fourfold each time).
    expect(sizes[1]).toBe(40);
  });

  it('shrinks slices that run over budget', async () => {
    let remaining = 50;
    const sizes: number[] = [];
    await inSlices(
      async (size) => {
        sizes.push(size);
        // 1 ms of busy work per item: 20 items = 20 ms against a 5 ms budget.
        const until = performance.now() + size;
        while (performance.now() < until);
        const done = Math.min(size, remaining);
        remaining -= done;
        return done;
      },
      { initialSize: 20, budgetMs: 5 },
    );
    expect(sizes[1]).toBeLessThanOrEqual(5);
  });

  it('lets other callbacks run between slices', async () => {
    let otherWorkRan = false;
    const seenBySlice: boolean[] = [];
    setImmediate(() => (otherWorkRan = true));
    await inSlices(async () => {
      seenBySlice.push(otherWorkRan);
      return seenBySlice.length <= 2 ? 1 : 0;
    });
    // The first slice runs at once; by the second, the event loop has had its turn.
    expect(seenBySlice).toEqual([false, true, true]);
  });
});
