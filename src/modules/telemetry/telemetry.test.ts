import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import {
  createDevice,
  createDeviceWithCredentials,
  issueCredentials,
  login,
  member,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let device: { username: string; password: string };

const headers = async () => (await login(t.app, admin.email)).headers;
const basic = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
});
const url = (path = '') => `/api/v1/farms/${farm.slug}${path}`;

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  t.clock.set('2026-06-10T12:00:00Z');
  const me = { headers: await headers() };
  for (const [id, type] of [
    ['house1-climate', 'sensor'],
    ['scale-7', 'sensor'],
    ['handheld', 'manual'],
  ] as const) {
    await createDevice(t.app, me, farm, { device_id: id, type });
  }
  const creds = await issueCredentials(t.app, me, farm, 'house1-climate');
  device = creds;
  // By the farm id, stable when the slug changes.
  expect(creds.topicPrefix).toBe(`croft/${farm.id}/house1-climate`);
});

afterAll(() => t.close());

const ingest = async (payload: unknown, extra: Record<string, string> = {}, contentType = 'application/json') =>
  t.app.inject({
    method: 'POST',
    url: url('/telemetry'),
    headers: { ...(await headers()), 'content-type': contentType, ...extra },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

describe('HTTP ingest', () => {
  it('accepts a batch, stores a resend once (first value wins), and gives each rejection a reason', async () => {
    const readings = [
      { device: 'house1-climate', metric: 'temperature', ts: '2026-06-10T11:00:00.123Z', value: 24.5 },
      { device: 'house1-climate', metric: 'humidity', ts: '2026-06-10T11:00:00.123Z', value: 61 },
      { device: 'house1-climate', metric: 'temperature', ts: '2026-06-10T11:00:00.123Z', value: 99 },
      { device: 'nobody', metric: 'temperature', ts: '2026-06-10T11:00:00Z', value: 1 },
      { device: 'house1-climate', metric: 'temperature', ts: '2026-06-10T12:30:00Z', value: 1 },
      { device: 'house1-climate', metric: 'Temperature!', value: 1 },
      { device: 'house1-climate', metric: 'temperature', ts: 'yesterday', value: 1 },
      { device: 'house1-climate', metric: 'temperature', ts: '2026-01-01T00:00:00Z', value: 1 },
      { device: 'house1-climate', metric: 'temperature', value: 'hot' },
    ];
    const res = await ingest({ readings });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 2, duplicate: 1, rejected: 6 });
    expect(res.json().rejections.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([
      [3, 'UNKNOWN_DEVICE'],
      [4, 'TS_IN_FUTURE'],
      [5, 'INVALID_METRIC'],
      [6, 'INVALID_TS'],
      [7, 'TS_TOO_OLD'],
      [8, 'INVALID_VALUE'],
    ]);
    const again = await ingest({ readings: readings.slice(0, 2) });
    expect(again.json()).toMatchObject({ accepted: 0, duplicate: 2, rejected: 0 });
    const stored = await t.app.inject({
      method: 'GET',
      headers: await headers(),
      url: url(
        '/telemetry?device=house1-climate&metric=temperature&from=2026-06-10T00:00:00Z&to=2026-06-11T00:00:00Z&resolution=raw',
      ),
    });
    expect(stored.json()).toMatchObject({
      unit: '°C',
      resolution: 'raw',
      points: [{ ts: '2026-06-10T11:00:00.123Z', value: 24.5, quality: 0 }],
    });
  });

  it('rejects a reading out of range with a reason and stores the rest of its batch', async () => {
    const at = (ts: unknown, value: unknown = 1) => ({ device: 'house1-climate', metric: 'poison', ts, value });
    const res = await ingest({
      readings: [
        at('2026-06-10T08:00:00Z', 3),
        at(1e20),
        at(-1e20),
        at('1999-12-31T23:59:59Z'),
        at(946_684_799_999),
        at('2026-06-10T08:01:00Z', 1e300),
        at('2026-06-10T08:02:00Z', -1e300),
        at('2026-06-10T08:03:00Z', 4),
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 2, duplicate: 0, rejected: 6 });
    const rejections = res.json().rejections as { index: number; code: string; reason: string }[];
    expect(rejections.map((r) => [r.index, r.code])).toEqual([
      [1, 'INVALID_TS'],
      [2, 'INVALID_TS'],
      [3, 'TS_TOO_OLD'],
      [4, 'TS_TOO_OLD'],
      [5, 'INVALID_VALUE'],
      [6, 'INVALID_VALUE'],
    ]);
    for (const r of rejections) expect(r.reason).not.toBe('');
    const stored = await t.app.inject({
      method: 'GET',
      headers: await headers(),
      url: url(
        '/telemetry?device=house1-climate&metric=poison&from=2026-06-10T00:00:00Z&to=2026-06-11T00:00:00Z&resolution=raw',
      ),
    });
    expect(stored.json().points.map((p: { value: number }) => p.value)).toEqual([3, 4]);
  });

  it('makes no partition for a reading it refuses: unknown device, older than the retention', async () => {
    const h = await headers();
    const settings = url('/telemetry/settings');
    const before = (await t.app.inject({ method: 'GET', url: settings, headers: h })).json<Record<string, number>>();
    const put = (body: Record<string, number>) =>
      t.app.inject({ method: 'PUT', url: settings, headers: h, payload: body });
    expect((await put({ raw_days: 30, hourly_days: 365, daily_days: 3650 })).statusCode).toBe(200);
    try {
      const res = await ingest({
        readings: [
          { device: 'house1-climate', metric: 'temperature', ts: '2026-04-15T10:00:00Z', value: 1 },
          { device: 'nobody', metric: 'temperature', ts: '2022-03-09T10:00:00Z', value: 1 },
          { device: 'house1-climate', metric: 'temperature', ts: '2018-03-07T10:00:00Z', value: 1 },
        ],
      });
      expect(res.json().rejections.map((r: { code: string }) => r.code)).toEqual([
        'TS_TOO_OLD',
        'UNKNOWN_DEVICE',
        'TS_TOO_OLD',
      ]);
      const made = await t.deps.db.raw.executeSql(
        `select relname from pg_class where relname in ('readings_w20260413', 'readings_w20220307', 'readings_w20180305')`,
      );
      expect(made.rows).toEqual([]);
    } finally {
      await put(before);
    }
  });

  it('takes NDJSON and CSV too, and a reading without a timestamp gets its received time', async () => {
    const ndjson =
      '{"device":"scale-7","metric":"weight","ts":"2026-06-10T10:00:00Z","value":41.2}\nnot json\n\n{"device":"scale-7","metric":"weight","value":41.5}\n';
    const res = await ingest(ndjson, {}, 'application/x-ndjson');
    expect(res.json()).toMatchObject({ accepted: 2, rejected: 1, rejections: [{ index: 1, code: 'UNREADABLE' }] });
    const csv =
      'device,metric,ts,value,quality\nscale-7,weight,2026-06-10T09:00:00Z,40.9,1\nscale-7,weight,1781078400000,40.1,\n';
    expect((await ingest(csv, {}, 'text/csv')).json()).toMatchObject({ accepted: 2, rejected: 0 });
    const latest = await t.app.inject({
      method: 'GET',
      url: url('/telemetry/latest?device=scale-7'),
      headers: await headers(),
    });
    expect(latest.json()).toEqual({
      device: 'scale-7',
      metrics: [{ metric: 'weight', unit: 'kg', ts: '2026-06-10T12:00:00.000Z', value: 41.5, quality: 0 }],
    });
    const badCsv = await ingest('what,ever\n1,2\n', {}, 'text/csv');
    expect(badCsv.statusCode).toBe(400);
  });

  it('lets a device post its own readings with HTTP Basic, and nothing else', async () => {
    const own = await t.app.inject({
      method: 'POST',
      url: url('/telemetry'),
      headers: basic(device.username, device.password),
      payload: {
        readings: [
          { device: 'house1-climate', metric: 'co2', ts: '2026-06-10T11:30:00Z', value: 800 },
          { device: 'scale-7', metric: 'weight', ts: '2026-06-10T11:30:00Z', value: 1 },
        ],
      },
    });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toMatchObject({ accepted: 1, rejected: 1, rejections: [{ index: 1, code: 'NOT_YOUR_DEVICE' }] });
    const elsewhere = await t.app.inject({
      method: 'GET',
      url: url('/devices'),
      headers: basic(device.username, device.password),
    });
    expect(elsewhere.statusCode).toBe(403);
    const wrong = await t.app.inject({
      method: 'POST',
      url: url('/telemetry'),
      headers: basic(device.username, 'guess'),
      payload: { readings: [] },
    });
    expect(wrong.statusCode).toBe(401);
  });

  it("reaches only its own farm with a device's credentials, and not at all once that farm is deleted", async () => {
    const h = await headers();
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/v1/farms',
      headers: h,
      payload: { name: 'Hill Farm', timezone: 'UTC' },
    });
    expect(other.statusCode, other.body).toBe(201);
    const slug = other.json().slug as string;
    const hill = { id: other.json().id as string, slug };
    const { credentials: creds } = await createDeviceWithCredentials(t.app, { headers: h }, hill, {
      device_id: 'hill-probe',
      name: 'hill',
    });
    const post = (farmRef: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/farms/${farmRef}/telemetry`,
        headers: basic(creds.username, creds.password),
        payload: { readings: [{ device: 'hill-probe', metric: 'temperature', ts: '2026-06-10T11:00:00Z', value: 20 }] },
      });
    expect((await post(slug)).json()).toMatchObject({ accepted: 1 });
    expect((await post(other.json().id)).statusCode).toBe(200); // by id as well as by slug
    expect((await post(farm.slug)).statusCode).toBe(404); // another farm is not there for it
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/farms/${slug}`, headers: h })).statusCode).toBe(204);
    expect((await post(slug)).statusCode).toBe(401);
  });

  it('stores the readings of a device deleted and registered again under the same id with the new one', async () => {
    const h = await headers();
    const register = () =>
      t.app.inject({
        method: 'POST',
        url: url('/devices'),
        headers: h,
        payload: { device_id: 'probe-9', name: 'probe', type: 'sensor' },
      });
    const send = (ts: string, value: number) =>
      ingest({ readings: [{ device: 'probe-9', metric: 'soil_moisture', ts, value }] });
    expect((await register()).statusCode).toBe(201);
    expect((await send('2026-06-10T10:00:00Z', 30)).json()).toMatchObject({ accepted: 1 });
    expect((await t.app.inject({ method: 'DELETE', url: url('/devices/probe-9'), headers: h })).statusCode).toBe(204);
    expect((await register()).statusCode).toBe(201);
    expect((await send('2026-06-10T10:05:00Z', 31)).json()).toMatchObject({ accepted: 1 });
    const res = await t.app.inject({
      method: 'GET',
      headers: h,
      url: url(
        '/telemetry?device=probe-9&metric=soil_moisture&from=2026-06-10T00:00:00Z&to=2026-06-11T00:00:00Z&resolution=raw',
      ),
    });
    expect(res.json().points).toEqual([{ ts: '2026-06-10T10:05:00.000Z', value: 31, quality: 0 }]);
    // The deleted device's hours waiting for the rollup went with it; the rollup job still runs.
    await expect(t.deps.services.telemetry.rollUpDirty()).resolves.toBeGreaterThan(0);
  });

  it('needs the worker role; viewers may only read', async () => {
    const viewer = await member(t.app, await login(t.app, admin.email), farm, 'viewer', 'tel-viewer');
    const res = await t.app.inject({
      method: 'POST',
      url: url('/telemetry'),
      headers: viewer.headers,
      payload: { readings: [] },
    });
    expect(res.statusCode).toBe(403);
    const worker = await member(t.app, await login(t.app, admin.email), farm, 'worker', 'tel-worker');
    const ok = await t.app.inject({
      method: 'POST',
      url: url('/telemetry'),
      headers: worker.headers,
      payload: { readings: [{ device: 'handheld', metric: 'ph', value: 6.2 }] },
    });
    expect(ok.json().accepted).toBe(1);
  });

  it('refuses more than 10,000 readings in one request', async () => {
    const readings = Array.from({ length: 10_001 }, (_, i) => ({
      device: 'scale-7',
      metric: 'weight',
      ts: new Date(Date.UTC(2026, 5, 9) + i * 1000).toISOString(),
      value: i,
    }));
    const res = await ingest({ readings });
    expect(res.statusCode).toBe(400);
  });
});

