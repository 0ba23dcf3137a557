import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Json, type TestApp } from '../../../test/helpers/app.js';
import {
  createDevice,
  createFarm,
  createLocation,
  login,
  member,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';
import { waitFor } from '../../../test/helpers/wait.js';

/** Tanks through the API: settings, snapshots by hand and from sensors, alerts, solution age, maintenance. */

let t: TestApp;
let admin: Actor;
let worker: Actor;
let farm: FarmRef;
let other: FarmRef;
let site: string;

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin, on = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: path.startsWith('/api/') ? path : `/api/v1/farms/${on.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

const tankPlace = async (name: string, on = farm) =>
  (await createLocation(t.app, admin, on, { name, type: 'tank', ...(on === farm ? { parent_id: site } : {}) })).id;

const setUp = (location: string, body: Record<string, unknown>) => api('PUT', `/tanks/${location}`, body);

const activeAlerts = async (location?: string) => {
  const all = (await api('GET', '/alerts?state=active')).body.data as Json[];
  if (!location) return all;
  const tank = await api('GET', `/tanks/${location}`);
  const ids = new Set((tank.body.alerts.items as Json[]).map((a) => a.id));
  return all.filter((a) => ids.has(a.id));
};

const tasksOf = async (location: string) =>
  ((await api('GET', `/tasks?source=tanks&limit=200&status=open`)).body.data as Json[]).filter(
    (task) => task.location_id === location,
  );

beforeAll(async () => {
  t = await createTestApp({ now: '2026-06-01T03:00:00Z', env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  worker = await member(t.app, admin, farm, 'worker');
  other = await createFarm(t.app, admin, 'Elsewhere');
  site = (await createLocation(t.app, admin, farm, { name: 'Greenhouse site' })).id;
});

afterAll(() => t.close());

describe('tank settings', () => {
  it('sets a tank location up and answers it with its maintenance; refuses what is not a tank', async () => {
    const tank = await tankPlace('Main nutrient');
    const res = await setUp(tank, { tank_type: 'nutrient', volume_l: 200, solution_kind: 'mineral' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      location_id: tank,
      name: 'Main nutrient',
      tank_type: 'nutrient',
      volume_l: 200,
      solution_kind: 'mineral',
      filled_at: null,
      state: null,
      solution: null,
      alerts: { open: 0, items: [] },
    });
    expect((res.body.maintenance.items as Json[]).map((i) => [i.item, i.interval_days, i.due_on])).toEqual([
      ['water_change', 7, '2026-06-08'],
      ['calibration', 14, '2026-06-15'],
      ['cleaning', 30, '2026-07-01'],
      ['pump_inspection', 30, '2026-07-01'],
      ['sanitization', 90, '2026-08-30'],
    ]);

    expect((await setUp(site, { tank_type: 'nutrient', volume_l: 10 })).body.error_code).toBe('NOT_A_TANK');
    expect((await setUp(site, { tank_type: 'nutrient', volume_l: 10 })).status).toBe(409);
    expect((await setUp(randomUUID(), { tank_type: 'nutrient', volume_l: 10 })).status).toBe(404);
    const elsewhere = await tankPlace('Their tank', other);
    expect((await setUp(elsewhere, { tank_type: 'nutrient', volume_l: 10 })).status).toBe(404);
    expect((await api('GET', `/tanks/${site}`)).status).toBe(404);
    // A worker records, but does not configure.
    expect((await api('PUT', `/tanks/${tank}`, { tank_type: 'nutrient', volume_l: 1 }, worker)).status).toBe(403);
  });

  it.each<[string, Record<string, unknown>]>([
    ['volume 0', { tank_type: 'nutrient', volume_l: 0 }],
    ['volume below 0', { tank_type: 'nutrient', volume_l: -5 }],
    ['an unknown type', { tank_type: 'aquarium', volume_l: 5 }],
    ['an unknown solution kind', { tank_type: 'nutrient', volume_l: 5, solution_kind: 'synthetic' }],
    ['an interval of 0 days', { tank_type: 'nutrient', volume_l: 5, maintenance_intervals: { cleaning: 0 } }],
    ['an item the type lacks', { tank_type: 'reservoir', volume_l: 5, maintenance_intervals: { water_change: 7 } }],
    ['a filling in the future', { tank_type: 'nutrient', volume_l: 5, filled_at: '2026-06-02T00:00:00Z' }],
    ['another field', { tank_type: 'nutrient', volume_l: 5, colour: 'blue' }],
  ])('refuses %s (400)', async (_, body) => {
    const tank = await tankPlace(`Bad ${randomUUID().slice(0, 8)}`);
    const res = await setUp(tank, body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error_code).toBe('VALIDATION_FAILED');
  });

  it('lists the farm’s tanks with their state, alerts count, solution age and maintenance summary', async () => {
    const res = await api('GET', '/tanks', undefined, worker);
    expect(res.status).toBe(200);
    const names = (res.body.data as Json[]).map((x) => x.name);
    expect(names).toContain('Main nutrient');
    expect(names).not.toContain('Their tank');
    expect(res.body.data[0]).toHaveProperty('maintenance.overdue');
  });
});

describe('state snapshots by hand, and the alerts they raise', () => {
  let tank: string;
  beforeAll(async () => {
    tank = await tankPlace('Recirc A');
    expect((await setUp(tank, { tank_type: 'recirculation', volume_l: 500 })).status).toBe(200);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a fill level above 100 %', { fill_percent: 100.5 }],
    ['a fill level below 0 %', { fill_percent: -1 }],
    ['pH above 14', { ph: 14.2 }],
    ['a negative EC', { ec: -0.1 }],
    ['no measurement', { note: 'looked fine' }],
    ['a time in the future', { ph: 6, at: '2026-06-01T04:00:00Z' }],
    ['a measurement as text', { ph: '6' }],
  ])('refuses %s (400)', async (_, body) => {
    const res = await api('POST', `/tanks/${tank}/states`, body, worker);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
  });

  it('stores a snapshot once per client-made id', async () => {
    const id = randomUUID();
    const body = { id, ph: 6.0, ec: 1.8, water_temp_c: 20, dissolved_oxygen_mg_l: 8, fill_percent: 80 };
    const first = await api('POST', `/tanks/${tank}/states`, body, worker);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ id, source: 'manual', ph: 6, fill_percent: 80, readings_through: null });
    const again = await api('POST', `/tanks/${tank}/states`, { ...body }, worker);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const changed = await api('POST', `/tanks/${tank}/states`, { ...body, ph: 6.1 }, worker);
    expect(changed.status).toBe(409);
    expect(changed.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
    expect((await api('POST', `/tanks/${randomUUID()}/states`, { ph: 6 })).status).toBe(404);
    const theirs = await tankPlace('Their recirc', other);
    expect((await api('POST', `/tanks/${theirs}/states`, { ph: 6 })).status).toBe(404);
    expect(await activeAlerts(tank)).toEqual([]);
  });

  it('raises an alert once while pH is out of range, escalates it, resolves it back in range', async () => {
    t.clock.advance(60_000);
    await api('POST', `/tanks/${tank}/states`, { ph: 6.25 });
    expect(await activeAlerts(tank)).toEqual([]);

    t.clock.advance(60_000);
    await api('POST', `/tanks/${tank}/states`, { ph: 6.4 });
    let alerts = await activeAlerts(tank);
    expect(alerts.map((a) => [a.type, a.severity])).toEqual([['tank_ph_high', 'warning']]);
    expect(alerts[0]!.message).toBe('Tank Recirc A: pH 6.4 above 6.3');

    t.clock.advance(60_000);
    await api('POST', `/tanks/${tank}/states`, { ph: 6.45 });
    expect((await activeAlerts(tank)).map((a) => a.id)).toEqual([alerts[0]!.id]);

    t.clock.advance(60_000);
    await api('POST', `/tanks/${tank}/states`, { ph: 6.9 });
    alerts = await activeAlerts(tank);
    // Same alert, now critical (0.6 beyond); the jump of 0.45 is drift for a recirculating tank.
    expect(alerts.map((a) => [a.type, a.severity]).sort()).toEqual([
      ['tank_ph_drift', 'warning'],
      ['tank_ph_high', 'critical'],
    ]);

    t.clock.advance(60_000);
    await api('POST', `/tanks/${tank}/states`, { fill_percent: 15 });
    // A snapshot without pH leaves the pH alerts as they are; the fill level is low.
    expect((await activeAlerts(tank)).map((a) => a.type).sort()).toEqual([
      'tank_fill_low',
      'tank_ph_drift',
      'tank_ph_high',
    ]);

    t.clock.advance(60_000);
    await api('POST', `/tanks/${tank}/states`, { ph: 6.8, fill_percent: 90 });
    expect((await activeAlerts(tank)).map((a) => [a.type, a.severity])).toEqual([['tank_ph_high', 'warning']]);
    t.clock.advance(60_000);
    await api('POST', `/tanks/${tank}/states`, { ph: 6.1 });
    expect((await activeAlerts(tank)).map((a) => a.type)).toEqual(['tank_ph_drift']);
    t.clock.advance(60_000);
    await api('POST', `/tanks/${tank}/states`, { ph: 6.0 });
    expect(await activeAlerts(tank)).toEqual([]);
    const resolved = (await api('GET', '/alerts?state=resolved')).body.data as Json[];
    expect(resolved.filter((a) => String(a.message).startsWith('Tank Recirc A')).length).toBe(4);
    // Tank rules are the tanks module's: not among the farm's own alert rules.
    expect(((await api('GET', '/alert-rules')).body.data as Json[]).map((r) => r.kind)).not.toContain('watched');
  });

  it('pages the history newest first', async () => {
    const first = await api('GET', `/tanks/${tank}/states?limit=3`, undefined, worker);
    expect(first.status).toBe(200);
    expect(first.body.data.map((s: Json) => s.ph)).toEqual([6.0, 6.1, 6.8]);
    const next = await api('GET', `/tanks/${tank}/states?limit=3&cursor=${encodeURIComponent(first.body.next_cursor)}`);
    expect(next.body.data.map((s: Json) => s.ph)).toEqual([null, 6.9, 6.45]);
    expect((await api('GET', `/tanks/${tank}/states?cursor=nonsense`)).status).toBe(400);
    expect((await api('GET', `/tanks/${tank}/states?limit=0`)).status).toBe(400);
  });

  it('judges again by the new type’s limits when the type changes', async () => {
    await api('POST', `/tanks/${tank}/states`, { ec: 2.0 });
    expect(await activeAlerts(tank)).toEqual([]);
    // As an irrigation tank, EC 2.0 is above 1.5.
    const res = await setUp(tank, { tank_type: 'irrigation', volume_l: 500 });
    expect(res.body.alerts.items.map((a: Json) => a.type)).toEqual(['tank_ec_high']);
    await setUp(tank, { tank_type: 'recirculation', volume_l: 500 });
    expect(await activeAlerts(tank)).toEqual([]);
  });
});

describe('state from sensors through telemetry', () => {
  let tank: string;
  const read = async (readings: Array<[string, number]>) => {
    const ts = t.clock.now().toISOString();
    const res = await api('POST', '/telemetry', {
      readings: readings.map(([metric, value]) => ({ device: 'tank-probe', metric, ts, value })),
    });
    expect(res.body.accepted, JSON.stringify(res.body)).toBe(readings.length);
  };
  const states = async () => (await api('GET', `/tanks/${tank}/states`)).body.data as Json[];

  beforeAll(async () => {
    tank = await tankPlace('Hydro 1');
    await setUp(tank, { tank_type: 'nutrient', volume_l: 100, solution_kind: 'mineral' });
    await createDevice(t.app, admin, farm, { device_id: 'tank-probe' });
  });

  it('refuses mappings to unknown devices or a field twice', async () => {
    const unknown = await api('PUT', `/tanks/${tank}/sensors`, [{ device_id: 'nope', metric: 'ph', field: 'ph' }]);
    expect(unknown.status).toBe(404);
    const twice = await api('PUT', `/tanks/${tank}/sensors`, [
      { device_id: 'tank-probe', metric: 'ph', field: 'ph' },
      { device_id: 'tank-probe', metric: 'ph2', field: 'ph' },
    ]);
    expect(twice.status).toBe(400);
    const badField = await api('PUT', `/tanks/${tank}/sensors`, [
      { device_id: 'tank-probe', metric: 'ph', field: 'colour' },
    ]);
    expect(badField.status).toBe(400);
  });

  it('makes one snapshot per burst from the mapped readings, and the alert follows', async () => {
    const res = await api('PUT', `/tanks/${tank}/sensors`, [
      { device_id: 'tank-probe', metric: 'ph', field: 'ph' },
      { device_id: 'tank-probe', metric: 'ec', field: 'ec' },
      { device_id: 'tank-probe', metric: 'level', field: 'fill_percent' },
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.map((m: Json) => [m.field, m.device, m.metric])).toEqual([
      ['ec', 'tank-probe', 'ec'],
      ['fill_percent', 'tank-probe', 'level'],
      ['ph', 'tank-probe', 'ph'],
    ]);
    expect((await api('GET', `/tanks/${tank}/sensors`, undefined, worker)).body).toEqual(res.body);

    t.clock.advance(60_000);
    await read([
      ['ph', 6.0],
      ['ec', 1.6],
    ]);
    await waitFor(async () => (await states()).length === 1);
    t.clock.advance(20_000);
    // The level sensor reports a moment later: it folds into the same snapshot, and it is low.
    await read([['level', 12]]);
    await waitFor(async () => (await states())[0]!.fill_percent === 12);
    const [snapshot] = await states();
    expect(snapshot).toMatchObject({ source: 'sensor', ph: 6, ec: 1.6, fill_percent: 12 });
    expect(Date.parse(snapshot!.readings_through) - Date.parse(snapshot!.at)).toBe(20_000);
    await waitFor(async () => (await activeAlerts(tank)).length === 1);
    expect((await activeAlerts(tank))[0]).toMatchObject({ type: 'tank_fill_low', severity: 'warning' });

    // A reading of a metric no tank maps changes nothing.
    t.clock.advance(120_000);
    await read([['humidity', 50]]);
    await t.deps.services.tanks.fromSensors(farm.id, new Set(['humidity']));
    expect((await states()).length).toBe(1);

    // Later readings make a new snapshot; the refill resolves the alert.
    await read([['level', 95]]);
    await waitFor(async () => (await states()).length === 2);
    await waitFor(async () => (await activeAlerts(tank)).length === 0);
    // pH and EC read 140 s before are still fresh (up to 15 min): carried into the new snapshot.
    expect((await states())[0]).toMatchObject({ fill_percent: 95, ph: 6, ec: 1.6 });

    // A hand measurement at the very moment of a sensor snapshot, recorded after it, is the newer word.
    const at = (await states())[0]!.at as string;
    t.clock.advance(1_000);
    await api('POST', `/tanks/${tank}/states`, { at, ph: 7.2 });
    const view = (await api('GET', `/tanks/${tank}`)).body;
    expect(view.state).toMatchObject({ source: 'manual', ph: 7.2 });
    expect(view.alerts.items.map((a: Json) => a.message)).toEqual([
      'Tank Hydro 1: pH 7.2 above 6.5',
      'Tank Hydro 1: pH moved 1.2 since the last measurement (from 6 to 7.2; more than 0.5)',
    ]);
  });
});

describe('solution age and maintenance', () => {
  let tank: string;
  beforeAll(async () => {
    tank = await tankPlace('Old solution');
    await setUp(tank, {
      tank_type: 'nutrient',
      volume_l: 50,
      solution_kind: 'mineral',
      filled_at: '2026-05-20T00:00:00Z',
      maintenance_intervals: { cleaning: 10 },
    });
  });

  it('shows the solution’s age against its limit, scaled by the water temperature', async () => {
    const res = await api('POST', `/tanks/${tank}/states`, { water_temp_c: 30 });
    expect(res.status).toBe(201);
    const view = (await api('GET', `/tanks/${tank}`)).body;
    expect(view.solution).toMatchObject({ limit_days: 5, mean_water_temp_c: 30, over_limit: true });
    expect(view.solution.age_days).toBeGreaterThan(12);
    expect(view.alerts.items.map((a: Json) => a.type).sort()).toEqual(['tank_solution_old', 'tank_water_warm']);
  });

  it('answers maintenance due, overdue or soon, with the farm’s own intervals', async () => {
    const due = await api('GET', '/tanks/maintenance/due', undefined, worker);
    expect(due.status).toBe(200);
    expect(due.body.today).toBe('2026-06-01');
    const mine = (due.body.data as Json[]).filter((d) => d.location_id === tank);
    expect(mine.map((d) => [d.item, d.due_on, d.status])).toEqual([
      ['water_change', '2026-05-27', 'overdue'],
      ['cleaning', '2026-06-11', 'ok'],
      ['calibration', '2026-06-15', 'ok'],
      ['pump_inspection', '2026-07-01', 'ok'],
      ['sanitization', '2026-08-30', 'ok'],
    ]);
    expect(mine[1]).toMatchObject({ interval_days: 10, default_days: 30 });
    const overdue = await api('GET', '/tanks/maintenance/due?status=overdue');
    expect((overdue.body.data as Json[]).every((d) => d.status === 'overdue')).toBe(true);
    expect((await api('GET', '/tanks/maintenance/due?status=late')).status).toBe(400);
  });

  it('makes due maintenance and the old solution tasks, once however often the job runs', async () => {
    await t.deps.services.tanks.runDaily();
    const first = await tasksOf(tank);
    expect(first.map((x) => [x.kind, x.title]).sort()).toEqual([
      ['tank_maintenance', 'Change the solution: tank Old solution'],
      ['tank_maintenance', 'Change the water: tank Old solution'],
    ]);
    await t.deps.services.tanks.runDaily();
    expect((await tasksOf(tank)).map((x) => x.id).sort()).toEqual(first.map((x) => x.id).sort());

    // Ten days on, cleaning (every 10 days) is due soon: one more task, the others kept.
    t.clock.set(new Date('2026-06-10T03:00:00Z'));
    admin = await login(t.app, admin.email); // the clock moved past the tokens' day
    worker = await login(t.app, worker.email);
    await t.deps.services.tanks.runDaily();
    await t.deps.services.tanks.runDaily();
    const later = await tasksOf(tank);
    expect(later.length).toBe(3);
    expect(later.find((x) => x.title === 'Clean: tank Old solution')!.due_at).toBe('2026-06-10T17:00:00.000Z');
  });

  it('recording maintenance completes its task, once per client-made id; a water change renews the solution', async () => {
    const id = randomUUID();
    const bad = await api('POST', `/tanks/${tank}/maintenance`, { item: 'polishing' }, worker);
    expect(bad.status).toBe(400);
    const foreign = await api('POST', `/tanks/${tank}/maintenance`, { item: 'filter_change' }, worker);
    expect(foreign.status).toBe(400);
    const future = await api('POST', `/tanks/${tank}/maintenance`, {
      item: 'cleaning',
      done_at: '2026-06-11T00:00:00Z',
    });
    expect(future.status).toBe(400);

    const res = await api('POST', `/tanks/${tank}/maintenance`, { id, item: 'water_change' }, worker);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((await api('POST', `/tanks/${tank}/maintenance`, { id, item: 'water_change' }, worker)).status).toBe(200);
    expect((await api('POST', `/tanks/${tank}/maintenance`, { id, item: 'cleaning' }, worker)).status).toBe(409);
    expect((await api('POST', `/tanks/${randomUUID()}/maintenance`, { item: 'cleaning' })).status).toBe(404);

    expect((await tasksOf(tank)).map((x) => x.title)).toEqual(['Clean: tank Old solution']);
    const view = (await api('GET', `/tanks/${tank}`)).body;
    expect(view.filled_at).toBe('2026-06-10T03:00:00.000Z');
    expect(view.solution).toMatchObject({ age_days: 0, over_limit: false });
    expect(view.alerts.items.map((a: Json) => a.type)).toEqual(['tank_water_warm']);
    expect(view.maintenance.items[0]).toMatchObject({
      item: 'water_change',
      last_done_on: '2026-06-10',
      due_on: '2026-06-17',
      status: 'ok',
    });
  });

  it('counts maintenance ticked off in the task list: the next due day moves, a water change renews the solution, once', async () => {
    const ticked = await tankPlace('Ticked');
    await setUp(ticked, {
      tank_type: 'nutrient',
      volume_l: 80,
      solution_kind: 'mineral',
      filled_at: '2026-05-28T00:00:00Z',
    });
    await t.deps.services.tanks.runDaily();
    const open = await tasksOf(ticked);
    expect(open.map((x) => x.title).sort()).toEqual([
      'Change the solution: tank Ticked',
      'Change the water: tank Ticked',
    ]);
    const water = open.find((x) => x.title === 'Change the water: tank Ticked')!;
    const done = await api('POST', `/tasks/${water.id}/complete`, { id: randomUUID() }, worker);
    expect(done.status, JSON.stringify(done.body)).toBe(200);

    await t.deps.services.tanks.runDaily();
    await t.deps.services.tanks.runDaily();
    const view = (await api('GET', `/tanks/${ticked}`)).body;
    expect(view.filled_at).toBe('2026-06-10T03:00:00.000Z');
    expect(view.solution).toMatchObject({ age_days: 0, over_limit: false });
    expect(view.maintenance.items[0]).toMatchObject({
      item: 'water_change',
      last_done_on: '2026-06-10',
      due_on: '2026-06-17',
      status: 'ok',
    });
    // The solution's task went with the old solution; nothing new was made for what is done.
    expect(await tasksOf(ticked)).toEqual([]);
    const audit = (await api('GET', '/audit?limit=200')).body.data as Json[];
    expect(audit.filter((e) => e.event_type === 'tank.maintained' && e.data?.location_id === ticked)).toHaveLength(1);
  });

  it('retires a task whose due day moved with a new interval', async () => {
    await setUp(tank, {
      tank_type: 'nutrient',
      volume_l: 50,
      solution_kind: 'mineral',
      filled_at: '2026-06-10T03:00:00Z',
      maintenance_intervals: { cleaning: 20 },
    });
    expect(await tasksOf(tank)).toEqual([]);
    await t.deps.services.tanks.runDaily();
    expect(await tasksOf(tank)).toEqual([]);
  });
});
