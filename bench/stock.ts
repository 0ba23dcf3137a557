/**
 * `npm run bench:stock` (issue #21): the stock ledger under load. Everything goes through the real HTTP
 * API in process (`app.inject`: routing, auth, schema validation, the service and its transaction — no
 * socket). Each figure comes with a ratio to a baseline measured in the same run, on the same database:
 *
 * 1. Movement writes with many writers at once on PostgreSQL (sales, plantings and transplants spread
 *    over a nursery's batches), and one writer on PGlite: requests/s, movement rows/s and the p95 of a
 *    request. Baseline: bare single-row INSERTs (each its own statement and commit) of as many rows into
 *    a plain table of the movements' shape (`like stock_movements`: no checks, keys, lock or projection),
 *    by as many writers. ratio = ledger rows/s ÷ bare rows/s.
 * 2. Afterwards, one query: batches whose quantity is not the sum of their movements, or below 0 (must be 0).
 * 3. Already-accepted movement requests resent (same ids, same bodies): rows added (must be 0) and the
 *    replays/s, as a ratio to the bare inserts/s.
 * 4. `GET …/availability` p50/p95 with 100,000 more batches bulk-loaded (each with its manual_init
 *    movement, so the ledger stays whole). Baseline: `select count(*), sum(quantity) from stock_batches
 *    where farm_id = …` in the same farm-scoped transaction the service uses (RLS included), without HTTP.
 *
 * Exits non-zero when a mismatch is found, a replay added a row or did not answer 200, or a write was refused.
 *
 *   BENCH_STOCK_WRITERS=50 BENCH_STOCK_REQUESTS=3000 BENCH_STOCK_LOCATIONS=10 BENCH_STOCK_PRODUCTS=5
 *   BENCH_STOCK_PGLITE_REQUESTS=1000 BENCH_STOCK_REPLAYS=1000 BENCH_STOCK_AVAILABILITY_BATCHES=100000
 *   BENCH_STOCK_AVAILABILITY_CALLS=30 BENCH_STOCK_POOL=10 BENCH_BACKENDS=pglite,postgres
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { App } from '../src/app.js';
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres } from './databases.js';
import { benchFarm, startBenchServer } from './server.js';

const size = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0`);
  return value;
};
const WRITERS = size('BENCH_STOCK_WRITERS', 50);
const REQUESTS = size('BENCH_STOCK_REQUESTS', 3000);
const LOCATIONS = size('BENCH_STOCK_LOCATIONS', 10);
const PRODUCTS = size('BENCH_STOCK_PRODUCTS', 5);
const PGLITE_REQUESTS = size('BENCH_STOCK_PGLITE_REQUESTS', 1000);
const REPLAYS = size('BENCH_STOCK_REPLAYS', 1000);
const BULK_BATCHES = size('BENCH_STOCK_AVAILABILITY_BATCHES', 100_000);
const AVAILABILITY_CALLS = size('BENCH_STOCK_AVAILABILITY_CALLS', 30);
const POOL = size('BENCH_STOCK_POOL', 10);
const TIME_ZONE = 'Asia/Phnom_Penh';
/** Each batch starts this full, so sales never empty one (a depleted batch takes no movement). */
const START_QUANTITY = 100_000;

const failures: string[] = [];

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const rate = (n: number, msTaken: number) => n / (msTaken / 1000);
const whole = (x: number) => Math.round(x).toLocaleString('en');

/** Mulberry32: the same workload every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Farm {
  app: App;
  db: Database;
  id: string;
  slug: string;
  headers: { authorization: string };
  locations: string[];
  products: string[];
  packaging: string;
  batches: Array<{ id: string; location: number; product: number }>;
}

interface Request {
  path: '/stock/movements' | '/stock/transplants';
  body: Record<string, unknown>;
  /** Movement rows it makes: 2 for a transplant (out and in). */
  rows: number;
}

async function call(farm: Farm, method: 'GET' | 'POST', path: string, payload?: Record<string, unknown>) {
  const res = await farm.app.inject({
    method,
    url: `/api/v1/farms/${farm.slug}${path}`,
    headers: farm.headers,
    ...(payload ? { payload } : {}),
  });
  return res;
}

