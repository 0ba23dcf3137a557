import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Json } from '../../../test/helpers/app.js';
import { locationReads } from '../locations/index.js';
import {
  createFarm,
  createLocation,
  login,
  setupAdmin,
  type Actor,
  type FarmRef,
  type Location,
} from '../../../test/helpers/factories.js';

/**
 * The stock ledger through the API: a cactus nursery's batches, their movements, transplants and counts,
 * every bad input refused in the one error shape with nothing written, and the nightly reconciliation.
 * The farm is in Asia/Phnom_Penh (UTC+7).
 */

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let bench1: Location;
let bench2: Location;
let bin1: Location;
let bin2: Location;
let area: Location;
const ids: Record<string, string> & { batch: string; bench2: string; second: string; ready: string } = {
  batch: '',
  ready: '',
  bench2: '',
  second: '',
};

async function api(method: string, path: string, payload?: unknown, who: Actor = admin, slug = farm.slug) {
  const res = await t.app.inject({
    method: method as 'GET',
    url: `/api/v1/farms/${slug}${path}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

async function ok(method: string, path: string, payload?: unknown, status = 200) {
  const res = await api(method, path, payload);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

/** A refusal in the one error shape; what it names. */
async function refused(method: string, path: string, payload: unknown, status: number, code: string) {
  const res = await api(method, path, payload);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ error_code: code, message: expect.any(String) });
  return res.body;
}

const batchOf = async (id: string) => ok('GET', `/stock/batches/${id}`);

/** The sum of a batch's movements, read through the API (every page). */
async function movementSum(batchId: string): Promise<number> {
  let sum = 0;
  let cursor: string | null = null;
  do {
    const page: Json = await ok(
      'GET',
      `/stock/batches/${batchId}/movements?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    for (const m of page.data as Json[]) sum += m.quantity as number;
    cursor = page.next_cursor;
  } while (cursor);
  return sum;
}

beforeAll(async () => {
  t = await createTestApp({ now: '2026-11-30T03:00:00Z', env: { CROFT_ACCESS_TOKEN_TTL_S: '86400' } });
  ({ admin, farm } = await setupAdmin(t.app));
  admin = await login(t.app, admin.email);
  const house = await createLocation(t.app, admin, farm, { name: 'Shadehouse', type: 'warehouse', code: 'SH' });
  area = await createLocation(t.app, admin, farm, { name: 'North', type: 'storage_area', parent_id: house.id });
  bench1 = await createLocation(t.app, admin, farm, {
    name: 'Bench 1',
    type: 'storage_location',
    code: 'B1',
    parent_id: area.id,
  });
  bench2 = await createLocation(t.app, admin, farm, {
    name: 'Bench 2',
    type: 'storage_location',
    code: 'B2',
    parent_id: area.id,
  });
  bin1 = await createLocation(t.app, admin, farm, { name: 'Tray 1', type: 'storage_bin', parent_id: bench1.id });
  bin2 = await createLocation(t.app, admin, farm, { name: 'Tray 2', type: 'storage_bin', parent_id: bench2.id });
  const category = await ok('POST', '/product-categories', { code: 'CACT', name: 'Cacti', ready_days: 365 }, 201);
  const family = await ok(
    'POST',
    '/product-families',
    { category: category.id, name: 'Echinocactus', scientific_name: 'Echinocactus grusonii' },
    201,
  );
  ids.product = (await ok('POST', '/products', { family: family.id, sku: 'ECH-GRU', name: 'Golden barrel' }, 201)).id;
  ids.other = (
    await ok('POST', '/products', { family: family.id, sku: 'ECH-PLA', name: 'Echinocactus platyacanthus' }, 201)
  ).id;
  ids.pot8 = (await ok('POST', '/packaging', { sku: 'P8', name: 'Pot 8 cm', type: 'pot', pot_code: 'P3.5/8' }, 201)).id;
  ids.pot12 = (await ok('POST', '/packaging', { sku: 'P12', name: 'Pot 12 cm', type: 'pot' }, 201)).id;
  ids.small = (
    await ok(
      'POST',
      '/product-sizes',
      { code: 'S', name: 'Small', min_height_cm: 2, max_height_cm: 5, ready_days: 200 },
      201,
    )
  ).id;
});

afterAll(() => t.close());

describe('batches', () => {
  it('start with their first movement, coded LOC{place}-PROD{sku}-{day}-{seq}, ready by the size’s days', async () => {
    const first = randomUUID();
    const body = {
      movement_id: first,
      location: bench1.id,
      bin: bin1.id,
      product: 'ECH-GRU',
      packaging: 'P8',
      size: 'S',
      quantity: 500,
      quality: 4.5,
      planted_on: '2026-11-01',
    };
    const batch = await ok('POST', '/stock/batches', body, 201);
    expect(batch).toMatchObject({
      code: 'LOCB1-PRODECHGRU-20261130-001',
      location_id: bench1.id,
      bin_id: bin1.id,
      product_id: ids.product,
      packaging_id: ids.pot8,
      size_id: ids.small,
      initial_quantity: 500,
      quantity: 500,
      health: 'good',
      ready_on: '2027-05-20', // 200 days after planting
      readiness: 'growing',
      status: 'active',
    });
    ids.batch = batch.id;
    // The same id and body: the same batch, once.
    const again = await api('POST', '/stock/batches', body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(batch.id);
    // The same id with another body: 409, nothing written.
    await refused('POST', '/stock/batches', { ...body, quantity: 499 }, 409, 'IDEMPOTENCY_CONFLICT');
    // A second batch of the day at that place takes the next number.
    const second = await ok('POST', '/stock/batches', { ...body, movement_id: randomUUID(), bin: undefined }, 201);
    expect(second.code).toBe('LOCB1-PRODECHGRU-20261130-002');
    ids.second = second.id;
    expect((await ok('GET', `/stock/batches?location=${area.id}&status=active`)).data).toHaveLength(2);
    expect((await ok('GET', `/stock/batches/${batch.code}`)).id).toBe(batch.id);
  });

  it('refuse what is not a storage location or bin, and what the place is not set up for', async () => {
    const base = { location: bench2.id, product: 'ECH-GRU', packaging: 'P8', quantity: 10 };
    const notStorage = await refused(
      'POST',
      '/stock/batches',
      { ...base, movement_id: randomUUID(), location: area.id },
      400,
      'VALIDATION_FAILED',
    );
    expect(JSON.stringify(notStorage.details)).toContain('body.location');
    const notBin = await refused(
      'POST',
      '/stock/batches',
      { ...base, movement_id: randomUUID(), bin: bench1.id },
      400,
      'VALIDATION_FAILED',
    );
    expect(notBin.message).toContain('storage_bin');
    await refused(
      'POST',
      '/stock/batches',
      { ...base, movement_id: randomUUID(), bin: bin1.id },
      400,
      'VALIDATION_FAILED',
    );
    // A stock config on a place that is not a storage_location is refused …
    await refused(
      'PUT',
      `/locations/${bin2.id}/stock-config`,
      { product: 'ECH-GRU', packaging: 'P8' },
      400,
      'VALIDATION_FAILED',
    );
    // … and on one, what disagrees with it is 422.
    await ok('PUT', `/locations/${bench2.id}/stock-config`, { product: 'ECH-GRU', packaging: 'P12' });
    const mismatch = await refused(
      'POST',
      '/stock/batches',
      { ...base, movement_id: randomUUID() },
      422,
      'CONFIG_MISMATCH',
    );
    expect(mismatch.details.differs).toEqual(['packaging']);
    const fits = await ok(
      'POST',
      '/stock/batches',
      { ...base, movement_id: randomUUID(), packaging: 'P12', size: 'S', bin: bin2.id },
      201,
    );
    ids.bench2 = fits.id;
    // Another farm's batch is not found.
    const other = await createFarm(t.app, admin, 'Other nursery');
    const res = await api('GET', `/stock/batches/${ids.batch}`, undefined, admin, other.slug);
    expect(res.status).toBe(404);
  });
});

describe('movements', () => {
  it('move the batch by their signed quantity; a death leaves empty pots; 0 and a sign against the type are refused', async () => {
    const sale = { id: randomUUID(), batch: ids.batch, type: 'sale', quantity: -20, unit_price_cents: 450 };
    const sold = await ok('POST', '/stock/movements', sale, 201);
    expect(sold.movement).toMatchObject({ type: 'sale', quantity: -20, total_price_cents: 9000, source: 'manual' });
    expect(sold.batch.quantity).toBe(480);
    expect((await api('POST', '/stock/movements', sale)).status).toBe(200);
    expect((await batchOf(ids.batch)).quantity).toBe(480);
    const died = await ok(
      'POST',
      '/stock/movements',
      { id: randomUUID(), batch: ids.batch, type: 'death', quantity: -5 },
      201,
    );
    expect(died.batch).toMatchObject({ quantity: 475, empty_containers: 5 });
    await ok('POST', '/stock/movements', { id: randomUUID(), batch: ids.batch, type: 'planting', quantity: 5 }, 201);

    const before = await batchOf(ids.batch);
    for (const [body, code] of [
      [{ type: 'death', quantity: 3 }, 'SIGN_AGAINST_TYPE'],
      [{ type: 'planting', quantity: -3 }, 'SIGN_AGAINST_TYPE'],
      [{ type: 'adjustment', quantity: 0 }, 'ZERO_QUANTITY'],
    ] as const) {
      const res = await refused('POST', '/stock/movements', { id: randomUUID(), batch: ids.batch, ...body }, 400, code);
      expect(JSON.stringify(res.details)).toContain('body.quantity');
    }
    await refused(
      'POST',
      '/stock/movements',
      { id: randomUUID(), batch: ids.batch, type: 'sale', quantity: -10_000 },
      409,
      'INSUFFICIENT_STOCK',
    );
    await refused(
      'POST',
      '/stock/movements',
      { id: randomUUID(), batch: ids.batch, type: 'sale', quantity: -1, from_bin: bench1.id },
      400,
      'VALIDATION_FAILED',
    );
    // Nothing written by any refusal.
    expect(await batchOf(ids.batch)).toMatchObject({
      quantity: before.quantity,
      empty_containers: before.empty_containers,
    });
    expect(await movementSum(ids.batch)).toBe(before.quantity);
  });

  it('deplete a batch at 0, and a depleted or closed batch takes nothing more', async () => {
    const batch = await ok(
      'POST',
      '/stock/batches',
      { movement_id: randomUUID(), location: bench1.id, product: 'ECH-GRU', packaging: 'P8', quantity: 3 },
      201,
    );
    const gone = await ok(
      'POST',
      '/stock/movements',
      { id: randomUUID(), batch: batch.id, type: 'sale', quantity: -3 },
      201,
    );
    expect(gone.batch).toMatchObject({ quantity: 0, status: 'depleted' });
    await refused(
      'POST',
      '/stock/movements',
      { id: randomUUID(), batch: batch.id, type: 'planting', quantity: 1 },
      409,
      'BATCH_CLOSED',
    );
    const closed = await ok('POST', `/stock/batches/${ids.second}/close`, {
      reason: 'moved to the sales area by hand',
    });
    expect(closed.status).toBe('closed');
    await refused(
      'POST',
      '/stock/movements',
      { id: randomUUID(), batch: ids.second, type: 'sale', quantity: -1 },
      409,
      'BATCH_CLOSED',
    );
  });
});

describe('transplants', () => {
  it('move plants out of one batch into one found or made at the destination, in one transaction', async () => {
    const body = {
      id: randomUUID(),
      from_batch: ids.batch,
      quantity: 100,
      to: { location: bench2.id, bin: bin2.id, packaging: 'P12' },
    };
    const moved = await ok('POST', '/stock/transplants', body, 201);
    expect(moved.out.movement).toMatchObject({ type: 'transplant_out', quantity: -100, pair_id: moved.in.movement.id });
    expect(moved.in.movement).toMatchObject({ type: 'transplant_in', quantity: 100, pair_id: body.id });
    // Bench 2 already holds a batch of that kind in that bin: the plants join it.
    expect(moved.in.batch.id).toBe(ids.bench2);
    expect(moved.in.batch.quantity).toBe(110);
    expect((await api('POST', '/stock/transplants', body)).status).toBe(200);
    expect((await batchOf(ids.bench2)).quantity).toBe(110);

    // Into a new packaging on the same bench: a new batch, with today's transplant date.
    const repot = await ok(
      'POST',
      '/stock/transplants',
      { id: randomUUID(), from_batch: ids.batch, quantity: 30, to: { packaging: 'P12' } },
      201,
    );
    expect(repot.in.batch).toMatchObject({
      location_id: bench1.id,
      packaging_id: ids.pot12,
      quantity: 30,
      initial_quantity: 30,
      transplanted_on: '2026-11-30',
      planted_on: '2026-11-01',
    });
    expect(repot.in.batch.code).toMatch(/^LOCB1-PRODECHGRU-20261130-\d{3}$/);

    const source = await batchOf(ids.batch);
    await refused(
      'POST',
      '/stock/transplants',
      { id: randomUUID(), from_batch: ids.batch, quantity: 1, to: {} },
      422,
      'TRANSPLANT_NOWHERE',
    );
    await refused(
      'POST',
      '/stock/transplants',
      { id: randomUUID(), from_batch: ids.batch, quantity: 1, to: { product: 'ECH-PLA', location: bench2.id } },
      422,
      'TRANSPLANT_OTHER_PRODUCT',
    );
    await refused(
      'POST',
      '/stock/transplants',
      { id: randomUUID(), from_batch: ids.batch, quantity: 1, to: { location: bench2.id } },
      422,
      'CONFIG_MISMATCH',
    );
    await refused(
      'POST',
      '/stock/transplants',
      { id: randomUUID(), from_batch: ids.batch, quantity: 100_000, to: { location: bench2.id, packaging: 'P12' } },
      409,
      'INSUFFICIENT_STOCK',
    );
    expect((await batchOf(ids.batch)).quantity).toBe(source.quantity);
    for (const id of [ids.batch, ids.bench2, repot.in.batch.id])
      expect(await movementSum(id)).toBe((await batchOf(id)).quantity);
  });
});

describe('counts', () => {
  it('compare with what the batch held at the count’s moment, and record the difference', async () => {
    const held = (await batchOf(ids.bench2)).quantity; // 110, since 10:00 local
    // A count made at 11:00, sent late: a sale of 10 recorded at 11:30 is not counted twice.
    t.clock.set('2026-11-30T05:00:00Z');
    await ok(
      'POST',
      '/stock/movements',
      { id: randomUUID(), batch: ids.bench2, type: 'sale', quantity: -10, occurred_at: '2026-11-30T04:30:00Z' },
      201,
    );
    const count = {
      movement_id: randomUUID(),
      location_id: bench2.id,
      counted: 104,
      counted_at: '2026-11-30T04:00:00Z',
      source: 'manual',
    };
    const answer = await ok('POST', '/stock/counts', count, 201);
    expect(answer).toMatchObject({ expected: held, counted: 104, difference: -6, recorded_as: 'sale' });
    expect(answer.movement).toMatchObject({ id: count.movement_id, type: 'sale', quantity: -6 });
    expect(answer.batch.quantity).toBe(held - 10 - 6);
    expect((await api('POST', '/stock/counts', count)).status).toBe(200);
    expect((await batchOf(ids.bench2)).quantity).toBe(held - 16);

    // Above expected: always an adjustment; the farm's default for a shortfall is a setting.
    const more = await ok(
      'POST',
      '/stock/counts',
      { ...count, movement_id: randomUUID(), counted: 100, counted_at: '2026-11-30T04:45:00Z', source: 'ai' },
      201,
    );
    expect(more).toMatchObject({ expected: 94, difference: 6, recorded_as: 'adjustment' });
    expect(more.movement).toMatchObject({ type: 'adjustment', source: 'ai', quantity: 6 });
    await ok('PUT', '/stock/settings', { count_shortfall_as: 'adjustment' });
    const short = await ok(
      'POST',
      '/stock/counts',
      { ...count, movement_id: randomUUID(), counted: 90, counted_at: '2026-11-30T04:50:00Z' },
      201,
    );
    expect(short.recorded_as).toBe('adjustment');
    const exact = await ok(
      'POST',
      '/stock/counts',
      { ...count, movement_id: randomUUID(), counted: 90, counted_at: '2026-11-30T04:55:00Z' },
      201,
    );
    expect(exact).toMatchObject({ difference: 0, recorded_as: null, movement: null });
    expect(await movementSum(ids.bench2)).toBe((await batchOf(ids.bench2)).quantity);
  });

  it('need the location’s one active batch: none or several answer 409 naming them', async () => {
    const several = await refused(
      'POST',
      '/stock/counts',
      {
        movement_id: randomUUID(),
        location_id: bench1.id,
        counted: 1,
        counted_at: '2026-11-30T04:00:00Z',
        source: 'manual',
      },
      409,
      'SEVERAL_ACTIVE_BATCHES',
    );
    expect(several.details.batches.length).toBeGreaterThan(1);
    const empty = await createLocation(t.app, admin, farm, {
      name: 'Bench 3',
      type: 'storage_location',
      parent_id: area.id,
    });
    await refused(
      'POST',
      '/stock/counts',
      {
        movement_id: randomUUID(),
        location_id: empty.id,
        counted: 1,
        counted_at: '2026-11-30T04:00:00Z',
        source: 'manual',
      },
      409,
      'NO_ACTIVE_BATCH',
    );
    // A count from before its batch began is refused (it would count the whole batch as a surplus).
    const before = await refused(
      'POST',
      '/stock/counts',
      {
        movement_id: randomUUID(),
        location_id: bench2.id,
        counted: 5,
        counted_at: '2026-11-29T00:00:00Z',
        source: 'manual',
      },
      422,
      'COUNT_BEFORE_BATCH',
    );
    expect(before.details.batch_id).toEqual(expect.any(String));
  });
});

describe('what a nursery sends and prints', () => {
  it('lists availability per product, size and pot by readiness, with prices, as JSON and CSV', async () => {
    await ok(
      'POST',
      '/prices',
      { category: 'CACT', packaging: 'P12', wholesale_cents: 300, retail_cents: 550, discount_pct: 10 },
      201,
    );
    const ready = await ok(
      'POST',
      '/stock/batches',
      {
        movement_id: randomUUID(),
        location: bench2.id,
        product: 'ECH-GRU',
        packaging: 'P12',
        quantity: 40,
        ready_on: '2026-11-20',
      },
      201,
    );
    const list = (await ok('GET', '/availability')).data as Json[];
    const p12 = list.filter((l) => l.packaging.sku === 'P12');
    const readyLine = p12.find((l) => l.readiness === 'ready')!;
    expect(readyLine).toMatchObject({
      product: { sku: 'ECH-GRU', name: 'Golden barrel' },
      size: null,
      packaging: { sku: 'P12' },
      quantity: 40,
      batches: 1,
      ready_on: '2026-11-20',
      price: { sku: 'CACT-P12', wholesale_cents: 300, retail_cents: 550, discount_pct: 10, net_retail_cents: 495 },
    });
    // The small ones repotted and moved are still growing (ready 2027-05-20).
    expect(p12.find((l) => l.size?.code === 'S')).toMatchObject({ readiness: 'growing' });
    // Nothing of a depleted or closed batch.
    expect(list.reduce((n, l) => n + l.quantity, 0)).toBe(
      ((await ok('GET', '/stock/batches?status=active')).data as Json[]).reduce((n, b) => n + b.quantity, 0),
    );
    const csv = await t.app.inject({
      method: 'GET',
      url: `/api/v1/farms/${farm.slug}/availability?format=csv`,
      headers: admin.headers,
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    const rows = csv.body.trim().split('\r\n');
    expect(rows[0]).toBe(
      'product_sku,product,size,pot_code,packaging_sku,state,readiness,ready_on,quantity,wholesale_cents,retail_cents,discount_pct,net_retail_cents',
    );
    expect(rows).toContain('ECH-GRU,Golden barrel,,,P12,,ready,2026-11-20,40,300,550,10,495');
    ids.ready = ready.id;
  });

  it('prints labels: a batch’s and a storage location’s as SVG with a QR code, sheets of them as PDF', async () => {
    const batch = await t.app.inject({
      method: 'GET',
      url: `/api/v1/farms/${farm.slug}/stock/batches/${ids.batch}/label.svg`,
      headers: admin.headers,
    });
    expect(batch.statusCode).toBe(200);
    expect(batch.headers['content-type']).toContain('image/svg+xml');
    expect(batch.body).toContain('LOCB1-PRODECHGRU-');
    expect(batch.body).toContain('Golden barrel (ECH-GRU)');
    const place = await t.app.inject({
      method: 'GET',
      url: `/api/v1/farms/${farm.slug}/locations/${bench1.id}/label.svg`,
      headers: admin.headers,
    });
    expect(place.body).toContain('Bench 1');
    const pdf = await t.app.inject({
      method: 'GET',
      url: `/api/v1/farms/${farm.slug}/stock/labels.pdf?batch=${ids.batch}&batch=${ids.ready}&location=${bench1.id}`,
      headers: admin.headers,
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    await refused('GET', `/stock/labels.pdf?batch=NOPE`, undefined, 400, 'VALIDATION_FAILED');
    await refused('GET', `/locations/${bin1.id}/label.svg`, undefined, 400, 'VALIDATION_FAILED');
    // A place named by something that is not an id is simply not found (no database error).
    expect(await t.deps.db.farm(farm.id, (tx) => locationReads.find(tx, farm.id, 'not-an-id'))).toBeUndefined();
  });
});

describe('the monthly reconciliation', () => {
  const upload = (csv: string, month = '2026-11') =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/farms/${farm.slug}/stock/reconciliation/monthly?month=${month}`,
      headers: { ...admin.headers, 'content-type': 'text/csv' },
      payload: csv,
    });

  it('sets what the stock says was sold against the sales file, line by line', async () => {
    const res = await upload(
      'product_sku,packaging_sku,quantity_sold,sale_date\r\nECH-GRU,P8,30,2026-11-15\r\nech-gru,p8,5,2026-11-20\r\n',
    );
    expect(res.statusCode, res.body).toBe(200);
    const lines = res.json().lines as Json[];
    const p8 = lines.find((l) => l.packaging_sku === 'P8')!;
    // Everything began in November: 500 + 500 + 3 started; 20 and 3 sold, 5 died, 5 planted, 130 repotted or moved.
    expect(p8).toMatchObject({
      product_sku: 'ECH-GRU',
      baseline: 0,
      sold_by_stock: 23,
      sold_by_file: 35,
      variance: 12,
    });
    expect(
      p8.baseline + p8.initialised + p8.plantings - p8.deaths - p8.transplants_out + p8.adjustments - p8.month_end,
    ).toBe(23);
    // A product in a packaging the file does not name: no variance to give.
    expect(lines.find((l) => l.packaging_sku === 'P12')).toMatchObject({ sold_by_file: null, variance: null });
  });

  it('reads nothing from a bad file, names each bad line, and has its own body limit', async () => {
    const res = await upload(
      'product_sku,packaging_sku,quantity_sold,sale_date\nECH-GRU,NOPE,5,\nECH-GRU,P8,-1,\nECH-GRU,P8,2,2026-10-31\n',
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error_code: 'CSV_INVALID' });
    expect(res.json().details.errors).toEqual([
      { line: 2, field: 'packaging_sku', code: 'NOT_FOUND', message: 'no such packaging in this farm' },
      { line: 3, field: 'quantity_sold', code: 'OUT_OF_RANGE', message: 'must be 0 or more' },
      { line: 4, field: 'sale_date', code: 'OUT_OF_RANGE', message: 'is not in 2026-11' },
    ]);
    const big = await upload(`product_sku,packaging_sku,quantity_sold\n${'ECH-GRU,P8,1\n'.repeat(500_000)}`);
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error_code: expect.any(String), message: expect.any(String) });
    expect((await upload('product_sku,packaging_sku,quantity_sold\n', '2026-13')).statusCode).toBe(400);
  });
});

describe('the nightly reconciliation', () => {
  it('reports a batch that differs from the sum of its movements, and changes nothing', async () => {
    const clean = await t.deps.services.stockSetup.reconcile(farm.id);
    expect(clean).toBe(0);
    // A projection broken behind the ledger's back (as a bug or a hand edit would).
    await t.deps.db.system((tx) =>
      tx.updateTable('stock_batches').set({ quantity: 7 }).where('id', '=', ids.bench2).execute(),
    );
    expect(await t.deps.services.stockSetup.reconcile(farm.id)).toBe(1);
    const report = (await ok('GET', '/stock/reconciliations')).data as Json[];
    expect(report[0]!.mismatches).toEqual([
      { id: ids.bench2, code: expect.any(String), quantity: 7, movements: await movementSum(ids.bench2) },
    ]);
    expect(report[1]!.mismatches).toEqual([]);
    expect((await batchOf(ids.bench2)).quantity).toBe(7);
    const audit = (await ok('GET', '/audit?event_type=stock.reconciliation_mismatch')).data as Json[];
    expect(audit[0]).toMatchObject({ severity: 'critical' });
  });
});
