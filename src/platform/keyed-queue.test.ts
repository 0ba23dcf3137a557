import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyed-queue.js';

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyedQueue', () => {
  it('runs one key in order, even when an earlier task is slower or fails, and other keys alongside', async () => {
    const queue = new KeyedQueue();
    const done: string[] = [];
    const first = queue.run('a', async () => {
      await later(30);
      done.push('a1');
      throw new Error('a1 failed');
    });
    const second = queue.run('a', async () => void done.push('a2'));
    const other = queue.run('b', async () => void done.push('b1'));
    await expect(first).rejects.toThrow('a1 failed');
    await Promise.all([second, other]);
    expect(done).toEqual(['b1', 'a1', 'a2']);
    await later(0);
    expect(queue.size).toBe(0);
  });
});
