import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.js';
import {
  createApiary,
  createDevice,
  createFarm,
  createHive,
  createLocation,
  issueCredentials,
  login,
  member,
  setupAdmin,
  type Actor,
  type FarmRef,
  type NewHive,
} from '../../../test/helpers/factories.js';
import { waitFor } from '../../../test/helpers/wait.js';
import type { BusMessage } from '../../platform/live/bus.js';

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let apiary: string;
let meadow: string;

const url = (path: string) => `/api/v1/farms/${farm.slug}${path}`;
const call = (
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  payload?: unknown,
  who: Actor = admin,
) =>
  t.app.inject({
    method,
    url: url(path),
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const hive = (name: string, extra: NewHive = {}) =>
  createHive(t.app, admin, farm, { name, apiary_id: apiary, ...extra });

beforeAll(async () => {
  t = await createTestApp({ mqtt: true, now: '2026-06-10T12:00:00Z', env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  const site = await createLocation(t.app, admin, farm, { name: 'Home', type: 'site' });
  apiary = (
    await createApiary(t.app, admin, farm, {
      name: 'Orchard apiary',
      parent_id: site.id,
      geometry: { type: 'Point', coordinates: [104.9, 11.55] },
    })
  ).id;
  meadow = (await createApiary(t.app, admin, farm, { name: 'Meadow apiary', parent_id: site.id })).id;
  for (const id of ['scale-1', 'scale-2']) await createDevice(t.app, admin, farm, { device_id: id });
});

afterAll(() => t.close());

describe('hives', () => {
  it('stand in an apiary, which then cannot be deleted; a move is recorded as an event', async () => {
    const h = await hive('Hive 1', {
      device_id: 'scale-1',
      layout: { brood_boxes: 2, supers: 1, queen_excluder: true },
    });
    expect(h).toMatchObject({
      device: 'scale-1',
      layout: { brood_boxes: 2, supers: 1, queen_excluder: true },
      status: 'active',
      current_queen: null,
    });
    expect((await call('POST', '/hives', { name: 'x', apiary_id: apiary, device_id: 'nope' })).statusCode).toBe(404);
    const blocked = await call('DELETE', `/locations/${apiary}`);
    expect([blocked.statusCode, blocked.json().error_code]).toEqual([409, 'IN_USE']);
    const apiaries = (await call('GET', '/apiaries')).json().data;
    expect(apiaries.find((a: { id: string }) => a.id === apiary)).toMatchObject({ name: 'Orchard apiary', hives: 1 });
    await call('PATCH', `/hives/${h.id}`, { apiary_id: meadow });
    const [move] = (await call('GET', `/hives/${h.id}/events`)).json().data;
    expect(move).toMatchObject({ type: 'move', description: 'Moved from Orchard apiary to Meadow apiary' });
    await call('PATCH', `/hives/${h.id}`, { apiary_id: apiary });
  });

  it('keep the history of which scale sat under which hive', async () => {
    const a = await hive('Hive A', { device_id: 'scale-2' });
    const b = await hive('Hive B');
    const taken = await call('PATCH', `/hives/${b.id}`, { device_id: 'scale-2' });
    expect([taken.statusCode, taken.json().error_code]).toEqual([409, 'SCALE_IN_USE']);
    await call('PATCH', `/hives/${a.id}`, { device_id: null });
    t.clock.advance(60_000);
    expect((await call('PATCH', `/hives/${b.id}`, { device_id: 'scale-2' })).json().device).toBe('scale-2');
    const history = (await call('GET', `/hives/${a.id}/scales`)).json().data;
    expect(history).toEqual([expect.objectContaining({ device: 'scale-2', to: expect.any(String) })]);
    expect((await call('GET', `/hives/${b.id}/scales`)).json().data).toEqual([
      expect.objectContaining({ device: 'scale-2', to: null }),
    ]);
    await call('PATCH', `/hives/${b.id}`, { device_id: null });
  });
});

describe('queens', () => {
  it('replace the current queen in one step, keep the lineage, and clear it when deleted', async () => {
    const h = await hive('Hive Q');
    const first = (
      await call('POST', `/hives/${h.id}/queens`, {
        name: 'Maja',
        breed: 'Carnica',
        birth_date: '2025-05-01',
        introduced_at: '2025-06-01',
      })
    ).json();
    expect(first.marking_colour).toBe('blue');
    const second = await call('POST', `/hives/${h.id}/queens`, {
      name: 'Flora',
      birth_date: '2026-05-10',
      mother_id: first.id,
      clipped: true,
    });
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json()).toMatchObject({ marking_colour: 'white', mother_id: first.id, introduced_at: '2026-06-10' });
    const queens = (await call('GET', `/hives/${h.id}/queens`)).json().data;
    expect(queens.map((q: { name: string; retired_at: string | null }) => [q.name, q.retired_at])).toEqual([
      ['Flora', null],
      ['Maja', '2026-06-10'],
    ]);
    expect((await call('GET', `/hives/${h.id}`)).json().current_queen.name).toBe('Flora');
    expect((await call('DELETE', `/hives/${h.id}/queens/${second.json().id}`)).statusCode).toBe(204);
    expect((await call('GET', `/hives/${h.id}`)).json().current_queen).toBeNull();
  });
});

describe('events', () => {
  it('belong to one hive or one apiary; an inspection carries its checklist; a resend of a client id is stored once', async () => {
    const h = await hive('Hive E');
    const id = '6f1d8c2e-0a4b-4c7e-9a55-2f1e3d4c5b6a';
    const body = {
      id,
      type: 'inspection',
      date: '2026-06-09',
      next_inspection: '2026-06-16',
      inspection: {
        queen_seen: true,
        eggs: true,
        brood_pattern: 4,
        frames_bees: 8,
        frames_brood: 5,
        frames_honey: 3,
        temper: 2,
        varroa_count: 3,
        varroa_method: 'sugar_roll',
      },
    };
    const worker = await member(t.app, admin, farm, 'worker', 'beekeeper');
    const first = await call('POST', `/hives/${h.id}/events`, body, worker);
    expect(first.statusCode, first.body).toBe(201);
    const again = await call('POST', `/hives/${h.id}/events`, body, worker);
    expect([again.statusCode, again.json().id]).toEqual([200, id]);
    expect((await call('GET', `/hives/${h.id}/events`)).json().data).toHaveLength(1);
    expect((await call('GET', `/hives/${h.id}`)).json().last_inspection).toBe('2026-06-09');
    const feeding = await call('POST', `/apiaries/${apiary}/events`, {
      type: 'feeding',
      date: '2026-06-10',
      description: 'Syrup 1:1 for all',
    });
    expect(feeding.json()).toMatchObject({ apiary_id: apiary, hive_id: null });
    const wrong = await call('POST', `/hives/${h.id}/events`, {
      type: 'note',
      date: '2026-06-10',
      inspection: { temper: 9 },
    });
    expect(wrong.statusCode).toBe(400);
    const viewer = await member(t.app, admin, farm, 'viewer', 'visitor');
    expect((await call('POST', `/hives/${h.id}/events`, { type: 'note', date: '2026-06-10' }, viewer)).statusCode).toBe(
      403,
    );
    expect((await call('PATCH', `/hives/${h.id}`, { name: 'Renamed' }, worker)).statusCode).toBe(403);
  });
});

describe('event ids made by the client (the one idempotency rule)', () => {
  const inspection = (id: string, temper = 2) => ({
    id,
    type: 'inspection',
    date: '2026-06-09',
    inspection: { queen_seen: true, temper },
  });

  it('answer 201 first, 200 with the same body for the same event, 409 IDEMPOTENCY_CONFLICT for another', async () => {
    const [h, other] = [await hive('Hive I1'), await hive('Hive I2')];
    const id = '0b9e4a52-3f7d-4e1c-8a2b-6c5d4e3f2a10';
    const first = await call('POST', `/hives/${h.id}/events`, inspection(id));
    expect(first.statusCode, first.body).toBe(201);
    // The same request with its keys in another order is the same request.
    const again = await call('POST', `/hives/${h.id}/events`, {
      inspection: { temper: 2, queen_seen: true },
      date: '2026-06-09',
      type: 'inspection',
      id,
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(first.json());
    const different: Array<[string, object]> = [
      [`/hives/${h.id}/events`, inspection(id, 3)], // another checklist
      [`/hives/${h.id}/events`, { ...inspection(id), description: 'More' }], // a field more
      [`/hives/${other.id}/events`, inspection(id)], // another hive
      [`/apiaries/${apiary}/events`, inspection(id)], // an apiary
    ];
    for (const [path, body] of different) {
      const taken = await call('POST', path, body);
      expect([taken.statusCode, taken.json().error_code], `${path} ${JSON.stringify(body)}`).toEqual([
        409,
        'IDEMPOTENCY_CONFLICT',
      ]);
    }
    expect((await call('GET', `/hives/${h.id}/events`)).json().data).toEqual([first.json()]);
    expect((await call('GET', `/hives/${other.id}/events`)).json().data).toEqual([]);
  });

  it('are the farm’s own: another farm may use the same id, and learns nothing of this one’s event', async () => {
    const h = await hive('Hive I3');
    const id = '4d2c1b0a-9e8f-4a7b-8c6d-5e4f3a2b1c0d';
    expect((await call('POST', `/hives/${h.id}/events`, inspection(id))).statusCode).toBe(201);
    const elsewhere = await createFarm(t.app, admin, 'Other bee farm');
    const at = (path: string, payload: object) =>
      t.app.inject({ method: 'POST', url: `/api/v1/farms/${elsewhere.slug}${path}`, headers: admin.headers, payload });
    const theirApiary = (await at('/locations', { name: 'Their apiary', type: 'apiary' })).json().id;
    const theirs = (await at('/hives', { name: 'Their hive', apiary_id: theirApiary })).json();
    const made = await at(`/hives/${theirs.id}/events`, inspection(id, 5));
    expect([made.statusCode, made.json().id, made.json().inspection.temper], made.body).toEqual([201, id, 5]);
    expect((await at(`/hives/${theirs.id}/events`, inspection(id, 5))).statusCode).toBe(200);
    const ours = (await call('GET', `/hives/${h.id}/events`)).json().data as Array<{ inspection: { temper: number } }>;
    expect(ours.map((e) => e.inspection.temper)).toEqual([2]);
  });

  it('store one event for two identical requests at once: one 201, one 200', async () => {
    const h = await hive('Hive I4');
    const id = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
    const send = () => call('POST', `/hives/${h.id}/events`, inspection(id));
    const both = await Promise.all([send(), send()]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 201]);
    expect(both[0]!.json()).toEqual(both[1]!.json());
    expect((await call('GET', `/hives/${h.id}/events`)).json().data).toHaveLength(1);
  });
});

describe('hive telemetry', () => {
  it('takes the BeeAPI payload from a real MQTT client into the hive series and onto the live hub', async () => {
    const h = await hive('Hive T');
    await createDevice(t.app, admin, farm, { device_id: 'hive-scale-9', name: 'scale' });
    await call('PATCH', `/hives/${h.id}`, { device_id: 'hive-scale-9' });
    const creds = await issueCredentials(t.app, admin, farm, 'hive-scale-9');
    const live: BusMessage[] = [];
    await t.deps.bus.subscribe(`farm:${farm.id}`, (m) => void live.push(m));
    const scale = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.deps.mqtt.status.port}`, {
      username: creds.username,
      password: creds.password,
      reconnectPeriod: 0,
    });
    try {
      const readings = [
        [35.1, 58, 45.2, 51],
        [35.3, 60, 45.4, 49],
        [34.9, 62, 45.1, 55],
      ];
      for (const [i, [temperature, humidity, weight, sound]] of readings.entries()) {
        await scale.publishAsync(
          'beehive/hive-scale-9/telemetry',
          JSON.stringify({
            device_id: 'hive-scale-9',
            timestamp: `2026-06-10T10:${10 + i * 10}:00Z`,
            temperature,
            humidity,
            weight,
            sound_level: sound,
          }),
          { qos: 1 },
        );
      }
    } finally {
      await scale.endAsync();
    }
    const raw = (
      await call('GET', `/hives/${h.id}/telemetry?resolution=raw&from=2026-06-10T10:00:00Z&to=2026-06-10T11:00:00Z`)
    ).json();
    expect(raw.device).toBe('hive-scale-9');
    expect(raw.metrics.weight.points.map((p: { value: number }) => p.value)).toEqual([45.2, 45.4, 45.1]);
    // The live hub carried what the scale sent.
    await waitFor(() =>
      live.some(
        (m) =>
          m.type === 'readings' &&
          (m.readings as Array<{ device: string; metric: string; value: number }>).some(
            (r) => r.device === 'hive-scale-9' && r.metric === 'weight' && r.value === 45.2,
          ),
      ),
    );
    await t.deps.services.telemetry.ingest({ farmId: farm.id }, [
      { device: 'hive-scale-9', metric: 'weight', ts: '2026-06-10T10:45:00Z', value: 45.3 },
    ]);

    await t.deps.services.telemetry.rollUpDirty();
    const hourly = (
      await call('GET', `/hives/${h.id}/telemetry?resolution=hour&from=2026-06-10T10:00:00Z&to=2026-06-10T11:00:00Z`)
    ).json().hourly;
    const temps = [35.1, 35.3, 34.9];
    const weights = [45.2, 45.4, 45.1, 45.3];
    expect(hourly).toHaveLength(1);
    expect(hourly[0].avg_temperature).toBeCloseTo(temps.reduce((a, b) => a + b) / 3, 10);
    expect(hourly[0].avg_weight).toBeCloseTo(weights.reduce((a, b) => a + b) / 4, 10);
    expect([
      hourly[0].min_temperature,
      hourly[0].max_temperature,
      hourly[0].min_humidity,
      hourly[0].max_humidity,
    ]).toEqual([34.9, 35.3, 58, 62]);
    expect(hourly[0].reading_count).toBe(4);
    // Deleting the hive keeps the scale's telemetry.
    await call('DELETE', `/hives/${h.id}`);
    const kept = await call(
      'GET',
      '/telemetry?device=hive-scale-9&metric=weight&from=2026-06-10T10:00:00Z&to=2026-06-10T11:00:00Z&resolution=raw',
    );
    expect(kept.json().points).toHaveLength(4);
  });
});

describe('insights', () => {
  it('suspect a swarm on a sudden drop, not on slow consumption, an inspection or supers lifted off', async () => {
    const on = await call('PUT', `/apiaries/${meadow}/insights`, {
      swarm: true,
      brood_temperature: true,
      silent_hours: 6,
    });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json()).toEqual({ swarm: true, brood_temperature: true, silent_hours: 6, daily_loss_kg: null });
    const scales: Record<string, string> = {};
    for (const name of ['Calm', 'Swarmy', 'Lifted', 'Inspected']) {
      await createDevice(t.app, admin, farm, { device_id: `ws-${name}`, name });
      scales[name] = (await hive(name, { apiary_id: meadow, device_id: `ws-${name}` })).id;
    }
    await call('POST', `/hives/${scales.Inspected}/events`, {
      type: 'inspection',
      date: '2026-06-10',
      inspection: { queen_seen: true },
    });
    t.clock.set('2026-06-10T14:00:00Z');
    const weights: Record<string, number[]> = {
      Calm: [45, 44.95, 44.9, 44.85],
      Swarmy: [45, 45, 44.2, 43.4],
      Lifted: [52, 52, 44, 41.5],
      Inspected: [45, 45, 44, 43.5],
    };
    const readings = Object.entries(weights).flatMap(([name, values]) =>
      values.map((value, i) => ({
        device: `ws-${name}`,
        metric: 'weight',
        ts: new Date(Date.parse('2026-06-10T13:48:00Z') + i * 4 * 60_000).toISOString(),
        value,
      })),
    );
    expect((await call('POST', '/telemetry', { readings })).json().accepted).toBe(16);
    await t.deps.services.alerts.evaluate(farm.id);
    const alerts = (await call('GET', '/alerts?state=active'))
      .json()
      .data.filter((a: { type: string }) => a.type === 'swarm_suspected');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      severity: 'critical',
      actual_value: 1.6,
      message: expect.stringContaining('Swarm suspected — Meadow apiary'),
    });
    const swarmy = (await call('GET', `/hives/${scales.Swarmy}`)).json();
    expect(swarmy.active_alerts).toEqual([expect.objectContaining({ type: 'swarm_suspected', severity: 'critical' })]);
    expect((await call('GET', `/hives/${scales.Calm}`)).json().active_alerts).toEqual([]);
    const off = await call('PUT', `/apiaries/${meadow}/insights`, { swarm: false });
    expect(off.json()).toMatchObject({ swarm: false, brood_temperature: true });
  });

  it('warn of a brood nest outside 33–36 °C for an hour, and of a hive gone silent', async () => {
    await createDevice(t.app, admin, farm, { device_id: 'ws-Warm', name: 'warm' });
    const warm = await hive('Warm', { apiary_id: meadow, device_id: 'ws-Warm' });
    t.clock.set('2026-06-10T15:00:00Z');
    const readings = Array.from({ length: 6 }, (_, i) => ({
      device: 'ws-Warm',
      metric: 'temperature',
      ts: new Date(Date.parse('2026-06-10T14:05:00Z') + i * 10 * 60_000).toISOString(),
      value: 37.5,
    }));
    await call('POST', '/telemetry', { readings });
    await t.deps.services.alerts.evaluate(farm.id);
    expect((await call('GET', `/hives/${warm.id}`)).json().active_alerts.map((a: { type: string }) => a.type)).toEqual([
      'temperature_out_of_range',
    ]);
    t.clock.set('2026-06-10T21:00:00Z');
    await t.deps.services.alerts.evaluate(farm.id);
    expect(
      (await call('GET', `/hives/${warm.id}`)).json().active_alerts.map((a: { type: string }) => a.type),
    ).toContain('device_silent');
  });

  it('show each day’s weight gain or loss', async () => {
    await createDevice(t.app, admin, farm, { device_id: 'ws-Days', name: 'days' });
    const h = await hive('Days', { apiary_id: meadow, device_id: 'ws-Days' });
    // Local days in Phnom Penh (UTC+7): the last reading of each day counts.
    const points = [
      ['2026-06-07T10:00:00Z', 44],
      ['2026-06-08T10:00:00Z', 45.5],
      ['2026-06-09T10:00:00Z', 45.1],
    ] as const;
    await call('POST', '/telemetry', {
      readings: points.map(([ts, value]) => ({ device: 'ws-Days', metric: 'weight', ts, value })),
    });
    await t.deps.services.telemetry.rollUpDirty();
    const days = (await call('GET', `/hives/${h.id}/weight-days?days=7`)).json().data;
    expect(days).toEqual([
      { day: '2026-06-07', weight_kg: 44, change_kg: null },
      { day: '2026-06-08', weight_kg: 45.5, change_kg: 1.5 },
      { day: '2026-06-09', weight_kg: 45.1, change_kg: -0.4 },
    ]);
  });

  // The next inspection is a task now (kind inspect_hive, source beekeeping), no longer an hourly reminder
  // notification: made once, moved when the date changes, done when the hive is inspected.
  it('plan their next inspection as one task, moved when the date changes and done by the inspection', async () => {
    const h = await hive('Planned');
    const inspectionTasks = async () =>
      (await call('GET', `/tasks?hive_id=${h.id}&kind=inspect_hive`)).json().data as Array<{
        id: string;
        status: string;
        due_at: string;
        title: string;
        source: string;
        key: string;
      }>;
    const first = {
      id: 'a4c0f5e2-9b7d-4e1a-8c3f-0d2b6e5a7c11',
      type: 'inspection',
      date: '2026-06-10',
      next_inspection: '2026-06-17',
    };
    expect((await call('POST', `/hives/${h.id}/events`, first)).statusCode).toBe(201);
    expect((await call('POST', `/hives/${h.id}/events`, first)).statusCode).toBe(200); // a resend makes no second task
    let tasks = await inspectionTasks();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      title: 'Inspect Planned',
      status: 'open',
      source: 'beekeeping',
      key: `hive:${h.id}:2026-06-17`,
      due_at: '2026-06-16T17:00:00.000Z', // the start of the 17th in Phnom Penh (UTC+7)
    });

    // A note planning another date moves the inspection: the old task is retired, a new one made.
    await call('POST', `/hives/${h.id}/events`, { type: 'note', date: '2026-06-11', next_inspection: '2026-06-20' });
    tasks = await inspectionTasks();
    expect(tasks.map((t) => [t.key.slice(-10), t.status])).toEqual([
      ['2026-06-17', 'skipped'],
      ['2026-06-20', 'open'],
    ]);

    // A back-dated event planning an older date changes nothing.
    await call('POST', `/hives/${h.id}/events`, { type: 'feeding', date: '2026-06-01', next_inspection: '2026-06-08' });
    expect((await inspectionTasks()).filter((t) => t.status === 'open').map((t) => t.key.slice(-10))).toEqual([
      '2026-06-20',
    ]);

    // The inspection itself completes the open task and plans the next.
    await call('POST', `/hives/${h.id}/events`, {
      type: 'inspection',
      date: '2026-06-12',
      next_inspection: '2026-06-26',
    });
    tasks = await inspectionTasks();
    expect(tasks.map((t) => [t.key.slice(-10), t.status])).toEqual([
      ['2026-06-17', 'skipped'],
      ['2026-06-20', 'done'],
      ['2026-06-26', 'open'],
    ]);

    // No reminder notification of the old kind goes out any more: the due inspection reaches people in the
    // morning digest of their tasks, once.
    expect(t.registry.get('beekeeping.inspections-due')).toBeUndefined();
    t.clock.set('2026-06-26T02:00:00Z'); // 09:00 in Phnom Penh
    admin = await login(t.app, admin.email);
    await t.deps.services.tasks.sendDigests();
    await t.deps.services.tasks.sendDigests();
    const inbox = (await t.app.inject({ method: 'GET', url: '/api/v1/notifications', headers: admin.headers })).json();
    const titles = inbox.data.map((n: { title: string }) => n.title);
    expect(titles.filter((title: string) => title.startsWith('Inspection due'))).toEqual([]);
    const digests = inbox.data.filter((n: { title: string }) => / tasks? today/.test(n.title));
    expect(digests).toHaveLength(1);
    expect(digests[0].message).toContain('Inspect Planned');
  });
});
