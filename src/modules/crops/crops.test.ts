import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Json } from '../../../test/helpers/app.js';
import {
  createFarm,
  createLocation,
  login,
  member,
  setupAdmin,
  type Actor,
  type FarmRef,
  type Location,
} from '../../../test/helpers/factories.js';

/** Planting runs, plants and their phases, through the API, on the catalogue that ships with Croft. */

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let worker: Actor;
let greenhouse: Location;
let bed: Location;
const slots: Location[] = [];

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${farm.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

const tomatoRun = (overrides: Record<string, unknown> = {}, entry: Record<string, unknown> = {}) => ({
  name: 'Tomatoes, spring',
  type: 'monoculture',
  location: bed.id,
  entries: [{ species: 'solanum-lycopersicum', quantity: 3, id_prefix: 'TOM', ...entry }],
  ...overrides,
});

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  worker = await member(t.app, admin, farm, 'worker');
  t.clock.set('2026-03-01T03:00:00Z'); // 10:00 in Phnom Penh
  greenhouse = await createLocation(t.app, admin, farm, { name: 'Greenhouse 1', type: 'greenhouse', code: 'GH1' });
  bed = await createLocation(t.app, admin, farm, { name: 'North bed', type: 'bed', parent_id: greenhouse.id });
  for (let i = 1; i <= 4; i++)
    slots.push(await createLocation(t.app, admin, farm, { name: `Slot ${i}`, type: 'slot', parent_id: bed.id }));
});

afterAll(() => t.close());

