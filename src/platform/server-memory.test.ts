import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { Logger } from './logger.js';
import { collectWhenIdle, glibcTrim } from './server-memory.js';

const usedMb = () => v8.getHeapStatistics().used_heap_size / 1048576;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Garbage in the old generation: ~`mb` MB of small objects, kept long enough to be promoted, then dropped. */
function litter(mb: number): void {
  const kept: { i: number; text: string }[] = [];
  for (let i = 0; i < mb * 10_000; i++) kept.push({ i, text: `reading ${i}` });
  expect(kept.length).toBeGreaterThan(0);
}

/** A logger that keeps the collections' debug lines. */
function collections(): { log: Logger; lines: unknown[] } {
  const lines: unknown[] = [];
  const stub = { debug: (fields: unknown) => lines.push(fields) } as unknown as Logger;
  return { log: stub, lines };
}

describe('collectWhenIdle', () => {
  it('collects the garbage of a burst once the event loop is quiet', async () => {
    const { log, lines } = collections();
    const stop = collectWhenIdle(log, { intervalMs: 100, growthBytes: 8 * 1048576 });
    try {
      await sleep(300); // the first quiet look collects what came before
      const floor = usedMb();
      const seen = lines.length;
      litter(60);
      expect(usedMb()).toBeGreaterThan(floor + 8);
      await sleep(400);
      expect(lines.length).toBeGreaterThan(seen);
      expect(usedMb()).toBeLessThan(floor + 8);
      // On glibc the C memory freed meanwhile is given back after the collection.
      const glibc = Boolean(glibcTrim());
      expect(lines.at(-1)).toMatchObject(glibc ? { trimMs: expect.any(Number) } : {});
    } finally {
      stop();
    }
  });

  it('leaves a busy event loop to V8', async () => {
    const { log, lines } = collections();
    const stop = collectWhenIdle(log, { intervalMs: 100, growthBytes: 1, maxBusy: 0.5 });
    try {
      // The loop busy 9 ms of every 10 for half a second, growing the heap all along.
      const until = performance.now() + 500;
      while (performance.now() < until) {
        const spin = performance.now() + 9;
        while (performance.now() < spin) litter(0.1);
        await sleep(1);
      }
      expect(lines).toEqual([]);
    } finally {
      stop();
    }
  });
});

describe('glibcTrim', () => {
  it("calls glibc's malloc_trim where the C library is glibc", () => {
    const report = process.report.getReport() as { header: { glibcVersionRuntime?: string } };
    const trim = glibcTrim();
    if (process.platform !== 'linux' || !report.header.glibcVersionRuntime) {
      expect(trim).toBeUndefined();
      return;
    }
    // Free C memory to give back: 64 MB of native buffers made and dropped.
    let buffers: Buffer[] | undefined = Array.from({ length: 4096 }, () => Buffer.alloc(16_384, 1));
    expect(buffers.length).toBe(4096);
    buffers = undefined;
    expect(trim).toBeTypeOf('function');
    // 1 when memory was given back, 0 when there was none to give.
    expect([0, 1]).toContain(trim!());
  });
});
