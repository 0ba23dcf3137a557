import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Json, type TestApp } from '../../../test/helpers/app.js';
import { createFarm, login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';
import { DEFAULT_FERTILIZER_SEED_DIR, FERTILIZER_SEED_FILE, loadFertilizerSeed } from './fertilizers.seed.js';

/** Fertilizers through the API: Croft's seeded ones and a farm's own, and the farm's stock of each. */

let t: TestApp;
let admin: Actor;
let worker: Actor;
let viewer: Actor;
let farm: FarmRef;
let other: FarmRef;

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin, at = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${at.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

const fieldsOf = (body: Json) => (body.details.fields as Array<{ field: string }>).map((f) => f.field);

const mine = (over: Record<string, unknown> = {}) => ({
  product: 'Garden Tonic',
  brand: 'Home Brew',
  type: 'base',
  form: 'liquid',
  npk_n: 4,
  npk_p: 3,
  npk_k: 5,
  ec_per_unit: 0.15,
  max_dose_per_l: 4,
  ...over,
});

async function globalId(key: string): Promise<string> {
  const res = await api('GET', `/fertilizers?origin=global&limit=200`);
  const row = (res.body.data as Json[]).find((f) => f.key === key);
  expect(row, key).toBeDefined();
  return row!.id as string;
}

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  worker = await member(t.app, admin, farm, 'worker');
  viewer = await member(t.app, admin, farm, 'viewer');
  other = await createFarm(t.app, admin, 'Other Farm');
});

afterAll(() => t.close());

