import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import { createDevice, login, setupAdmin, type FarmRef } from '../../../test/helpers/factories.js';

/**
 * Writers starting on new series at the same moment (a gateway's workers, several devices of one
 * farm): each valid batch is stored on the first try, every series made once. On PostgreSQL the
 * writers really run at once (a pool of connections); on the embedded database they queue. 3,000 new
 * series per batch make the transactions overlap: before series were made in one order, two writers
 * deadlocked on them in every run (409 TRY_AGAIN).
 */

let t: TestApp;
let farm: FarmRef;
let headers: { authorization: string };

beforeAll(async () => {
  t = await createTestApp();
  const setup = await setupAdmin(t.app);
  farm = setup.farm;
  t.clock.set('2026-06-10T12:00:00Z');
  headers = (await login(t.app, setup.admin.email)).headers;
});

afterAll(() => t.close());

/** A seeded shuffle, so every writer meets the new series in its own order. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function race(writers: number, device: string) {
  await createDevice(t.app, { headers }, farm, { device_id: device });
  const metrics = Array.from({ length: 3_000 }, (_, i) => `m${i}`);
  const batches = Array.from({ length: writers }, (_, w) =>
    shuffled(metrics, w + 1).map((metric) => ({
      device,
      metric,
      ts: `2026-06-10T11:${String(w).padStart(2, '0')}:00Z`,
      value: w,
    })),
  );
  const answers = await Promise.all(
    batches.map((readings) =>
      t.app.inject({ method: 'POST', url: `/api/v1/farms/${farm.slug}/telemetry`, headers, payload: { readings } }),
    ),
  );
  return { answers, metrics };
}

async function countsOf(device: string) {
  const { rows } = await t.deps.db.system((tx) =>
    sql<{ series: string; readings: string }>`
      select count(distinct s.id) as series, count(r.*) as readings
      from devices d join series s on s.device_id = d.id left join readings r on r.series_id = s.id
      where d.device_id = ${device}`.execute(tx),
  );
  return { series: Number(rows[0]!.series), readings: Number(rows[0]!.readings) };
}

describe('writers racing on new series', () => {
  for (const writers of [2, 8]) {
    it(`stores every valid batch of ${writers} concurrent writers on the first try, each series made once`, async () => {
      const device = `racer-${writers}`;
      const { answers, metrics } = await race(writers, device);
      expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 200));
      expect(answers.map((a) => a.json().accepted)).toEqual(answers.map(() => metrics.length));
      expect(await countsOf(device)).toEqual({ series: metrics.length, readings: writers * metrics.length });
    });
  }
});
