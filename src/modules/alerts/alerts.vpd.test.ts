import { randomUUID } from 'node:crypto';
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
 * VPD alert rules (computed from a device's temperature and humidity of the same moment), plain and
 * following the crop's targets, and day or night by the location's light period. The farm is in
 * Asia/Phnom_Penh (UTC+7): the test clock's 00:30 UTC is 07:30 there.
 */

let t: TestApp;
let admin: Actor;
let farm: FarmRef;

async function api(method: string, path: string, payload?: unknown) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${farm.slug}${path}`,
    headers: admin.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

/** Tetens, written out again here so the SQL's VPD is checked against an independent computation. */
const svp = (tC: number) => 0.6108 * Math.exp((17.27 * tC) / (tC + 237.3));
const vpd = (tC: number, rh: number) => svp(tC) * (1 - rh / 100);
/** The humidity (to 0.1 %) that gives about `kPa` at `tC`. */
const humidityFor = (tC: number, kPa: number) => Math.round(1000 * (1 - kPa / svp(tC))) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Readings `minutesAgo` before the clock: one payload, one timestamp for all of them. */
async function send(device: string, minutesAgo: number, values: Record<string, number>) {
  const ts = new Date(t.clock.now().getTime() - minutesAgo * 60_000).toISOString();
  const readings = Object.entries(values).map(([metric, value]) => ({ device, metric, ts, value }));
  const res = await api('POST', '/telemetry', { readings });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.accepted).toBe(readings.length);
}

/** Evaluates as readings of `metrics` arriving do, and answers the rule's active alerts. */
async function activeAfter(ruleId: string, metrics?: string[]) {
  await t.deps.services.alerts.evaluate(farm.id, metrics && new Set(metrics));
  return ((await api('GET', '/alerts?state=active')).body.data as Json[]).filter((a) => a.rule_id === ruleId);
}

/** Moves the clock, signing in again (an access token lives minutes). */
async function at(time: string) {
  t.clock.set(time);
  admin = await login(t.app, admin.email);
}

async function plantedRun(name: string, location: Location, phase: string) {
  const run = (
    await api('POST', '/planting-runs', {
      name,
      type: 'monoculture',
      location: location.id,
      entries: [{ species: 'solanum-lycopersicum', quantity: 2, id_prefix: 'TOM' }],
    })
  ).body;
  expect((await api('POST', `/planting-runs/${run.id}/plants`, {})).status).toBe(201);
  expect((await api('POST', `/planting-runs/${run.id}/phase-transitions`, { to: phase })).status).toBeLessThan(300);
  return run;
}

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
});

afterAll(() => t.close());

describe('a plain VPD rule', () => {
  it('raises when the VPD of readings taken together passes the value, and not below it', async () => {
    await at('2026-06-01T00:30:00Z');
    const tunnel = await createLocation(t.app, admin, farm, { name: 'Tunnel A', type: 'greenhouse', code: 'TA' });
    const bench = await createLocation(t.app, admin, farm, { name: 'Bench A1', type: 'bed', parent_id: tunnel.id });
    const elsewhere = await createLocation(t.app, admin, farm, { name: 'Tunnel B', type: 'greenhouse', code: 'TB' });
    await createDevice(t.app, admin, farm, { device_id: 'ta-climate', location_id: bench.id });
    await createDevice(t.app, admin, farm, { device_id: 'tb-climate', location_id: elsewhere.id });
    const made = await api('POST', '/alert-rules', {
      name: 'Tunnel A dry air',
      kind: 'threshold',
      metric: 'vpd',
      location: tunnel.id,
      operator: '>',
      value: 1.6,
      aggregate: 'last',
      window_s: 600,
      severity: 'warning',
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const averaged = await api('POST', '/alert-rules', {
      name: 'Tunnel A VPD band',
      kind: 'threshold',
      metric: 'vpd',
      location: tunnel.id,
      operator: 'outside',
      value: [0.8, 1.2],
      aggregate: 'avg',
      window_s: 600,
      severity: 'info',
    });
    expect(averaged.status, JSON.stringify(averaged.body)).toBe(201);

    // 25 °C at 70 %: 0.95 kPa, below 1.6 and inside the band.
    await send('ta-climate', 8, { temperature: 25, humidity: 70 });
    // Tunnel B's air is dry, but it is not Tunnel A's.
    await send('tb-climate', 8, { temperature: 32, humidity: 30 });
    expect(await activeAfter(made.body.id, ['temperature', 'humidity'])).toEqual([]);
    expect(await activeAfter(averaged.body.id, ['temperature'])).toEqual([]);

    // A temperature without a humidity of the same moment makes no VPD: the last VPD is still 0.95.
    await send('ta-climate', 6, { temperature: 38 });
    expect(await activeAfter(made.body.id, ['temperature'])).toEqual([]);

    // 30 °C at 40 %: 2.55 kPa. Humidity arriving wakes the VPD rules.
    await send('ta-climate', 4, { temperature: 30, humidity: 40 });
    const raised = await activeAfter(made.body.id, ['humidity']);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ type: 'vpd_high', actual_value: round2(vpd(30, 40)) });
    expect(raised[0]!.message).toBe(`Tunnel A dry air — ta-climate: vpd last ${round2(vpd(30, 40))} kPa > 1.6`);

    // The band's average of 0.95 and 2.55: outside [0.8, 1.2].
    const band = await activeAfter(averaged.body.id, ['humidity']);
    const mean = round2((vpd(25, 70) + vpd(30, 40)) / 2);
    expect(band).toHaveLength(1);
    expect(band[0]!.message).toBe(`Tunnel A VPD band — ta-climate: vpd avg ${mean} kPa outside [0.8, 1.2]`);

    // A sensor's error value (-237.3 °C would divide by zero) is no air temperature: left out, the rules still run.
    await send('ta-climate', 2, { temperature: -237.3, humidity: 50 });
    expect(await activeAfter(made.body.id, ['temperature'])).toMatchObject([{ actual_value: round2(vpd(30, 40)) }]);
  });
});

describe('a VPD rule that follows the crop', () => {
  it('raises outside the phase’s VPD range and not inside it', async () => {
    await at('2026-06-01T00:30:00Z'); // 07:30 there: day
    const house = await createLocation(t.app, admin, farm, { name: 'Greenhouse V', type: 'greenhouse', code: 'GHV' });
    const beds = await createLocation(t.app, admin, farm, { name: 'Bed V', type: 'bed', parent_id: house.id });
    await createDevice(t.app, admin, farm, { device_id: 'ghv-climate', location_id: house.id });
    const run = await plantedRun('Tomatoes GHV', beds, 'vegetative');
    const source = (await api('GET', `/locations/${house.id}/target-source`)).body;
    const range = source.targets.vpd_kpa as { min: number; max: number };
    expect(range.min).toBeLessThan(range.max);

    const made = await api('POST', '/alert-rules', {
      name: 'GHV VPD',
      kind: 'threshold',
      metric: 'vpd',
      location: house.id,
      follow: 'phase_target',
      aggregate: 'avg',
      window_s: 600,
      severity: 'warning',
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.targets_now).toEqual({
      run: { id: run.id, name: 'Tomatoes GHV' },
      phase: 'vegetative',
      period: 'day',
      low: range.min,
      high: range.max,
      light: { start: '06:00', hours: 18, schedule: null },
    });
    // No device there has sent both yet: the rule is kept, with a warning.
    expect(made.body.warnings).toEqual([expect.stringContaining('VPD needs a device reporting both')]);

    const inside = humidityFor(25, (range.min + range.max) / 2);
    await send('ghv-climate', 5, { temperature: 25, humidity: inside });
    expect(await activeAfter(made.body.id, ['temperature', 'humidity'])).toEqual([]);

    // A quarter of an hour on, the air is drier than the phase wants.
    await at('2026-06-01T00:45:00Z');
    const outside = humidityFor(25, range.max + 0.4);
    await send('ghv-climate', 5, { temperature: 25, humidity: outside });
    const raised = await activeAfter(made.body.id, ['humidity']);
    expect(raised).toHaveLength(1);
    const actual = round2(vpd(25, outside));
    expect(actual).toBeGreaterThan(range.max);
    expect(raised[0]!.actual_value).toBe(actual);
    expect(raised[0]!.message).toBe(`GHV VPD — ghv-climate: vpd avg ${actual} kPa outside the crop's targets`);
  });
  it('decides nothing while the phase sets no VPD range, and says so when made', async () => {
    await at('2026-06-01T00:30:00Z');
    const growth = t.deps.services.cropTargets;
    // A phase without VPD targets (none in the shipped catalogue lacks them): the crops module's answer without one.
    t.deps.targets.provide({
      targets: async (tx, farmId, locationId) => {
        const answer = await growth.targets(tx, farmId, locationId);
        return answer.ok ? { ...answer, targets: { ...answer.targets, vpdKpa: null } } : answer;
      },
    });
    try {
      const house = await createLocation(t.app, admin, farm, { name: 'Greenhouse W', type: 'greenhouse', code: 'GHW' });
      const beds = await createLocation(t.app, admin, farm, { name: 'Bed W', type: 'bed', parent_id: house.id });
      await createDevice(t.app, admin, farm, { device_id: 'ghw-climate', location_id: house.id });
      await send('ghw-climate', 5, { temperature: 25, humidity: 60 });
      await plantedRun('Tomatoes GHW', beds, 'vegetative');
      const made = await api('POST', '/alert-rules', {
        name: 'GHW VPD',
        kind: 'threshold',
        metric: 'vpd',
        location: house.id,
        follow: 'phase_target',
        aggregate: 'last',
        window_s: 600,
        severity: 'warning',
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      expect(made.body.targets_now).toBeNull();
      expect(made.body.warnings).toEqual([
        "The crop's current phase sets no vpd range: the rule decides nothing until one does",
      ]);
      // Air far too dry for any crop (3.96 kPa), and still no alert: there is no range to be outside of.
      await send('ghw-climate', 1, { temperature: 35, humidity: 30 });
      expect(await activeAfter(made.body.id, ['temperature', 'humidity'])).toEqual([]);
    } finally {
      t.deps.targets.provide(growth);
    }
  });
});

