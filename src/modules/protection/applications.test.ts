import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

/**
 * Treatment applications and the pre-harvest interval gate through the API: confirmed intervals, the gate
 * on every path an application reaches a plant (plant, run, place, a place above), back-dated harvests,
 * the resistance rule by mode-of-action group, ids, other farms.
 */

type Location = Awaited<ReturnType<typeof createLocation>>;

let t: TestApp;
let admin: Actor;
let worker: Actor;
let farm: FarmRef;
let other: FarmRef;
let site: Location;
let house: Location; // a greenhouse, new for each test (sprays on it reach every plant under it)
let bedA: Location; // a bed under the house
let bedB: Location; // its sibling
let houses = 0;
const treatments: Record<string, string> = {};

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin, on = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: path.startsWith('/api/') ? path : `/api/v1/farms/${on.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

let runs = 0;
/** A run of `quantity` tomato plants at `location`, planted on 1 March. */
async function startRun(location: string, quantity = 2, on = farm) {
  const prefix = `T${'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[runs++]}`;
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
  return { run: made.body.run as Json, plants: made.body.plants as Json[] };
}

const apply = (body: Record<string, unknown>, who: Pick<Actor, 'headers'> = worker, on = farm) =>
  api('POST', '/treatment-applications', body, who, on);
const harvest = (body: Record<string, unknown>, who: Pick<Actor, 'headers'> = worker) =>
  api('POST', '/harvests', { count: 1, ...body }, who);

async function treatment(key: string): Promise<string> {
  const found = await api('GET', `/treatments?origin=global&q=${encodeURIComponent(key.split('-')[0]!)}&limit=200`);
  const row = (found.body.data as Json[]).find((r) => r.key === key);
  expect(row, key).toBeDefined();
  return row!.id as string;
}