describe('planting runs', () => {
  it('plans a run, makes its plants in free slots with ids from the location code, and starts it', async () => {
    const run = await api('POST', '/planting-runs', tomatoRun({ location: greenhouse.id }));
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    expect(run.body).toMatchObject({ status: 'planned', type: 'monoculture', plants: 0 });
    expect(run.body.entries).toEqual([expect.objectContaining({ quantity: 3, id_prefix: 'TOM' })]);

    const made = await api('POST', `/planting-runs/${run.body.id}/plants`, { planted_on: '2026-03-01' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.run.status).toBe('active');
    const plants = made.body.plants as Json[];
    expect(plants.map((p) => p.label)).toEqual(['GH1_TOM_01', 'GH1_TOM_02', 'GH1_TOM_03']);
    // The greenhouse has slots (under its bed): each plant stands in one, in their order.
    expect(plants.map((p) => p.location_id)).toEqual(slots.slice(0, 3).map((s) => s.id));
    expect(plants[0]).toMatchObject({ phase: { key: 'germination', position: 0, days_in_phase: 0 }, cycle: 1 });
    const history = await api('GET', `/plants/GH1_TOM_01/phases`);
    expect(history.body.data).toEqual([
      expect.objectContaining({ phase: 'germination', reason: 'initial', exited_at: null, cycle: 1 }),
    ]);

    // One slot is left: a run of three more does not fit.
    const second = await api('POST', '/planting-runs', tomatoRun({ name: 'More tomatoes' }));
    const full = await api('POST', `/planting-runs/${second.body.id}/plants`, {});
    expect(full.status).toBe(409);
    expect(full.body).toMatchObject({ error_code: 'SLOT_FULL', details: { free: 1, needed: 3 } });
    // Nothing was made, and the run is still planned.
    expect((await api('GET', `/planting-runs/${second.body.id}`)).body.status).toBe('planned');
  });

  it('refuses a run with a bad entry, naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [tomatoRun({ entries: [] }), 'body.entries'],
      [
        tomatoRun({
          entries: [
            { species: 'solanum-lycopersicum', quantity: 1, id_prefix: 'TOM' },
            { species: 'capsicum-annuum', quantity: 1, id_prefix: 'PEP' },
          ],
        }),
        'body.entries',
      ],
      [tomatoRun({}, { quantity: 0 }), 'body.entries[0].quantity'],
      [tomatoRun({}, { id_prefix: 'tom' }), 'body.entries[0].id_prefix'],
      [tomatoRun({}, { id_prefix: 'TOMATO' }), 'body.entries[0].id_prefix'],
      [tomatoRun({}, { species: 'no-such-plant' }), 'body.entries[0].species'],
      [tomatoRun({}, { cultivar: 'capsicum-annuum/california-wonder' }), 'body.entries[0].cultivar'],
      [tomatoRun({ type: 'clone' }), 'body.source_plant'],
    ];
    for (const [body, field] of cases) {
      const res = await api('POST', '/planting-runs', body);
      expect(res.status, `${field}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error_code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.body.details)).toContain(field);
    }
  });

  it('edits and deletes a run only while planned, and moves its status by the rules', async () => {
    const run = (await api('POST', '/planting-runs', tomatoRun({ location: null }))).body;
    expect(
      (
        await api('PATCH', `/planting-runs/${run.id}`, {
          entries: [{ species: 'capsicum-annuum', quantity: 2, id_prefix: 'PEP' }],
        })
      ).status,
    ).toBe(200);
    expect((await api('POST', `/planting-runs/${run.id}/status`, { to: 'harvesting' })).body.error_code).toBe(
      'INVALID_RUN_STATE',
    );
    const made = await api('POST', `/planting-runs/${run.id}/plants`, {});
    // No location: the plants are labelled LOC_….
    expect(made.body.plants.map((p: Json) => p.label)).toEqual(['LOC_PEP_01', 'LOC_PEP_02']);
    const edit = await api('PATCH', `/planting-runs/${run.id}`, {
      entries: [{ species: 'capsicum-annuum', quantity: 5, id_prefix: 'PEP' }],
    });
    expect(edit.status).toBe(409);
    expect(edit.body.error_code).toBe('INVALID_RUN_STATE');
    // A name may change at any time.
    expect((await api('PATCH', `/planting-runs/${run.id}`, { name: 'Peppers' })).body.name).toBe('Peppers');
    expect((await api('DELETE', `/planting-runs/${run.id}`)).status).toBe(409);
    expect((await api('POST', `/planting-runs/${run.id}/status`, { to: 'harvesting' })).body.status).toBe('harvesting');
    expect((await api('POST', `/planting-runs/${run.id}/status`, { to: 'completed' })).body).toMatchObject({
      status: 'completed',
      ended_at: expect.any(String),
    });
    for (const to of ['active', 'cancelled', 'completed']) {
      const res = await api('POST', `/planting-runs/${run.id}/status`, { to });
      expect(res.status, to).toBe(409);
    }
    const planned = (await api('POST', '/planting-runs', tomatoRun({ location: null }))).body;
    expect((await api('DELETE', `/planting-runs/${planned.id}`)).status).toBe(204);
    expect((await api('GET', `/planting-runs/${planned.id}`)).status).toBe(404);
  });

  it('numbers plants past 99, skipping ids already taken', async () => {
    // A field without a code: its code is made from its name (Open field east → OFE).
    const open = await createLocation(t.app, admin, farm, { name: 'Open field east', type: 'field' });
    const taken = await api('POST', '/plants', { species: 'lactuca-sativa', label: 'OFE_LET_02', location: open.id });
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    const run = (
      await api(
        'POST',
        '/planting-runs',
        tomatoRun({ location: open.id }, { species: 'lactuca-sativa', quantity: 101, id_prefix: 'LET' }),
      )
    ).body;
    const made = await api('POST', `/planting-runs/${run.id}/plants`, {});
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const labels = made.body.plants.map((p: Json) => p.label) as string[];
    expect(labels.slice(0, 2)).toEqual(['OFE_LET_01', 'OFE_LET_03']);
    expect(labels.at(-1)).toBe('OFE_LET_102');
    expect(new Set(labels).size).toBe(101);
  });
});

describe('the phase state machine', () => {
  it('moves forward (jumps too), refuses the same phase, going back and another sequence’s phase', async () => {
    const plant = (
      await api('POST', '/plants', { species: 'solanum-lycopersicum', location: bed.id, id_prefix: 'TOM' })
    ).body;
    expect(plant.phase.key).toBe('germination');
    t.clock.advance(3 * 86_400_000 + 3_600_000);
    const jump = await api('POST', `/plants/${plant.id}/phase-transitions`, { to: 'vegetative' });
    expect(jump.status, JSON.stringify(jump.body)).toBe(201);
    expect(jump.body.plants[0].plant.phase.key).toBe('vegetative');
    expect(jump.body.plants[0].history).toMatchObject({ phase: 'vegetative', reason: 'manual' });
    const history = (await api('GET', `/plants/${plant.id}/phases`)).body.data as Json[];
    expect(history[0]).toMatchObject({ phase: 'germination', duration_days: 3, exited_at: expect.any(String) });
    expect(history[1]).toMatchObject({ phase: 'vegetative', exited_at: null });

    for (const [body, code] of [
      [{ to: 'vegetative' }, 'PHASE_TRANSITION_INVALID'],
      [{ to: 'seedling' }, 'PHASE_TRANSITION_INVALID'],
      [{ to: 'dormancy' }, 'PHASE_TRANSITION_INVALID'],
    ] as const) {
      const res = await api('POST', `/plants/${plant.id}/phase-transitions`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error_code).toBe(code);
    }
  });

  it('lets a manager force a move back with a reason, recorded; a worker may not', async () => {
    const plant = (
      await api('POST', '/plants', { species: 'solanum-lycopersicum', location: bed.id, id_prefix: 'TOM' })
    ).body;
    await api('POST', `/plants/${plant.id}/phase-transitions`, { to: 'flowering' });
    const byWorker = await api(
      'POST',
      `/plants/${plant.id}/phase-transitions`,
      { to: 'vegetative', force: true, reason: 'misread' },
      worker,
    );
    expect(byWorker.status).toBe(403);
    const noReason = await api('POST', `/plants/${plant.id}/phase-transitions`, { to: 'vegetative', force: true });
    expect(noReason.status).toBe(400);
    const forced = await api('POST', `/plants/${plant.id}/phase-transitions`, {
      to: 'vegetative',
      force: true,
      reason: 'Flowers were buds: mis-recorded',
    });
    expect(forced.status).toBe(201);
    expect(forced.body.plants[0].history).toMatchObject({ reason: 'forced', note: 'Flowers were buds: mis-recorded' });
    const audit = await t.app.inject({
      method: 'GET',
      url: `/api/v1/farms/${farm.slug}/audit?limit=5`,
      headers: admin.headers,
    });
    expect(audit.body).toContain('(forced)');
  });

  it('restarts a perennial after its terminal phase, counting the cycle', async () => {
    const mint = (
      await api('POST', '/plants', { species: 'nasturtium-officinale', location: bed.id, id_prefix: 'CRS' })
    ).body;
    expect(mint.phase.key).toBe('dormancy');
    for (const to of ['vegetative', 'flowering', 'senescence'])
      expect((await api('POST', `/plants/${mint.id}/phase-transitions`, { to })).status).toBe(201);
    const restart = await api('POST', `/plants/${mint.id}/phase-transitions`, { to: 'dormancy' });
    expect(restart.status, JSON.stringify(restart.body)).toBe(201);
    expect(restart.body.plants[0].history).toMatchObject({ reason: 'restart', cycle: 2 });
    expect(restart.body.plants[0].plant.cycle).toBe(2);
    // From a phase that is not terminal, going back to the restart phase is not a restart.
    await api('POST', `/plants/${mint.id}/phase-transitions`, { to: 'vegetative' });
    expect((await api('POST', `/plants/${mint.id}/phase-transitions`, { to: 'dormancy' })).status).toBe(422);
  });

  it('moves a whole run by the same rules, all or none, and a resend with the same id moves nothing twice', async () => {
    const free = await createLocation(t.app, admin, farm, { name: 'Tunnel 2', type: 'tunnel' });
    const run = (
      await api('POST', '/planting-runs', tomatoRun({ location: free.id }, { quantity: 2, id_prefix: 'RUN' }))
    ).body;
    const made = (await api('POST', `/planting-runs/${run.id}/plants`, {})).body.plants as Json[];
    // One plant moves ahead on its own: the run's move back to seedling would be refused for it.
    await api('POST', `/plants/${made[1]!.id}/phase-transitions`, { to: 'flowering' });
    const refused = await api('POST', `/planting-runs/${run.id}/phase-transitions`, { to: 'seedling' });
    expect(refused.status).toBe(422);
    expect((await api('GET', `/plants/${made[0]!.id}`)).body.phase.key).toBe('germination');

    const id = '0b9f6d5e-2f54-4d6c-9a53-3d5b1c7e9a11';
    const move = await api('POST', `/planting-runs/${run.id}/phase-transitions`, { id, to: 'fruiting' });
    expect(move.status, JSON.stringify(move.body)).toBe(201);
    expect(move.body.plants.map((p: Json) => p.plant.phase.key)).toEqual(['fruiting', 'fruiting']);
    const again = await api('POST', `/planting-runs/${run.id}/phase-transitions`, { id, to: 'fruiting' });
    expect(again.status).toBe(200);
    expect(again.body.plants.map((p: Json) => p.history.id).sort()).toEqual(
      move.body.plants.map((p: Json) => p.history.id).sort(),
    );
    const other = await api('POST', `/planting-runs/${run.id}/phase-transitions`, { id, to: 'harvest' });
    expect(other.status).toBe(409);
    expect(other.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
    const history = (await api('GET', `/plants/${made[0]!.id}/phases`)).body.data as Json[];
    expect(history.filter((h) => h.phase === 'fruiting')).toHaveLength(1);
  });

  it('starts a plant recorded after the fact on the day it was planted; refuses a day still to come', async () => {
    const past = await api('POST', '/plants', {
      species: 'lactuca-sativa',
      planted_on: '2026-02-20',
      id_prefix: 'OLD',
    });
    expect(past.status, JSON.stringify(past.body)).toBe(201);
    // Local midnight in Phnom Penh (UTC+7).
    expect(past.body.phase.started_at).toBe('2026-02-19T17:00:00.000Z');
    expect(past.body.phase.days_in_phase).toBeGreaterThanOrEqual(9);
    const future = await api('POST', '/plants', {
      species: 'lactuca-sativa',
      planted_on: '2027-01-01',
      id_prefix: 'NEW',
    });
    expect(future.status).toBe(400);
    expect(JSON.stringify(future.body.details)).toContain('body.planted_on');
  });

  it('makes a plant with a client-made id once', async () => {
    const id = '5c1f2d3e-8a7b-4c6d-9e0f-112233445566';
    const body = { id, species: 'ocimum-basilicum', location: bed.id, id_prefix: 'BAS' };
    const first = await api('POST', '/plants', body);
    expect(first.status).toBe(201);
    const again = await api('POST', '/plants', body);
    expect(again.status).toBe(200);
    expect(again.body.label).toBe(first.body.label);
    expect((await api('POST', '/plants', { ...body, notes: 'other' })).status).toBe(409);
  });
});

describe('lineage and places', () => {
  it('follows clones down and mothers up, any depth', async () => {
    const mother = (await api('POST', '/plants', { species: 'mentha-spicata', location: bed.id, id_prefix: 'MOM' }))
      .body;
    const clones = (
      await api('POST', '/planting-runs', {
        name: 'Mint cuttings',
        type: 'clone',
        source_plant: mother.label,
        location: null,
        entries: [{ species: 'mentha-spicata', quantity: 2, id_prefix: 'CLN' }],
      })
    ).body;
    expect(clones.source_plant_id).toBe(mother.id);
    const made = (await api('POST', `/planting-runs/${clones.id}/plants`, {})).body.plants as Json[];
    expect(made.every((p) => p.mother_id === mother.id)).toBe(true);
    const grandchild = (
      await api('POST', '/plants', { species: 'mentha-spicata', mother: made[0]!.label, id_prefix: 'GRN' })
    ).body;
    const down = (await api('GET', `/plants/${mother.id}/lineage?direction=descendants`)).body;
    expect(down.data.map((d: Json) => [d.depth, d.plant.label])).toEqual([
      [1, made[0]!.label],
      [1, made[1]!.label],
      [2, grandchild.label],
    ]);
    const up = (await api('GET', `/plants/${grandchild.label}/lineage?direction=ancestors`)).body;
    expect(up.data.map((d: Json) => d.plant.label)).toEqual([made[0]!.label, mother.label]);
    // A clone is of its mother's species.
    const wrong = await api('POST', '/plants', { species: 'ocimum-basilicum', mother: mother.id, id_prefix: 'BAS' });
    expect(wrong.status).toBe(400);
  });

  it('lists every plant under a place in one call', async () => {
    const direct = await api('GET', `/locations/${greenhouse.id}/plants`);
    const all = await api('GET', `/locations/${greenhouse.id}/plants?subtree=true`);
    expect(direct.body.data).toEqual([]);
    const labels = (all.body.data as Json[]).map((p) => p.label);
    expect(labels).toEqual(expect.arrayContaining(['GH1_TOM_01', 'GH1_TOM_02', 'GH1_TOM_03']));
    expect((all.body.data as Json[]).every((p) => [bed.id, ...slots.map((s) => s.id)].includes(p.location_id))).toBe(
      true,
    );
  });

  it('answers 404 for another farm’s plants and runs', async () => {
    const other = await createFarm(t.app, admin, 'Other Acres');
    const mine = (await api('GET', '/plants?limit=1')).body.data[0] as Json;
    const run = (await api('GET', '/planting-runs?limit=1')).body.data[0] as Json;
    for (const path of [
      `/plants/${mine.id}`,
      `/plants/${mine.label}`,
      `/planting-runs/${run.id}`,
      `/plants/${mine.id}/phases`,
    ]) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/farms/${other.slug}${path}`,
        headers: admin.headers,
      });
      expect(res.statusCode, path).toBe(404);
    }
  });
});