describe('day and night by the light period', () => {
  it('a temperature rule that follows the crop takes the night range outside the hours of light', async () => {
    // 03:00 there: vegetative tomatoes have 18 h of light from 06:00, so it is night until 06:00.
    await at('2026-06-01T20:00:00Z');
    const house = await createLocation(t.app, admin, farm, { name: 'Greenhouse N', type: 'greenhouse', code: 'GHN' });
    const beds = await createLocation(t.app, admin, farm, { name: 'Bed N', type: 'bed', parent_id: house.id });
    await createDevice(t.app, admin, farm, { device_id: 'ghn-climate', location_id: house.id });
    await plantedRun('Tomatoes GHN', beds, 'vegetative');
    const made = await api('POST', '/alert-rules', {
      name: 'GHN temperature',
      kind: 'threshold',
      metric: 'temperature',
      location: house.id,
      follow: 'phase_target',
      aggregate: 'last',
      window_s: 600,
      clear_s: 0,
      severity: 'warning',
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const night = made.body.targets_now;
    expect(night).toMatchObject({ period: 'night', light: { start: '06:00', hours: 18, schedule: null } });

    // 25 °C at night is too warm for the phase's night, though it is right for its day.
    await send('ghn-climate', 2, { temperature: 25 });
    expect(25).toBeGreaterThan(night.high);
    expect(await activeAfter(made.body.id, ['temperature'])).toHaveLength(1);

    // 07:30 there: day; the same 25 °C is inside the day range and the alert clears.
    await at('2026-06-02T00:30:00Z');
    const day = ((await api('GET', '/alert-rules')).body.data as Json[]).find(
      (r) => r.id === made.body.id,
    )!.targets_now;
    expect(day).toMatchObject({ period: 'day', light: { start: '06:00', hours: 18 } });
    expect(day.low).toBeGreaterThan(night.low);
    expect(25).toBeGreaterThanOrEqual(day.low);
    expect(25).toBeLessThanOrEqual(day.high);
    await send('ghn-climate', 2, { temperature: 25 });
    expect(await activeAfter(made.body.id, ['temperature'])).toEqual([]);
  });

  it('takes the period a light schedule sets, not the phase’s hours from 06:00', async () => {
    // A light schedule (as the crops module reports it) from 20:00 for 14 h: 03:00 there is day under it,
    // though night by the phase's 18 h from 06:00.
    await at('2026-06-01T20:00:00Z');
    const growth = t.deps.services.cropTargets;
    const schedule = { id: randomUUID(), name: 'GHS lights' };
    t.deps.targets.provide({
      targets: async (tx, farmId, locationId) => {
        const answer = await growth.targets(tx, farmId, locationId);
        return answer.ok
          ? { ...answer, targets: { ...answer.targets, light: { startMinute: 20 * 60, hours: 14, schedule } } }
          : answer;
      },
    });
    try {
      const house = await createLocation(t.app, admin, farm, { name: 'Greenhouse S', type: 'greenhouse', code: 'GHS' });
      const beds = await createLocation(t.app, admin, farm, { name: 'Bed S', type: 'bed', parent_id: house.id });
      await createDevice(t.app, admin, farm, { device_id: 'ghs-climate', location_id: house.id });
      await plantedRun('Tomatoes GHS', beds, 'vegetative');
      const made = await api('POST', '/alert-rules', {
        name: 'GHS temperature',
        kind: 'threshold',
        metric: 'temperature',
        location: house.id,
        follow: 'phase_target',
        aggregate: 'last',
        window_s: 600,
        severity: 'warning',
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      expect(made.body.targets_now).toMatchObject({ period: 'day', light: { start: '20:00', hours: 14, schedule } });
      // 25 °C: inside the day range the schedule makes it, outside the night range.
      await send('ghs-climate', 2, { temperature: 25 });
      expect(await activeAfter(made.body.id, ['temperature'])).toEqual([]);
    } finally {
      t.deps.targets.provide(growth);
    }
  });
});

describe('making a VPD rule', () => {
  it('warns while no device there reports both temperature and humidity', async () => {
    await at('2026-06-01T00:30:00Z');
    const shed = await createLocation(t.app, admin, farm, { name: 'Seed shed', type: 'greenhouse', code: 'SS' });
    await createDevice(t.app, admin, farm, { device_id: 'ss-thermo', location_id: shed.id });
    await send('ss-thermo', 1, { temperature: 21 });
    const rule = {
      name: 'Seed shed VPD',
      kind: 'threshold',
      metric: 'vpd',
      operator: '<',
      value: 0.3,
      aggregate: 'avg',
      window_s: 900,
      severity: 'info',
    };
    const atShed = await api('POST', '/alert-rules', { ...rule, location: shed.id });
    expect(atShed.status, JSON.stringify(atShed.body)).toBe(201);
    expect(atShed.body.warnings).toEqual([
      'VPD needs a device reporting both temperature and humidity: none at this location has sent both yet; the rule waits for one',
    ]);
    const onThermo = await api('POST', '/alert-rules', { ...rule, device: 'ss-thermo' });
    expect(onThermo.status).toBe(201);
    expect(onThermo.body.warnings).toEqual([expect.stringContaining('this one has not sent both yet')]);

    // Once it sends humidity as well, no warning.
    await send('ss-thermo', 0, { temperature: 21, humidity: 80 });
    const fine = await api('POST', '/alert-rules', { ...rule, name: 'Seed shed VPD 2', location: shed.id });
    expect(fine.status).toBe(201);
    expect(fine.body.warnings).toBeUndefined();
  });

  it('refuses a VPD rule without a place, or of another kind, naming the field', async () => {
    const everywhere = await api('POST', '/alert-rules', {
      name: 'All VPD',
      kind: 'threshold',
      metric: 'vpd',
      operator: '>',
      value: 1.6,
      aggregate: 'last',
      window_s: 600,
      severity: 'info',
    });
    expect(everywhere.status).toBe(400);
    expect(everywhere.body).toMatchObject({
      error_code: 'VALIDATION_FAILED',
      details: { fields: [{ field: 'body.location', message: expect.stringContaining('a vpd rule watches') }] },
    });

    const silent = await api('POST', '/alert-rules', {
      name: 'Silent VPD',
      kind: 'silent',
      metric: 'vpd',
      device: 'ss-thermo',
      minutes: 30,
      severity: 'info',
    });
    expect(silent.status).toBe(400);
    expect(silent.body.details.fields).toEqual([
      { field: 'body.metric', message: expect.stringContaining('only a threshold rule') },
    ]);

    const co2 = await api('POST', '/alert-rules', {
      name: 'CO2 follows',
      kind: 'threshold',
      metric: 'co2',
      location: (await createLocation(t.app, admin, farm, { name: 'Loft', type: 'greenhouse', code: 'LF' })).id,
      follow: 'phase_target',
      aggregate: 'last',
      window_s: 600,
      severity: 'info',
    });
    expect(co2.status).toBe(400);
    expect(co2.body.message).toContain('temperature, humidity or vpd');
  });
});
