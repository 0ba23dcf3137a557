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

type Location = Awaited<ReturnType<typeof createLocation>>;

/** Harvests through the API: batches, the run moving to harvesting, quality grades, yield, ids, other farms. */

let t: TestApp;
let admin: Actor;
let worker: Actor;
let farm: FarmRef;
let other: FarmRef;
let field: Location; // has a polygon: an area
let bed: Location; // no polygon: no area

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin, on = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: path.startsWith('/api/') ? path : `/api/v1/farms/${on.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

/** A run of `quantity` tomato plants at `location`, planted (so active) unless `plant` is false. */
async function startRun(location: string, prefix: string, quantity = 3, plant = true, on = farm) {
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
  if (!plant) return { run: run.body, plants: [] as Json[] };
  const made = await api('POST', `/planting-runs/${run.body.id}/plants`, { planted_on: '2026-03-01' }, admin, on);
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return { run: made.body.run as Json, plants: made.body.plants as Json[] };
}

const harvest = (body: Record<string, unknown>, who: Pick<Actor, 'headers'> = worker, on = farm) =>
  api('POST', '/harvests', body, who, on);
const runStatus = async (id: string) => (await api('GET', `/planting-runs/${id}`)).body.status;

beforeAll(async () => {
  // 10:00 on 1 June in Phnom Penh (UTC+7), the farm's zone.
  t = await createTestApp({ now: '2026-06-01T03:00:00Z', env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  worker = await member(t.app, admin, farm, 'worker');
  other = await createFarm(t.app, admin, 'Elsewhere');
  const site = await createLocation(t.app, admin, farm, { name: 'Home', code: 'HOM' });
  field = await createLocation(t.app, admin, farm, {
    name: 'South plot',
    type: 'field',
    code: 'SP',
    parent_id: site.id,
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [104.9, 11.5],
          [104.9003, 11.5],
          [104.9003, 11.5003],
          [104.9, 11.5003],
          [104.9, 11.5],
        ],
      ],
    },
  });
  expect(field.area_m2).toBeGreaterThan(0);
  bed = await createLocation(t.app, admin, farm, { name: 'Tunnel', type: 'greenhouse', code: 'TUN' });
  expect(bed.area_m2).toBeNull();
});

afterAll(() => t.close());

describe('harvest batches', () => {
  it('records a plant’s batch, moves its active run to harvesting, and answers it by id', async () => {
    const { run, plants } = await startRun(field.id, 'HA');
    expect(run.status).toBe('active');
    const res = await harvest({ plant: plants[0]!.label, harvested_on: '2026-06-01', weight_g: 1250.5, count: 9 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      plant_id: plants[0]!.id,
      run_id: run.id,
      harvested_on: '2026-06-01',
      weight_g: 1250.5,
      count: 9,
      notes: null,
      quality: null,
    });
    expect(await runStatus(run.id)).toBe('harvesting');
    // A second batch leaves a harvesting run as it is.
    expect((await harvest({ plant: plants[1]!.id, harvested_on: '2026-05-30', count: 3 })).status).toBe(201);
    expect(await runStatus(run.id)).toBe('harvesting');
    expect((await api('GET', `/harvests/${res.body.id}`)).body).toEqual(res.body);

    // The run completes when its plants are removed (crops' rule): not before the last one.
    for (const [i, p] of plants.entries()) {
      expect((await api('PATCH', `/plants/${p.id}`, { removed_on: '2026-06-01' })).status).toBe(200);
      expect(await runStatus(run.id)).toBe(i < plants.length - 1 ? 'harvesting' : 'completed');
    }
    // A late entry for a completed run is recorded and leaves it completed.
    expect((await harvest({ run: run.id, harvested_on: '2026-05-31', weight_g: 20 })).status).toBe(201);
    expect(await runStatus(run.id)).toBe('completed');
  });

  it('leaves an active run whose plants were all removed without a harvest as it is', async () => {
    const { run, plants } = await startRun(bed.id, 'HZ', 1);
    expect((await api('PATCH', `/plants/${plants[0]!.id}`, { removed_on: '2026-06-01' })).status).toBe(200);
    expect(await runStatus(run.id)).toBe('active');
  });

  it('records a run harvested as a whole and moves it to harvesting; a planned run is 409', async () => {
    const { run } = await startRun(bed.id, 'HB', 2);
    const res = await harvest({ run: run.id, harvested_on: '2026-06-01', weight_g: 4000, notes: 'first pick' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      plant_id: null,
      run_id: run.id,
      weight_g: 4000,
      count: null,
      notes: 'first pick',
    });
    expect(await runStatus(run.id)).toBe('harvesting');

    const planned = await startRun(bed.id, 'HC', 1, false);
    const refused = await harvest({ run: planned.run.id, harvested_on: '2026-06-01', weight_g: 10 });
    expect(refused.status).toBe(409);
    expect(refused.body.error_code).toBe('INVALID_RUN_STATE');
    expect(await runStatus(planned.run.id)).toBe('planned');
  });

  it('takes the day as farm-local: tomorrow in UTC may already be today on the farm', async () => {
    const { plants } = await startRun(bed.id, 'HD', 1);
    t.clock.set('2026-06-01T20:00:00Z'); // 03:00 on 2 June in Phnom Penh
    try {
      expect((await harvest({ plant: plants[0]!.id, harvested_on: '2026-06-02', weight_g: 5 })).status).toBe(201);
      const future = await harvest({ plant: plants[0]!.id, harvested_on: '2026-06-03', weight_g: 5 });
      expect(future.status).toBe(400);
      expect(future.body.details.fields).toEqual([
        expect.objectContaining({ field: 'body.harvested_on', message: expect.stringContaining('future') }),
      ]);
    } finally {
      t.clock.set('2026-06-01T03:00:00Z');
    }
  });

  it('refuses each bad batch with 400 naming the field', async () => {
    const { run, plants } = await startRun(bed.id, 'HE', 1);
    const plant = plants[0]!.id;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ harvested_on: '2026-06-01', weight_g: 5 }, 'body.plant'],
      [{ plant, run: run.id, harvested_on: '2026-06-01', weight_g: 5 }, 'body.run'],
      [{ plant, harvested_on: '2026-06-01' }, 'body.weight_g'],
      [{ plant, harvested_on: '2026-06-01', weight_g: 0 }, 'body.weight_g'],
      [{ plant, harvested_on: '2026-06-01', weight_g: -3 }, 'body.weight_g'],
      [{ plant, harvested_on: '2026-06-01', count: 0 }, 'body.count'],
      [{ plant, harvested_on: '2026-06-01', count: 1.5 }, 'body.count'],
      [{ plant, harvested_on: '2026-13-01', weight_g: 5 }, 'body.harvested_on'],
      [{ plant, weight_g: 5 }, 'body.harvested_on'],
      [{ plant, harvested_on: '2026-06-09', weight_g: 5 }, 'body.harvested_on'],
      [{ plant, harvested_on: '2026-02-28', weight_g: 5 }, 'body.harvested_on'],
      [{ plant, harvested_on: '2026-06-01', weight_g: 5, colour: 3 }, 'body'],
      [{ run: 'not-a-uuid', harvested_on: '2026-06-01', weight_g: 5 }, 'body.run'],
      [{ id: 'nope', plant, harvested_on: '2026-06-01', weight_g: 5 }, 'body.id'],
    ];
    for (const [body, field] of cases) {
      const res = await harvest(body);
      expect(res.status, JSON.stringify({ body, answer: res.body })).toBe(400);
      expect(res.body.error_code, JSON.stringify(body)).toBe('VALIDATION_FAILED');
      expect(
        (res.body.details.fields as Json[]).some((f) => f.field === field || String(f.field).startsWith(`${field}.`)),
        JSON.stringify({ body, answer: res.body }),
      ).toBe(true);
    }
    // A plant removed on 1 May is not harvested after it.
    expect((await api('PATCH', `/plants/${plant}`, { removed_on: '2026-05-01' })).status).toBe(200);
    const late = await harvest({ plant, harvested_on: '2026-05-02', weight_g: 5 });
    expect(late.status).toBe(400);
    expect(late.body.details.fields[0].field).toBe('body.harvested_on');
    expect((await harvest({ plant, harvested_on: '2026-05-01', weight_g: 5 })).status).toBe(201);
  });

  it('stores a batch with a client-made id once: a resend is 200 with it, another request under the id 409', async () => {
    const { run, plants } = await startRun(bed.id, 'HF', 1);
    const id = randomUUID();
    const body = { id, plant: plants[0]!.id, harvested_on: '2026-06-01', weight_g: 300 };
    const first = await harvest(body);
    expect(first.status).toBe(201);
    expect(first.body.id).toBe(id);
    const again = await harvest(body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const changed = await harvest({ ...body, weight_g: 301 });
    expect(changed.status).toBe(409);
    expect(changed.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
    const list = await api('GET', `/harvests?run=${run.id}`);
    expect((list.body.data as Json[]).map((h) => h.id)).toEqual([id]);
  });

  it('answers 404 for another farm’s plant, run or batch, and for its run’s yield', async () => {
    const theirs = await startRun(
      (await createLocation(t.app, admin, other, { name: 'Far' })).id,
      'XO',
      1,
      true,
      other,
    );
    const theirBatch = await harvest({ run: theirs.run.id, harvested_on: '2026-06-01', weight_g: 5 }, admin, other);
    expect(theirBatch.status).toBe(201);
    expect((await harvest({ plant: theirs.plants[0]!.id, harvested_on: '2026-06-01', weight_g: 5 })).status).toBe(404);
    expect((await harvest({ plant: theirs.plants[0]!.label, harvested_on: '2026-06-01', weight_g: 5 })).status).toBe(
      404,
    );
    expect((await harvest({ run: theirs.run.id, harvested_on: '2026-06-01', weight_g: 5 })).status).toBe(404);
    expect((await harvest({ run: randomUUID(), harvested_on: '2026-06-01', weight_g: 5 })).status).toBe(404);
    expect((await api('GET', `/harvests/${theirBatch.body.id}`)).status).toBe(404);
    expect((await api('DELETE', `/harvests/${theirBatch.body.id}`)).status).toBe(404);
    const assess = await api('POST', `/harvests/${theirBatch.body.id}/quality`, { appearance: 1, aroma: 1, colour: 1 });
    expect(assess.status).toBe(404);
    expect((await api('GET', `/planting-runs/${theirs.run.id}/yield`)).status).toBe(404);
    expect((await api('GET', `/harvests?run=${theirs.run.id}`)).status).toBe(404);
    expect((await api('GET', `/harvests?plant=${theirs.plants[0]!.id}`)).status).toBe(404);
    // Their batch is still theirs.
    expect((await api('GET', `/harvests/${theirBatch.body.id}`, undefined, admin, other)).status).toBe(200);
  });

  it('lists batches newest day first, by run, plant and days, in pages', async () => {
    const { run, plants } = await startRun(bed.id, 'HG', 2);
    const days = ['2026-05-10', '2026-05-20', '2026-05-15'];
    const ids: string[] = [];
    for (const [i, day] of days.entries())
      ids.push((await harvest({ plant: plants[i % 2]!.id, harvested_on: day, weight_g: 100 + i })).body.id);
    const all = await api('GET', `/harvests?run=${run.id}`);
    expect((all.body.data as Json[]).map((h) => h.harvested_on)).toEqual(['2026-05-20', '2026-05-15', '2026-05-10']);
    const ofPlant = await api('GET', `/harvests?plant=${plants[1]!.label}`);
    expect((ofPlant.body.data as Json[]).map((h) => h.id)).toEqual([ids[1]]);
    const between = await api('GET', `/harvests?run=${run.id}&from=2026-05-11&to=2026-05-19`);
    expect((between.body.data as Json[]).map((h) => h.id)).toEqual([ids[2]]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Json } = await api(
        'GET',
        `/harvests?run=${run.id}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...(page.body.data as Json[]).map((h) => h.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([ids[1], ids[2], ids[0]]);
    expect((await api('GET', '/harvests?cursor=garbage')).status).toBe(400);
    expect((await api('GET', '/harvests?from=2026-05-02&to=2026-05-01')).status).toBe(400);
  });

  it('lets a manager delete a batch recorded by mistake, not a worker', async () => {
    const { plants } = await startRun(bed.id, 'HH', 1);
    const made = await harvest({ plant: plants[0]!.id, harvested_on: '2026-06-01', weight_g: 1 });
    expect((await api('DELETE', `/harvests/${made.body.id}`, undefined, worker)).status).toBe(403);
    expect((await api('DELETE', `/harvests/${made.body.id}`)).status).toBe(204);
    expect((await api('GET', `/harvests/${made.body.id}`)).status).toBe(404);
  });
});

