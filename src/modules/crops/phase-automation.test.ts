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
 * Phase-driven automation end to end: a place's crop sets its climate. A light schedule follows the
 * photoperiod of the place and alert rules follow its targets; when the run moves to the next phase (by
 * hand, and on its own clock by growing degree days), the schedule's days change from its next firing
 * (and at once when the new window says otherwise about now), the rules judge the next reading by the new
 * targets, and the audit log and live clients hear which schedules and rules changed, with old and new
 * values. The farm is in Asia/Phnom_Penh (UTC+7, no daylight saving).
 */

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
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

async function ok(method: string, path: string, payload?: unknown, status = 200) {
  const res = await api(method, path, payload);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

/** A local time in Phnom Penh as an ISO instant. */
const local = (day: string, hour: number, minute = 0) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + (hour - 7) * 3_600_000 + minute * 60_000).toISOString();

/** One reading a minute before now (or `minutesAgo`), then the farm's rules evaluated: the rule's active alerts. */
async function reading(device: string, metric: string, value: number, ruleId: string, minutesAgo = 1) {
  const ts = new Date(t.clock.now().getTime() - minutesAgo * 60_000).toISOString();
  await ok('POST', '/telemetry', { readings: [{ device, metric, ts, value }] });
  await t.deps.services.alerts.evaluate(farm.id);
  return ((await ok('GET', '/alerts?state=active')).data as Json[]).filter((a) => a.rule_id === ruleId);
}

/** A place with a bed, a climate sensor and a light controller with two lamp channels. */
async function house(name: string, code: string) {
  const me = { headers: await headers() };
  const greenhouse = await createLocation(t.app, me, farm, { name, type: 'greenhouse', code });
  const bed = await createLocation(t.app, me, farm, { name: `${name} bed`, type: 'bed', parent_id: greenhouse.id });
  const prefix = code.toLowerCase();
  await createDevice(t.app, me, farm, { device_id: `${prefix}-climate`, location_id: greenhouse.id });
  await createDevice(t.app, me, farm, {
    device_id: `${prefix}-lights`,
    type: 'relay',
    location_id: greenhouse.id,
    channels: [
      { name: 'lamps', kind: 'light', safe_state: 'off' },
      { name: 'lamps-2', kind: 'light', safe_state: 'off' },
    ],
  });
  return { greenhouse, bed, prefix };
}

async function plantedRun(name: string, species: string, bed: Location, prefix: string) {
  const run = await ok(
    'POST',
    '/planting-runs',
    { name, type: 'monoculture', location: bed.id, entries: [{ species, quantity: 3, id_prefix: prefix }] },
    201,
  );
  await ok('POST', `/planting-runs/${run.id}/plants`, {}, 201);
  return run;
}

const followingRule = (name: string, location: Location, metric: string) => ({
  name,
  kind: 'threshold',
  location: location.id,
  metric,
  follow: 'phase_target',
  aggregate: 'last',
  window_s: 600,
  severity: 'warning',
});

const changesOf = async (locationId: string) =>
  ((await ok('GET', '/audit?event_type=location.targets_changed')).data as Json[]).filter(
    (e) => e.data.location_id === locationId,
  );

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  t.clock.set(local('2026-06-01', 19));
  await t.deps.bus.subscribe(`farm:${farm.id}`, (m) => void live.push(m as Record<string, unknown>));
});

afterAll(() => t.close());

