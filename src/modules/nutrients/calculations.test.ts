import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Json, type TestApp } from '../../../test/helpers/app.js';
import { createFarm, login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';

/** The dosing calculator and its water tools through the API: any member calculates, nothing is stored. */

let t: TestApp;
let admin: Actor;
let viewer: Actor;
let farm: FarmRef;
let other: FarmRef;

interface NewFertilizer {
  product: string;
  brand?: string;
  type?: string;
  form?: 'liquid' | 'powder';
  ec_per_unit?: number;
  ec_uncertain?: boolean;
  max_dose_per_l?: number;
  mixing_priority?: number;
  ph_effect?: 'acidic' | 'neutral' | 'alkaline';
  tank_safe?: boolean;
  foliar_only?: boolean;
  channels?: string[];
  contains_calcium?: boolean;
  contains_sulfate?: boolean;
  contains_phosphate?: boolean;
  contains_silicate?: boolean;
  contains_chelated_iron?: boolean;
  retired?: boolean;
}

/** A farm's own fertilizer (or, with `global`, one of Croft's), inserted straight into the table. */
async function fertilizer(farmId: string | null, f: NewFertilizer): Promise<string> {
  const id = randomUUID();
  const insert = sql`insert into fertilizers (id, farm_id, key, product, brand, type, form, ec_per_unit, ec_uncertain,
      max_dose_per_l, mixing_priority, ph_effect, tank_safe, foliar_only, channels, contains_calcium, contains_sulfate,
      contains_phosphate, contains_silicate, contains_chelated_iron, created_at, updated_at, retired_at)
    values (${id}, ${farmId}, ${farmId === null ? `test-${id}` : null}, ${f.product}, ${f.brand ?? ''},
      ${f.type ?? 'base'}, ${f.form ?? 'liquid'}, ${f.ec_per_unit ?? 0.1}, ${f.ec_uncertain ?? false},
      ${f.max_dose_per_l ?? 20}, ${f.mixing_priority ?? 50}, ${f.ph_effect ?? 'neutral'}, ${f.tank_safe ?? true},
      ${f.foliar_only ?? false}, ${f.channels ?? []}::text[], ${f.contains_calcium ?? false},
      ${f.contains_sulfate ?? false}, ${f.contains_phosphate ?? false}, ${f.contains_silicate ?? false},
      ${f.contains_chelated_iron ?? false}, now(), now(), ${f.retired ? sql`now()` : null})`;
  if (farmId === null) await t.deps.db.system((tx) => insert.execute(tx));
  else await t.deps.db.farm(farmId, (tx) => insert.execute(tx));
  return id;
}

async function api(
  method: string,
  path: string,
  payload?: unknown,
  who: Pick<Actor, 'headers'> = admin,
  slug = farm.slug,
) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${slug}/nutrient-calculations${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

let silica: string;
let calmag: string;
let grow: string;
let micro: string;
let phDown: string;
let globalBloom: string;
let otherFarms: string;
let retired: string;

beforeAll(async () => {
  t = await createTestApp({ now: '2026-03-01T03:00:00Z', env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  viewer = await member(t.app, admin, farm, 'viewer');
  other = await createFarm(t.app, admin, 'Other Acres');
  silica = await fertilizer(farm.id, {
    product: 'Silica Shield',
    type: 'silicate',
    contains_silicate: true,
    ph_effect: 'alkaline',
    ec_per_unit: 0.05,
    max_dose_per_l: 1,
    mixing_priority: 5,
  });
  calmag = await fertilizer(farm.id, {
    product: 'CalMag Plus',
    type: 'calmag',
    contains_calcium: true,
    ec_per_unit: 0.15,
    max_dose_per_l: 3,
    mixing_priority: 10,
  });
  grow = await fertilizer(farm.id, {
    product: 'Grow',
    brand: 'Acme',
    contains_sulfate: true,
    ec_per_unit: 0.2,
    max_dose_per_l: 6,
    mixing_priority: 30,
  });
  micro = await fertilizer(farm.id, {
    product: 'Micro',
    form: 'powder',
    contains_chelated_iron: true,
    ec_per_unit: 1.0,
    max_dose_per_l: 2,
    mixing_priority: 40,
  });
  phDown = await fertilizer(farm.id, {
    product: 'pH Down',
    type: 'ph_adjuster',
    ph_effect: 'acidic',
    ec_per_unit: 0,
    mixing_priority: 100,
  });
  globalBloom = await fertilizer(null, { product: `Bloom ${randomUUID()}`, ec_per_unit: 0.25, mixing_priority: 35 });
  otherFarms = await fertilizer(other.id, { product: 'Theirs', ec_per_unit: 0.2 });
  retired = await fertilizer(farm.id, { product: 'Old stock', retired: true });
});

afterAll(() => t.close());

const mixBody = (over: Record<string, unknown> = {}) => ({
  volume_l: 10,
  target_ec: 1.6,
  base_water_ec: 0.4,
  water_temp_c: 25,
  substrate: 'coco',
  phase: 'vegetative',
  fertilizers: [grow, calmag],
  ...over,
});

describe('a mix', () => {
  it('works out 10 L from a recipe in mixing order, with its steps, for any member', async () => {
    // available 1.2; Σ rᵢ·ecᵢ = 1·0.15 + 2·0.2 = 0.55; k = 2.1818…
    const res = await api(
      'POST',
      '/mix',
      mixBody({
        fertilizers: [grow, calmag, phDown],
        recipe: [
          { fertilizer_id: calmag, ratio: 1 },
          { fertilizer_id: grow, ratio: 2 },
        ],
        target_ph: 5.8,
        base_water_ph: 7.2,
        water_temp_c: 20,
      }),
      viewer,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const k = 1.2 / 0.55;
    expect(res.body.doses.map((d: Json) => d.fertilizer_id)).toEqual([calmag, grow, phDown]);
    expect(res.body.doses[0]).toMatchObject({ product: 'CalMag Plus', unit: 'ml', capped: false, left_out: null });
    expect(res.body.doses[0].per_litre).toBeCloseTo(k, 3);
    expect(res.body.doses[0].total).toBeCloseTo(10 * k, 2);
    expect(res.body.doses[1].per_litre).toBeCloseTo(2 * k, 3);
    expect(res.body.doses[2]).toMatchObject({ per_litre: 0, left_out: 'ph_adjuster' });
    expect(res.body.ec).toMatchObject({ target: 1.6, base_water: 0.4, available: 1.2, reached: 1.6 });
    expect(res.body.ec.reached_at_25).toBeCloseTo(1.6 / 0.9, 3);
    expect(res.body.budget).toMatchObject({
      substrate: 'coco',
      phase: 'vegetative',
      min: 1.6,
      max: 2.0,
      ec_dosing: true,
    });
    expect(res.body.ph).toMatchObject({ action: 'lower', delta: -1.4, adjuster_ids: [phDown] });
    expect(res.body.steps.map((s: Json) => s.action)).toEqual(['fill', 'add', 'add', 'measure_ec', 'adjust_ph']);
    expect(res.body.steps[1]).toMatchObject({ n: 2, fertilizer_id: calmag, unit: 'ml', amount: 21.8 });
    expect(res.body.steps[2]).toMatchObject({ n: 3, fertilizer_id: grow, amount: 43.6 });
    expect(res.body.safe).toBe(true);
    expect(res.body.channel).toBe('fertigation');
  });

  it('splits evenly without a recipe, caps a dose, and uses Croft’s global fertilizers too', async () => {
    // available 1.2 over three: 0.4 each → Micro 0.4 g/L, Grow 2 ml/L, Bloom 1.6 ml/L
    const res = await api('POST', '/mix', mixBody({ fertilizers: [micro, grow, globalBloom] }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const byId = Object.fromEntries(res.body.doses.map((d: Json) => [d.fertilizer_id, d]));
    expect(byId[micro]).toMatchObject({ unit: 'g', per_litre: 0.4, total: 4 });
    expect(byId[grow]).toMatchObject({ per_litre: 2, total: 20 });
    expect(byId[globalBloom]).toMatchObject({ per_litre: 1.6, total: 16 });
    expect(res.body.doses.map((d: Json) => d.fertilizer_id)).toEqual([grow, globalBloom, micro]);

    const capped = await api('POST', '/mix', mixBody({ fertilizers: [grow], target_ec: 2.0 })); // 1.6 / 0.2 = 8 > 6
    expect(capped.body.doses[0]).toMatchObject({ per_litre: 6, capped: true, computed_per_litre: 8 });
    expect(capped.body.ec.reached).toBeCloseTo(0.4 + 1.2, 3);
    expect(capped.body.findings).toContainEqual(
      expect.objectContaining({ code: 'DOSE_CAPPED', fertilizer_ids: [grow] }),
    );
  });

  it('gives no doses and advises RO water when the water is already at the target', async () => {
    const res = await api('POST', '/mix', mixBody({ base_water_ec: 1.6 }));
    expect(res.status).toBe(200);
    expect(res.body.doses.every((d: Json) => d.per_litre === 0)).toBe(true);
    expect(res.body.findings.map((f: Json) => f.code)).toContain('BASE_WATER_AT_OR_ABOVE_TARGET');
    expect(res.body.steps.map((s: Json) => s.action)).toContain('dilute');
  });

  it('reports a wrong order as critical and the mix as unsafe', async () => {
    // Silica Shield at 5 would be fine; a sulfate before the CalMag is not.
    const sulfateFirst = await fertilizer(farm.id, { product: 'Epsom', contains_sulfate: true, mixing_priority: 8 });
    const res = await api(
      'POST',
      '/mix',
      mixBody({ fertilizers: [silica, calmag, sulfateFirst, micro], target_ph: 7.2 }),
    );
    expect(res.status).toBe(200);
    const found = res.body.findings.map((f: Json) => `${f.code}:${f.severity}`);
    expect(found).toContain('SULFATE_BEFORE_CALCIUM:critical');
    expect(found).toContain('CHELATED_IRON_HIGH_PH:warning');
    expect(found).not.toContain('SILICATE_AFTER_CALCIUM:critical');
    expect(res.body.safe).toBe(false);
  });

  it('warns above the budget, without refusing, and reads a farm’s own phase with the general range', async () => {
    const high = await api('POST', '/mix', mixBody({ target_ec: 2.6, phase: 'seedling' }));
    expect(high.status).toBe(200);
    expect(high.body.findings).toContainEqual(
      expect.objectContaining({ code: 'EC_ABOVE_BUDGET', severity: 'warning' }),
    );
    const own = await api('POST', '/mix', mixBody({ phase: 'pre-bloom stretch' }));
    expect(own.body.budget).toMatchObject({ phase_known: false, min: 0.8, max: 2.0 });
  });

  it('doses nothing on living soil', async () => {
    const res = await api('POST', '/mix', mixBody({ substrate: 'living_soil' }));
    expect(res.status).toBe(200);
    expect(res.body.budget).toMatchObject({ ec_dosing: false, min: null, max: null });
    expect(res.body.doses.every((d: Json) => d.left_out === 'living_soil')).toBe(true);
  });

  it('stores nothing', async () => {
    const count = () =>
      t.deps.db.farm(farm.id, (tx) => sql<{ n: number }>`select count(*)::int as n from fertilizers`.execute(tx));
    const before = (await count()).rows[0]!.n;
    await api('POST', '/mix', mixBody());
    expect((await count()).rows[0]!.n).toBe(before);
  });
});

describe('bad input to a mix', () => {
  it.each([
    ['target EC 0', { target_ec: 0 }, 'body.target_ec'],
    ['a negative target EC', { target_ec: -1 }, 'body.target_ec'],
    ['volume 0', { volume_l: 0 }, 'body.volume_l'],
    ['no fertilizers', { fertilizers: [] }, 'body.fertilizers'],
    ['a top-dress channel', { channel: 'top_dress' }, 'body.channel'],
    ['an unknown field', { colour: 'green' }, 'body.colour'],
  ])('%s → 400', async (_label, over, field) => {
    const res = await api('POST', '/mix', mixBody(over));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error_code).toBe('VALIDATION_FAILED');
    expect(res.body.details.fields.map((f: Json) => f.field)).toContain(field);
  });

  it('refuses an unknown substrate, listing the known ones', async () => {
    const res = await api('POST', '/mix', mixBody({ substrate: 'moon dust' }));
    expect(res.status).toBe(400);
    expect(res.body.details.known).toEqual([
      'hydro',
      'coco',
      'soil',
      'rockwool',
      'clay_pebbles',
      'perlite',
      'living_soil',
    ]);
    expect(res.body.details.fields).toEqual([{ field: 'body.substrate', message: expect.stringContaining('hydro') }]);
    expect(res.body.message).toContain('living_soil');
  });

  it('refuses a recipe naming a product not in the list, or one twice', async () => {
    const stranger = await api('POST', '/mix', mixBody({ recipe: [{ fertilizer_id: micro, ratio: 1 }] }));
    expect(stranger.status).toBe(400);
    expect(stranger.body.details.fields[0].field).toBe('body.recipe[0].fertilizer_id');
    const twice = await api(
      'POST',
      '/mix',
      mixBody({
        recipe: [
          { fertilizer_id: grow, ratio: 1 },
          { fertilizer_id: grow, ratio: 2 },
        ],
      }),
    );
    expect(twice.status).toBe(400);
    expect(twice.body.details.fields[0].field).toBe('body.recipe[1].fertilizer_id');
  });

  it.each([
    ['another farm’s', () => otherFarms],
    ['a retired', () => retired],
    ['an unknown', randomUUID],
  ])('answers 404 for %s fertilizer, naming it', async (_label, id) => {
    const missing = id();
    const res = await api('POST', '/mix', mixBody({ fertilizers: [grow, missing] }));
    expect(res.status).toBe(404);
    expect(res.body.details.ids).toEqual([missing]);
  });

  it('is for the farm’s members only', async () => {
    const res = await api('POST', '/mix', mixBody(), viewer, other.slug);
    expect(res.status).toBe(404);
  });
});

describe('water tools', () => {
  it('mixes RO and tap water, the pH an estimate to measure', async () => {
    const res = await api('POST', '/water-mix', {
      tap_ec: 0.8,
      ro_ec: 0,
      target_ec: 0.2,
      tap_ph: 7.8,
      ro_ph: 6.0,
      volume_l: 20,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ ro_share: 0.75, tap_share: 0.25, ro_l: 15, tap_l: 5, ec: 0.2 });
    expect(res.body.ph_estimate).toBeCloseTo(-Math.log10(0.75e-6 + 0.25 * 10 ** -7.8), 2);
    expect(res.body.ph_note).toMatch(/estimate/);
  });

  it.each([
    [{ tap_ec: 0.8, ro_ec: 0.0, target_ec: 1.0 }],
    [{ tap_ec: 0.8, ro_ec: 0.1, target_ec: 0.05 }],
    [{ tap_ec: 0.4, ro_ec: 0.4, target_ec: 0.4 }],
  ])('refuses what the two waters cannot make (422): %j', async (body) => {
    const res = await api('POST', '/water-mix', body);
    expect(res.status).toBe(422);
    expect(res.body.error_code).toBe('WATER_MIX_IMPOSSIBLE');
  });

  it('lays out a flush day by day', async () => {
    const res = await api('POST', '/flush', { substrate: 'coco', current_ec: 1.8, days_until_harvest: 10 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ days: 10, days_range: { min: 10, max: 21 }, start_in_days: 0 });
    expect(res.body.schedule.map((d: Json) => d.target_ec)).toEqual([0.9, 0.9, 0.9, 0.45, 0.45, 0.45, 0, 0, 0, 0]);
    const unknown = await api('POST', '/flush', { current_ec: 1.8 });
    expect(unknown.body).toMatchObject({ substrate: 'unknown', days: 30 });
    const bad = await api('POST', '/flush', { substrate: 'gravel', current_ec: 1.8 });
    expect(bad.status).toBe(400);
    expect(bad.body.details.known).toContain('perlite');
  });

  it('reads a runoff', async () => {
    const res = await api('POST', '/runoff', {
      input_ec: 1.8,
      runoff_ec: 2.5,
      input_ph: 6.0,
      runoff_ph: 6.7,
      input_volume_l: 10,
      runoff_volume_l: 0.5,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      ec_delta: 0.7,
      ec_status: 'salt_buildup',
      ph_delta: 0.7,
      ph_status: 'drift',
      runoff_pct: 5,
      volume_status: 'low',
      overall: 'poor',
    });
    expect(res.body.messages).toHaveLength(3);
    const bad = await api('POST', '/runoff', { input_ec: 1.8, runoff_ec: 2.0, input_volume_l: 0, runoff_volume_l: 1 });
    expect(bad.status).toBe(400);
  });

  it('answers the EC budget table', async () => {
    const res = await api('GET', '/ec-budget', undefined, viewer);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.substrates).toHaveLength(7);
    expect(res.body.rows).toHaveLength(6 * 4);
    expect(res.body.rows).toContainEqual({ substrate: 'hydro', phase: 'flowering', min: 1.8, max: 2.8 });
    expect(res.body.rows).toContainEqual({ substrate: 'soil', phase: 'seedling', min: 0.4, max: 0.6 });
    expect(res.body.not_fed_by_ec).toEqual(['living_soil']);
    expect(res.body.phases).toContainEqual({ phase: 'fruiting', budget_phase: 'flowering' });
    expect(res.body.reserves).toEqual({
      ph_by_alkalinity: { soft: 0.02, medium: 0.03, hard: 0.05 },
      per_uncertain_product: 0.15,
      fresh_coco_calmag_boost: 0.2,
    });
  });
});
