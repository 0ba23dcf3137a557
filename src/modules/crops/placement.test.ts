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

/**
 * Crop rotation, companion planting and the placement check, through the API, on the catalogue that
 * ships with Croft (its canonical pairs, successors and soil-borne families) and a farm's own rows.
 */

let t: TestApp;
let admin: Actor;
let manager: Actor;
let worker: Actor;
let farm: FarmRef;
let other: FarmRef;
let otherPlace: Location;

async function api(
  method: string,
  path: string,
  payload?: unknown,
  who: Pick<Actor, 'headers'> = admin,
  slug = farm.slug,
) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

const place = (name: string, type: string, parent?: Location) =>
  createLocation(t.app, admin, farm, { name, type, ...(parent ? { parent_id: parent.id } : {}) });
const touch = async (a: Location, b: Location) =>
  expect((await api('PUT', `/locations/${a.id}/adjacent/${b.id}`)).status).toBe(204);
const check = (species: string, location: Location, extra: Record<string, unknown> = {}) =>
  api('POST', '/plants/validate-placement', { species_id: species, location_id: location.id, ...extra });

/** A plant put in (and taken out again when `removed_on` is given). */
async function planted(species: string, location: Location, plantedOn: string, removedOn?: string) {
  const res = await api('POST', '/plants', { species, location: location.id, planted_on: plantedOn });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  if (removedOn) expect((await api('PATCH', `/plants/${res.body.id}`, { removed_on: removedOn })).status).toBe(200);
  return res.body;
}

let field: Location;
let bed: Location;
const slots: Location[] = [];

