import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { nextCronRun } from './cron.engine.js';
import { pendingJobs } from './runner.js';

// Jobs that exist only in this test file.
declare module './registry.js' {
  interface JobPayloads {
    'test.hourly': { note: string };
    'test.flaky': { attempt: string };
    'test.outbox': { id: number };
  }
}

let t: TestApp;
const hourly: string[] = [];
const flakyTries: number[] = [];

beforeAll(async () => {
  t = await createTestApp({
    workJobs: true,
    prepare: (_deps, registry) => {
      registry.define({
        name: 'test.hourly',
        cron: { expression: '0 * * * *', payload: { note: 'on the hour' } },
        handle: async (payload, context) => {
          hourly.push(`${payload.note} @ ${context.clock.now().toISOString()}`);
        },
      });
      registry.define({
        name: 'test.flaky',
        retry: { limit: 2, delaySeconds: 0, backoff: false },
        handle: async (_payload, context) => {
          flakyTries.push(context.retryCount);
          if (context.retryCount === 0) throw new Error('first try fails');
        },
      });
      registry.define({ name: 'test.outbox', handle: async () => {} });
    },
  });
});

afterAll(() => t.close());

describe('cron', () => {
  it('computes firings in a time zone, across daylight saving', () => {
    expect(nextCronRun('0 * * * *', 'UTC', new Date('2026-06-01T00:30:00Z')).toISOString()).toBe(
      '2026-06-01T01:00:00.000Z',
    );
    // 02:30 does not exist in Berlin on 29 March 2026: the next valid moment is 03:00 local.
    expect(nextCronRun('30 2 * * *', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z')).toISOString()).toBe(
      '2026-03-29T01:00:00.000Z',
    );
  });

  it('fires a job when the clock reaches its time, once, and not before', async () => {
    // The clock starts at 00:30: the first firing is 01:00.
    expect(await t.deps.jobs.tickCron()).not.toContain('test.hourly');
    t.clock.set('2026-06-01T00:59:59Z');
    expect(await t.deps.jobs.tickCron()).not.toContain('test.hourly');
    t.clock.set('2026-06-01T01:00:00Z');
    expect(await t.deps.jobs.tickCron()).toContain('test.hourly');
    expect(await t.deps.jobs.tickCron()).not.toContain('test.hourly');
    await waitFor(() => hourly.length === 1);
    expect(hourly).toEqual(['on the hour @ 2026-06-01T01:00:00.000Z']);
    const stored = await t.deps.db.system((tx) =>
      tx.selectFrom('croft_cron').selectAll().where('name', '=', 'test.hourly').executeTakeFirstOrThrow(),
    );
    expect(stored.next_run_at).toEqual(new Date('2026-06-01T02:00:00Z'));
    expect(stored.last_run_at).toEqual(new Date('2026-06-01T01:00:00Z'));
  });

  it('fires a firing missed while nothing ran once, then keeps to the schedule', async () => {
    t.clock.set('2026-06-01T05:10:00Z');
    expect(await t.deps.jobs.tickCron()).toContain('test.hourly');
    expect(await t.deps.jobs.tickCron()).not.toContain('test.hourly');
    await waitFor(() => hourly.length === 2);
    const stored = await t.deps.db.system((tx) =>
      tx.selectFrom('croft_cron').select('next_run_at').where('name', '=', 'test.hourly').executeTakeFirstOrThrow(),
    );
    expect(stored.next_run_at).toEqual(new Date('2026-06-01T06:00:00Z'));
  });
});

describe('queued jobs', () => {
  it('retry a failed try', async () => {
    await t.deps.jobs.send('test.flaky', { attempt: 'one' });
    await waitFor(() => flakyTries.length === 2);
    expect(flakyTries).toEqual([0, 1]);
    await waitFor(async () => (await pendingJobs(t.deps.db, 'test.flaky')) === 0);
  });

  it('sent inside a transaction exist only if it commits', async () => {
    await expect(
      t.deps.db.system(async (tx) => {
        await t.deps.jobs.send('test.outbox', { id: 1 }, { tx, startAfterSeconds: 3600 });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await pendingJobs(t.deps.db, 'test.outbox')).toBe(0);
    await t.deps.db.system(async (tx) => {
      await sql`select 1`.execute(tx);
      await t.deps.jobs.send('test.outbox', { id: 2 }, { tx, startAfterSeconds: 3600 });
    });
    expect(await pendingJobs(t.deps.db, 'test.outbox')).toBe(1);
  });

  it('refuse a job name that was never defined', async () => {
    await expect(t.deps.jobs.send('test.nope' as 'test.outbox', { id: 3 })).rejects.toThrow(/not defined/);
  });

  it('are counted in the metrics', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/croft_jobs_finished_total\{name="test.flaky",outcome="failed"\} 1/);
    expect(res.body).toMatch(/croft_jobs_finished_total\{name="test.flaky",outcome="completed"\} 1/);
    expect(res.body).toMatch(/croft_jobs\{name="test.outbox",state="created"\} 1/);
  });
});
