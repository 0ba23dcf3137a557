import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Json } from '../../../test/helpers/app.js';
import { createFarm, login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';
import { productReads } from './index.js';

/** Product categories, families, products, states and sizes through the API, and the door stock reads them by. */

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let other: FarmRef;
let worker: Actor;
let viewer: Actor;

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin, at = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${at.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

async function made(path: string, payload: Record<string, unknown>, at = farm): Promise<Json> {
  const res = await api('POST', path, payload, admin, at);
  expect(res.status, `POST ${path}: ${JSON.stringify(res.body)}`).toBe(201);
  return res.body;
}

const fieldsOf = (body: Json) => (body.details.fields as Array<{ field: string }>).map((f) => f.field);

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  worker = await member(t.app, admin, farm, 'worker');
  viewer = await member(t.app, admin, farm, 'viewer');
  other = await createFarm(t.app, admin, 'Other Nursery');
});

afterAll(() => t.close());

describe('product categories', () => {
  it('adds a category with default stage bands, finds it by id or code, changes and deletes it', async () => {
    const cat = await made('/product-categories', { code: 'CACT', name: 'Cacti', ready_days: 365 });
    expect(cat).toMatchObject({ code: 'CACT', name: 'Cacti', ready_days: 365, stage_bands: [30, 90, 180] });
    expect((await api('GET', '/product-categories/cact', undefined, viewer)).body.id).toBe(cat.id);
    expect((await api('GET', `/product-categories/${cat.id}`)).body.code).toBe('CACT');

    const changed = await api('PATCH', `/product-categories/${cat.id}`, {
      name: ' Cactaceae ',
      stage_bands: [20, 60, 120],
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Cactaceae', stage_bands: [20, 60, 120], ready_days: 365 });

    expect((await api('DELETE', '/product-categories/CACT')).status).toBe(204);
    expect((await api('GET', `/product-categories/${cat.id}`)).status).toBe(404);
  });

  it('refuses a bad code, bad bands and a code the farm has; another farm may have it', async () => {
    await made('/product-categories', { code: 'SUCC', name: 'Succulents' });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ code: 'succ', name: 'x' }, 'body.code'],
      [{ code: 'SU-CC', name: 'x' }, 'body.code'],
      [{ code: 'OK', name: 'x', stage_bands: [30, 20, 180] }, 'body.stage_bands'],
      [{ code: 'OK', name: 'x', stage_bands: [30, 90] }, 'body.stage_bands'],
      [{ code: 'OK', name: 'x', ready_days: -1 }, 'body.ready_days'],
      [{ code: 'OK', name: '  ' }, 'body.name'],
    ];
    for (const [body, field] of cases) {
      const res = await api('POST', '/product-categories', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(fieldsOf(res.body), JSON.stringify(body)).toContain(field);
    }
    const twice = await api('POST', '/product-categories', { code: 'SUCC', name: 'Again' });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ error_code: 'ALREADY_EXISTS', details: { field: 'body.code' } });
    expect((await api('POST', '/product-categories', { code: 'SUCC', name: 'Theirs' }, admin, other)).status).toBe(201);
  });

  it('pages by code', async () => {
    for (const code of ['PG1', 'PG2', 'PG3']) await made('/product-categories', { code, name: code });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api('GET', `/product-categories?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...(res.body.data as Json[]).map((c) => c.code as string));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen.filter((c) => c.startsWith('PG'))).toEqual(['PG1', 'PG2', 'PG3']);
    expect(seen).toEqual([...seen].sort());
    expect((await api('GET', '/product-categories?cursor=nonsense')).status).toBe(400);
  });

  it('follows the one idempotency rule for a client-made id', async () => {
    const id = randomUUID();
    const body = { id, code: 'IDEM', name: 'Idempotent' };
    const first = await api('POST', '/product-categories', body);
    expect(first.status).toBe(201);
    const again = await api('POST', '/product-categories', { name: 'Idempotent', code: 'IDEM', id });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const changed = await api('POST', '/product-categories', { ...body, name: 'Something else' });
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ error_code: 'IDEMPOTENCY_CONFLICT', details: { id } });
    // Another farm's first write with the same id is its own.
    expect((await api('POST', '/product-categories', { ...body }, admin, other)).status).toBe(201);
  });

  it('lets managers write and everyone read', async () => {
    const res = await api('POST', '/product-categories', { code: 'WRK', name: 'x' }, worker);
    expect(res.status).toBe(403);
    expect(res.body.details.permission).toBe('config.write');
    expect((await api('GET', '/product-categories', undefined, worker)).status).toBe(200);
  });
});

describe('families and products', () => {
  let orn: Json;
  let echeveria: Json;

  beforeAll(async () => {
    orn = await made('/product-categories', { code: 'ORN', name: 'Ornamentals', ready_days: 200 });
    echeveria = await made('/product-families', {
      category: 'orn',
      name: 'Echeveria',
      scientific_name: 'Echeveria DC.',
    });
  });

  it('adds a family under a category, linked to a species of the plant catalogue by key', async () => {
    const tomato = await made('/product-families', {
      category: orn.id,
      name: 'Tomato',
      species: 'solanum-lycopersicum',
    });
    expect(tomato).toMatchObject({ category_id: orn.id, name: 'Tomato', species_id: expect.any(String) });
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ category: 'NOPE', name: 'x' }, 'body.category'],
      [{ category: 'ORN', name: 'x', species: 'no-such-plant' }, 'body.species'],
    ];
    for (const [body, field] of bad) {
      const res = await api('POST', '/product-families', body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(fieldsOf(res.body)).toEqual([field]);
    }
    const same = await api('POST', '/product-families', { category: 'ORN', name: 'echeveria' });
    expect(same.body).toMatchObject({ error_code: 'ALREADY_EXISTS', details: { field: 'body.name' } });
    const list = await api('GET', '/product-families?category=ORN');
    expect((list.body.data as Json[]).map((f) => f.name)).toEqual(['Echeveria', 'Tomato']);
    const unlinked = await api('PATCH', `/product-families/${tomato.id}`, {
      species: null,
      scientific_name: 'Solanum',
    });
    expect(unlinked.body).toMatchObject({ species_id: null, scientific_name: 'Solanum' });
    expect((await api('DELETE', `/product-families/${tomato.id}`)).status).toBe(204);
  });

  it('adds products with a SKU unique whatever the case, attributes and days to ready', async () => {
    const p = await made('/products', {
      family: echeveria.id,
      sku: 'ECH-001',
      name: 'Echeveria elegans',
      attributes: { colour: 'blue', spines: false, heads: 1 },
    });
    expect(p).toMatchObject({
      sku: 'ECH-001',
      category_id: orn.id,
      category_code: 'ORN',
      attributes: { colour: 'blue', spines: false, heads: 1 },
      ready_days: null,
      effective_ready_days: 200,
    });
    expect((await api('GET', '/products/ech-001')).body.id).toBe(p.id);
    const twice = await api('POST', '/products', { family: echeveria.id, sku: 'ech-001', name: 'Again' });
    expect(twice.body).toMatchObject({ error_code: 'ALREADY_EXISTS', details: { field: 'body.sku', id: p.id } });

    const own = await api('PATCH', '/products/ECH-001', { ready_days: 150, name: 'E. elegans' });
    expect(own.body).toMatchObject({ ready_days: 150, effective_ready_days: 150, name: 'E. elegans' });
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ family: randomUUID(), sku: 'X1', name: 'x' }, 'body.family'],
      [{ family: echeveria.id, sku: 'has space', name: 'x' }, 'body.sku'],
      [{ family: echeveria.id, sku: 'X1', name: 'x', attributes: { ' ': 1 } }, 'body.attributes'],
      [{ family: echeveria.id, sku: 'X1', name: 'x', attributes: { a: [1] } }, 'body.attributes.a'],
    ];
    for (const [body, field] of bad) {
      const res = await api('POST', '/products', body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(fieldsOf(res.body).join(' '), JSON.stringify(res.body)).toContain(field);
    }
    // A family with products stays; a category with families too.
    const inUse = await api('DELETE', `/product-families/${echeveria.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({ error_code: 'IN_USE', details: { references: { products: 1 } } });
    expect((await api('DELETE', '/product-categories/ORN')).body.details.references).toEqual({ families: 1 });
  });

  it('lists products by SKU, of a family or category, a page at a time', async () => {
    for (const sku of ['ECH-003', 'ech-002', 'ECH-004'])
      await made('/products', { family: echeveria.id, sku, name: sku });
    const first = await api('GET', `/products?family=${echeveria.id}&limit=2`);
    expect((first.body.data as Json[]).map((p) => p.sku)).toEqual(['ECH-001', 'ech-002']);
    const rest = await api('GET', `/products?family=${echeveria.id}&limit=2&cursor=${first.body.next_cursor}`);
    expect((rest.body.data as Json[]).map((p) => p.sku)).toEqual(['ECH-003', 'ECH-004']);
    expect((await api('GET', '/products?category=ORN')).body.data).toHaveLength(4);
    expect((await api('DELETE', '/products/ECH-004')).status).toBe(204);
  });

  it('answers 404 for another farm’s rows, and 400 for them named in a body', async () => {
    const foreign = await made('/product-categories', { code: 'FOR', name: 'Foreign' }, other);
    const family = await made('/product-families', { category: 'FOR', name: 'Theirs' }, other);
    const product = await made('/products', { family: family.id, sku: 'THEIRS-1', name: 'Theirs' }, other);
    for (const path of [
      `/product-categories/${foreign.id}`,
      `/product-families/${family.id}`,
      `/products/${product.id}`,
      '/products/THEIRS-1',
    ]) {
      expect((await api('GET', path)).status, path).toBe(404);
      expect((await api('PATCH', path, { name: 'Mine now' })).status, path).toBe(404);
      expect((await api('DELETE', path)).status, path).toBe(404);
    }
    const res = await api('POST', '/products', { family: family.id, sku: 'MINE-1', name: 'x' });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.body)).toEqual(['body.family']);
    expect((await api('GET', '/products/THEIRS-1', undefined, admin, other)).body.name).toBe('Theirs');
  });
});