async function confirm(id: string, days: number) {
  const res = await api('PUT', `/treatments/${id}/interval`, { days, confirmed: true });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

beforeAll(async () => {
  // 10:00 on 1 June in Phnom Penh (UTC+7), the farm's zone.
  t = await createTestApp({ now: '2026-06-01T03:00:00Z', env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  worker = await member(t.app, admin, farm, 'worker');
  other = await createFarm(t.app, admin, 'Elsewhere');
  site = await createLocation(t.app, admin, farm, { name: 'Home', code: 'HOM' });
  for (const key of ['lambda-cyhalothrin', 'deltamethrin', 'cypermethrin', 'spinosad', 'phytoseiulus-persimilis'])
    treatments[key] = await treatment(key);
  // Lambda-cyhalothrin stays unconfirmed until the first test confirms it.
  await confirm(treatments.deltamethrin!, 3);
  await confirm(treatments.cypermethrin!, 7);
  await confirm(treatments.spinosad!, 3);
});

beforeEach(async () => {
  const n = ++houses;
  house = await createLocation(t.app, admin, farm, {
    name: `House ${n}`,
    type: 'greenhouse',
    code: `GH${n}`,
    parent_id: site.id,
  });
  bedA = await createLocation(t.app, admin, farm, {
    name: `Bed ${n}A`,
    type: 'bed',
    code: `B${n}A`,
    parent_id: house.id,
  });
  bedB = await createLocation(t.app, admin, farm, {
    name: `Bed ${n}B`,
    type: 'bed',
    code: `B${n}B`,
    parent_id: house.id,
  });
});

afterAll(() => t.close());

describe('recording an application', () => {
  it('needs the farm to confirm a typical interval first, then copies the confirmed one', async () => {
    const { plants } = await startRun(bedA.id);
    const body = { treatment: treatments['lambda-cyhalothrin'], plant: plants[0]!.label, applied_on: '2026-05-20' };
    const refused = await apply(body);
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body).toMatchObject({
      error_code: 'INTERVAL_NOT_CONFIRMED',
      details: { treatment_id: treatments['lambda-cyhalothrin'], typical_days: 7 },
    });
    // The farm's label says 10 days: that is the interval applications use.
    await confirm(treatments['lambda-cyhalothrin']!, 10);
    const made = await apply(body);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({
      treatment_name: 'Lambda-cyhalothrin spray',
      active_ingredient: 'lambda-cyhalothrin',
      mode_of_action: { scheme: 'IRAC', code: '3A' },
      target: { kind: 'plant', id: plants[0]!.id },
      applied_on: '2026-05-20',
      interval_days: 10,
      harvest_allowed_from: '2026-05-30',
      resistance_use: 1,
      warnings: [],
    });
    // Correcting the interval later does not move a past application's safe date.
    await confirm(treatments['lambda-cyhalothrin']!, 14);
    expect((await api('GET', `/treatment-applications/${made.body.id}`)).body.harvest_allowed_from).toBe('2026-05-30');
    await confirm(treatments['lambda-cyhalothrin']!, 7);
  });

  it('records a treatment without an interval (a predatory mite) with nothing to confirm and nothing counted', async () => {
    const { run } = await startRun(bedB.id);
    const made = await apply({ treatment: treatments['phytoseiulus-persimilis'], run: run.id });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({
      applied_on: '2026-06-01',
      interval_days: 0,
      harvest_allowed_from: null,
      resistance_use: null,
      target: { kind: 'run', id: run.id },
    });
  });

  it('refuses bad input with 400 and another farm’s ids with 404', async () => {
    const { plants, run } = await startRun(bedA.id);
    const spinosad = treatments.spinosad!;
    const cases: Array<[Record<string, unknown>, number, string?]> = [
      [{ treatment: spinosad }, 400, 'body.plant'],
      [{ treatment: spinosad, plant: plants[0]!.id, run: run.id }, 400, 'body.run'],
      [{ treatment: spinosad, plant: plants[0]!.id, applied_on: '2026-06-02' }, 400, 'body.applied_on'],
      [{ treatment: spinosad, plant: plants[0]!.id, applied_on: '2026-02-28' }, 400, 'body.applied_on'],
      [{ treatment: spinosad, plant: plants[0]!.id, applied_on: '2026-02-30' }, 400],
      [{ treatment: spinosad, plant: plants[0]!.id, quantity: -1, unit: 'ml' }, 400],
      [{ treatment: spinosad, plant: plants[0]!.id, quantity: 5 }, 400, 'body.unit'],
      [{ treatment: spinosad, plant: plants[0]!.id, unit: 'ml' }, 400, 'body.quantity'],
      [{ treatment: 'not-a-uuid', plant: plants[0]!.id }, 400],
      [{ treatment: randomUUID(), plant: plants[0]!.id }, 404],
      [{ treatment: spinosad, plant: 'NO_SUCH_PLANT' }, 404],
      [{ treatment: spinosad, location: randomUUID() }, 404],
    ];
    for (const [body, status, fieldName] of cases) {
      const res = await apply(body);
      expect(res.status, JSON.stringify([body, res.body])).toBe(status);
      if (fieldName) expect(JSON.stringify(res.body.details), JSON.stringify(body)).toContain(fieldName);
    }
    // Another farm's plant, and another farm's own treatment, are not found.
    const elsewhere = await startRun(
      (await createLocation(t.app, admin, other, { name: 'Plot', type: 'field', code: 'PL' })).id,
      1,
      other,
    );
    expect((await apply({ treatment: spinosad, plant: elsewhere.plants[0]!.id })).status).toBe(404);
    const theirs = await api(
      'POST',
      '/treatments',
      {
        name: 'Their soap',
        method: 'physical',
        description: 'Soap spray.',
        pests: [(await api('GET', '/pests?q=aphid', undefined, admin, other)).body.data[0].id],
      },
      admin,
      other,
    );
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
    expect((await apply({ treatment: theirs.body.id, plant: plants[0]!.id })).status).toBe(404);
    expect((await api('GET', `/treatment-applications?plant=${plants[0]!.id}`)).body.data).toEqual([]);
    // List filters naming another farm's run, location or treatment are not found either.
    const plot = (await api('GET', '/locations?limit=200', undefined, admin, other)).body.data[0].id as string;
    for (const query of [
      `run=${elsewhere.run.id as string}`,
      `location=${plot}`,
      `treatment=${theirs.body.id as string}`,
    ])
      expect((await api('GET', `/treatment-applications?${query}`)).status, query).toBe(404);
  });

  it('treats a resend without a day after the farm’s midnight as the same request', async () => {
    const { plants } = await startRun(bedA.id);
    const body = { id: randomUUID(), treatment: treatments.spinosad, plant: plants[0]!.id };
    expect((await apply(body)).status).toBe(201);
    t.clock.set('2026-06-01T18:00:00Z'); // 01:00 on 2 June in Phnom Penh
    const [adminBefore, workerBefore] = [admin, worker];
    try {
      worker = await login(t.app, worker.email);
      const again = await apply(body);
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.body.applied_on).toBe('2026-06-01');
    } finally {
      t.clock.set('2026-06-01T03:00:00Z');
      [admin, worker] = [adminBefore, workerBefore];
    }
  });

  it('follows the one idempotency rule, and a resend is not counted as a further use', async () => {
    const { plants } = await startRun(bedA.id);
    const plant = plants[0]!.id as string;
    const uses = ['deltamethrin', 'cypermethrin', 'lambda-cyhalothrin'].map((key, i) => ({
      id: randomUUID(),
      treatment: treatments[key],
      plant,
      applied_on: `2026-05-0${i + 1}`,
    }));
    for (const body of uses) expect((await apply(body)).status).toBe(201);
    // The third use's resend answers the first record (200), not a refused fourth use.
    const again = await apply(uses[2]!);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({
      id: uses[2]!.id,
      resistance_use: 3,
      warnings: [{ code: 'RESISTANCE_WARNING' }],
    });
    const changed = await apply({ ...uses[2]!, applied_on: '2026-05-04' });
    expect(changed.status).toBe(409);
    expect(changed.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
    expect((await api('GET', `/treatment-applications?plant=${plant}`)).body.data).toHaveLength(3);
  });
});

describe('the resistance rule', () => {
  it('counts uses of one IRAC group across ingredients: the 3rd warns, the 4th is refused; another group is free', async () => {
    const { plants } = await startRun(bedA.id);
    const plant = plants[0]!.label as string;
    const first = await apply({ treatment: treatments.deltamethrin, plant, applied_on: '2026-04-01' });
    expect(first.body).toMatchObject({ resistance_use: 1, warnings: [] });
    const second = await apply({ treatment: treatments.cypermethrin, plant, applied_on: '2026-05-01' });
    expect(second.body).toMatchObject({ resistance_use: 2, warnings: [] });
    const third = await apply({ treatment: treatments['lambda-cyhalothrin'], plant, applied_on: '2026-05-20' });
    expect(third.status, JSON.stringify(third.body)).toBe(201);
    expect(third.body.resistance_use).toBe(3);
    expect(third.body.warnings).toEqual([
      expect.objectContaining({ code: 'RESISTANCE_WARNING', use: 3, counted_as: 'IRAC 3A' }),
    ]);
    const fourth = await apply({ treatment: treatments.deltamethrin, plant, applied_on: '2026-06-01' });
    expect(fourth.status, JSON.stringify(fourth.body)).toBe(422);
    expect(fourth.body).toMatchObject({
      error_code: 'RESISTANCE_LIMIT',
      details: { counted_by: 'group', counted_as: 'IRAC 3A', use: 4, max_uses: 3, window_days: 90 },
    });
    expect(fourth.body.details.earlier_uses.map((u: Json) => u.applied_on)).toEqual([
      '2026-04-01',
      '2026-05-01',
      '2026-05-20',
    ]);
    // Spinosad is IRAC 5: a different mode of action, its own first use.
    const rotated = await apply({ treatment: treatments.spinosad, plant, applied_on: '2026-06-01' });
    expect(rotated.body).toMatchObject({ resistance_use: 1, warnings: [] });
  });

  it('judges a back-dated use by the worst 90-day window it falls in', async () => {
    const { plants } = await startRun(bedA.id);
    const plant = plants[0]!.id;
    for (const day of ['2026-04-10', '2026-05-10', '2026-05-30'])
      expect((await apply({ treatment: treatments.deltamethrin, plant, applied_on: day })).status).toBe(201);
    // Recorded late, dated before the others: still the 4th use within 90 days.
    const late = await apply({ treatment: treatments.cypermethrin, plant, applied_on: '2026-03-15' });
    expect(late.status).toBe(422);
    expect(late.body.error_code).toBe('RESISTANCE_LIMIT');
  });

  it('counts uses on the run and on the places above a plant, and refuses a bed spray when any plant would exceed', async () => {
    const { run, plants } = await startRun(bedB.id, 2);
    // One use on the whole house, one on the run, one on the first plant: its third.
    expect(
      (await apply({ treatment: treatments.deltamethrin, location: house.id, applied_on: '2026-05-02' })).status,
    ).toBe(201);
    expect((await apply({ treatment: treatments.deltamethrin, run: run.id, applied_on: '2026-05-12' })).status).toBe(
      201,
    );
    const third = await apply({ treatment: treatments.cypermethrin, plant: plants[0]!.id, applied_on: '2026-05-22' });
    expect(third.body).toMatchObject({ resistance_use: 3, warnings: [{ code: 'RESISTANCE_WARNING' }] });
    // The second plant has had two: its own spray is its 3rd.
    const other = await apply({ treatment: treatments.cypermethrin, plant: plants[1]!.id, applied_on: '2026-05-23' });
    expect(other.body.resistance_use).toBe(3);
    // Spraying bed B as a whole would be the 4th use for both plants.
    const bed = await apply({ treatment: treatments.deltamethrin, location: bedB.id, applied_on: '2026-05-30' });
    expect(bed.status, JSON.stringify(bed.body)).toBe(422);
    expect(bed.body.details).toMatchObject({ use: 4, counted_as: 'IRAC 3A' });
    expect([plants[0]!.id, plants[1]!.id]).toContain(bed.body.details.plant_id);
  });
});

describe('the pre-harvest interval gate', () => {
  it('refuses a harvest inside any interval reaching the plant, lists every blocker, and judges a back-dated harvest on its own day', async () => {
    const { run, plants } = await startRun(bedA.id, 2);
    const [p1, p2] = plants as [Json, Json];
    // Deltamethrin (3 days) on the plant on 30 May: safe from 2 June.
    expect((await apply({ treatment: treatments.deltamethrin, plant: p1.id, applied_on: '2026-05-30' })).status).toBe(
      201,
    );
    // Spinosad (3 days) on the greenhouse the bed stands in, on 31 May: safe from 3 June.
    expect((await apply({ treatment: treatments.spinosad, location: house.id, applied_on: '2026-05-31' })).status).toBe(
      201,
    );

    const refused = await harvest({ plant: p1.label, harvested_on: '2026-06-01' });
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body.error_code).toBe('KARENZ_VIOLATION');
    expect(refused.body.details).toMatchObject({
      harvested_on: '2026-06-01',
      allowed_from: '2026-06-03',
      blockers: [
        { active_ingredient: 'spinosad', safe_date: '2026-06-03', days_remaining: 2 },
        { active_ingredient: 'deltamethrin', safe_date: '2026-06-02', days_remaining: 1 },
      ],
    });
    expect(refused.body.message).toContain('spinosad until 2026-06-03');
    expect(refused.body.message).toContain('deltamethrin until 2026-06-02');
    // The same answer before trying, from the check the harvest form asks.
    const check = await api('GET', `/pre-harvest-check?plant=${p1.label as string}&on=2026-06-01`);
    expect(check.body).toMatchObject({
      allowed: false,
      allowed_from: '2026-06-03',
      blockers: refused.body.details.blockers,
    });

    // Back-dated to 31 May: still inside both intervals. Before the first spray (29 May): allowed.
    const backDated = await harvest({ plant: p1.id, harvested_on: '2026-05-31' });
    expect(backDated.status).toBe(422);
    expect(backDated.body.details.blockers).toHaveLength(2);
    expect((await harvest({ plant: p1.id, harvested_on: '2026-05-29' })).status).toBe(201);

    // The sibling plant sees only the greenhouse spray; the run as a whole sees both.
    const sibling = await harvest({ plant: p2.id, harvested_on: '2026-06-01' });
    expect(sibling.body.details.blockers.map((b: Json) => b.active_ingredient)).toEqual(['spinosad']);
    const whole = await harvest({ run: run.id, harvested_on: '2026-06-01' });
    expect(whole.body.details.blockers.map((b: Json) => b.active_ingredient)).toEqual(['spinosad', 'deltamethrin']);

    // On the safe date the harvest is accepted.
    t.clock.set('2026-06-03T03:00:00Z');
    const [adminBefore, workerBefore] = [admin, worker];
    try {
      // Two days on, the day's tokens have expired: sign in again.
      admin = await login(t.app, admin.email);
      worker = await login(t.app, worker.email);
      expect((await api('GET', `/pre-harvest-check?plant=${p1.id as string}`)).body).toMatchObject({
        allowed: true,
        harvested_on: '2026-06-03',
        blockers: [],
      });
      const accepted = await harvest({ plant: p1.id, harvested_on: '2026-06-03' });
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
    } finally {
      t.clock.set('2026-06-01T03:00:00Z');
      [admin, worker] = [adminBefore, workerBefore];
    }
  });

  it('is not crossed by applications on a sibling bed or another plant, and a resend of an accepted harvest still answers 200', async () => {
    const a = await startRun(bedA.id, 1);
    const b = await startRun(bedB.id, 1);
    expect(
      (await apply({ treatment: treatments.cypermethrin, location: bedB.id, applied_on: '2026-05-31' })).status,
    ).toBe(201);
    const body = { id: randomUUID(), plant: a.plants[0]!.id, harvested_on: '2026-06-01' };
    expect((await harvest(body)).status).toBe(201);
    expect((await harvest({ plant: b.plants[0]!.id, harvested_on: '2026-06-01' })).status).toBe(422);
    // Plant A is sprayed after its batch was recorded; the batch's resend is the same batch.
    expect((await apply({ treatment: treatments.cypermethrin, plant: a.plants[0]!.id })).status).toBe(201);
    expect((await harvest(body)).status).toBe(200);
    expect((await harvest({ ...body, id: randomUUID() })).status).toBe(422);
  });

  it('a run application blocks its plants; deleting an application by mistake (a manager’s) lifts the block', async () => {
    const { run, plants } = await startRun(bedA.id, 1);
    const made = await apply({ treatment: treatments.cypermethrin, run: run.id, applied_on: '2026-05-31' });
    expect(made.body.harvest_allowed_from).toBe('2026-06-07');
    const refused = await harvest({ plant: plants[0]!.id, harvested_on: '2026-06-01' });
    expect(refused.body.details.blockers[0]).toMatchObject({
      active_ingredient: 'cypermethrin',
      days_remaining: 6,
      applications: [{ id: made.body.id, applied_to: { kind: 'run', id: run.id } }],
    });
    expect((await api('DELETE', `/treatment-applications/${made.body.id}`, undefined, worker)).status).toBe(403);
    expect((await api('DELETE', `/treatment-applications/${made.body.id}`)).status).toBe(204);
    expect((await api('GET', `/treatment-applications/${made.body.id}`)).status).toBe(404);
    expect((await harvest({ plant: plants[0]!.id, harvested_on: '2026-06-01' })).status).toBe(201);
    // Another farm cannot see it, nor check this farm's plant.
    expect((await api('GET', `/pre-harvest-check?plant=${plants[0]!.id}`, undefined, admin, other)).status).toBe(404);
  });
});

describe('what an application reached', () => {
  it('follows a plant moved after the spray, and does not reach one moved in afterwards', async () => {
    const { plants } = await startRun(bedA.id, 2);
    const [moved, stayed] = plants as [Json, Json];
    expect(
      (await apply({ treatment: treatments.cypermethrin, location: house.id, applied_on: '2026-05-30' })).status,
    ).toBe(201);
    // The sprayed plant goes to another house; a plant from elsewhere comes into the sprayed bed.
    const elsewhere = await createLocation(t.app, admin, farm, {
      name: `Other house ${houses}`,
      type: 'greenhouse',
      code: `OH${houses}`,
      parent_id: site.id,
    });
    const newcomer = (await startRun(elsewhere.id, 1)).plants[0]!;
    expect((await api('PATCH', `/plants/${moved.id as string}`, { location: elsewhere.id })).status).toBe(200);
    expect((await api('PATCH', `/plants/${newcomer.id as string}`, { location: bedA.id })).status).toBe(200);

    const refused = await harvest({ plant: moved.id, harvested_on: '2026-06-01' });
    expect(refused.status).toBe(422);
    expect(refused.body.details.blockers[0]).toMatchObject({
      active_ingredient: 'cypermethrin',
      safe_date: '2026-06-06',
    });
    expect((await harvest({ plant: stayed.id, harvested_on: '2026-06-01' })).status).toBe(422);
    expect((await harvest({ plant: newcomer.id, harvested_on: '2026-06-01' })).status).toBe(201);

    // The resistance rule counts what reached the moved plant, wherever it stands now.
    for (const day of ['2026-05-31', '2026-06-01'])
      expect((await apply({ treatment: treatments.deltamethrin, plant: moved.id, applied_on: day })).status).toBe(201);
    const fourth = await apply({ treatment: treatments['lambda-cyhalothrin'], plant: moved.id });
    expect(fourth.status).toBe(422);
    expect(fourth.body.error_code).toBe('RESISTANCE_LIMIT');
  });

  it('reaches a plant without a place of its own through its run’s place', async () => {
    const { run, plants } = await startRun(bedB.id, 1);
    expect((await api('PATCH', `/plants/${plants[0]!.id as string}`, { location: null })).status).toBe(200);
    expect((await apply({ treatment: treatments.spinosad, location: bedB.id, applied_on: '2026-05-31' })).status).toBe(
      201,
    );
    const plant = await api('GET', `/pre-harvest-check?plant=${plants[0]!.id as string}&on=2026-06-01`);
    const whole = await api('GET', `/pre-harvest-check?run=${run.id as string}&on=2026-06-01`);
    expect([plant.body.allowed, whole.body.allowed]).toEqual([false, false]);
    expect(plant.body.allowed_from).toBe('2026-06-03');
  });

  it('records a spray entered late with a warning naming the harvests its interval covers', async () => {
    const { run, plants } = await startRun(bedA.id, 2);
    const early = await harvest({ plant: plants[0]!.id, harvested_on: '2026-05-31' });
    const whole = await harvest({ run: run.id, harvested_on: '2026-05-30', count: 3 });
    const before = await harvest({ plant: plants[1]!.id, harvested_on: '2026-05-28' });
    for (const res of [early, whole, before]) expect(res.status, JSON.stringify(res.body)).toBe(201);
    const body = {
      id: randomUUID(),
      treatment: treatments.cypermethrin,
      plant: plants[0]!.id,
      applied_on: '2026-05-29',
    };
    const late = await apply(body);
    expect(late.status, JSON.stringify(late.body)).toBe(201);
    expect(late.body.warnings).toEqual([
      expect.objectContaining({
        code: 'HARVEST_INSIDE_INTERVAL',
        harvests: [
          { id: whole.body.id, harvested_on: '2026-05-30' },
          { id: early.body.id, harvested_on: '2026-05-31' },
        ],
      }),
    ]);
    // The resend answers the same warning.
    expect((await apply(body)).body.warnings).toEqual(late.body.warnings);
  });
});
