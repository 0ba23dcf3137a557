import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type Json } from '../../../test/helpers/app.js';
import {
  createLocation,
  setupAdmin,
  type Actor,
  type FarmRef,
  type Location,
} from '../../../test/helpers/factories.js';

/**
 * The ledger's invariant against the database: whatever sequence of movements, transplants and counts
 * arrives — in order, or at once from many writers, resends included — every batch equals the sum of its
 * movements, none goes below 0, and a resent id is stored once.
 */

let t: TestApp;
let admin: Actor;
let farm: FarmRef;
let benches: Location[] = [];

async function api(method: string, path: string, payload?: unknown) {
  const res = await t.app.inject({
    method: method as 'POST',
    url: `/api/v1/farms/${farm.slug}${path}`,
    headers: admin.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : null) as Json };
}

/** Every batch of the farm whose quantity is not the sum of its movements, or below 0. */
async function inconsistent() {
  const { rows } = await t.deps.db.system((tx) =>
    sql<{ code: string; quantity: number; total: number }>`
      select b.code, b.quantity, coalesce(sum(m.quantity), 0)::int8 as total
      from stock_batches b left join stock_movements m on m.farm_id = b.farm_id and m.batch_id = b.id
      where b.farm_id = ${farm.id}
      group by b.id, b.code, b.quantity
      having b.quantity <> coalesce(sum(m.quantity), 0) or b.quantity < 0`.execute(tx),
  );
  return rows;
}

/** Closes every active batch on the rows, so each run starts with its own. */
async function closeAll() {
  for (const bench of benches) {
    const { body } = await api('GET', `/stock/batches?location=${bench.id}&status=active`);
    for (const b of body.data as Json[]) await api('POST', `/stock/batches/${b.id}/close`, {});
  }
}