describe('states and sizes', () => {
  it('lists states by sort order and keeps codes unique', async () => {
    await made('/product-states', { code: 'READY', name: 'Ready for sale', sellable: true, sort_order: 30 });
    await made('/product-states', { code: 'SEEDLING', name: 'Seedling', sort_order: 10 });
    await made('/product-states', { code: 'GROWING', name: 'Growing', sort_order: 20 });
    const list = await api('GET', '/product-states?limit=2');
    const next = await api('GET', `/product-states?limit=2&cursor=${list.body.next_cursor}`);
    expect([...list.body.data, ...next.body.data].map((s: Json) => s.code)).toEqual(['SEEDLING', 'GROWING', 'READY']);
    expect((await api('GET', '/product-states/seedling')).body).toMatchObject({ sellable: false, sort_order: 10 });
    expect((await api('PATCH', '/product-states/SEEDLING', { sellable: true })).body.sellable).toBe(true);
    expect((await api('PATCH', '/product-states/SEEDLING', { code: 'READY' })).body.error_code).toBe('ALREADY_EXISTS');
    expect((await api('DELETE', '/product-states/GROWING')).status).toBe(204);
  });

  it('keeps a size’s minimum height at most its maximum', async () => {
    const s = await made('/product-sizes', { code: 'M', name: 'Medium', min_height_cm: 10, max_height_cm: 20 });
    expect(s).toMatchObject({ min_height_cm: 10, max_height_cm: 20, ready_days: null });
    const bad = await api('POST', '/product-sizes', { code: 'L', name: 'Large', min_height_cm: 30, max_height_cm: 20 });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['body.min_height_cm']);
    const patch = await api('PATCH', '/product-sizes/M', { min_height_cm: 25 });
    expect(patch.status).toBe(400);
    expect((await api('PATCH', '/product-sizes/M', { max_height_cm: null, ready_days: 60 })).body).toMatchObject({
      min_height_cm: 10,
      max_height_cm: null,
      ready_days: 60,
    });
    await made('/product-sizes', { code: 'XL', name: 'Extra large', min_height_cm: 40 });
    expect(((await api('GET', '/product-sizes')).body.data as Json[]).map((x) => x.code)).toEqual(['M', 'XL']);
    expect((await api('DELETE', '/product-sizes/XL')).status).toBe(204);
  });
});

