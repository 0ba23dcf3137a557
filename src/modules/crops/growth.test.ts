import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Json } from '../../../test/helpers/app.js';
import {
  createDevice,
  createLocation,
  login,
  setupAdmin,
  type Actor,
  type FarmRef,
  type Location,
} from '../../../test/helpers/factories.js';

/**
 * The growth clock on the farm's own sensors: growing degree days from daily rollups, the daily job
 * that moves phases by GDD, by days and into dormancy, and the climate against a phase's targets.
 * The farm is in Asia/Phnom_Penh (UTC+7, no daylight saving): local midnight is 17:00 UTC.
 */

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let greenhouse: Location;
let bed: Location;
let coldFrame: Location;
const live: Array<Record<string, unknown>> = [];

let signedInAt = '';

/** The admin's headers, signed in again whenever the test clock has moved (an access token lasts minutes). */
async function headers() {
  const now = t.clock.now().toISOString();
  if (now !== signedInAt) {
    admin = await login(t.app, admin.email);
    signedInAt = now;
  }
  return admin.headers;
}

async function api(method: string, path: string, payload?: unknown) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${farm.slug}${path}`,
    headers: await headers(),
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

/** A local time in Phnom Penh as an ISO instant. */
const local = (day: string, hour: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + (hour - 7) * 3_600_000).toISOString();

/** Hourly readings of one local day: `at(hour)` for each hour in `hours`. */
function day(device: string, metric: string, date: string, at: (hour: number) => number, hours = 24) {
  return Array.from({ length: hours }, (_, h) => ({ device, metric, ts: local(date, h), value: at(h) }));
}

async function ingest(readings: unknown[]) {
  for (let i = 0; i < readings.length; i += 5000) {
    const res = await api('POST', '/telemetry', { readings: readings.slice(i, i + 5000) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.rejected, JSON.stringify(res.body.rejections?.slice(0, 3))).toBe(0);
  }
  await t.deps.services.telemetry.rollUpDirty();
}

/** 15 °C at 03:00, 35 °C at 15:00, 25 °C otherwise: with maize's cap of 30 °C, (15 + 30)/2 − 10 = 12.5 GDD. */
const warmDay = (h: number) => (h === 3 ? 15 : h === 15 ? 35 : 25);

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  t.clock.set(local('2026-06-01', 10));
  const me = { headers: await headers() };
  greenhouse = await createLocation(t.app, me, farm, { name: 'Greenhouse 2', type: 'greenhouse', code: 'GH2' });
  bed = await createLocation(t.app, me, farm, { name: 'Bed A', type: 'bed', parent_id: greenhouse.id });
  coldFrame = await createLocation(t.app, me, farm, { name: 'Cold frame', type: 'tunnel', code: 'CF' });
  await createDevice(t.app, me, farm, { device_id: 'gh2-climate', location_id: greenhouse.id });
  await createDevice(t.app, me, farm, { device_id: 'cf-climate', location_id: coldFrame.id });
  await t.deps.bus.subscribe(`farm:${farm.id}`, (m) => void live.push(m as Record<string, unknown>));
});

afterAll(() => t.close());

describe('growing degree days', () => {
  let maize: Json;
  let lettuce: Json;

  it('moves a phase by GDD from the daily rollups, skipping a day with fewer than 20 hours', async () => {
    maize = (await api('POST', '/plants', { species: 'zea-mays', location: bed.id, id_prefix: 'CRN' })).body;
    lettuce = (await api('POST', '/plants', { species: 'lactuca-sativa', id_prefix: 'LET' })).body;
    expect(maize.phase.key).toBe('germination');
    t.clock.set(local('2026-06-09', 2));
    const readings: unknown[] = [];
    for (const date of ['2026-06-02', '2026-06-03', '2026-06-05', '2026-06-06', '2026-06-07', '2026-06-08'])
      readings.push(...day('gh2-climate', 'temperature', date, warmDay));
    // 4 June: 19 hours only (missing, never counted as zero or as a full day).
    readings.push(...day('gh2-climate', 'temperature', '2026-06-04', warmDay, 19));
    await ingest(readings);

    // After 7 June closes: 2, 3, 5, 6 and 7 June count, 62.5 GDD — below germination's 67.
    t.clock.set(local('2026-06-08', 1));
    const gdd = (await api('GET', `/plants/${maize.id}/gdd`)).body;
    expect(gdd).toMatchObject({
      phase: 'germination',
      base_temp_c: 10,
      upper_temp_c: 30,
      threshold: 67,
      from: '2026-06-02',
      through: '2026-06-07',
      total: 62.5,
      missing: ['2026-06-04'],
      sensor: { devices: ['gh2-climate'], location_id: greenhouse.id, named: false },
      problem: null,
    });
    expect(gdd.days).toHaveLength(5);
    expect(gdd.days[0]).toEqual({ day: '2026-06-02', gdd: 12.5, min: 15, max: 35 });
    expect(await t.deps.services.growth.runDailyGrowth()).toEqual({ farms: 1, moved: 0 });

    // After 8 June: 75 GDD ≥ 67, on its 8th day (its day rule would need 8 full days): by GDD.
    t.clock.set(local('2026-06-09', 1));
    expect(await t.deps.services.growth.runDailyGrowth()).toEqual({ farms: 1, moved: 2 });
    const history = (await api('GET', `/plants/${maize.id}/phases`)).body.data as Json[];
    expect(history.at(-1)).toMatchObject({ phase: 'seedling', reason: 'auto_gdd', auto_day: '2026-06-08' });
    expect(history[0]).toMatchObject({ phase: 'germination', duration_days: 7 });
  });

  it('moves a phase by days where it has no GDD rule or no sensor', async () => {
    // Lettuce stands nowhere (no sensor): germination's 7 days rule moved it on 8 June's run.
    const history = (await api('GET', `/plants/${lettuce.id}/phases`)).body.data as Json[];
    expect(history.at(-1)).toMatchObject({ phase: 'seedling', reason: 'auto_days', auto_day: '2026-06-08' });
    const gdd = (await api('GET', `/plants/${lettuce.id}/gdd`)).body;
    expect(gdd.problem).toMatch(/no location/);
  });

  it('runs a day once: again, or after a restart mid-run, it moves nothing twice', async () => {
    expect(await t.deps.services.growth.runDailyGrowth()).toEqual({ farms: 0, moved: 0 });
    // As if the run had stopped before recording the day: the plants moved for it are not moved again.
    await t.deps.db.system((tx) => sql`delete from growth_days`.execute(tx));
    expect(await t.deps.services.growth.runDailyGrowth()).toEqual({ farms: 1, moved: 0 });
    const history = (await api('GET', `/plants/${maize.id}/phases`)).body.data as Json[];
    expect(history.filter((h) => h.auto_day === '2026-06-08')).toHaveLength(1);
  });

  it('tells the managers, audits each move and puts it on the live channel', async () => {
    const inbox = await t.app.inject({ method: 'GET', url: '/api/v1/notifications', headers: await headers() });
    expect(inbox.body).toContain('2 plants moved to a new phase');
    const audit = await api('GET', '/audit?limit=20');
    expect(JSON.stringify(audit.body)).toContain('germination → seedling (auto_gdd, 2026-06-08)');
    expect(live.filter((m) => m.type === 'plant')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ change: 'phase', plant: maize.label, from: 'germination', reason: 'auto_gdd' }),
        expect.objectContaining({ change: 'phase', plant: lettuce.label, from: 'germination', reason: 'auto_days' }),
      ]),
    );
  });

  it('waits while the closed day’s rollups are not final', async () => {
    t.clock.set(local('2026-06-10', 1));
    // A late reading of 9 June waits for the rollup job: the day is not run yet.
    await api('POST', '/telemetry', { readings: day('gh2-climate', 'temperature', '2026-06-09', warmDay, 1) });
    expect(await t.deps.services.growth.runDailyGrowth()).toEqual({ farms: 0, moved: 0 });
    await t.deps.services.telemetry.rollUpDirty();
    expect((await t.deps.services.growth.runDailyGrowth()).farms).toBe(1);
  });
});

describe('dormancy', () => {
  it('restarts a perennial after 7 days in a row below its base temperature', async () => {
    t.clock.set(local('2026-06-10', 10));
    const cress = (
      await api('POST', '/plants', { species: 'nasturtium-officinale', location: coldFrame.id, id_prefix: 'CRS' })
    ).body;
    for (const to of ['vegetative', 'flowering', 'senescence'])
      expect((await api('POST', `/plants/${cress.id}/phase-transitions`, { to })).status).toBe(201);
    t.clock.set(local('2026-06-19', 2));
    const readings: unknown[] = [];
    // Six cold days (mean 2 °C < base 5 °C), then a mild one, then seven cold ones.
    const dates = Array.from({ length: 15 }, (_, i) => `2026-06-${String(i + 3).padStart(2, '0')}`);
    dates.forEach((date, i) => readings.push(...day('cf-climate', 'temperature', date, () => (i === 6 ? 9 : 2))));
    await ingest(readings);
    // After 15 June closes only six cold days are in a row since the mild 9 June: no move.
    t.clock.set(local('2026-06-16', 1));
    await t.deps.services.growth.runDailyGrowth();
    expect((await api('GET', `/plants/${cress.id}`)).body.phase.key).toBe('senescence');
    t.clock.set(local('2026-06-17', 1));
    await t.deps.services.growth.runDailyGrowth();
    const plant = (await api('GET', `/plants/${cress.id}`)).body;
    expect(plant).toMatchObject({ phase: { key: 'dormancy' }, cycle: 2 });
    const history = (await api('GET', `/plants/${cress.id}/phases`)).body.data as Json[];
    expect(history.at(-1)).toMatchObject({ reason: 'auto_dormancy', cycle: 2, auto_day: '2026-06-16' });
  });
});

describe('the climate where a plant stands', () => {
  it('answers temperature, humidity and VPD against the phase’s targets', async () => {
    t.clock.set(local('2026-06-20', 12));
    await api('POST', '/telemetry', {
      readings: [
        { device: 'gh2-climate', metric: 'temperature', ts: local('2026-06-20', 11), value: 30 },
        { device: 'gh2-climate', metric: 'humidity', ts: local('2026-06-20', 11), value: 50 },
      ],
    });
    const tomato = (
      await api('POST', '/plants', { species: 'solanum-lycopersicum', location: bed.id, id_prefix: 'TOM' })
    ).body;
    await api('POST', `/plants/${tomato.id}/phase-transitions`, { to: 'vegetative' });
    const env = (await api('GET', `/plants/${tomato.id}/environment`)).body;
    // SVP(30 °C) = 0.6108·exp(17.27·30/267.3) = 4.2430 kPa; VPD at 50 % = 2.1215 kPa.
    expect(env.vpd.value).toBeCloseTo(2.1215, 2);
    expect(env.temperature).toMatchObject({ value: 30, level: expect.stringMatching(/^(low|optimal|high)$/) });
    expect(env.vpd.level).toBe('high');
    expect(env.sensors.temperature).toEqual({ devices: ['gh2-climate'], location_id: greenhouse.id, named: false });

    const atPlace = (await api('GET', `/locations/${bed.id}/environment`)).body;
    expect(atPlace.phases).toEqual(
      expect.arrayContaining([expect.objectContaining({ phase: 'vegetative', plants: 1, vpd: 'high' })]),
    );
  });

  it('takes a named sensor before the nearest one, and averages several at one level', async () => {
    await createDevice(t.app, { headers: await headers() }, farm, {
      device_id: 'gh2-second',
      location_id: greenhouse.id,
    });
    await api('POST', '/telemetry', {
      readings: [{ device: 'gh2-second', metric: 'temperature', ts: local('2026-06-20', 11), value: 20 }],
    });
    const averaged = (await api('GET', `/locations/${bed.id}/environment`)).body;
    expect(averaged.temperature.value).toBe(25);
    expect(averaged.sensors.temperature.devices).toEqual(['gh2-climate', 'gh2-second']);

    const named = await api('PUT', `/locations/${bed.id}/climate`, { temperature: { device: 'cf-climate' } });
    expect(named.status, JSON.stringify(named.body)).toBe(200);
    expect(named.body).toMatchObject({
      temperature: { device: 'cf-climate', metric: 'temperature' },
      resolved: { temperature: { devices: ['cf-climate'], location_id: bed.id, named: true } },
    });
    const refused = await api('PUT', `/locations/${bed.id}/climate`, { humidity: { device: 'cf-climate' } });
    expect(refused.status).toBe(400);
    expect((await api('PUT', `/locations/${bed.id}/climate`, { temperature: null })).body.temperature).toBeNull();
  });
});

describe('catching up', () => {
  it('moves a plant recorded after the fact through every phase its days reached, each on its day', async () => {
    t.clock.set(local('2026-07-20', 2));
    const hotHouse = await createLocation(t.app, { headers: await headers() }, farm, {
      name: 'Hot house',
      type: 'greenhouse',
      code: 'HOT',
    });
    await createDevice(t.app, { headers: await headers() }, farm, {
      device_id: 'hot-climate',
      location_id: hotHouse.id,
    });
    // 30 °C all day from 20 June to 19 July: (30 + 30)/2 − 10 = 20 GDD a day.
    const readings: unknown[] = [];
    for (let i = 0; i < 30; i++) {
      const date = new Date(Date.UTC(2026, 5, 20 + i)).toISOString().slice(0, 10);
      readings.push(...day('hot-climate', 'temperature', date, () => 30));
    }
    await ingest(readings);
    const maize = (
      await api('POST', '/plants', {
        species: 'zea-mays',
        location: hotHouse.id,
        planted_on: '2026-06-20',
        id_prefix: 'CRN',
      })
    ).body;
    await t.deps.services.growth.runDailyGrowth();
    const history = (await api('GET', `/plants/${maize.id}/phases`)).body.data as Json[];
    // Germination (67 GDD, or 8 days): 80 GDD on its 4th day. Seedling (21 days, no GDD rule for maize):
    // 21 days later. Vegetative has not run its course by 19 July.
    expect(history.map((h) => [h.phase, h.reason, h.auto_day, h.entered_at])).toEqual([
      ['germination', 'initial', null, local('2026-06-20', 0)],
      ['seedling', 'auto_gdd', '2026-06-23', local('2026-06-24', 0)],
      ['vegetative', 'auto_days', '2026-07-14', local('2026-07-15', 0)],
    ]);
    expect(history.map((h) => h.duration_days)).toEqual([4, 21, null]);
    // Run again for the same day: nothing more.
    await t.deps.services.growth.runDailyGrowth();
    expect((await api('GET', `/plants/${maize.id}/phases`)).body.data).toHaveLength(3);
  });
});