describe('quality assessments', () => {
  let batch: string;
  beforeAll(async () => {
    const { plants } = await startRun(bed.id, 'QA', 1);
    batch = (await harvest({ plant: plants[0]!.id, harvested_on: '2026-06-01', weight_g: 800 })).body.id;
  });

  const assess = (body: Record<string, unknown>, on = batch) => api('POST', `/harvests/${on}/quality`, body, worker);

  it('scores and grades at each boundary', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ appearance: 100, aroma: 100, colour: 100 }, 100, 'A+'],
      [{ appearance: 100, aroma: 100, colour: 100, defects: ['discoloration'] }, 90, 'A+'],
      [{ appearance: 100, aroma: 99.6, colour: 100, defects: ['Discolouration'] }, 89.9, 'A'],
      [{ appearance: 100, aroma: 100, colour: 100, defects: ['seeded'] }, 75, 'A'],
      [{ appearance: 100, aroma: 99.6, colour: 100, defects: ['seeded'] }, 74.9, 'B'],
      [{ appearance: 100, aroma: 100, colour: 100, defects: ['pests', 'nutrient burn'] }, 55, 'B'],
      [{ appearance: 100, aroma: 99.6, colour: 100, defects: ['pest', 'Nutrient-burn'] }, 54.9, 'C'],
      [{ appearance: 100, aroma: 100, colour: 100, defects: ['mould', 'light_burn'] }, 35, 'C'],
      [{ appearance: 100, aroma: 99.6, colour: 100, defects: ['mold', 'light_burn', 'mould'] }, 34.9, 'D'],
      [{ appearance: 0, aroma: 0, colour: 0, defects: ['mould'] }, 0, 'D'],
      [{ appearance: 0, aroma: 0, colour: 0, defects: ['bruised stems'] }, 20, 'D'],
    ];
    for (const [body, score, grade] of cases) {
      const res = await assess(body);
      expect(res.status, JSON.stringify({ body, answer: res.body })).toBe(201);
      expect([res.body.score, res.body.grade], JSON.stringify(body)).toEqual([score, grade]);
    }
    const twice = await assess({ appearance: 50, aroma: 50, colour: 50, defects: ['mold', 'mould', 'odd'] });
    expect(twice.body.defects).toEqual([
      { defect: 'mould', penalty: 50 },
      { defect: 'odd', penalty: 5 },
    ]);
    // The batch shows its latest assessment.
    const shown = await api('GET', `/harvests/${batch}`);
    expect(shown.body.quality).toMatchObject({ id: twice.body.id, grade: 'D', score: 7.5 });
  });

  it('refuses scores outside 0–100 and an empty defect with 400', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ appearance: 101, aroma: 50, colour: 50 }, 'body.appearance'],
      [{ appearance: 50, aroma: -1, colour: 50 }, 'body.aroma'],
      [{ appearance: 50, aroma: 50, colour: 100.5 }, 'body.colour'],
      [{ appearance: 50, aroma: 50 }, 'body.colour'],
      [{ appearance: 50, aroma: 50, colour: 50, defects: [''] }, 'body.defects'],
      [{ appearance: 50, aroma: 50, colour: 50, defects: ['   '] }, 'body.defects'],
      [{ appearance: '50', aroma: 50, colour: 50 }, 'body.appearance'],
    ];
    for (const [body, field] of cases) {
      const res = await assess(body);
      expect(res.status, JSON.stringify({ body, answer: res.body })).toBe(400);
      expect(
        (res.body.details.fields as Json[]).some((f) => String(f.field).startsWith(field)),
        JSON.stringify({ body, answer: res.body }),
      ).toBe(true);
    }
    expect((await assess({ appearance: 50, aroma: 50, colour: 50 }, randomUUID())).status).toBe(404);
  });

  it('stores an assessment with a client-made id once', async () => {
    const id = randomUUID();
    const body = { id, appearance: 80, aroma: 80, colour: 80, defects: ['foxtailing'] };
    const first = await assess(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id, harvest_id: batch, score: 75, grade: 'A' });
    const again = await assess(body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await assess({ ...body, aroma: 81 })).body.error_code).toBe('IDEMPOTENCY_CONFLICT');
  });
});