async function made(farm: Farm, path: string, payload: Record<string, unknown>): Promise<{ id: string }> {
  const res = await call(farm, 'POST', path, payload);
  if (res.statusCode !== 201) throw new Error(`POST ${path} answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

/**
 * A nursery through the API: a warehouse, an area, `LOCATIONS` storage locations (benches), `PRODUCTS`
 * products in one pot, priced, and one batch of each product on each bench.
 */
async function nursery(app: App, db: Database): Promise<Farm> {
  const setup = await benchFarm(app, TIME_ZONE, 'Bench Nursery');
  const farm: Farm = {
    app,
    db,
    id: setup.farm.id,
    slug: setup.farm.slug,
    headers: { authorization: `Bearer ${setup.access_token}` },
    locations: [],
    products: [],
    packaging: 'P10',
    batches: [],
  };
  const house = await made(farm, '/locations', { name: 'Shade house', type: 'warehouse' });
  const area = await made(farm, '/locations', { name: 'North', type: 'storage_area', parent_id: house.id });
  for (let l = 1; l <= LOCATIONS; l++)
    farm.locations.push(
      (await made(farm, '/locations', { name: `Bench ${l}`, type: 'storage_location', parent_id: area.id })).id,
    );
  await made(farm, '/product-categories', { code: 'SUCC', name: 'Succulents' });
  const family = await made(farm, '/product-families', { category: 'SUCC', name: 'Opuntia' });
  for (let p = 1; p <= PRODUCTS; p++) {
    const sku = `OPU${String(p).padStart(2, '0')}`;
    await made(farm, '/products', { family: family.id, sku, name: `Opuntia ${p}` });
    farm.products.push(sku);
  }
  await made(farm, '/packaging', { sku: farm.packaging, name: 'Pot 10', type: 'pot' });
  await made(farm, '/prices', { category: 'SUCC', packaging: farm.packaging, wholesale_cents: 250, retail_cents: 450 });
  for (let p = 0; p < PRODUCTS; p++)
    for (let l = 0; l < LOCATIONS; l++) {
      const batch = await made(farm, '/stock/batches', {
        movement_id: randomUUID(),
        location: farm.locations[l]!,
        product: farm.products[p]!,
        packaging: farm.packaging,
        quantity: START_QUANTITY,
      });
      farm.batches.push({ id: batch.id, location: l, product: p });
    }
  return farm;
}

/**
 * `count` requests as a nursery makes them: 40 % sales (1–10 plants), 30 % plantings (1–10), 30 %
 * transplants (1–5 plants to the same product's batch on another bench, found there, so the number of
 * batches stays put), each on a batch drawn at random.
 */
function workload(farm: Farm, count: number, seed: number): Request[] {
  const next = random(seed);
  const pick = (n: number) => Math.floor(next() * n);
  return Array.from({ length: count }, (): Request => {
    const batch = farm.batches[pick(farm.batches.length)]!;
    const kind = next();
    if (kind < 0.4)
      return {
        path: '/stock/movements',
        body: { id: randomUUID(), batch: batch.id, type: 'sale', quantity: -(1 + pick(10)), unit_price_cents: 450 },
        rows: 1,
      };
    if (kind < 0.7 || LOCATIONS < 2)
      return {
        path: '/stock/movements',
        body: { id: randomUUID(), batch: batch.id, type: 'planting', quantity: 1 + pick(10) },
        rows: 1,
      };
    const to = (batch.location + 1 + pick(LOCATIONS - 1)) % LOCATIONS;
    return {
      path: '/stock/transplants',
      body: { id: randomUUID(), from_batch: batch.id, quantity: 1 + pick(5), to: { location: farm.locations[to]! } },
      rows: 2,
    };
  });
}

/** Runs `requests` through `writers` concurrent writers (each takes the next one when its last is answered). */
async function drive(farm: Farm, requests: Request[], writers: number) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const accepted: Request[] = [];
  const errors: string[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(writers, requests.length) }, async () => {
      for (let i = next++; i < requests.length; i = next++) {
        const request = requests[i]!;
        const t0 = performance.now();
        const res = await call(farm, 'POST', request.path, request.body);
        latencies.push(performance.now() - t0);
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode === 201) accepted.push(request);
        else if (res.statusCode !== 200 && errors.length < 3) errors.push(`${res.statusCode} ${res.body}`);
      }
    }),
  );
  const took = performance.now() - started;
  const used = process.cpuUsage(cpu);
  // How busy this process was (server and writers share one event loop): near 100 %, it sets the pace.
  const busy = (used.user + used.system) / 1000 / took;
  return { took, latencies, statuses, accepted, errors, busy };
}

const statusLine = (statuses: Map<number, number>) =>
  [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${n}× ${status}`)
    .join(', ');

async function movementRows(db: Database, farmId: string): Promise<number> {
  return db.system(async (tx) => {
    const { rows } = await sql<{
      n: string;
    }>`select count(*) as n from stock_movements where farm_id = ${farmId}`.execute(tx);
    return Number(rows[0]!.n);
  });
}

/** One query over the whole database: batches that are not the sum of their movements, or below 0. */
async function mismatches(db: Database): Promise<{ mismatches: number; batches: number }> {
  return db.system(async (tx) => {
    const { rows } = await sql<{ mismatches: string; batches: string }>`
      select count(*) filter (where b.quantity <> coalesce(m.total, 0) or b.quantity < 0) as mismatches,
        count(*) as batches
      from stock_batches b
      left join (select farm_id, batch_id, sum(quantity) as total from stock_movements group by farm_id, batch_id) m
        on m.farm_id = b.farm_id and m.batch_id = b.id`.execute(tx);
    return { mismatches: Number(rows[0]!.mismatches), batches: Number(rows[0]!.batches) };
  });
}

async function checkLedger(name: string, db: Database, when: string): Promise<void> {
  const found = await mismatches(db);
  console.log(`  ${when}: mismatches: ${found.mismatches}  (of ${whole(found.batches)} batches)`);
  if (found.mismatches !== 0)
    failures.push(`${name}: ${found.mismatches} batches ${when} are not their movements' sum`);
}

/**
 * Baseline: `rows` bare single-row INSERTs into a plain table of the movements' shape (column types and
 * not-nulls only), by `writers` concurrent writers on the same database, each statement its own commit.
 */
async function bareInserts(db: Database, farm: Farm, rows: number, writers: number) {
  await db.raw.executeSql('create table bench_bare_movements (like stock_movements)');
  const now = new Date();
  const values = Array.from({ length: rows }, (_, i) => [
    randomUUID(),
    farm.id,
    farm.batches[i % farm.batches.length]!.id,
    i % 2 ? 'sale' : 'planting',
    'manual',
    i % 2 ? -3 : 3,
    now,
    now,
    'a'.repeat(64),
  ]);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(writers, rows) }, async () => {
      for (let i = next++; i < rows; i = next++)
        await db.raw.executeSql(
          `insert into bench_bare_movements (id, farm_id, batch_id, type, source, quantity, occurred_at, recorded_at,
            request_hash) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          values[i],
        );
    }),
  );
  const took = performance.now() - started;
  await db.raw.executeSql('drop table bench_bare_movements');
  return took;
}

/** Figure 1: the writers' run and its baseline, then figure 2 on what it left. */
async function writes(name: string, farm: Farm, count: number, writers: number, seed: number) {
  const requests = workload(farm, count, seed);
  const before = await movementRows(farm.db, farm.id);
  const run = await drive(farm, requests, writers);
  const rows = (await movementRows(farm.db, farm.id)) - before;
  const bare = await bareInserts(farm.db, farm, rows, writers);
  const ledgerRate = rate(rows, run.took);
  const bareRate = rate(rows, bare);
  const sales = requests.filter((r) => r.body.type === 'sale').length;
  const transplants = requests.filter((r) => r.path === '/stock/transplants').length;
  console.log(
    `  workload: ${whole(count)} requests by ${writers} writer${writers > 1 ? 's' : ''} over ${farm.batches.length} batches ` +
      `(${sales} sales, ${count - sales - transplants} plantings, ${transplants} transplants) → ${statusLine(run.statuses)}`,
  );
  for (const error of run.errors) console.log(`    e.g. ${error}`);
  console.log(
    `  bare INSERT of ${whole(rows)} rows, ${writers} writer${writers > 1 ? 's' : ''} (baseline)   ${whole(bareRate)} rows/s`,
  );
  console.log(
    `  ledger via HTTP: ${whole(rate(run.accepted.length, run.took))} requests/s, ${whole(ledgerRate)} movement rows/s  ` +
      `ratio = ${(ledgerRate / bareRate).toFixed(3)}  (p95 ${ms(percentile(run.latencies, 0.95))}, ` +
      `p50 ${ms(percentile(run.latencies, 0.5))} a request; ${(run.took / 1000).toFixed(1)} s; ` +
      `this process ${Math.round(run.busy * 100)} % of a core)`,
  );
  if (run.accepted.length !== count) failures.push(`${name}: ${count - run.accepted.length} writes were not accepted`);
  await checkLedger(name, farm.db, 'after the writes');
  return { accepted: run.accepted, bareRate, ledgerRequestRate: rate(run.accepted.length, run.took) };
}

/** Figure 3: accepted requests resent as they were: no row may be added. */
async function replays(name: string, farm: Farm, accepted: Request[], bareRate: number, firstRate: number) {
  const step = Math.max(1, accepted.length / REPLAYS);
  const chosen = Array.from({ length: Math.min(REPLAYS, accepted.length) }, (_, i) => accepted[Math.floor(i * step)]!);
  const count = async () =>
    farm.db.system(async (tx) => {
      const { rows } = await sql<{ movements: string; batches: string; audit: string }>`
        select (select count(*) from stock_movements where farm_id = ${farm.id}) as movements,
          (select count(*) from stock_batches where farm_id = ${farm.id}) as batches,
          (select count(*) from audit_log where farm_id = ${farm.id}) as audit`.execute(tx);
      return {
        movements: Number(rows[0]!.movements),
        batches: Number(rows[0]!.batches),
        audit: Number(rows[0]!.audit),
      };
    });
  const before = await count();
  const run = await drive(farm, chosen, WRITERS);
  const after = await count();
  const added = after.movements - before.movements + (after.batches - before.batches) + (after.audit - before.audit);
  const replayRate = rate(chosen.length, run.took);
  console.log(
    `  ${whole(chosen.length)} accepted requests resent (same ids, same bodies), ${WRITERS} writers → ${statusLine(run.statuses)}`,
  );
  for (const error of run.errors) console.log(`    e.g. ${error}`);
  console.log(
    `    movement rows ${whole(before.movements)} → ${whole(after.movements)}, batches ${whole(before.batches)} → ` +
      `${whole(after.batches)}, audit rows ${whole(before.audit)} → ${whole(after.audit)}: ${added} rows added`,
  );
  console.log(
    `    replays ${whole(replayRate)} requests/s  ratio = ${(replayRate / bareRate).toFixed(3)} of the bare inserts/s ` +
      `(${(replayRate / firstRate).toFixed(2)}× the first writes' requests/s; p95 ${ms(percentile(run.latencies, 0.95))})`,
  );
  if (added !== 0) failures.push(`${name}: replays added ${added} rows`);
  if (run.statuses.get(200) !== chosen.length) failures.push(`${name}: not every replay answered 200`);
}

/** Figure 4: the availability list over many batches, against a bare count and sum of them. */
async function availability(name: string, farm: Farm) {
  const ids = await farm.db.system(async (tx) => {
    const { rows } = await sql<{ id: string }>`select id from products where farm_id = ${farm.id} order by sku`.execute(
      tx,
    );
    const packaging = await sql<{ id: string }>`select id from packaging where farm_id = ${farm.id}`.execute(tx);
    return { products: rows.map((r) => r.id), packaging: packaging.rows[0]!.id };
  });
  // Every batch with its manual_init movement of the same quantity, in one transaction: the ledger stays
  // whole. A tenth are closed; expected-ready dates spread over four months around today, so every
  // readiness shows up. On a connection of its own (the server's role, outside row-level security): a pooled
  // one keeps the foreign-key check's plan made when the farm had 50 batches (a sequential scan of
  // stock_batches), which makes this load quadratic (10,000 batches: 15 s instead of 0.7 s).
  const load = performance.now();
  const url = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${(await farm.db.raw.executeSql('select current_database() as name')).rows[0]!.name as string}`;
  const loader = new pg.Client({ connectionString: url.toString() });
  await loader.connect();
  try {
    await loader.query('begin');
    await loader.query(
      `insert into stock_batches (farm_id, code, location_id, product_id, packaging_id, initial_quantity, quantity,
        planted_on, ready_on, status, created_at, updated_at)
      select $1::uuid, 'BULK-' || lpad(i::text, 7, '0'), ($2::uuid[])[1 + i % $3], ($4::uuid[])[1 + (i / $3) % $5],
        $6::uuid, 1 + i % 500, 1 + i % 500, current_date - 90, current_date + (i % 120 - 60),
        case when i % 10 = 0 then 'closed' else 'active' end, now(), now()
      from generate_series(1, $7::int) as i`,
      [farm.id, farm.locations, farm.locations.length, ids.products, ids.products.length, ids.packaging, BULK_BATCHES],
    );
    await loader.query('analyze stock_batches');
    await loader.query(
      `insert into stock_movements (id, farm_id, batch_id, type, source, quantity, occurred_at, recorded_at)
      select gen_random_uuid(), farm_id, id, 'manual_init', 'manual', quantity, created_at, created_at
      from stock_batches where farm_id = $1 and code like 'BULK-%'`,
      [farm.id],
    );
    await loader.query('commit');
  } finally {
    await loader.end();
  }
  // What autovacuum would do shortly after such a load.
  await farm.db.raw.executeSql('analyze stock_batches; analyze stock_movements');
  const loaded = performance.now() - load;
  console.log(
    `  ${whole(BULK_BATCHES)} batches with their manual_init movements bulk-loaded in ${(loaded / 1000).toFixed(1)} s (INSERT … SELECT in one transaction, own connection)`,
  );
  await checkLedger(name, farm.db, 'after the load');

  const bare: number[] = [];
  let counted = { n: 0, sum: 0 };
  for (let i = 0; i < AVAILABILITY_CALLS + 3; i++) {
    const t0 = performance.now();
    const row = await farm.db.farm(farm.id, async (tx) => {
      const { rows } = await sql<{ n: string; sum: string }>`
        select count(*) as n, sum(quantity) as sum from stock_batches where farm_id = ${farm.id}`.execute(tx);
      return rows[0]!;
    });
    if (i >= 3) bare.push(performance.now() - t0); // the first three warm up
    counted = { n: Number(row.n), sum: Number(row.sum) };
  }
  const list: number[] = [];
  let lines = 0;
  for (let i = 0; i < AVAILABILITY_CALLS + 3; i++) {
    const t0 = performance.now();
    const res = await call(farm, 'GET', '/availability');
    if (res.statusCode !== 200) throw new Error(`availability answered ${res.statusCode}: ${res.body}`);
    if (i >= 3) list.push(performance.now() - t0);
    lines = (res.json() as { data: unknown[] }).data.length;
  }
  const bareP95 = percentile(bare, 0.95);
  console.log(
    `  bare count(*), sum(quantity) of the farm's ${whole(counted.n)} batches (baseline)  p50 ${ms(percentile(bare, 0.5))}  p95 ${ms(bareP95)}`,
  );
  console.log(
    `  GET …/availability (${lines} lines), ${AVAILABILITY_CALLS} calls  p50 ${ms(percentile(list, 0.5))}  ` +
      `p95 ${ms(percentile(list, 0.95))}  ratio = ${(percentile(list, 0.95) / bareP95).toFixed(1)} (p95 ÷ baseline p95)`,
  );
}

async function onPgliteRun(db: Database): Promise<void> {
  const name = 'PGlite (in this process, file-backed)';
  const server = await startBenchServer(db);
  try {
    console.log(`\n${name}`);
    const farm = await nursery(server.app, db);
    await writes(name, farm, PGLITE_REQUESTS, 1, 21);
  } finally {
    await server.stop();
  }
}

async function onPostgresRun(db: Database): Promise<void> {
  const name = `PostgreSQL (pool of ${POOL})`;
  const server = await startBenchServer(db);
  try {
    console.log(`\n${name}`);
    const farm = await nursery(server.app, db);
    const written = await writes(name, farm, REQUESTS, WRITERS, 21);
    await replays(name, farm, written.accepted, written.bareRate, written.ledgerRequestRate);
    await availability(name, farm);
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const backends = (process.env.BENCH_BACKENDS ?? 'pglite,postgres').split(',');
  console.log(
    `bench:stock — HTTP through app.inject (in process, no socket); sizes: ${LOCATIONS} storage locations × ` +
      `${PRODUCTS} products = ${LOCATIONS * PRODUCTS} batches; PostgreSQL ${whole(REQUESTS)} requests by ${WRITERS} ` +
      `writers (pool ${POOL}); PGlite ${whole(PGLITE_REQUESTS)} requests by 1 writer; ${whole(REPLAYS)} replays; ` +
      `availability over ${whole(BULK_BATCHES)} more batches, ${AVAILABILITY_CALLS} calls`,
  );
  if (backends.includes('pglite')) await onPglite(onPgliteRun);
  if (backends.includes('postgres')) await onPostgres(onPostgresRun, POOL);
  if (failures.length > 0) {
    console.error(`\nFAILED:\n${failures.map((f) => `  ${f}`).join('\n')}`);
    process.exitCode = 1;
  }
}

await main();