describe('rollups and queries', () => {
  it('rolls raw readings up into hours and farm-local days, again when late data arrives', async () => {
    await t.deps.services.telemetry.rollUpDirty(); // what earlier tests left
    // One reading a minute for 3 hours: 10:00–12:59 UTC on 9 June.
    const readings = Array.from({ length: 180 }, (_, i) => ({
      device: 'house1-climate',
      metric: 'ammonia',
      ts: new Date(Date.UTC(2026, 5, 9, 10, i)).toISOString(),
      value: i % 60,
    }));
    expect((await ingest({ readings })).json().accepted).toBe(180);
    expect(await t.deps.services.telemetry.rollUpDirty()).toBe(3);
    const hours = await t.app.inject({
      method: 'GET',
      headers: await headers(),
      url: url(
        '/telemetry?device=house1-climate&metric=ammonia&from=2026-06-09T00:00:00Z&to=2026-06-10T00:00:00Z&resolution=hour',
      ),
    });
    expect(hours.json().points).toHaveLength(3);
    expect(hours.json().points[0]).toEqual({
      ts: '2026-06-09T10:00:00.000Z',
      min: 0,
      max: 59,
      avg: 29.5,
      sum: 1770,
      count: 60,
      last: 59,
    });
    // The farm is in Asia/Phnom_Penh (UTC+7): 10:00–12:59 UTC is the afternoon of 9 June there.
    const days = await t.app.inject({
      method: 'GET',
      headers: await headers(),
      url: url(
        '/telemetry?device=house1-climate&metric=ammonia&from=2026-06-08T00:00:00Z&to=2026-06-11T00:00:00Z&resolution=day',
      ),
    });
    expect(days.json().points).toEqual([
      { ts: '2026-06-08T17:00:00.000Z', min: 0, max: 59, avg: 29.5, sum: 5310, count: 180, last: 59 },
    ]);
    // A late reading changes its hour and day once the job runs again.
    await ingest({
      readings: [{ device: 'house1-climate', metric: 'ammonia', ts: '2026-06-09T10:30:30Z', value: 100 }],
    });
    expect(await t.deps.services.telemetry.rollUpDirty()).toBe(1);
    const after = await t.app.inject({
      method: 'GET',
      headers: await headers(),
      url: url(
        '/telemetry?device=house1-climate&metric=ammonia&from=2026-06-09T10:00:00Z&to=2026-06-09T11:00:00Z&resolution=hour',
      ),
    });
    expect(after.json().points[0]).toMatchObject({ max: 100, count: 61 });
  });

  it('cuts days at local midnight, also on a 23-hour daylight-saving day', async () => {
    const h = await headers();
    await t.app.inject({ method: 'PATCH', url: url(), headers: h, payload: { timezone: 'Europe/Berlin' } });
    await t.deps.services.telemetry.rollUpDirty();
    // One reading an hour from 27 March 12:00 to 30 March 12:00 UTC; clocks in Berlin spring forward on the 29th.
    const readings = Array.from({ length: 72 }, (_, i) => ({
      device: 'scale-7',
      metric: 'battery',
      ts: Date.UTC(2026, 2, 27, 12 + i),
      value: 1,
    }));
    expect((await ingest({ readings })).json().accepted).toBe(72);
    await t.deps.services.telemetry.rollUpDirty();
    const days = await t.app.inject({
      method: 'GET',
      headers: h,
      url: url(
        '/telemetry?device=scale-7&metric=battery&from=2026-03-27T22:00:00Z&to=2026-03-29T22:00:00Z&resolution=day',
      ),
    });
    expect(days.json().points.map((p: { ts: string; count: number }) => [p.ts, p.count])).toEqual([
      ['2026-03-27T23:00:00.000Z', 24], // 28 March, CET
      ['2026-03-28T23:00:00.000Z', 23], // 29 March: 23 hours
    ]);
    await t.app.inject({ method: 'PATCH', url: url(), headers: h, payload: { timezone: 'Asia/Phnom_Penh' } });
  });

  it('picks the resolution for auto by how many points would come back', async () => {
    const h = await headers();
    const auto = (from: string, to: string) =>
      t.app.inject({
        method: 'GET',
        headers: h,
        url: url(`/telemetry?device=house1-climate&metric=ammonia&from=${from}&to=${to}`),
      });
    expect((await auto('2026-06-09T10:00:00Z', '2026-06-09T11:00:00Z')).json().resolution).toBe('raw');
    expect((await auto('2026-05-01T00:00:00Z', '2026-06-10T00:00:00Z')).json().resolution).toBe('raw');
    expect((await auto('2026-06-10T00:00:00Z', '2026-06-09T00:00:00Z')).statusCode).toBe(400);
  });

  it('caps raw answers with a clear error', async () => {
    const readings = Array.from({ length: 10_000 }, (_, i) => ({
      device: 'scale-7',
      metric: 'sound_level',
      ts: new Date(Date.UTC(2026, 5, 8) + i * 1000).toISOString(),
      value: i,
    }));
    const h = await headers();
    for (let part = 0; part < 3; part++) {
      const batch = readings.map((r, i) => ({
        ...r,
        ts: new Date(Date.UTC(2026, 5, 8) + (part * 10_000 + i) * 1000).toISOString(),
      }));
      expect(
        (
          await t.app.inject({ method: 'POST', url: url('/telemetry'), headers: h, payload: { readings: batch } })
        ).json().accepted,
      ).toBe(10_000);
    }
    const raw = await t.app.inject({
      method: 'GET',
      headers: h,
      url: url(
        '/telemetry?device=scale-7&metric=sound_level&from=2026-06-08T00:00:00Z&to=2026-06-09T00:00:00Z&resolution=raw',
      ),
    });
    expect(raw.statusCode).toBe(400);
    expect(raw.json().error_code).toBe('TOO_MANY_POINTS');
    const auto = await t.app.inject({
      method: 'GET',
      headers: h,
      url: url('/telemetry?device=scale-7&metric=sound_level&from=2026-06-08T00:00:00Z&to=2026-06-09T00:00:00Z'),
    });
    expect(auto.json().resolution).toBe('hour');
  });
});