async function newBatch(bench: Location, quantity: number): Promise<string> {
  const res = await api('POST', '/stock/batches', {
    movement_id: randomUUID(),
    location: bench.id,
    product: 'OPU',
    packaging: 'P10',
    quantity,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

beforeAll(async () => {
  t = await createTestApp();
  ({ admin, farm } = await setupAdmin(t.app));
  const house = await createLocation(t.app, admin, farm, { name: 'Tunnel', type: 'warehouse' });
  const area = await createLocation(t.app, admin, farm, { name: 'South', type: 'storage_area', parent_id: house.id });
  benches = [];
  for (const n of [1, 2, 3])
    benches.push(
      await createLocation(t.app, admin, farm, { name: `Row ${n}`, type: 'storage_location', parent_id: area.id }),
    );
  const category = (await api('POST', '/product-categories', { code: 'SUCC', name: 'Succulents' })).body;
  const family = (await api('POST', '/product-families', { category: category.id, name: 'Opuntia' })).body;
  expect((await api('POST', '/products', { family: family.id, sku: 'OPU', name: 'Opuntia' })).status).toBe(201);
  expect((await api('POST', '/packaging', { sku: 'P10', name: 'Pot 10', type: 'pot' })).status).toBe(201);
  expect((await api('POST', '/packaging', { sku: 'P14', name: 'Pot 14', type: 'pot' })).status).toBe(201);
});

afterAll(() => t.close());

const operation = fc.oneof(
  fc.record({
    op: fc.constant('move' as const),
    type: fc.constantFrom('planting', 'sowing', 'death', 'sale', 'adjustment'),
    size: fc.integer({ min: 1, max: 40 }),
    up: fc.boolean(),
    batch: fc.nat(2),
    resend: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('transplant' as const),
    size: fc.integer({ min: 1, max: 40 }),
    batch: fc.nat(2),
    to: fc.nat(2),
    repot: fc.boolean(),
  }),
  fc.record({ op: fc.constant('count' as const), counted: fc.integer({ min: 0, max: 120 }), bench: fc.nat(2) }),
);

describe('the ledger', () => {
  it('keeps every batch equal to the sum of its movements over random sequences (property, against the database)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 15 }), async (ops) => {
        // Fresh benches' batches for each run: one active batch per row.
        await closeAll();
        const batches: string[] = [];
        for (const bench of benches) batches.push(await newBatch(bench, 50));
        for (const o of ops) {
          if (o.op === 'move') {
            const out = ['death', 'sale'].includes(o.type) || (o.type === 'adjustment' && !o.up);
            const body = { id: randomUUID(), batch: batches[o.batch], type: o.type, quantity: out ? -o.size : o.size };
            const first = await api('POST', '/stock/movements', body);
            expect([201, 409]).toContain(first.status);
            if (o.resend && first.status === 201)
              expect((await api('POST', '/stock/movements', body)).status).toBe(200);
          } else if (o.op === 'transplant') {
            const to = o.to === o.batch ? (o.to + 1) % 3 : o.to;
            const res = await api('POST', '/stock/transplants', {
              id: randomUUID(),
              from_batch: batches[o.batch],
              quantity: o.size,
              to: { location: benches[to]!.id, ...(o.repot ? { packaging: 'P14' } : {}) },
            });
            expect([201, 409]).toContain(res.status);
          } else {
            const res = await api('POST', '/stock/counts', {
              movement_id: randomUUID(),
              location_id: benches[o.bench]!.id,
              counted: o.counted,
              counted_at: t.clock.now().toISOString(),
              source: 'ai',
            });
            // A transplant may have put a second kind (repotted) on the row: the count names them.
            expect([201, 409]).toContain(res.status);
          }
        }
        expect(await inconsistent()).toEqual([]);
      }),
      { numRuns: 12, seed: 20261130 },
    );
  });

  it('ends consistent with many writers at once, resends included, each id stored once', async () => {
    await closeAll();
    const a = await newBatch(benches[0]!, 1000);
    const b = await newBatch(benches[1]!, 1000);
    const requests: Array<{ path: string; body: Record<string, unknown> }> = [];
    for (let i = 0; i < 60; i++) {
      const kind = i % 4;
      const body =
        kind === 0
          ? { id: randomUUID(), batch: a, type: 'sale', quantity: -7 }
          : kind === 1
            ? { id: randomUUID(), batch: b, type: 'planting', quantity: 5 }
            : kind === 2
              ? { id: randomUUID(), from_batch: a, quantity: 3, to: { location: benches[1]!.id } }
              : { id: randomUUID(), from_batch: b, quantity: 2, to: { location: benches[0]!.id } };
      requests.push({ path: kind < 2 ? '/stock/movements' : '/stock/transplants', body });
    }
    // Every request twice, all at once: crossing transplants, resends racing their twins.
    const answers = await Promise.all([...requests, ...requests].map((r) => api('POST', r.path, r.body)));
    for (const answer of answers) expect([200, 201], JSON.stringify(answer.body)).toContain(answer.status);
    expect(answers.filter((x) => x.status === 201)).toHaveLength(requests.length);
    const stored = await t.deps.db.system((tx) =>
      tx
        .selectFrom('stock_movements')
        .select(sql<number>`count(*)::int8`.as('n'))
        .where('farm_id', '=', farm.id)
        .where(
          'id',
          'in',
          requests.map((r) => r.body.id as string),
        )
        .executeTakeFirstOrThrow(),
    );
    expect(Number(stored.n)).toBe(requests.length);
    expect(await inconsistent()).toEqual([]);
    // 15 sales of 7 and 15 transplants of 3 left a; 15 transplants of 2 came in.
    const held = async (id: string) => (await api('GET', `/stock/batches/${id}`)).body.quantity;
    expect(await held(a)).toBe(1000 - 15 * 7 - 15 * 3 + 15 * 2);
    expect(await held(b)).toBe(1000 + 15 * 5 + 15 * 3 - 15 * 2);
  });

  it('answers twins of a new batch or a transplant to a new place once, leaving no stray batch', async () => {
    await closeAll();
    const source = await newBatch(benches[0]!, 100);
    const start = {
      movement_id: randomUUID(),
      location: benches[1]!.id,
      product: 'OPU',
      packaging: 'P10',
      quantity: 9,
    };
    const starts = await Promise.all([api('POST', '/stock/batches', start), api('POST', '/stock/batches', start)]);
    expect(starts.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(starts[0]!.body.id).toBe(starts[1]!.body.id);
    // Into a packaging nothing on row 3 holds yet: both twins would make the destination batch.
    const move = {
      id: randomUUID(),
      from_batch: source,
      quantity: 4,
      to: { location: benches[2]!.id, packaging: 'P14' },
    };
    const moves = await Promise.all([api('POST', '/stock/transplants', move), api('POST', '/stock/transplants', move)]);
    expect(moves.map((r) => r.status).sort()).toEqual([200, 201]);
    const onRow3 = (await api('GET', `/stock/batches?location=${benches[2]!.id}&status=active`)).body.data as Json[];
    expect(onRow3.map((b) => b.quantity)).toEqual([4]);
    // A resend is answered by its id, even after the batch closed and the place's config changed since.
    expect((await api('POST', `/stock/batches/${starts[0]!.body.id}/close`, {})).status).toBe(200);
    expect(
      (await api('PUT', `/locations/${benches[1]!.id}/stock-config`, { product: 'OPU', packaging: 'P14' })).status,
    ).toBe(200);
    expect((await api('POST', '/stock/batches', start)).status).toBe(200);
    expect((await api('DELETE', `/locations/${benches[1]!.id}/stock-config`)).status).toBe(204);
    expect(await inconsistent()).toEqual([]);
  });
});