describe('yield', () => {
  it('sums a run’s batches per plant and per m² of its location’s area', async () => {
    const { run, plants } = await startRun(field.id, 'YA', 4);
    await harvest({ plant: plants[0]!.id, harvested_on: '2026-05-01', weight_g: 1000, count: 10 });
    await harvest({ plant: plants[1]!.id, harvested_on: '2026-05-02', weight_g: 500 });
    await harvest({ run: run.id, harvested_on: '2026-05-03', weight_g: 2500, count: 6 });
    // A plant removed after its harvest still counts among the run's plants.
    expect((await api('PATCH', `/plants/${plants[0]!.id}`, { removed_on: '2026-05-05' })).status).toBe(200);
    const res = await api('GET', `/planting-runs/${run.id}/yield`, undefined, worker);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const area = field.area_m2!;
    expect(res.body).toMatchObject({
      run_id: run.id,
      batches: 3,
      weight_g: 4000,
      count: 16,
      plants: 4,
      weight_per_plant_g: 1000,
      count_per_plant: 4,
      area_m2: area,
    });
    expect(res.body.weight_per_m2_g).toBeCloseTo(4000 / area, 2);
    expect(res.body.count_per_m2).toBeCloseTo(16 / area, 2);
  });

  it('answers per m² as null when the location has no area, and zeros for a run not harvested', async () => {
    const { run, plants } = await startRun(bed.id, 'YB', 2);
    const none = await api('GET', `/planting-runs/${run.id}/yield`);
    expect(none.body).toMatchObject({ batches: 0, weight_g: 0, count: null, plants: 2, weight_per_plant_g: 0 });
    await harvest({ plant: plants[0]!.id, harvested_on: '2026-06-01', weight_g: 700 });
    const res = await api('GET', `/planting-runs/${run.id}/yield`);
    expect(res.body).toMatchObject({
      batches: 1,
      weight_g: 700,
      count: null,
      plants: 2,
      weight_per_plant_g: 350,
      count_per_plant: null,
      area_m2: null,
      weight_per_m2_g: null,
      count_per_m2: null,
    });
    expect((await api('GET', `/planting-runs/${randomUUID()}/yield`)).status).toBe(404);
  });
});
