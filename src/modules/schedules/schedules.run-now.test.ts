import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;

const url = (path: string) => `/api/v1/farms/${farm.slug}${path}`;
const call = (method: 'GET' | 'POST', path: string, payload?: object) =>
  t.app.inject({ method, url: url(path), headers: admin.headers, ...(payload === undefined ? {} : { payload }) });

beforeAll(async () => {
  t = await createTestApp({ now: '2026-06-10T05:00:00Z' });
  ({ admin, farm } = await setupAdmin(t.app));
});

afterAll(() => t.close());

const executionIds = async (schedule: string) => {
  const res = await call('GET', `/schedules/${schedule}/executions?limit=200`);
  return (res.json().data as Array<{ id: string }>).map((e) => e.id);
};

describe('run now', () => {
  it('answers each of two concurrent calls with its own schedule’s execution', async () => {
    const schedules: string[] = [];
    for (const label of ['relay-a', 'relay-b']) {
      const device = await call('POST', '/devices', {
        device_id: label,
        name: label,
        type: 'relay',
        channels: [{ name: 'fan', kind: 'fan', safe_state: 'off' }],
      });
      expect(device.statusCode, device.body).toBe(201);
      const schedule = await call('POST', '/schedules', {
        name: `Fan ${label}`,
        device: label,
        channel: 'fan',
        kind: 'time',
        cron: '0 13 * * *',
        action: 'on',
      });
      expect(schedule.statusCode, schedule.body).toBe(201);
      schedules.push(schedule.json().id);
    }
    // Several rounds: on PostgreSQL the two transactions interleave, and the answers must not cross.
    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      const answers = await Promise.all(schedules.map((id) => call('POST', `/schedules/${id}/run-now`)));
      for (const [i, id] of schedules.entries()) {
        expect(answers[i]!.statusCode, answers[i]!.body).toBe(202);
        expect(await executionIds(id), `round ${round}, schedule ${i}`).toContain(answers[i]!.json().id);
      }
    }
    expect((await Promise.all(schedules.map(executionIds))).map((ids) => ids.length)).toEqual([rounds, rounds]);
  });
});
