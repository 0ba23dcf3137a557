import { describe, expect, it } from 'vitest';
import { PerKeyCoalescer } from './coalesce.js';

describe('per-key coalescing', () => {
  it('runs one at a time per key and merges what was asked meanwhile into one more run', async () => {
    const runs: Array<[string, string[]]> = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const c = new PerKeyCoalescer<string[]>(
      async (key, arg) => {
        runs.push([key, arg]);
        if (runs.length === 1) await gate;
      },
      (a, b) => [...a, ...b],
      () => {},
    );
    const first = c.request('farm-a', ['x']);
    void c.request('farm-a', ['y']);
    const later = c.request('farm-a', ['z']);
    await c.request('farm-b', ['w']); // another key does not wait
    expect(runs).toEqual([
      ['farm-a', ['x']],
      ['farm-b', ['w']],
    ]);
    release();
    await first;
    // A request made meanwhile resolves only once the run that does its work is over.
    await later;
    expect(runs).toEqual([
      ['farm-a', ['x']],
      ['farm-b', ['w']],
      ['farm-a', ['y', 'z']],
    ]);
  });
});