beforeAll(async () => {
  t = await createTestApp({ now: '2026-03-01T03:00:00Z', env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  manager = await member(t.app, admin, farm, 'manager');
  worker = await member(t.app, admin, farm, 'worker');
  other = await createFarm(t.app, admin, 'Other Acres');
  otherPlace = await createLocation(t.app, admin, other, { name: 'Their field', type: 'field' });

  field = await place('East field', 'field');
  bed = await place('Bed 1', 'bed', field);
  for (let i = 1; i <= 4; i++) slots.push(await place(`Bed 1 slot ${i}`, 'slot', bed));
  // A tomato two seasons ago in slot 1, taken out in the autumn.
  await planted('solanum-lycopersicum', slots[0]!, '2024-05-01', '2024-09-30');
});

afterAll(() => t.close());

describe('crop rotation', () => {
  it('answers a violation within the family’s pause, with the last planting and the year it is allowed from', async () => {
    const res = await check('solanum-lycopersicum', slots[0]!);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.rotation).toMatchObject({
      applies: true,
      family: { key: 'solanaceae' },
      pause_years: 4,
      pause_source: 'family',
      year: 2026,
      status: 'violation',
      allowed_from_year: 2028,
    });
    expect(res.body.rotation.checks).toEqual([
      expect.objectContaining({
        scope: 'slot',
        status: 'violation',
        last_planted_on: '2024-05-01',
        allowed_from_year: 2028,
      }),
      expect.objectContaining({
        scope: 'bed',
        status: 'violation',
        last_planted_on: '2024-05-01',
        allowed_from_year: 2028,
      }),
    ]);
    expect(res.body.ok).toBe(false);
    // From 2028 on it may come back.
    const later = await check('solanum-lycopersicum', slots[0]!, { planted_on: '2028-04-01' });
    expect(later.body.rotation).toMatchObject({ status: 'ok', allowed_from_year: 2028 });
  });

  it('checks the bed as the union of its slots: a pepper in a slot that never held one is still refused', async () => {
    const res = await check('capsicum-annuum', slots[3]!);
    const [slot, wholeBed] = res.body.rotation.checks as Json[];
    expect(slot).toMatchObject({ scope: 'slot', status: 'unknown', last_planted_on: null });
    expect(wholeBed).toMatchObject({ scope: 'bed', status: 'violation', last_planted_on: '2024-05-01' });
    expect(res.body.rotation.status).toBe('violation');
  });

  it('refuses to plant against the rotation (422 ROTATION_VIOLATION naming family, last planting and pause)', async () => {
    const res = await api('POST', '/plants', { species: 'solanum-lycopersicum', location: slots[1]!.id }, worker);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body).toMatchObject({
      error_code: 'ROTATION_VIOLATION',
      details: { family: 'solanaceae', last_planted_on: '2024-05-01', pause_years: 4, allowed_from_year: 2028 },
    });
    expect((await api('GET', `/locations/${slots[1]!.id}/plants`)).body.data ?? []).toEqual([]);
  });

  it('answers unknown, not ok, where the records do not reach back over the pause', async () => {
    const fresh = await place('New bed', 'bed', field);
    const slot = await place('New bed slot', 'slot', fresh);
    const res = await check('solanum-lycopersicum', slot);
    expect(res.body.rotation).toMatchObject({ status: 'unknown', allowed_from_year: 2029 });
    expect(res.body.rotation.checks).toEqual([
      expect.objectContaining({ scope: 'slot', status: 'unknown', records_since: '2026-03-01' }),
      expect.objectContaining({ scope: 'bed', status: 'unknown', records_since: '2026-03-01' }),
    ]);
    // Unknown is said, not refused: the plant goes in.
    expect((await api('POST', '/plants', { species: 'solanum-lycopersicum', location: slot.id })).status).toBe(201);
  });

  it('answers ok where the records reach back, notes a good successor and the nitrogen a legume left', async () => {
    const old = await place('Old bed', 'bed', field);
    const slot = await place('Old bed slot', 'slot', old);
    await planted('lactuca-sativa', slot, '2021-04-01', '2021-07-01');
    await planted('phaseolus-vulgaris', slot, '2025-04-01', '2025-08-01');
    const tomato = await check('solanum-lycopersicum', slot);
    expect(tomato.body.rotation).toMatchObject({ status: 'ok' });
    expect(tomato.body.rotation.allowed_from_year).toBeLessThanOrEqual(2026);
    expect(tomato.body.successor).toMatchObject({
      previous: [{ key: 'fabaceae' }],
      good_successor: true,
      after: [{ family: 'fabaceae', reason: expect.any(String) as unknown }],
    });
    expect(tomato.body.nitrogen).toMatchObject({ fixes_nitrogen: false, follows_nitrogen_fixer: true });
    expect(tomato.body.ok).toBe(true);

    const cabbage = await check('brassica-oleracea-var-capitata', slot);
    expect(cabbage.body.successor.good_successor).toBe(true);
    // Brassicas wait 7 years: 2020 is not on record, so 2026 is unknown (for sure from 2027).
    expect(cabbage.body.rotation).toMatchObject({ pause_years: 7, status: 'unknown', allowed_from_year: 2027 });
    const lettuce = await check('lactuca-sativa', slot);
    expect(lettuce.body.successor.good_successor).toBe(false);

    const bean = await check('phaseolus-vulgaris', slot);
    expect(bean.body.nitrogen).toMatchObject({ fixes_nitrogen: true });
    expect(bean.body.nitrogen.note).toContain('fixes nitrogen');
    expect(bean.body.rotation).toMatchObject({ status: 'violation', family: { key: 'fabaceae' } });
  });

  it('warns of a family that shares a soil-borne disease; a family without a pause takes the farm’s window', async () => {
    const family = await api('POST', '/catalog/families', {
      name: 'Testaceae',
      soil_borne: ['verticillium WILT', 'made-up rot'],
    });
    expect(family.status, JSON.stringify(family.body)).toBe(201);
    const species = await api('POST', '/catalog/species', {
      scientific_name: 'Testus plantus',
      family: family.body.key,
      category: 'vegetable',
      sequence: 'annual-fruiting',
    });
    expect(species.status, JSON.stringify(species.body)).toBe(201);
    const own = await place('Trial bed', 'bed', field);
    const slot = await place('Trial bed slot', 'slot', own);
    await planted(species.body.key, slot, '2025-05-01', '2025-09-01');
    const tomato = await check('solanum-lycopersicum', slot);
    expect(tomato.body.shared_soil_borne).toEqual([
      {
        family: { key: family.body.key, name: 'Testaceae' },
        shared: ['Verticillium wilt'],
        last_planted_on: '2025-05-01',
      },
    ]);

    const mine = await check(species.body.key, slot);
    expect(mine.body.rotation).toMatchObject({ pause_years: 4, pause_source: 'farm', status: 'violation' });
    expect((await api('PUT', '/crop-rotation-settings', { window_years: 9 })).status).toBe(400);
    expect((await api('PUT', '/crop-rotation-settings', { window_years: 1 }, worker)).status).toBe(403);
    const set = await api('PUT', '/crop-rotation-settings', { window_years: 1 }, manager);
    expect(set.body).toEqual({ window_years: 1, default: false });
    const after = await check(species.body.key, slot);
    expect(after.body.rotation).toMatchObject({ pause_years: 1, pause_source: 'farm', status: 'ok' });
    await api('PUT', '/crop-rotation-settings', { window_years: 4 }, manager);
  });

  it('does not rotate a grow tent: fresh substrate every crop', async () => {
    const site = await place('Home', 'site');
    const tent = await place('Tent', 'grow_tent', site);
    const slot = await place('Tent slot', 'slot', tent);
    await planted('solanum-lycopersicum', slot, '2025-05-01', '2025-09-01');
    const res = await check('solanum-lycopersicum', slot);
    expect(res.body.rotation).toMatchObject({ applies: false, status: 'exempt', checks: [], allowed_from_year: null });
    expect(res.body.rotation.exempt_reason).toContain('grow tent');
    expect((await api('POST', '/plants', { species: 'solanum-lycopersicum', location: slot.id })).status).toBe(201);
  });
});

