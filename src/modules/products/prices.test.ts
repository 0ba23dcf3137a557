import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Json } from '../../../test/helpers/app.js';
import { createFarm, login, member, setupAdmin, type Actor, type FarmRef } from '../../../test/helpers/factories.js';

/** Packaging, prices, the price list, and products and prices in and out as CSV, through the API. */

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let other: FarmRef;
let viewer: Actor;
let cact: Json;
let succ: Json;
let p9: Json;

async function api(method: string, path: string, payload?: unknown, who: Pick<Actor, 'headers'> = admin, at = farm) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${at.slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  const json = res.headers['content-type']?.toString().startsWith('application/json');
  return { status: res.statusCode, body: (json ? res.json() : null) as Json, text: res.body, headers: res.headers };
}

async function made(path: string, payload: Record<string, unknown>, at = farm): Promise<Json> {
  const res = await api('POST', path, payload, admin, at);
  expect(res.status, `POST ${path}: ${JSON.stringify(res.body)}`).toBe(201);
  return res.body;
}

/** Sends a CSV file. */
async function upload(path: string, csv: string, at = farm) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/farms/${at.slug}${path}`,
    headers: { ...admin.headers, 'content-type': 'text/csv; charset=utf-8' },
    payload: csv,
  });
  return { status: res.statusCode, body: res.json() as Json };
}

const fieldsOf = (body: Json) => (body.details.fields as Array<{ field: string }>).map((f) => f.field);
const lines = (...rows: string[]) => rows.join('\n') + '\n';

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  viewer = await member(t.app, admin, farm, 'viewer');
  other = await createFarm(t.app, admin, 'Other Nursery');
  cact = await made('/product-categories', { code: 'CACT', name: 'Cacti' });
  succ = await made('/product-categories', { code: 'SUCC', name: 'Succulents' });
  p9 = await made('/packaging', {
    sku: 'P9-black',
    name: 'Pot 9 cm black',
    type: 'pot',
    material: 'plastic',
    colour: 'black',
    volume_l: 0.5,
    diameter_cm: 9,
    height_cm: 8,
    pot_code: 'P3.5/18',
  });
  await made('/packaging', { sku: 'TRAY-40', name: 'Plug tray 40', type: 'plug_tray' });
});

afterAll(() => t.close());

describe('packaging', () => {
  it('keeps the packaging catalogue: by id or SKU, SKUs unique whatever the case', async () => {
    expect(p9).toMatchObject({ sku: 'P9-black', type: 'pot', volume_l: 0.5, pot_code: 'P3.5/18', colour: 'black' });
    expect((await api('GET', '/packaging/p9-BLACK', undefined, viewer)).body.id).toBe(p9.id);
    expect((await api('POST', '/packaging', { sku: 'p9-black', name: 'x', type: 'pot' })).body.error_code).toBe(
      'ALREADY_EXISTS',
    );
    for (const [body, field] of [
      [{ sku: 'BAG', name: 'Bag', type: 'sack' }, 'body.type'],
      [{ sku: 'BAG', name: 'Bag', type: 'bag', volume_l: 0 }, 'body.volume_l'],
      [{ sku: 'B/1', name: 'Bag', type: 'bag' }, 'body.sku'],
    ] as const) {
      const res = await api('POST', '/packaging', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(fieldsOf(res.body)).toContain(field);
    }
    const bag = await made('/packaging', { sku: 'BAG-1', name: 'Bag', type: 'bag' });
    expect((await api('PATCH', `/packaging/${bag.id}`, { colour: 'green', height_cm: 30 })).body).toMatchObject({
      colour: 'green',
      height_cm: 30,
    });
    const page = await api('GET', '/packaging?limit=2');
    expect((page.body.data as Json[]).map((k) => k.sku)).toEqual(['BAG-1', 'P9-black']);
    expect((await api('DELETE', '/packaging/BAG-1')).status).toBe(204);
  });
});

describe('prices', () => {
  it('prices a (packaging, category) with its SKU and box price, once per pair', async () => {
    const price = await made('/prices', {
      category: 'CACT',
      packaging: p9.id,
      wholesale_cents: 250,
      retail_cents: 450,
      units_per_box: 12,
      discount_pct: 10,
    });
    expect(price).toMatchObject({
      sku: 'CACT-P9-black',
      category_id: cact.id,
      packaging_id: p9.id,
      wholesale_cents: 250,
      retail_cents: 450,
      units_per_box: 12,
      box_price_cents: 3000,
      discount_pct: 10,
      availability: 'available',
    });
    expect((await api('GET', '/prices/cact-p9-black')).body.id).toBe(price.id);
    const twice = await api('POST', '/prices', {
      category: cact.id,
      packaging: 'P9-BLACK',
      wholesale_cents: 1,
      retail_cents: 1,
    });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ error_code: 'ALREADY_EXISTS', details: { sku: 'CACT-P9-black', id: price.id } });
    // A packaging with a price stays.
    expect((await api('DELETE', `/packaging/${p9.id}`)).body).toMatchObject({
      error_code: 'IN_USE',
      details: { references: { prices: 1 } },
    });
  });

  it('refuses retail below wholesale, a price of 0 or less and a discount over 100', async () => {
    const base = { category: 'SUCC', packaging: 'TRAY-40', wholesale_cents: 500, retail_cents: 800 };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, retail_cents: 499 }, 'body.retail_cents'],
      [{ ...base, wholesale_cents: 0 }, 'body.wholesale_cents'],
      [{ ...base, retail_cents: -100 }, 'body.retail_cents'],
      [{ ...base, discount_pct: 100.5 }, 'body.discount_pct'],
      [{ ...base, discount_pct: -1 }, 'body.discount_pct'],
      [{ ...base, discount_pct: 12.345 }, 'body.discount_pct'],
      [{ ...base, units_per_box: 0 }, 'body.units_per_box'],
      [{ ...base, wholesale_cents: 2.5 }, 'body.wholesale_cents'],
      [{ ...base, availability: 'sold' }, 'body.availability'],
      [{ ...base, category: 'NOPE' }, 'body.category'],
      [{ ...base, packaging: randomUUID() }, 'body.packaging'],
    ];
    for (const [body, field] of cases) {
      const res = await api('POST', '/prices', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error_code).toBe('VALIDATION_FAILED');
      expect(fieldsOf(res.body), JSON.stringify(res.body)).toContain(field);
    }
    const ok = await made('/prices', { ...base, retail_cents: 500, availability: 'out_of_stock' });
    // A change is checked against what it keeps: retail below the stored wholesale is refused.
    const lower = await api('PATCH', `/prices/${ok.id}`, { retail_cents: 450 });
    expect(lower.status).toBe(400);
    expect(fieldsOf(lower.body)).toEqual(['body.retail_cents']);
    const both = await api('PATCH', '/prices/SUCC-TRAY-40', {
      wholesale_cents: 400,
      retail_cents: 450,
      availability: 'available',
    });
    expect(both.body).toMatchObject({
      wholesale_cents: 400,
      retail_cents: 450,
      availability: 'available',
      box_price_cents: 400,
    });
  });

  it('follows the one idempotency rule for a client-made id', async () => {
    const id = randomUUID();
    const body = { id, category: 'SUCC', packaging: p9.id, wholesale_cents: 300, retail_cents: 600 };
    const first = await api('POST', '/prices', body);
    expect(first.status).toBe(201);
    // The same request naming its packaging by SKU is the same request.
    const again = await api('POST', '/prices', { ...body, packaging: 'P9-black' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const changed = await api('POST', '/prices', { ...body, retail_cents: 700 });
    expect(changed.status).toBe(409);
    expect(changed.body.error_code).toBe('IDEMPOTENCY_CONFLICT');
    expect((await api('GET', `/prices/${id}`)).body.retail_cents).toBe(600);
    expect((await api('DELETE', `/prices/${id}`)).status).toBe(204);
  });

  it('answers 404 for another farm’s packaging and prices', async () => {
    await made('/product-categories', { code: 'CACT', name: 'Their cacti' }, other);
    const theirs = await made('/packaging', { sku: 'P9-black', name: 'Their pot', type: 'pot' }, other);
    const price = await made(
      '/prices',
      { category: 'CACT', packaging: theirs.id, wholesale_cents: 1, retail_cents: 2 },
      other,
    );
    for (const [path, patch] of [
      [`/packaging/${theirs.id}`, { name: 'Mine now' }],
      [`/prices/${price.id}`, { availability: 'discontinued' }],
    ] as const) {
      expect((await api('GET', path)).status, path).toBe(404);
      expect((await api('PATCH', path, patch)).status, path).toBe(404);
      expect((await api('DELETE', path)).status, path).toBe(404);
    }
    // Their SKUs name our own rows here.
    expect((await api('GET', '/prices/CACT-P9-black')).body.wholesale_cents).toBe(250);
  });

  it('lists the price list with names, pot code, box price and discounted prices, as JSON or CSV', async () => {
    const list = await api('GET', '/price-list', undefined, viewer);
    expect(list.status).toBe(200);
    expect((list.body.data as Json[]).map((e) => e.sku)).toEqual(['CACT-P9-black', 'SUCC-TRAY-40']);
    expect(list.body.data[0]).toEqual({
      sku: 'CACT-P9-black',
      category_id: cact.id,
      category_code: 'CACT',
      category_name: 'Cacti',
      packaging_id: p9.id,
      packaging_sku: 'P9-black',
      packaging_name: 'Pot 9 cm black',
      pot_code: 'P3.5/18',
      wholesale_cents: 250,
      retail_cents: 450,
      units_per_box: 12,
      box_price_cents: 3000,
      discount_pct: 10,
      discounted_wholesale_cents: 225,
      discounted_retail_cents: 405,
      discounted_box_price_cents: 2700,
      availability: 'available',
    });
    expect((await api('GET', `/price-list?category=${succ.id}`)).body.data).toHaveLength(1);
    expect((await api('GET', '/price-list?availability=discontinued')).body.data).toEqual([]);

    const csv = await api('GET', '/price-list?format=csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n').slice(0, 2)).toEqual([
      'sku,category_code,category_name,packaging_sku,packaging_name,pot_code,wholesale_cents,retail_cents,units_per_box,' +
        'box_price_cents,discount_pct,discounted_wholesale_cents,discounted_retail_cents,discounted_box_price_cents,availability',
      'CACT-P9-black,CACT,Cacti,P9-black,Pot 9 cm black,P3.5/18,250,450,12,3000,10,225,405,2700,available',
    ]);
    const page = await api('GET', '/prices?limit=1&availability=available');
    const next = await api('GET', `/prices?limit=1&availability=available&cursor=${page.body.next_cursor}`);
    expect([page.body.data[0].sku, next.body.data[0].sku]).toEqual(['CACT-P9-black', 'SUCC-TRAY-40']);
  });
});

describe('products and prices as CSV', () => {
  const header = 'category_code,family,sku,name,ready_days,attributes';

  it('imports products all or nothing, naming each bad line', async () => {
    const bad = lines(
      header,
      'CACT,Mammillaria,MAM-001,Mammillaria elongata,120,',
      'NOPE,Mammillaria,MAM-002,Unknown category,,',
      'CACT,Mammillaria,MAM-003,Bad days,-5,',
      'CACT,Mammillaria,mam-001,Same SKU,,',
    );
    const res = await upload('/products/import', bad);
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('CSV_INVALID');
    expect(res.body.details.errors).toEqual([
      { line: 3, field: 'category_code', code: 'NOT_FOUND', message: 'no such product category in this farm' },
      { line: 4, field: 'ready_days', code: 'OUT_OF_RANGE', message: expect.any(String) },
      { line: 5, field: 'sku', code: 'DUPLICATE', message: 'line 2 names it already' },
    ]);
    expect(res.body.details.error_count).toBe(3);
    // Nothing was written: not the good line, not its family.
    expect((await api('GET', '/products')).body.data).toEqual([]);
    expect((await api('GET', '/product-families')).body.data).toEqual([]);

    const good = lines(
      header,
      'CACT,Mammillaria,MAM-001,Mammillaria elongata,120,',
      'cact,mammillaria,MAM-002,"Mammillaria, hooked",,"{""hooks"":true,""heads"":3}"',
      'SUCC,Echeveria,ECH-001,Echeveria elegans,,',
    );
    const imported = await upload('/products/import', good);
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body).toEqual({ created: 3, updated: 0, unchanged: 0, families_created: 2 });
    expect((await api('GET', '/products/mam-002')).body).toMatchObject({
      name: 'Mammillaria, hooked',
      category_code: 'CACT',
      attributes: { hooks: true, heads: 3 },
    });
  });

  it('exports products as the file it imports: the round trip changes nothing', async () => {
    const exported = await api('GET', '/products/export.csv', undefined, viewer);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^text\/csv/);
    expect(exported.text).toBe(
      'category_code,family,sku,name,ready_days,attributes\r\n' +
        'CACT,Mammillaria,MAM-001,Mammillaria elongata,120,\r\n' +
        'CACT,Mammillaria,MAM-002,"Mammillaria, hooked",,"{""heads"":3,""hooks"":true}"\r\n' +
        'SUCC,Echeveria,ECH-001,Echeveria elegans,,\r\n',
    );
    const again = await upload('/products/import', exported.text);
    expect(again.body).toEqual({ created: 0, updated: 0, unchanged: 3, families_created: 0 });
    expect((await api('GET', '/products/export.csv')).text).toBe(exported.text);

    // A file without the optional columns changes only what it names; another family moves a product.
    const moved = await upload(
      '/products/import',
      lines('category_code,family,sku,name', 'SUCC,Echeveria,MAM-001,Moved'),
    );
    expect(moved.body).toEqual({ created: 0, updated: 1, unchanged: 0, families_created: 0 });
    expect((await api('GET', '/products/MAM-001')).body).toMatchObject({
      category_code: 'SUCC',
      name: 'Moved',
      ready_days: 120,
    });
  });

  it('imports prices all or nothing, and exports them as the file it imports', async () => {
    const priceHeader =
      'category_code,packaging_sku,wholesale_cents,retail_cents,units_per_box,discount_pct,availability';
    const bad = await upload(
      '/prices/import',
      lines(
        priceHeader,
        'SUCC,P9-black,350,700,6,0,available',
        'CACT,TRAY-40,500,400,1,0,available',
        'CACT,NOPE,1,2,1,0,available',
      ),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.details.errors).toEqual([
      expect.objectContaining({ line: 3, field: 'retail_cents', code: 'RETAIL_BELOW_WHOLESALE' }),
      expect.objectContaining({ line: 4, field: 'packaging_sku', code: 'NOT_FOUND' }),
    ]);
    expect((await api('GET', '/prices/SUCC-P9-black')).status).toBe(404);

    const exported = (await api('GET', '/prices/export.csv')).text;
    expect(exported.split('\r\n')).toEqual([
      priceHeader,
      'CACT,P9-black,250,450,12,10,available',
      'SUCC,TRAY-40,400,450,1,0,available',
      '',
    ]);
    expect((await upload('/prices/import', exported)).body).toEqual({ created: 0, updated: 0, unchanged: 2 });

    const changed = await upload(
      '/prices/import',
      lines(priceHeader, 'cact,p9-BLACK,260,460,12,12.5,out_of_stock', 'SUCC,P9-black,350,700,6,,'),
    );
    expect(changed.body).toEqual({ created: 1, updated: 1, unchanged: 0 });
    expect((await api('GET', '/prices/CACT-P9-black')).body).toMatchObject({
      wholesale_cents: 260,
      discount_pct: 12.5,
      availability: 'out_of_stock',
    });
    expect((await api('GET', '/prices/SUCC-P9-black')).body).toMatchObject({ units_per_box: 6, discount_pct: 0 });
    const back = (await api('GET', '/prices/export.csv')).text;
    expect((await upload('/prices/import', back)).body).toEqual({ created: 0, updated: 0, unchanged: 3 });
  });

  it('refuses an import from a viewer, a file that is not CSV, and an empty one', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/farms/${farm.slug}/prices/import`,
      headers: { ...viewer.headers, 'content-type': 'text/csv' },
      payload: 'category_code\n',
    });
    expect(res.statusCode).toBe(403);
    expect((await api('POST', '/prices/import', { csv: 'no' })).status).toBe(400);
    const empty = await upload('/products/import', '');
    expect(empty.status).toBe(400);
    expect(empty.body.details.errors).toEqual([
      { line: 1, field: null, code: 'MISSING_COLUMN', message: 'the header is missing' },
    ]);
    const audit = await api('GET', '/audit?event_type=products.imported');
    expect(audit.body.data.length).toBeGreaterThanOrEqual(3);
  });
});