describe('seeded fertilizers', () => {
  it('lists at least 30 generic global rows with composition stated, filtered by type and text, paged', async () => {
    const all = await api('GET', '/fertilizers?origin=global&limit=200', undefined, viewer);
    expect(all.status).toBe(200);
    const rows = all.body.data as Json[];
    expect(rows.length).toBeGreaterThanOrEqual(30);
    expect(rows.every((r) => r.origin === 'global' && ['', 'Generic'].includes(r.brand as string))).toBe(true);
    const epsom = rows.find((r) => r.key === 'epsom-salt')!;
    expect(epsom).toMatchObject({ form: 'powder', dose_unit: 'g/L', contains: { sulfate: true, calcium: false } });
    const calcium = rows.find((r) => r.key === 'calcium-nitrate')!;
    expect(calcium.contains.calcium).toBe(true);
    expect(calcium.mixing_priority).toBeLessThan(epsom.mixing_priority);
    const silicate = rows.find((r) => r.key === 'potassium-silicate-liquid')!;
    expect(silicate.mixing_priority).toBeLessThan(calcium.mixing_priority);
    const phDown = rows.find((r) => r.key === 'ph-down-phosphoric')!;
    expect(phDown.mixing_priority).toBeGreaterThan(
      Math.max(...rows.filter((r) => r.type !== 'ph_adjuster' && r.tank_safe).map((r) => r.mixing_priority as number)),
    );
    const boneMeal = rows.find((r) => r.key === 'bone-meal')!;
    expect(boneMeal).toMatchObject({ tank_safe: false, channels: ['top_dress'] });

    const ph = await api('GET', '/fertilizers?type=ph_adjuster');
    expect((ph.body.data as Json[]).map((r) => r.type)).toEqual([
      'ph_adjuster',
      'ph_adjuster',
      'ph_adjuster',
      'ph_adjuster',
    ]);
    const found = await api('GET', '/fertilizers?q=EPSOM');
    expect((found.body.data as Json[]).map((r) => r.key)).toEqual(['epsom-salt']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Json } = await api('GET', `/fertilizers?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...(page.body.data as Json[]).map((r) => r.id as string));
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    expect(seen).toEqual(rows.map((r) => r.id));
    expect((await api('GET', '/fertilizers?cursor=nonsense')).status).toBe(400);
  });

  it('keeps global rows read-only for a farm', async () => {
    const id = await globalId('mkp');
    const patch = await api('PATCH', `/fertilizers/${id}`, { notes: 'mine now' });
    expect(patch.status).toBe(403);
    expect(patch.body.error_code).toBe('GLOBAL_ROW_READ_ONLY');
    expect((await api('DELETE', `/fertilizers/${id}`)).body.error_code).toBe('GLOBAL_ROW_READ_ONLY');
  });
});

describe('the fertilizer seed', () => {
  it('moves a product to a new key: the old row is retired and gives its name up, and back again', async () => {
    const shipped = await readFile(path.join(DEFAULT_FERTILIZER_SEED_DIR, FERTILIZER_SEED_FILE), 'utf8');
    expect(shipped).toContain('- key: epsom-salt\n');
    const dir = await mkdtemp(path.join(tmpdir(), 'croft-fertilizers-'));
    const load = async (text: string) => {
      await writeFile(path.join(dir, FERTILIZER_SEED_FILE), text);
      return loadFertilizerSeed(t.deps.db, { dir, clock: t.clock, log: t.deps.log });
    };
    const epsom = async () =>
      ((await api('GET', '/fertilizers?q=epsom')).body.data as Json[]).map((f) => f.key as string);
    try {
      const moved = await load(shipped.replace('- key: epsom-salt\n', '- key: magnesium-sulfate-7h2o\n'));
      expect(moved).toMatchObject({ loaded: true, counts: { inserted: 1, retired: 1 } });
      expect(await epsom()).toEqual(['magnesium-sulfate-7h2o']);
      expect(await load(shipped)).toMatchObject({ loaded: true, counts: { retired: 1 } });
      expect(await epsom()).toEqual(['epsom-salt']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a farm's own fertilizers", () => {
  it('adds one with a client-made id once, changes it and deletes it; managers write, viewers read', async () => {
    const id = randomUUID();
    const first = await api('POST', '/fertilizers', { id, ...mine() });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      id,
      origin: 'farm',
      key: null,
      npk: { n: 4, p: 3, k: 5 },
      mixing_priority: 50,
      ph_effect: 'neutral',
      tank_safe: true,
      channels: ['fertigation', 'drench'],
      stock: { on_hand: 0, unit: 'ml' },
    });
    const again = await api('POST', '/fertilizers', { ...mine(), id });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(id);
    const different = await api('POST', '/fertilizers', { id, ...mine({ npk_n: 5 }) });
    expect(different.status).toBe(409);
    expect(different.body.error_code).toBe('IDEMPOTENCY_CONFLICT');

    expect((await api('GET', `/fertilizers/${id}`, undefined, viewer)).body.product).toBe('Garden Tonic');
    expect((await api('POST', '/fertilizers', mine({ product: 'Other' }), worker)).status).toBe(403);

    const changed = await api('PATCH', `/fertilizers/${id}`, { mixing_priority: 30, brand: ' Shed ' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ mixing_priority: 30, brand: 'Shed', npk: { n: 4 } });
    expect((await api('DELETE', `/fertilizers/${id}`)).status).toBe(204);
    expect((await api('GET', `/fertilizers/${id}`)).status).toBe(404);
  });

  it.each([
    ['N below 0', { npk_n: -1 }, 'body.npk_n'],
    ['N + P + K above 100', { npk_n: 40, npk_p: 40, npk_k: 30 }, 'body.npk'],
    ['max dose 0', { max_dose_per_l: 0 }, 'body.max_dose_per_l'],
    ['max dose below 0', { max_dose_per_l: -2 }, 'body.max_dose_per_l'],
    ['priority 0', { mixing_priority: 0 }, 'body.mixing_priority'],
    ['priority 101', { mixing_priority: 101 }, 'body.mixing_priority'],
    ['not tank-safe for fertigation', { tank_safe: false, channels: ['fertigation', 'drench'] }, 'body.channels'],
    ['foliar-only in drench', { foliar_only: true, channels: ['foliar', 'drench'] }, 'body.channels'],
    ['an unknown type', { type: 'magic' }, 'body.type'],
  ])('refuses %s (400 naming the field)', async (_what, over, field) => {
    const res = await api('POST', '/fertilizers', mine({ product: `Bad ${field}`, ...over }));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(JSON.stringify(res.body.details)).toContain(field.replace('body.', ''));
  });

  it('refuses N + P + K above 100 on a change too, and a not-tank-safe change on a fertigation product', async () => {
    const made = await api('POST', '/fertilizers', mine({ product: 'Patch Target' }));
    const res = await api('PATCH', `/fertilizers/${made.body.id}`, { npk_k: 95 });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.body)).toEqual(['body.npk']);
    const unsafe = await api('PATCH', `/fertilizers/${made.body.id}`, { tank_safe: false });
    expect(fieldsOf(unsafe.body)).toEqual(['body.channels']);
    expect(
      (await api('PATCH', `/fertilizers/${made.body.id}`, { tank_safe: false, channels: ['drench'] })).status,
    ).toBe(200);
  });

  it('answers 409 for the same product and brand in a farm (any case), and lets another farm have it', async () => {
    expect((await api('POST', '/fertilizers', mine({ product: 'Twin' }))).status).toBe(201);
    const twin = await api('POST', '/fertilizers', mine({ product: 'TWIN', brand: 'home brew' }));
    expect(twin.status).toBe(409);
    expect(twin.body.error_code).toBe('ALREADY_EXISTS');
    expect((await api('POST', '/fertilizers', mine({ product: 'Twin', brand: 'Other Maker' }))).status).toBe(201);
    expect((await api('POST', '/fertilizers', mine({ product: 'Twin' }), admin, other)).status).toBe(201);
  });

  it("answers 404 for another farm's fertilizer, reading or writing", async () => {
    const theirs = await api('POST', '/fertilizers', mine({ product: 'Theirs' }), admin, other);
    const id = theirs.body.id as string;
    expect((await api('GET', `/fertilizers/${id}`)).status).toBe(404);
    expect((await api('PATCH', `/fertilizers/${id}`, { notes: 'x' })).status).toBe(404);
    expect((await api('DELETE', `/fertilizers/${id}`)).status).toBe(404);
    expect((await api('GET', `/fertilizers/${id}/stock`)).status).toBe(404);
    expect((await api('POST', `/fertilizers/${id}/stock/movements`, { kind: 'received', quantity: 5 })).status).toBe(
      404,
    );
    expect(((await api('GET', '/fertilizers?q=theirs')).body.data as Json[]).length).toBe(0);
    // Ids are unique across Croft's one fertilizer table: their id is refused here, their row never shown.
    const taken = await api('POST', '/fertilizers', mine({ id, product: 'Mine' }));
    expect(taken.status).toBe(409);
    expect(taken.body.error_code).toBe('TRY_AGAIN');
    expect(JSON.stringify(taken.body)).not.toContain('Theirs');
  });
});

describe('stock on hand', () => {
  it('keeps a ledger: received adds, used takes away, counted corrects; never below zero', async () => {
    const calmag = await globalId('calmag-liquid');
    const path = `/fertilizers/${calmag}/stock/movements`;
    const received = { id: randomUUID(), kind: 'received', quantity: 1000, note: 'one bottle' };
    const first = await api('POST', path, received, worker);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ on_hand: 1000, movement: { delta: 1000, on_hand_after: 1000, unit: 'ml' } });
    expect((await api('POST', path, received, worker)).status).toBe(200);
    expect((await api('POST', path, { ...received, quantity: 500 }, worker)).body.error_code).toBe(
      'IDEMPOTENCY_CONFLICT',
    );

    expect((await api('POST', path, { kind: 'used', quantity: 250.5 }, worker)).body.on_hand).toBe(749.5);
    const over = await api('POST', path, { kind: 'used', quantity: 800 }, worker);
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ error_code: 'INSUFFICIENT_STOCK', details: { on_hand: 749.5, quantity: 800 } });
    const counted = await api('POST', path, { kind: 'counted', quantity: 700 }, worker);
    expect(counted.body).toMatchObject({ on_hand: 700, movement: { delta: -49.5 } });
    expect((await api('POST', path, { kind: 'counted', quantity: 0 }, worker)).body.on_hand).toBe(0);
    expect((await api('POST', path, { kind: 'used', quantity: 0 }, worker)).status).toBe(400);
    expect((await api('POST', path, { kind: 'received', quantity: -3 }, worker)).status).toBe(400);
    expect((await api('POST', path, { kind: 'received', quantity: 3 }, viewer)).status).toBe(403);

    const stock = await api('GET', `/fertilizers/${calmag}/stock`, undefined, viewer);
    expect(stock.body).toMatchObject({ on_hand: 0, unit: 'ml' });
    expect((stock.body.movements as Json[]).map((m) => m.kind)).toEqual(['counted', 'counted', 'used', 'received']);
    expect((await api('GET', `/fertilizers/${calmag}`)).body.stock).toEqual({ on_hand: 0, unit: 'ml' });
    // Another farm's stock of the same global product is its own.
    expect((await api('GET', `/fertilizers/${calmag}`, undefined, admin, other)).body.stock.on_hand).toBe(0);
  });

  it('lists the products the farm keeps stock of, in grams for a powder', async () => {
    const epsom = await globalId('epsom-salt');
    await api('POST', `/fertilizers/${epsom}/stock/movements`, { kind: 'received', quantity: 2500 }, worker);
    const list = await api('GET', '/fertilizer-stock', undefined, viewer);
    expect(list.status).toBe(200);
    expect((list.body.data as Json[]).find((l) => l.fertilizer_id === epsom)).toMatchObject({
      on_hand: 2500,
      unit: 'g',
    });
  });
});