describe('CSV export', () => {
  it('streams a range of raw readings, page by page', async () => {
    const res = await t.app.inject({
      method: 'GET',
      headers: await headers(),
      url: url('/telemetry/export?device=scale-7&metric=sound_level&from=2026-06-08T00:00:00Z&to=2026-06-08T03:00:00Z'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe('device,metric,ts,value,quality');
    expect(lines).toHaveLength(1 + 3 * 3600);
    expect(lines[1]).toBe('scale-7,sound_level,2026-06-08T00:00:00.000Z,0,0');
    expect(new Set(lines).size).toBe(lines.length);
    const missing = await t.app.inject({
      method: 'GET',
      headers: await headers(),
      url: url('/telemetry/export?device=ghost&metric=x&from=2026-06-08T00:00:00Z&to=2026-06-09T00:00:00Z'),
    });
    expect(missing.statusCode).toBe(404);
  });

  // Found by test/fuzz.api.test.ts (FUZZ_SEED=7, case 18: …/telemetry/export?device=device-4&metric=ភាសាភាសា&…):
  // the metric went into the Content-Disposition header as it was, which a header cannot carry: a 500.
  it('names the download safely whatever the metric is called', async () => {
    const range = 'from=2026-06-08T00:00:00Z&to=2026-06-08T00:01:00Z';
    for (const metric of ['ភាសា', 'a"b;c', 'temp\u00e9']) {
      const res = await t.app.inject({
        method: 'GET',
        headers: await headers(),
        url: url(`/telemetry/export?device=scale-7&metric=${encodeURIComponent(metric)}&${range}`),
      });
      expect(res.statusCode, res.body).toBe(200);
      const disposition = String(res.headers['content-disposition']);
      expect(disposition).toMatch(/^attachment; filename="scale-7-[A-Za-z0-9._-]+"; filename\*=UTF-8''/);
      expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toBe(`scale-7-${metric}.csv`);
    }
  });
});

describe('retention', () => {
  it('is settable per farm and drops what is older', async () => {
    const h = await headers();
    expect((await t.app.inject({ method: 'GET', url: url('/telemetry/settings'), headers: h })).json()).toEqual({
      raw_days: 90,
      hourly_days: 730,
      daily_days: 1825,
    });
    const bad = await t.app.inject({
      method: 'PUT',
      url: url('/telemetry/settings'),
      headers: h,
      payload: { raw_days: 10, hourly_days: 5, daily_days: 100 },
    });
    expect(bad.statusCode).toBe(400);
    const set = await t.app.inject({
      method: 'PUT',
      url: url('/telemetry/settings'),
      headers: h,
      payload: { raw_days: 1, hourly_days: 30, daily_days: 365 },
    });
    expect(set.statusCode).toBe(200);
    const result = await t.deps.services.telemetry.applyRetention();
    expect(result.deleted).toBeGreaterThan(0);
    const { rows } = await t.deps.db.farm(farm.id, (tx) =>
      sql<{ oldest: Date }>`select min(ts) as oldest from readings`.execute(tx),
    );
    expect(rows[0]!.oldest.getTime()).toBeGreaterThanOrEqual(new Date('2026-06-09T12:00:00Z').getTime());
    const hourly = await t.deps.db.farm(farm.id, (tx) =>
      sql<{ n: number }>`select count(*)::int as n from readings_hourly`.execute(tx),
    );
    expect(hourly.rows[0]!.n).toBeGreaterThan(0);
  });

  it('drops whole weekly partitions no farm still needs', async () => {
    const partitions = t.deps.services.telemetry.partitions;
    await partitions.ensureFor([new Date('2025-01-06T00:00:00Z')]);
    expect(await partitions.listOlderThan(new Date('2026-01-01T00:00:00Z'))).toContain('readings_w20250106');
    await t.deps.services.telemetry.applyRetention();
    expect(await partitions.listOlderThan(new Date('2026-01-01T00:00:00Z'))).not.toContain('readings_w20250106');
  });
});