describe('companion planting', () => {
  let row: Location[];

  beforeAll(async () => {
    const herbBed = await place('Herb bed', 'bed', field);
    row = [];
    for (let i = 1; i <= 6; i++) row.push(await place(`Herb slot ${i}`, 'slot', herbBed));
    // 1–2–3–4 in a line; 5 and 6 both touch 1.
    await touch(row[0]!, row[1]!);
    await touch(row[1]!, row[2]!);
    await touch(row[2]!, row[3]!);
    await touch(row[4]!, row[0]!);
    await touch(row[0]!, row[5]!);
    await planted('ocimum-basilicum', row[1]!, '2026-02-20');
    await planted('foeniculum-vulgare', row[2]!, '2026-02-20');
    await planted('allium-cepa', row[0]!, '2026-02-20');
  });

  it('scores a species pair, read either way round', async () => {
    const res = await check('solanum-lycopersicum', row[0]!);
    expect(res.body.companions).toEqual([
      expect.objectContaining({
        plant: expect.objectContaining({ species: 'ocimum-basilicum' }) as unknown,
        relation: 'compatible',
        score: 0.9,
        match_level: 'species',
        blocks: false,
      }),
    ]);
    const carrot = await check('daucus-carota-subsp-sativus', row[4]!);
    expect(carrot.body.companions).toEqual([
      expect.objectContaining({ relation: 'compatible', score: 0.8, match_level: 'species' }),
    ]);
  });

  it('falls back to the family pair, marked family; a family-level incompatibility warns but does not refuse', async () => {
    const res = await check('vigna-unguiculata-subsp-sesquipedalis', row[5]!);
    expect(res.body.companions).toEqual([
      expect.objectContaining({
        plant: expect.objectContaining({ species: 'allium-cepa' }) as unknown,
        relation: 'incompatible',
        severity: 'moderate',
        score: null,
        match_level: 'family',
        blocks: false,
      }),
    ]);
    expect(res.body.ok).toBe(true);
    expect(
      (await api('POST', '/plants', { species: 'vigna-unguiculata-subsp-sesquipedalis', location: row[5]!.id })).status,
    ).toBe(201);
  });

  it('refuses a plant next to an incompatible active neighbour (422 naming it), unless a manager acknowledges', async () => {
    const fennel = (await api('GET', `/locations/${row[2]!.id}/plants`)).body.data[0] as Json;
    const body = { species: 'solanum-lycopersicum', location: row[3]!.id };
    const refused = await api('POST', '/plants', body, worker);
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body).toMatchObject({
      error_code: 'INCOMPATIBLE_COMPANION',
      details: {
        neighbour: { plant_id: fennel.id, label: fennel.label, species: 'foeniculum-vulgare' },
        severity: 'severe',
      },
    });
    expect(refused.body.message).toContain(fennel.label);

    const ack = { ...body, acknowledge: { reason: 'Fennel comes out next week' } };
    const byWorker = await api('POST', '/plants', ack, worker);
    expect(byWorker.status).toBe(403);
    expect((await api('POST', '/plants', { ...ack, acknowledge: { reason: '' } }, manager)).status).toBe(400);
    const made = await api('POST', '/plants', ack, manager);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const audit = await api('GET', '/audit?event_type=plant.placement_acknowledged', undefined, manager);
    expect(audit.body.data).toEqual([
      expect.objectContaining({
        severity: 'warning',
        data: expect.objectContaining({
          reason: 'Fennel comes out next week',
          plants: [{ plant_id: made.body.id, label: made.body.label }],
          refused: [expect.objectContaining({ code: 'INCOMPATIBLE_COMPANION' })],
        }) as unknown,
      }),
    ]);
  });
});