describe('a place’s crop sets its climate', () => {
  it('by hand: 18 h of light become 12 h when short-day chillies flower, and the rules take the new targets', async () => {
    const { greenhouse, bed, prefix } = await house('Greenhouse 2', 'GH2');
    const lights = { name: 'GH2 lights', device: `${prefix}-lights`, channel: 'lamps', kind: 'time', action: 'on' };

    // Nothing grows there yet: nothing to follow, said so.
    const early = await api('POST', '/schedules', { ...lights, start: '06:00', follow: { location: greenhouse.id } });
    expect(early.status).toBe(422);
    expect(early.body.error_code).toBe('NO_TARGET_SOURCE');

    const chillies = await plantedRun('Chillies', 'capsicum-frutescens', bed, 'CHL');
    await ok('POST', `/planting-runs/${chillies.id}/phase-transitions`, { to: 'vegetative' }, 201);

    // What cannot follow a photoperiod is refused in words.
    const cron = await api('POST', '/schedules', { ...lights, cron: '0 6 * * *', follow: { location: greenhouse.id } });
    expect(cron.status).toBe(400);
    expect(JSON.stringify(cron.body.details)).toContain('body.cron');
    const otherHours = await api('POST', '/schedules', {
      ...lights,
      start: '06:00',
      hours: 10,
      follow: { location: greenhouse.id },
    });
    expect(otherHours.status).toBe(400);
    expect(otherHours.body.message).toContain('follow: null');

    const schedule = await ok(
      'POST',
      '/schedules',
      { ...lights, start: '06:00', follow: { location: greenhouse.id } },
      201,
    );
    expect(schedule).toMatchObject({ start: '06:00', hours: 18, follow: { location: greenhouse.id } });
    // 19:00 now: the lights are on until midnight, then from 06:00 to 24:00 each day.
    const before = (await ok('GET', `/schedules/${schedule.id}/preview?days=2`)).firings as Json[];
    expect(before.slice(0, 4)).toEqual([
      { at: local('2026-06-02', 0), action: 'off' },
      { at: local('2026-06-02', 6), action: 'on' },
      { at: local('2026-06-03', 0), action: 'off' },
      { at: local('2026-06-03', 6), action: 'on' },
    ]);

    const humidityRule = await ok('POST', '/alert-rules', followingRule('GH2 humidity', greenhouse, 'humidity'), 201);
    const temperatureRule = await ok(
      'POST',
      '/alert-rules',
      followingRule('GH2 temperature', greenhouse, 'temperature'),
      201,
    );
    // Day or night by the lights' window: 19:00 is day under 06:00–24:00.
    const source = await ok('GET', `/locations/${greenhouse.id}/target-source`);
    expect(source.targets).toMatchObject({
      phase: 'vegetative',
      photoperiod_h: 18,
      light: { start: '06:00', hours: 18, schedule: { id: schedule.id, name: 'GH2 lights' } },
    });

    // 20:00: 62 % is inside vegetative's day humidity (60 % ± 5) …
    t.clock.set(local('2026-06-01', 20));
    expect(await reading(`${prefix}-climate`, 'humidity', 62, humidityRule.id)).toEqual([]);
    expect(await reading(`${prefix}-climate`, 'temperature', 25, temperatureRule.id)).toEqual([]);

    // … the chillies flower: a short-day crop asks for 12 h.
    live.length = 0;
    await ok('POST', `/planting-runs/${chillies.id}/phase-transitions`, { to: 'flowering' }, 201);

    const after = await ok('GET', `/schedules/${schedule.id}`);
    expect(after).toMatchObject({ start: '06:00', hours: 12, follow: { location: greenhouse.id } });
    expect(after.next_fire_at).toBe(local('2026-06-02', 6));
    // The preview shows 12-hour days from the next firing.
    const preview = (await ok('GET', `/schedules/${schedule.id}/preview?days=2`)).firings as Json[];
    expect(preview.slice(0, 4)).toEqual([
      { at: local('2026-06-02', 6), action: 'on' },
      { at: local('2026-06-02', 18), action: 'off' },
      { at: local('2026-06-03', 6), action: 'on' },
      { at: local('2026-06-03', 18), action: 'off' },
    ]);
    // 20:00 lies outside 06:00–18:00: the lamps were switched off at once, not at midnight.
    const executions = (await ok('GET', `/schedules/${schedule.id}/executions`)).data as Json[];
    expect(executions[0]).toMatchObject({ scheduled_at: local('2026-06-01', 20), action: 'off' });
    expect(executions[0]!.command_id).toEqual(expect.any(String));

    // The audit log names the change: the schedule and both rules, with old and new values.
    const [change] = await changesOf(greenhouse.id);
    expect(change!.message).toContain('Greenhouse 2: Chillies vegetative → flowering');
    expect(change!.message).toContain('GH2 lights 18 h → 12 h');
    expect(change!.data.schedules).toEqual([
      { schedule: { id: schedule.id, name: 'GH2 lights' }, hours: { from: 18, to: 12 }, switched_now: 'off' },
    ]);
    const humidityChange = (change!.data.rules as Json[]).find((r) => r.id === humidityRule.id)!;
    expect(humidityChange).toMatchObject({
      metric: 'humidity',
      from: { day: { min: 55, max: 65 }, night: { min: 60, max: 70 } },
      to: { day: { min: 45, max: 55 }, night: { min: 50, max: 60 } },
    });
    expect((change!.data.rules as Json[]).map((r) => r.name).sort()).toEqual(['GH2 humidity', 'GH2 temperature']);
    // … and so do live clients.
    expect(live.find((m) => m.type === 'targets')).toMatchObject({
      type: 'targets',
      location_id: greenhouse.id,
      from: { phase: 'vegetative', photoperiod_h: 18 },
      to: { phase: 'flowering', photoperiod_h: 12 },
    });

    // The next reading is judged by flowering's night targets (20:00 is night under 06:00–18:00): 62 % is too humid.
    t.clock.set(local('2026-06-01', 20, 2));
    const raised = await reading(`${prefix}-climate`, 'humidity', 62, humidityRule.id);
    expect(raised).toHaveLength(1);
    expect(raised[0]!.message).toContain("outside the crop's targets");
    const rule = ((await ok('GET', '/alert-rules')).data as Json[]).find((r) => r.id === humidityRule.id)!;
    expect(rule.targets_now).toMatchObject({ phase: 'flowering', period: 'night', low: 50, high: 60 });
  });

  it('by growing degree days: beans flower on their own clock, and a pinned schedule keeps its hours', async () => {
    t.clock.set(local('2026-06-02', 9));
    const { greenhouse, bed, prefix } = await house('Greenhouse 4', 'GH4');
    const beans = await plantedRun('Beans', 'phaseolus-vulgaris', bed, 'BEA');
    await ok('POST', `/planting-runs/${beans.id}/phase-transitions`, { to: 'vegetative' }, 201);
    const device = `${prefix}-lights`;
    const following = await ok(
      'POST',
      '/schedules',
      { name: 'GH4 lights', device, channel: 'lamps', kind: 'time', action: 'on', follow: { location: greenhouse.id } },
      201,
    );
    // Without a start, the lights go on at 06:00.
    expect(following).toMatchObject({ start: '06:00', hours: 18 });
    const pinned = await ok(
      'POST',
      '/schedules',
      {
        name: 'GH4 lamps 2',
        device,
        channel: 'lamps-2',
        kind: 'time',
        action: 'on',
        follow: { location: greenhouse.id },
      },
      201,
    );
    // A manager pins the second one: it keeps 18 h whatever the crop does.
    const pin = await ok('PATCH', `/schedules/${pinned.id}`, { follow: null });
    expect(pin).toMatchObject({ follow: null, start: '06:00', hours: 18 });
    const rule = await ok('POST', '/alert-rules', followingRule('GH4 temperature', greenhouse, 'temperature'), 201);

    // Twelve warm days of 25 °C: 15 GDD a day over the bean's base of 10 °C; vegetative needs 163.
    const readings: unknown[] = [];
    for (let d = 3; d <= 14; d++) {
      const date = `2026-06-${String(d).padStart(2, '0')}`;
      for (let h = 0; h < 24; h++)
        readings.push({ device: `${prefix}-climate`, metric: 'temperature', ts: local(date, h), value: 25 });
    }
    t.clock.set(local('2026-06-15', 9, 59));
    for (let i = 0; i < readings.length; i += 5000)
      await ok('POST', '/telemetry', { readings: readings.slice(i, i + 5000) });
    // 23.5 °C at 10:00 is inside vegetative's day range (25 ± 2).
    t.clock.set(local('2026-06-15', 10));
    expect(await reading(`${prefix}-climate`, 'temperature', 23.5, rule.id)).toEqual([]);
    await t.deps.services.telemetry.rollUpDirty();

    const grown = await t.deps.services.growth.growFarm(farm.id, t.clock.now());
    expect(grown?.moved).toBeGreaterThanOrEqual(3);
    expect((await ok('GET', `/locations/${greenhouse.id}/target-source`)).targets.phase).toBe('flowering');

    // The following schedule took flowering's 14 h; the pinned one kept its 18 h.
    expect(await ok('GET', `/schedules/${following.id}`)).toMatchObject({
      hours: 14,
      follow: { location: greenhouse.id },
    });
    expect(await ok('GET', `/schedules/${pinned.id}`)).toMatchObject({ hours: 18, follow: null });
    const preview = (await ok('GET', `/schedules/${following.id}/preview?days=2`)).firings as Json[];
    expect(preview.slice(0, 3)).toEqual([
      { at: local('2026-06-15', 20), action: 'off' },
      { at: local('2026-06-16', 6), action: 'on' },
      { at: local('2026-06-16', 20), action: 'off' },
    ]);
    const [change] = await changesOf(greenhouse.id);
    expect(change!.user_id).toBeNull();
    expect(change!.message).toContain('Beans vegetative → flowering');
    expect(change!.data.schedules).toEqual([
      { schedule: { id: following.id, name: 'GH4 lights' }, hours: { from: 18, to: 14 }, switched_now: null },
    ]);
    expect(change!.data.rules).toEqual([
      expect.objectContaining({
        id: rule.id,
        from: expect.objectContaining({ day: { min: 23, max: 27 } }),
        to: expect.objectContaining({ day: { min: 24, max: 28 } }),
      }),
    ]);

    // The same 23.5 °C is below flowering's day range (26 ± 2): an alert, with nobody editing the rule.
    t.clock.set(local('2026-06-15', 10, 2));
    const raised = await reading(`${prefix}-climate`, 'temperature', 23.5, rule.id);
    expect(raised).toHaveLength(1);
  });
});