describe('the door stock reads products by (productReads)', () => {
  it('reads products, packaging, states, sizes and prices of the farm only', async () => {
    const cat = await made('/product-categories', {
      code: 'READS',
      name: 'Reads',
      ready_days: 300,
      stage_bands: [10, 20, 40],
    });
    const fam = await made('/product-families', { category: 'READS', name: 'Aloe' });
    const own = await made('/products', { family: fam.id, sku: 'ALO-1', name: 'Aloe vera', ready_days: 100 });
    const plain = await made('/products', { family: fam.id, sku: 'ALO-2', name: 'Aloe ferox' });
    const pot = await made('/packaging', { sku: 'P9', name: 'Pot 9 cm', type: 'pot', pot_code: 'P3.5/18' });
    await made('/product-states', { code: 'DORMANT', name: 'Dormant' });
    await made('/product-sizes', { code: 'S', name: 'Small', ready_days: 45 });
    await made('/prices', {
      category: 'READS',
      packaging: 'P9',
      wholesale_cents: 300,
      retail_cents: 550,
      discount_pct: 5,
    });

    const read = <T>(fn: (tx: Parameters<typeof productReads.product>[0]) => Promise<T>, at = farm) =>
      t.deps.db.farm(at.id, fn);
    expect(await read((tx) => productReads.product(tx, farm.id, 'alo-1'))).toEqual({
      id: own.id,
      sku: 'ALO-1',
      name: 'Aloe vera',
      categoryId: cat.id,
      categoryCode: 'READS',
      familyId: fam.id,
      readyDays: 100,
      stageBands: [10, 20, 40],
    });
    expect((await read((tx) => productReads.product(tx, farm.id, plain.id)))?.readyDays).toBe(300);
    expect(await read((tx) => productReads.packaging(tx, farm.id, 'p9'))).toEqual({
      id: pot.id,
      sku: 'P9',
      potCode: 'P3.5/18',
      name: 'Pot 9 cm',
    });
    expect(await read((tx) => productReads.state(tx, farm.id, 'dormant'))).toMatchObject({
      code: 'DORMANT',
      sellable: false,
    });
    expect(await read((tx) => productReads.size(tx, farm.id, 'S'))).toMatchObject({ code: 'S', readyDays: 45 });
    const prices = await read((tx) =>
      productReads.prices(tx, farm.id, [
        { categoryId: cat.id, packagingId: pot.id },
        { categoryId: cat.id, packagingId: randomUUID() },
        { categoryId: 'not-an-id', packagingId: pot.id },
      ]),
    );
    expect([...prices]).toEqual([
      [
        `${cat.id}:${pot.id}`,
        { sku: 'READS-P9', wholesaleCents: 300, retailCents: 550, discountPct: 5, availability: 'available' },
      ],
    ]);
    // Another farm sees none of it, even named by id.
    expect(await read((tx) => productReads.product(tx, other.id, own.id), other)).toBeUndefined();
    expect(await read((tx) => productReads.packaging(tx, other.id, pot.id), other)).toBeUndefined();
    expect(
      (await read((tx) => productReads.prices(tx, other.id, [{ categoryId: cat.id, packagingId: pot.id }]), other))
        .size,
    ).toBe(0);
    expect(await read((tx) => productReads.state(tx, farm.id, 'NOPE'))).toBeUndefined();
  });

  it('keeps an audit of the changes', async () => {
    const audit = await api('GET', '/audit?category=products&limit=200');
    const events = new Set((audit.body.data as Json[]).map((e) => e.event_type));
    for (const e of [
      'product_category.created',
      'product_category.updated',
      'product_category.deleted',
      'product.created',
    ])
      expect(events, e).toContain(e);
  });
});
