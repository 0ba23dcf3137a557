import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import {
  createDevice,
  createDeviceWithCredentials,
  createFarm,
  login,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { SimulatedController, type ControllerBehaviour } from '../../cli/simulated-controller.js';
import type { BusMessage } from '../../platform/live/bus.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let broker: string;
const events: BusMessage[] = [];
const controllers: SimulatedController[] = [];

const url = (path: string) => `/api/v1/farms/${farm.slug}${path}`;
const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: unknown) =>
  t.app.inject({
    method,
    url: url(path),
    headers: admin.headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const create = async (body: Record<string, unknown>) => {
  const res = await call('POST', '/schedules', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
};
const executions = async (id: string) =>
  (await call('GET', `/schedules/${id}/executions`)).json().data as Array<Record<string, unknown>>;

async function house(label: string, behaviour: ControllerBehaviour = {}) {
  const { credentials: creds } = await createDeviceWithCredentials(t.app, admin, farm, {
    device_id: label,
    type: 'relay',
    channels: [
      { name: 'fan', kind: 'fan', safe_state: 'on' },
      { name: 'pump', kind: 'pump', safe_state: 'off' },
    ],
  });
  const device = new SimulatedController({
    broker,
    username: creds.username,
    password: creds.password,
    topicPrefix: creds.topicPrefix,
    behaviour,
  });
  await device.start();
  controllers.push(device);
  await waitFor(async () => (await call('GET', `/devices/${label}`)).json().online === true);
  return device;
}

beforeAll(async () => {
  t = await createTestApp({ mqtt: true, now: '2026-06-10T05:59:30Z', env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app)); // the farm lives in Asia/Phnom_Penh (UTC+7)
  admin = await login(t.app, admin.email);
  broker = `mqtt://127.0.0.1:${t.deps.mqtt.status.port}`;
  await t.deps.bus.subscribe(`farm:${farm.id}`, (m) => void events.push(m));
});

afterAll(async () => {
  for (const c of controllers) await c.stop().catch(() => {});
  await t.close();
});

describe('schedules', () => {
  it('refuse what cannot work, in words', async () => {
    await house('house-0');
    const other = await createFarm(t.app, admin, 'Other Farm');
    await createDevice(t.app, admin, other, { device_id: 'far-away', name: 'x' });
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ kind: 'time', cron: 'at dawn' }, 400, 'cron'],
      [{ kind: 'time', start: '18:00', end: '18:00' }, 400, '"body.end"'],
      [{ kind: 'time', start: '06:00', hours: -1 }, 400, '"body.hours"'],
      [{ kind: 'time', start: '06:00', hours: 25 }, 400, '"body.hours"'],
      [{ kind: 'time', start: '06:00', hours: 12.345 }, 400, '"body.hours"'],
      [{ kind: 'time', start: '25:00', end: '06:00' }, 400, '"body.start"'],
      [{ kind: 'time', start: '06:00', end: '18:00', hours: 12 }, 400, 'hours cannot be given with end'],
      [{ kind: 'duration', on_s: 60, off_s: 60, window: { start: '22:00', hours: 30 } }, 400, '"body.window.hours"'],
      [{ kind: 'duration', on_s: 60 }, 400, 'off_s'],
      [
        { kind: 'condition', condition: { device: 'far-away', metric: 'temperature', operator: '>', value: 30 } },
        400,
        'far-away',
      ],
      [
        {
          kind: 'condition',
          condition: { all: [{ device: 'house-0', metric: 'temperature', operator: '=>', value: 30 }] },
        },
        400,
        'operator',
      ],
      [{ kind: 'time', cron: '0 6 * * *', action: 'set_value', value: 100 }, 422, 'ACTION_NOT_SUPPORTED'],
      [{ kind: 'time', cron: '0 6 * * *', channel: 'sprinkler' }, 400, 'UNKNOWN_CHANNEL'],
    ];
    for (const [body, status, mention] of cases) {
      const res = await call('POST', '/schedules', {
        name: 'bad',
        device: 'house-0',
        channel: 'fan',
        action: 'on',
        ...body,
      });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.body, JSON.stringify(body)).toContain(mention);
    }
  });

  it('fire on time, record the execution, and learn its outcome from the device', async () => {
    const device = await house('house-1');
    const schedule = await create({
      name: 'Fan at 13:00',
      device: 'house-1',
      channel: 'fan',
      kind: 'time',
      cron: '0 13 * * *',
      action: 'on',
    });
    expect(schedule.next_fire_at).toBe('2026-06-10T06:00:00.000Z'); // 13:00 in Phnom Penh
    await t.deps.services.schedules.tick();
    expect(await executions(schedule.id)).toEqual([]);
    t.clock.set('2026-06-10T06:00:00.300Z');
    expect(await t.deps.services.schedules.tick()).toBe(1);
    expect(await t.deps.services.schedules.tick()).toBe(0); // never twice
    await waitFor(async () => (await executions(schedule.id))[0]?.status === 'executed');
    const [execution] = await executions(schedule.id);
    expect(execution).toMatchObject({
      scheduled_at: '2026-06-10T06:00:00.000Z',
      actual_at: '2026-06-10T06:00:00.300Z',
      action: 'on',
    });
    expect(device.state.fan).toBe('on');
    const after = (await call('GET', `/schedules/${schedule.id}`)).json();
    expect(after).toMatchObject({ next_fire_at: '2026-06-11T06:00:00.000Z', success_rate: 1 });
    await call('DELETE', `/schedules/${schedule.id}`);
  });

  it('cycle a pump inside its window, as the preview shows', async () => {
    const pump = await create({
      name: 'Pump',
      device: 'house-1',
      channel: 'pump',
      kind: 'duration',
      action: 'on',
      on_s: 300,
      off_s: 7200,
      window: { start: '06:00', end: '12:00' },
    });
    const preview = (await call('GET', `/schedules/${pump.id}/preview?days=1`))
      .json()
      .firings.map((f: { at: string; action: string }) => `${f.at.slice(11, 16)} ${f.action}`);
    // Local 06:00 is 23:00 UTC the day before.
    expect(preview).toEqual(['23:00 on', '23:05 off', '01:05 on', '01:10 off', '03:10 on', '03:15 off']);
    await call('PATCH', `/schedules/${pump.id}`, { enabled: false });
    expect((await call('GET', `/schedules/${pump.id}`)).json().next_fire_at).toBeNull();
  });

  it('let the higher priority win a moment, recording the other as skipped by it', async () => {
    await house('house-2');
    const low = await create({
      name: 'Low',
      device: 'house-2',
      channel: 'fan',
      kind: 'time',
      cron: '30 13 * * *',
      action: 'off',
      priority: 1,
    });
    const high = await create({
      name: 'High',
      device: 'house-2',
      channel: 'fan',
      kind: 'time',
      cron: '30 13 * * *',
      action: 'on',
      priority: 5,
    });
    const preview = (await call('GET', `/schedules/${low.id}/preview?days=2`)).json().firings;
    expect(preview[0]).toMatchObject({ at: '2026-06-10T06:30:00.000Z', skipped_by: { id: high.id, name: 'High' } });
    t.clock.set('2026-06-10T06:30:00.100Z');
    await t.deps.services.schedules.tick();
    expect((await executions(low.id))[0]).toMatchObject({ status: 'skipped', skipped_by: high.id });
    await waitFor(async () => (await executions(high.id))[0]?.status === 'executed');
    for (const s of [low, high]) await call('DELETE', `/schedules/${s.id}`);
  });

  it('run a missed firing of the last minute after a restart, not an older one, and never twice', async () => {
    const recent = await create({
      name: 'Recent',
      device: 'house-2',
      channel: 'fan',
      kind: 'time',
      cron: '0 14 * * *',
      action: 'on',
    });
    const old = await create({
      name: 'Old',
      device: 'house-2',
      channel: 'pump',
      kind: 'time',
      cron: '58 13 * * *',
      action: 'on',
    });
    // Nothing ran from 13:57 to 14:00:40 local; another process starts on the same database.
    t.clock.set('2026-06-10T07:00:40Z');
    const next = await createTestApp({ database: t.database, now: '2026-06-10T07:00:40Z' });
    try {
      await Promise.all([next.deps.services.schedules.tick(), t.deps.services.schedules.tick()]);
    } finally {
      await next.close();
    }
    // Fired once, by whichever process claimed it: this one delivers to the connected controller (executed),
    // the other has no broker of its own, so its command waits for the device (pending).
    const fired = (await executions(recent.id)).map((e) => e.status);
    expect(fired).toHaveLength(1);
    expect(['pending', 'executed']).toContain(fired[0]);
    expect(await executions(old.id)).toEqual([
      expect.objectContaining({ status: 'skipped', error: expect.stringContaining('not running') }),
    ]);
    for (const s of [recent, old]) await call('DELETE', `/schedules/${s.id}`);
  });

  it('switch a fan by a condition, with hysteresis and a hold time', async () => {
    const device = await house('house-3');
    await createDevice(t.app, admin, farm, { device_id: 'probe-3', name: 'probe' });
    const fan = await create({
      name: 'Cool',
      device: 'house-3',
      channel: 'fan',
      kind: 'condition',
      action: 'on',
      condition: { device: 'probe-3', metric: 'temperature', operator: '>', value: 30 },
      hysteresis: 2,
      min_hold_s: 60,
      max_age_s: 300,
    });
    const read = async (value: number) => {
      t.clock.advance(1_000);
      const res = await call('POST', '/telemetry', {
        readings: [{ device: 'probe-3', metric: 'temperature', ts: t.clock.now().toISOString(), value }],
      });
      expect(res.json().accepted, res.body).toBe(1);
      await t.deps.services.schedules.evaluateConditions(farm.id);
    };
    await read(29);
    expect(await executions(fan.id)).toEqual([]);
    await read(31);
    await waitFor(() => device.state.fan === 'on');
    t.clock.advance(30_000);
    await read(27); // below 30 − 2, but held for less than 60 s
    t.clock.advance(20_000);
    await read(29); // within the hysteresis band
    expect((await executions(fan.id)).length).toBe(1);
    t.clock.advance(20_000);
    await read(27.5);
    await waitFor(() => device.state.fan === 'off');
    expect((await executions(fan.id)).map((e) => e.action)).toEqual(['off', 'on']);
    // A stale reading decides nothing.
    t.clock.advance(600_000);
    await t.deps.services.schedules.evaluateConditions(farm.id);
    expect((await call('GET', `/schedules/${fan.id}`)).json().condition_state.active).toBe(false);
    expect((await executions(fan.id)).length).toBe(2);
    await call('DELETE', `/schedules/${fan.id}`);
  });

  it('skip firings while an emergency stop holds, and run now on request', async () => {
    const schedule = await create({
      name: 'Noon fan',
      device: 'house-2',
      channel: 'fan',
      kind: 'time',
      cron: '0 * * * *',
      action: 'on',
    });
    await call('POST', '/emergency-stop', { reason: 'test' });
    t.clock.set(schedule.next_fire_at);
    await t.deps.services.schedules.tick();
    expect((await executions(schedule.id))[0]).toMatchObject({
      status: 'skipped',
      error: expect.stringContaining('emergency'),
    });
    expect((await call('POST', `/schedules/${schedule.id}/run-now`)).statusCode).toBe(423);
    await call('POST', '/emergency-stop/release');
    const now = await call('POST', `/schedules/${schedule.id}/run-now`);
    expect([now.statusCode, now.json().status]).toEqual([202, 'pending']);
    await call('DELETE', `/schedules/${schedule.id}`);
  });

  it('raise schedule_failed after three failures in a row', async () => {
    await house('house-4', { fail: true });
    const rule = await call('POST', '/alert-rules', {
      name: 'Schedules failing',
      kind: 'schedule_failed',
      severity: 'warning',
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const schedule = await create({
      name: 'Doomed',
      device: 'house-4',
      channel: 'fan',
      kind: 'time',
      cron: '0 13 * * *',
      action: 'on',
    });
    for (let i = 0; i < 3; i++) {
      await call('POST', `/schedules/${schedule.id}/run-now`);
      await waitFor(async () => (await executions(schedule.id)).filter((e) => e.status === 'failed').length === i + 1);
    }
    await waitFor(() =>
      events.some(
        (e) =>
          e.type === 'alert' &&
          (e.alert as { type: string; message: string }).type === 'schedule_failed' &&
          (e.alert as { message: string }).message.includes('Doomed'),
      ),
    );
    const [alert] = (await call('GET', '/alerts?state=active')).json().data;
    expect(alert).toMatchObject({ type: 'schedule_failed', severity: 'warning' });
    expect((await call('GET', `/schedules/${schedule.id}`)).json()).toMatchObject({
      consecutive_failures: 3,
      success_rate: 0,
    });
  });
});

describe('schedule windows', () => {
  /** A preview's firings as "ISO action". */
  const preview = async (id: string, days = 7, where = url) => {
    const res = await t.app.inject({
      method: 'GET',
      url: where(`/schedules/${id}/preview?days=${days}`),
      headers: admin.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().firings as Array<{ at: string; action: string }>).map((f) => `${f.at} ${f.action}`);
  };
  const light = { device: 'house-2', channel: 'pump', kind: 'time', action: 'on' };

  it('cross midnight, end at 24:00, last decimal hours, 0 h or 24 h, as the 7-day preview shows in order', async () => {
    t.clock.set('2026-06-10T13:00:00Z'); // 20:00 in Phnom Penh (UTC+7)
    const night = await create({ ...light, name: 'Night power', start: '18:00', end: '06:00' });
    // Inside the window that began at 18:00: its end (06:00 local, 23:00Z) comes first.
    expect(night.next_fire_at).toBe('2026-06-10T23:00:00.000Z');
    const week: string[] = [];
    for (let day = 10; day <= 16; day++)
      week.push(`2026-06-${day}T23:00:00.000Z off`, `2026-06-${day + 1}T11:00:00.000Z on`);
    expect(await preview(night.id)).toEqual(week);

    const untilMidnight = await create({ ...light, name: 'Veg 24:00', start: '06:00', end: '24:00' });
    const eighteen = await create({ ...light, name: 'Veg 18 h', start: '06:00', hours: 18 });
    expect(eighteen).toMatchObject({ start: '06:00', hours: 18 });
    const veg = ['2026-06-10T17:00:00.000Z off', '2026-06-10T23:00:00.000Z on', '2026-06-11T17:00:00.000Z off'];
    expect((await preview(untilMidnight.id)).slice(0, 3)).toEqual(veg);
    expect((await preview(eighteen.id)).slice(0, 3)).toEqual(veg);

    const half = await create({ ...light, name: '12.5 h', start: '18:00', hours: 12.5 });
    expect(half.hours).toBe(12.5);
    expect((await preview(half.id, 1))[0]).toBe('2026-06-10T23:30:00.000Z off');

    const dark = await create({ ...light, name: 'Dark', start: '06:00', hours: 0 });
    const always = await create({ ...light, name: 'Always', start: '06:00', hours: 24 });
    const mornings = (action: string) =>
      [10, 11, 12, 13, 14, 15, 16].map((day) => `2026-06-${day}T23:00:00.000Z ${action}`);
    expect(await preview(dark.id)).toEqual(mornings('off'));
    expect(await preview(always.id)).toEqual(mornings('on'));

    const mister = await create({
      name: 'Night mister',
      device: 'house-2',
      channel: 'pump',
      kind: 'duration',
      action: 'on',
      on_s: 3_600,
      off_s: 1_800,
      window: { start: '22:00', end: '02:00' },
    });
    expect(await preview(mister.id, 1)).toEqual([
      '2026-06-10T15:00:00.000Z on',
      '2026-06-10T16:00:00.000Z off',
      '2026-06-10T16:30:00.000Z on',
      '2026-06-10T17:30:00.000Z off',
      '2026-06-10T18:00:00.000Z on',
      '2026-06-10T19:00:00.000Z off',
    ]);
    for (const s of [night, untilMidnight, eighteen, half, dark, always, mister])
      await call('DELETE', `/schedules/${s.id}`);
  });

  it('change the hours without recreating the schedule, switching off at once when the new day has ended', async () => {
    t.clock.set('2026-06-10T13:00:00Z'); // 20:00 local: inside 06:00 + 18 h, after 06:00 + 12 h
    const lamp = await create({ ...light, channel: 'fan', name: 'Grow light', start: '06:00', hours: 18 });
    expect(await executions(lamp.id)).toEqual([]);
    const changed = await call('PATCH', `/schedules/${lamp.id}`, { hours: 12 });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ start: '06:00', hours: 12, next_fire_at: '2026-06-10T23:00:00.000Z' });
    expect(await executions(lamp.id)).toEqual([
      expect.objectContaining({ action: 'off', scheduled_at: '2026-06-10T13:00:00.000Z' }),
    ]);
    expect((await preview(lamp.id, 2)).slice(0, 2)).toEqual([
      '2026-06-10T23:00:00.000Z on',
      '2026-06-11T11:00:00.000Z off',
    ]);
    // The same again changes nothing now; back to 18 h switches on again.
    await call('PATCH', `/schedules/${lamp.id}`, { hours: 12 });
    expect(await executions(lamp.id)).toHaveLength(1);
    t.clock.advance(60_000);
    await call('PATCH', `/schedules/${lamp.id}`, { hours: 18 });
    expect((await executions(lamp.id)).map((e) => e.action)).toEqual(['on', 'off']); // newest first
    await call('DELETE', `/schedules/${lamp.id}`);
  });

  it('keep wall-clock time in Berlin across a fall-back and a spring-forward night', async () => {
    const berlin = await createFarm(t.app, admin, 'Berlin Greenhouse');
    await createDevice(t.app, admin, berlin, {
      device_id: 'lamp-b',
      name: 'Lamp',
      type: 'relay',
      channels: [{ name: 'light', kind: 'light', safe_state: 'off' }],
    });
    const inBerlin = (path: string) => `/api/v1/farms/${berlin.slug}${path}`;
    const make = async (body: Record<string, unknown>) => {
      const res = await t.app.inject({
        method: 'POST',
        url: inBerlin('/schedules'),
        headers: admin.headers,
        payload: { name: 'Lamp', device: 'lamp-b', channel: 'light', kind: 'time', action: 'on', ...body },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    // 2026-10-25: 03:00 → 02:00, a 25-hour night; lights still go off at 06:00 local (13 real hours).
    t.clock.set('2026-10-24T12:00:00Z');
    admin = await login(t.app, admin.email);
    const night = await make({ start: '18:00', hours: 12 });
    expect((await preview(night, 1, inBerlin)).slice(0, 2)).toEqual([
      '2026-10-24T16:00:00.000Z on',
      '2026-10-25T05:00:00.000Z off',
    ]);
    // 2027-03-28: 02:00 → 03:00, a 23-hour night (11 real hours); 02:30 that night does not exist, so a
    // window from 02:30 opens at 03:00 and still ends at 06:30 local.
    t.clock.set('2027-03-27T12:00:00Z');
    admin = await login(t.app, admin.email);
    expect((await preview(night, 1, inBerlin)).slice(0, 2)).toEqual([
      '2027-03-27T17:00:00.000Z on',
      '2027-03-28T04:00:00.000Z off',
    ]);
    const skipped = await make({ start: '02:30', hours: 4 });
    expect(await preview(skipped, 1, inBerlin)).toEqual([
      '2027-03-28T01:00:00.000Z on',
      '2027-03-28T04:30:00.000Z off',
    ]);
  });
});
