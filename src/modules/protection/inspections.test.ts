import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Json, type TestApp } from '../../../test/helpers/app.js';
import {
  createFarm,
  createLocation,
  login,
  member,
  setupAdmin,
  type Actor,
  type FarmRef,
} from '../../../test/helpers/factories.js';
import { startOfLocalDay } from '../../platform/time-zones.js';

type Location = Awaited<ReturnType<typeof createLocation>>;

/**
 * Plant inspections through the API: a plant, a run and a location inspected; the next inspection from the
 * phase and the pressure, as a task in the task list and completed by the next inspection; client-made ids;
 * bad input; other farms; roles.
 */

const ZONE = 'Asia/Phnom_Penh';
const NOW = '2026-06-01T03:00:00Z'; // 10:00 on 1 June in Phnom Penh (UTC+7), the farm's zone

let t: TestApp;
let admin: Actor;
let worker: Actor;
let viewer: Actor;
let farm: FarmRef;
let other: FarmRef;
let site: Location;
let house: Location; // under site
let bed: Location; // under house
let empty: Location; // no plants anywhere under it

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin, on = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: path.startsWith('/api/') ? path : `/api/v1/farms/${on.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

/** A run of `quantity` tomato plants at `location`, planted on 1 March, all moved to `phase`. */
async function startRun(location: string, prefix: string, quantity: number, phase: string, on = farm) {
  const run = await api(
    'POST',
    '/planting-runs',
    {
      name: `Tomatoes ${prefix}`,
      type: 'monoculture',
      location,
      entries: [{ species: 'solanum-lycopersicum', quantity, id_prefix: prefix }],
    },
    admin,
    on,
  );
  expect(run.status, JSON.stringify(run.body)).toBe(201);
  const made = await api('POST', `/planting-runs/${run.body.id}/plants`, { planted_on: '2026-03-01' }, admin, on);
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const moved = await api('POST', `/planting-runs/${run.body.id}/phase-transitions`, { to: phase }, admin, on);
  expect(moved.status, JSON.stringify(moved.body)).toBeLessThan(300);
  return { run: made.body.run as Json, plants: made.body.plants as Json[] };
}

const movePlant = async (plant: string, to: string) => {
  const res = await api('POST', `/plants/${plant}/phase-transitions`, { to });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
};

const inspect = (body: Record<string, unknown>, who: Pick<Actor, 'headers'> = worker, on = farm) =>
  api('POST', '/plant-inspections', body, who, on);

/** The inspection tasks of a plant, run or location, by key. */
async function inspectionTasks(kind: 'plant' | 'run' | 'location', id: string): Promise<Json[]> {
  const res = await api('GET', '/tasks?source=protection&kind=pest_check&limit=200');
  expect(res.status).toBe(200);
  return (res.body.data as Json[])
    .filter((task) => String(task.key).startsWith(`inspect:${kind}:${id}:`))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
}

const dueAt = (day: string) => startOfLocalDay(day, ZONE).toISOString();

beforeAll(async () => {
  t = await createTestApp({ now: NOW, env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  worker = await member(t.app, admin, farm, 'worker');
  viewer = await member(t.app, admin, farm, 'viewer');
  other = await createFarm(t.app, admin, 'Elsewhere');
  site = await createLocation(t.app, admin, farm, { name: 'Home', code: 'HOM' });
  house = await createLocation(t.app, admin, farm, {
    name: 'Glasshouse',
    type: 'greenhouse',
    code: 'GH',
    parent_id: site.id,
  });
  bed = await createLocation(t.app, admin, farm, { name: 'Bed 1', type: 'bed', code: 'B1', parent_id: house.id });
  empty = await createLocation(t.app, admin, farm, { name: 'Empty tunnel', type: 'greenhouse', code: 'ET' });
});

afterAll(() => t.close());

describe('plant inspections', () => {
  it('inspects a flowering plant under high pressure: due the next day (7 × 0.5 × 0.33 → 1), as a task', async () => {
    const { run, plants } = await startRun(bed.id, 'IA', 1, 'flowering');
    const plant = plants[0]!;
    const pest = ((await api('GET', '/pests?limit=1')).body.data as Json[])[0]!;
    const disease = ((await api('GET', '/diseases?limit=1')).body.data as Json[])[0]!;
    const res = await inspect({
      plant: plant.label,
      inspected_on: '2026-06-01',
      pressure: 'high',
      pests: [pest.id, pest.id],
      diseases: [disease.id],
      notes: 'aphids under the leaves',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      plant_id: plant.id,
      run_id: null,
      location_id: null,
      inspected_on: '2026-06-01',
      pressure: 'high',
      pests: [{ id: pest.id, name: pest.name }],
      diseases: [{ id: disease.id, name: disease.name }],
      notes: 'aphids under the leaves',
      user_id: worker.userId,
      next_inspection: { due: '2026-06-02', interval_days: 1, days_until: 1, urgency: 'due_soon' },
    });
    const { next_inspection: _next, ...stored } = res.body;
    expect((await api('GET', `/plant-inspections/${res.body.id}`)).body).toEqual(stored);

    const tasks = await inspectionTasks('plant', plant.id);
    expect(tasks).toEqual([
      expect.objectContaining({
        title: `Inspect ${plant.label}`,
        kind: 'pest_check',
        source: 'protection',
        key: `inspect:plant:${plant.id}:2026-06-02`,
        due_at: dueAt('2026-06-02'),
        plant_id: plant.id,
        run_id: run.id,
        location_id: bed.id,
        status: 'open',
      }),
    ]);
    // The farm's task list for the plant shows it, due at the start of 2 June in the farm's zone.
    const forPlant = await api('GET', `/tasks?plant_id=${plant.id}&status=open`);
    expect((forPlant.body.data as Json[]).map((task) => [task.kind, task.due_at])).toContainEqual([
      'pest_check',
      '2026-06-01T17:00:00.000Z',
    ]);
  });

  it('inspects a vegetative plant with no pressure: due after 7 days; the next inspection completes the task', async () => {
    const { plants } = await startRun(bed.id, 'IB', 1, 'vegetative');
    const plant = plants[0]!;
    const first = await inspect({ plant: plant.id, inspected_on: '2026-05-30', pressure: 'none' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.next_inspection).toEqual({
      due: '2026-06-06',
      interval_days: 7,
      days_until: 5,
      urgency: 'scheduled',
    });
    expect(first.body.pests).toEqual([]);
    const [planned] = await inspectionTasks('plant', plant.id);
    expect(planned).toMatchObject({ key: `inspect:plant:${plant.id}:2026-06-06`, due_at: dueAt('2026-06-06') });

    // Medium pressure today: 7 × 1.0 × 0.5 = 3.5 → 3 days; the task of 6 June is done, the next is open.
    const second = await inspect({ plant: plant.id, pressure: 'medium' });
    expect(second.status).toBe(201);
    expect(second.body.inspected_on).toBe('2026-06-01');
    expect(second.body.next_inspection).toEqual({
      due: '2026-06-04',
      interval_days: 3,
      days_until: 3,
      urgency: 'scheduled',
    });
    const tasks = await inspectionTasks('plant', plant.id);
    expect(tasks.map((task) => [task.key, task.status, task.due_at])).toEqual([
      [`inspect:plant:${plant.id}:2026-06-04`, 'open', dueAt('2026-06-04')],
      [`inspect:plant:${plant.id}:2026-06-06`, 'done', dueAt('2026-06-06')],
    ]);

    // A back-dated inspection leaves the latest in charge: the same next inspection, no new task.
    const late = await inspect({ plant: plant.id, inspected_on: '2026-05-31', pressure: 'critical' });
    expect(late.status).toBe(201);
    expect(late.body.next_inspection.due).toBe('2026-06-04');
    expect((await inspectionTasks('plant', plant.id)).map((task) => task.status)).toEqual(['open', 'done']);

    // Re-recorded today with no pressure: due on 8 June; the task of 4 June is done by it.
    const none = await inspect({ plant: plant.id, pressure: 'none' });
    expect(none.body.next_inspection.due).toBe('2026-06-08');
    // And medium again: the task of 4 June, closed by an inspection, is due again (opened, not made twice).
    const medium = await inspect({ plant: plant.id, pressure: 'medium' });
    expect(medium.body.next_inspection.due).toBe('2026-06-04');
    expect((await inspectionTasks('plant', plant.id)).map((task) => [task.key.slice(-10), task.status])).toEqual([
      ['2026-06-04', 'open'],
      ['2026-06-06', 'done'],
      ['2026-06-08', 'done'],
    ]);
  });

  it('inspects a run: the most demanding phase among its growing plants sets the interval', async () => {
    const { run, plants } = await startRun(bed.id, 'IC', 3, 'vegetative');
    await movePlant(plants[1]!.id, 'flowering');
    const res = await inspect({ run: run.id, pressure: 'none' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ plant_id: null, run_id: run.id, location_id: null });
    // Flowering 0.5 beats vegetative 1.0: 7 × 0.5 = 3.5 → 3.
    expect(res.body.next_inspection).toMatchObject({ due: '2026-06-04', interval_days: 3 });
    expect(await inspectionTasks('run', run.id)).toEqual([
      expect.objectContaining({
        title: `Inspect ${run.name as string}`,
        due_at: dueAt('2026-06-04'),
        run_id: run.id,
        plant_id: null,
        location_id: bed.id,
      }),
    ]);
    // Once the flowering plant is removed, the run is vegetative again: 7 days.
    expect((await api('PATCH', `/plants/${plants[1]!.id}`, { removed_on: '2026-06-01' })).status).toBe(200);
    const again = await inspect({ run: run.id, pressure: 'none' });
    expect(again.body.next_inspection).toMatchObject({ due: '2026-06-08', interval_days: 7 });
    expect((await inspectionTasks('run', run.id)).map((task) => [task.key, task.status])).toEqual([
      [`inspect:run:${run.id}:2026-06-04`, 'done'],
      [`inspect:run:${run.id}:2026-06-08`, 'open'],
    ]);
  });

  it('inspects a location: its subtree’s plants give the phase; a place with none counts as 1.0', async () => {
    const { plants } = await startRun(bed.id, 'ID', 1, 'harvest');
    expect(plants).toHaveLength(1);
    // The site holds the glasshouse, which holds the bed with a plant in harvest (0.33): 7 × 0.33 × 0.8 → 1.
    const res = await inspect({ location: site.id, pressure: 'low' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ plant_id: null, run_id: null, location_id: site.id });
    expect(res.body.next_inspection).toEqual({
      due: '2026-06-02',
      interval_days: 1,
      days_until: 1,
      urgency: 'due_soon',
    });
    expect(await inspectionTasks('location', site.id)).toEqual([
      expect.objectContaining({ title: 'Inspect Home', location_id: site.id, due_at: dueAt('2026-06-02') }),
    ]);

    const none = await inspect({ location: empty.id, pressure: 'low', inspected_on: '2026-05-20' });
    expect(none.status).toBe(201);
    // No plant: no phase, factor 1.0; 7 × 0.8 = 5.6 → 5 days after 20 May, overdue today.
    expect(none.body.next_inspection).toEqual({
      due: '2026-05-25',
      interval_days: 5,
      days_until: -7,
      urgency: 'overdue',
    });
    expect((await inspectionTasks('location', empty.id)).map((task) => [task.due_at, task.status])).toEqual([
      [dueAt('2026-05-25'), 'open'],
    ]);
  });

  it('takes the day as farm-local: the farm’s today may be tomorrow in UTC', async () => {
    const { plants } = await startRun(bed.id, 'IE', 1, 'vegetative');
    t.clock.set('2026-06-01T20:00:00Z'); // 03:00 on 2 June in Phnom Penh
    try {
      const res = await inspect({ plant: plants[0]!.id, pressure: 'none' });
      expect(res.status).toBe(201);
      expect(res.body.inspected_on).toBe('2026-06-02');
      expect((await inspect({ plant: plants[0]!.id, pressure: 'none', inspected_on: '2026-06-02' })).status).toBe(201);
      const future = await inspect({ plant: plants[0]!.id, pressure: 'none', inspected_on: '2026-06-03' });
      expect(future.status).toBe(400);
      expect(future.body.details.fields).toEqual([
        expect.objectContaining({ field: 'body.inspected_on', message: expect.stringContaining('future') }),
      ]);
    } finally {
      t.clock.set(NOW);
    }
  });

  it('stores an inspection with a client-made id once: a resend is 200 and makes no second task; 409 otherwise', async () => {
    const { plants } = await startRun(bed.id, 'IF', 1, 'vegetative');
    const plant = plants[0]!.id;
    const id = randomUUID();
    const body = { id, plant, pressure: 'low', inspected_on: '2026-06-01' };
    const first = await inspect(body);
    expect(first.status).toBe(201);
    expect(first.body.id).toBe(id);
    const again = await inspect(body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const tasks = await inspectionTasks('plant', plant);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ status: 'open', due_at: dueAt('2026-06-06') });
    const changed = await inspect({ ...body, pressure: 'high' });
    expect(changed.status).toBe(409);
    expect(changed.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await inspectionTasks('plant', plant)).toEqual(tasks);
    const list = await api('GET', `/plant-inspections?plant=${plant}`);
    expect((list.body.data as Json[]).map((i) => i.id)).toEqual([id]);
  });

  it('refuses each bad inspection with 400 naming the field', async () => {
    const { run, plants } = await startRun(bed.id, 'IG', 1, 'vegetative');
    const plant = plants[0]!.id;
    const theirPest = await api(
      'POST',
      '/pests',
      {
        name: 'Their borer',
        scientific_name: 'Ostrinia alia',
        kind: 'insect',
        host_families: ['poaceae'],
        symptoms: 'Holes in the stems.',
      },
      admin,
      other,
    );
    expect(theirPest.status, JSON.stringify(theirPest.body)).toBe(201);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ pressure: 'none' }, 'body.plant'],
      [{ plant, run: run.id, pressure: 'none' }, 'body.run'],
      [{ run: run.id, location: bed.id, pressure: 'none' }, 'body.location'],
      [{ plant, pressure: 'none', inspected_on: '2026-06-02' }, 'body.inspected_on'],
      [{ plant, pressure: 'none', inspected_on: '2026-02-30' }, 'body.inspected_on'],
      [{ plant, pressure: 'none', inspected_on: '2026-02-28' }, 'body.inspected_on'],
      [{ plant, pressure: 'severe' }, 'body.pressure'],
      [{ plant }, 'body.pressure'],
      [{ plant, pressure: 'none', pests: [randomUUID()] }, 'body.pests[0]'],
      [{ plant, pressure: 'none', pests: ['not-a-uuid'] }, 'body.pests[0]'],
      [{ plant, pressure: 'none', pests: [theirPest.body.id] }, 'body.pests[0]'],
      [{ plant, pressure: 'none', diseases: [randomUUID()] }, 'body.diseases[0]'],
      [{ plant, pressure: 'none', colour: 'green' }, 'body'],
      [{ run: 'not-a-uuid', pressure: 'none' }, 'body.run'],
      [{ id: 'nope', plant, pressure: 'none' }, 'body.id'],
    ];
    for (const [body, field] of cases) {
      const res = await inspect(body);
      expect(res.status, JSON.stringify({ body, answer: res.body })).toBe(400);
      expect(res.body.error_code, JSON.stringify(body)).toBe('VALIDATION_FAILED');
      expect(
        (res.body.details.fields as Json[]).some((f) => f.field === field || String(f.field).startsWith(`${field}.`)),
        JSON.stringify({ body, answer: res.body }),
      ).toBe(true);
    }
    // Two targets name both.
    const two = await inspect({ plant, run: run.id, pressure: 'none' });
    expect((two.body.details.fields as Json[]).map((f) => f.field)).toEqual(['body.plant', 'body.run']);
    // A plant removed on 1 May is not inspected after it.
    expect((await api('PATCH', `/plants/${plant}`, { removed_on: '2026-05-01' })).status).toBe(200);
    const late = await inspect({ plant, pressure: 'none', inspected_on: '2026-05-02' });
    expect(late.status).toBe(400);
    expect(late.body.details.fields[0].field).toBe('body.inspected_on');
    // On its last day it is, with no next inspection: it no longer grows.
    const last = await inspect({ plant, pressure: 'none', inspected_on: '2026-05-01' });
    expect(last.status).toBe(201);
    expect(last.body.next_inspection).toBeNull();
    expect(await inspectionTasks('plant', plant)).toEqual([]);
  });

  it('answers 404 for another farm’s plant, run, location or inspection', async () => {
    const far = await createLocation(t.app, admin, other, { name: 'Far', code: 'FAR' });
    const theirs = await startRun(far.id, 'IH', 1, 'vegetative', other);
    const plant = theirs.plants[0]!;
    for (const body of [
      { plant: plant.id },
      { plant: plant.label },
      { run: theirs.run.id },
      { location: far.id },
      { location: randomUUID() },
    ]) {
      const res = await inspect({ ...body, pressure: 'none' });
      expect(res.status, JSON.stringify({ body, answer: res.body })).toBe(404);
    }
    const their = await inspect({ plant: plant.id, pressure: 'none' }, admin, other);
    expect(their.status).toBe(201);
    expect((await api('GET', `/plant-inspections/${their.body.id}`)).status).toBe(404);
    expect((await api('DELETE', `/plant-inspections/${their.body.id}`)).status).toBe(404);
    expect((await api('GET', `/plant-inspections?plant=${plant.id}`)).status).toBe(404);
    expect((await api('GET', `/plant-inspections?run=${theirs.run.id}`)).status).toBe(404);
    expect((await api('GET', `/plant-inspections?location=${far.id}`)).status).toBe(404);
    expect((await api('GET', `/plant-inspections/${their.body.id}`, undefined, admin, other)).status).toBe(200);
  });

  it('lets a viewer read but not record, and only a manager delete', async () => {
    const { plants } = await startRun(bed.id, 'II', 1, 'vegetative');
    const denied = await inspect({ plant: plants[0]!.id, pressure: 'none' }, viewer);
    expect(denied.status).toBe(403);
    const made = await inspect({ plant: plants[0]!.id, pressure: 'none' }, worker);
    expect(made.status).toBe(201);
    expect((await api('GET', `/plant-inspections/${made.body.id}`, undefined, viewer)).status).toBe(200);
    expect((await api('DELETE', `/plant-inspections/${made.body.id}`, undefined, worker)).status).toBe(403);
  });

  it('lists newest day first with a cursor, filtered by target and days', async () => {
    const { run, plants } = await startRun(bed.id, 'IJ', 1, 'vegetative');
    const plant = plants[0]!.id;
    const days = ['2026-05-10', '2026-05-20', '2026-05-20', '2026-05-25', '2026-06-01'];
    const made: Json[] = [];
    for (const day of days) made.push((await inspect({ plant, pressure: 'none', inspected_on: day })).body);
    await inspect({ run: run.id, pressure: 'none', inspected_on: '2026-05-21' });

    const expected = [...made]
      .sort((a, b) =>
        a.inspected_on !== b.inspected_on ? (a.inspected_on < b.inspected_on ? 1 : -1) : a.id < b.id ? 1 : -1,
      )
      .map((i) => i.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Json } = await api(
        'GET',
        `/plant-inspections?plant=${plants[0]!.label as string}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...(page.body.data as Json[]).map((i) => i.id as string));
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    expect(seen).toEqual(expected);

    const window = await api('GET', `/plant-inspections?plant=${plant}&from=2026-05-15&to=2026-05-25`);
    expect((window.body.data as Json[]).map((i) => i.inspected_on)).toEqual(['2026-05-25', '2026-05-20', '2026-05-20']);
    const ofRun = await api('GET', `/plant-inspections?run=${run.id}`);
    expect((ofRun.body.data as Json[]).map((i) => i.run_id)).toEqual([run.id]);
    expect((await api('GET', '/plant-inspections?cursor=nonsense')).status).toBe(400);
    expect((await api('GET', '/plant-inspections?from=2026-05-02&to=2026-05-01')).status).toBe(400);
  });

  it('deletes a mistaken inspection (audited); the open task follows the latest one left', async () => {
    const { plants } = await startRun(bed.id, 'IK', 1, 'vegetative');
    const plant = plants[0]!.id;
    expect((await inspect({ plant, pressure: 'none', inspected_on: '2026-05-28' })).status).toBe(201);
    const wrong = await inspect({ plant, pressure: 'critical', inspected_on: '2026-06-01' });
    expect(wrong.body.next_inspection.due).toBe('2026-06-02');
    expect((await inspectionTasks('plant', plant)).map((task) => [task.key.slice(-10), task.status])).toEqual([
      ['2026-06-02', 'open'],
      ['2026-06-04', 'done'],
    ]);

    expect((await api('DELETE', `/plant-inspections/${wrong.body.id}`)).status).toBe(204);
    expect((await api('GET', `/plant-inspections/${wrong.body.id}`)).status).toBe(404);
    expect((await api('DELETE', `/plant-inspections/${wrong.body.id}`)).status).toBe(404);
    // The inspection of 28 May is the latest again: its task (4 June), done by the deleted one, is open again;
    // the task of 2 June is retired.
    expect((await inspectionTasks('plant', plant)).map((task) => [task.key.slice(-10), task.status])).toEqual([
      ['2026-06-02', 'skipped'],
      ['2026-06-04', 'open'],
    ]);
    // The last one deleted leaves no inspection task open.
    const [left] = (await api('GET', `/plant-inspections?plant=${plant}`)).body.data as Json[];
    expect((await api('DELETE', `/plant-inspections/${left!.id}`)).status).toBe(204);
    expect((await inspectionTasks('plant', plant)).map((task) => task.status)).toEqual(['skipped', 'skipped']);

    const audit = await api('GET', '/audit?category=crops&limit=200');
    expect(audit.status).toBe(200);
    const events = (audit.body.data as Json[]).filter((e) => (e.data as Json).inspection_id === wrong.body.id);
    expect(events.map((e) => e.event_type).sort()).toEqual(['plant_inspection.deleted', 'plant_inspection.recorded']);
  });
});