describe('planting runs', () => {
  it('refuses a run into a bed against the rotation, and plants it when a manager acknowledges', async () => {
    const run = await api('POST', '/planting-runs', {
      name: 'Peppers',
      type: 'monoculture',
      location: bed.id,
      entries: [{ species: 'capsicum-annuum', quantity: 2, id_prefix: 'PEP' }],
    });
    expect(run.status).toBe(201);
    const refused = await api('POST', `/planting-runs/${run.body.id}/plants`, {});
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      error_code: 'ROTATION_VIOLATION',
      details: { family: 'solanaceae', last_planted_on: '2024-05-01' },
    });
    expect(
      (await api('POST', `/planting-runs/${run.body.id}/plants`, { acknowledge: { reason: 'x' } }, worker)).status,
    ).toBe(403);
    const made = await api('POST', `/planting-runs/${run.body.id}/plants`, {
      acknowledge: { reason: 'Trial of grafted peppers' },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.plants).toHaveLength(2);
    const audit = await api('GET', '/audit?event_type=plant.placement_acknowledged');
    expect(audit.body.data[0].data).toMatchObject({ reason: 'Trial of grafted peppers' });
    expect(audit.body.data[0].data.plants).toHaveLength(2);
  });
});

describe('bad input', () => {
  it('names the field, and answers 404 for another farm’s place or species', async () => {
    const missing = await api('POST', '/plants/validate-placement', { species_id: 'solanum-lycopersicum' });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body.details)).toContain('location_id');
    const notUuid = await api('POST', '/plants/validate-placement', { species_id: 'x', location_id: 'nope' });
    expect(notUuid.status).toBe(400);
    expect((await check('solanum-lycopersicum', otherPlace)).status).toBe(404);
    const theirs = await api(
      'POST',
      '/catalog/species',
      { scientific_name: 'Otherus plantus', family: 'solanaceae', category: 'vegetable', sequence: 'annual-fruiting' },
      admin,
      other.slug,
    );
    expect(theirs.status).toBe(201);
    expect((await check(theirs.body.id as string, slots[0]!)).status).toBe(404);
    expect((await check('no-such-species', slots[0]!)).status).toBe(404);
  });
});
