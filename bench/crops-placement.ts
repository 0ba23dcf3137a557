/**
 * `npm run bench:crops-placement` (issue #22): the crops rules at farm scale, on a farm of 5,000 slots
 * (100 beds of 50 in one field, each slot touching the next), 50,000 past plantings over the last five
 * years (every species of the shipped catalogue in turn, each taken out after a season) and an active
 * plant in every other slot, with the full seed catalogue (companion pairs, successors) loaded. Each
 * section prints its figures as ratios to a baseline measured in the same run, on the same database:
 *
 * - placement: the p95 of the placement check (`POST …/plants/validate-placement` over HTTP in
 *   process, and the service call alone) for random species in random slots. Baseline: the p95 of a
 *   primary-key read of one slot in a farm-scoped transaction (row-level security included).
 *
 * The npm script then runs bench/crops-care.ts: the daily care job over 5,000 cared-for plants as a
 * ratio to a scan of their rows (its own farm: care needs profiles, not slots). No assertions: figures.
 *
 *   BENCH_PLACEMENT_BEDS=100 BENCH_PLACEMENT_SLOTS_PER_BED=50 BENCH_PLACEMENT_PLANTINGS_PER_SLOT=10
 *   BENCH_PLACEMENT_CALLS=300 BENCH_BACKENDS=pglite,postgres
 */
import { sql } from 'kysely';
import type { App } from '../src/app.js';
import type { AppDeps } from '../src/deps.js';
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres } from './databases.js';
import { benchFarm, startBenchServer } from './server.js';

const size = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0`);
  return value;
};
const BEDS = size('BENCH_PLACEMENT_BEDS', 100);
const SLOTS_PER_BED = size('BENCH_PLACEMENT_SLOTS_PER_BED', 50);
const PLANTINGS_PER_SLOT = size('BENCH_PLACEMENT_PLANTINGS_PER_SLOT', 10);
const CALLS = size('BENCH_PLACEMENT_CALLS', 300);
const YEARS = 5;
const TIME_ZONE = 'Asia/Phnom_Penh';

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

/** Mulberry32: the same workload every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await fn();
  return { ms: performance.now() - started, result };
}

/** The farm every section works on. */
interface BenchFarm {
  name: string;
  db: Database;
  app: App;
  deps: AppDeps;
  headers: Record<string, string>;
  farmId: string;
  slug: string;
  slots: string[];
  species: string[];
  ctx: Parameters<AppDeps['services']['placement']['validate']>[0];
}

/** The baseline of every section: p95 and median of a primary-key read of one slot (farm-scoped). */
async function slotRead(farm: BenchFarm, calls: number): Promise<{ p95: number; median: number }> {
  const next = random(7);
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const id = farm.slots[Math.floor(next() * farm.slots.length)]!;
    const read = await timed(() =>
      farm.db.farm(farm.farmId, (tx) =>
        tx
          .selectFrom('locations')
          .selectAll()
          .where('farm_id', '=', farm.farmId)
          .where('id', '=', id)
          .executeTakeFirst(),
      ),
    );
    if (!read.result) throw new Error('the slot read found nothing');
    times.push(read.ms);
  }
  return { p95: percentile(times, 0.95), median: percentile(times, 0.5) };
}

/** The placement check for random species in random slots, over HTTP and as a service call. */
async function placementSection(farm: BenchFarm): Promise<void> {
  const baseline = await slotRead(farm, CALLS);
  const next = random(42);
  const pick = () => ({
    species_id: farm.species[Math.floor(next() * farm.species.length)]!,
    location_id: farm.slots[Math.floor(next() * farm.slots.length)]!,
  });
  const http: number[] = [];
  const verdicts = new Map<string, number>();
  for (let i = 0; i < CALLS; i++) {
    const call = await timed(() =>
      farm.app.inject({
        method: 'POST',
        url: `/api/v1/farms/${farm.slug}/plants/validate-placement`,
        headers: farm.headers,
        payload: pick(),
      }),
    );
    if (call.result.statusCode !== 200)
      throw new Error(`validate-placement answered ${call.result.statusCode}: ${call.result.body}`);
    const status = (call.result.json() as { rotation: { status: string } }).rotation.status;
    verdicts.set(status, (verdicts.get(status) ?? 0) + 1);
    http.push(call.ms);
  }
  const service: number[] = [];
  for (let i = 0; i < CALLS; i++)
    service.push((await timed(() => farm.deps.services.placement.validate(farm.ctx, pick()))).ms);

  const line = (label: string, xs: number[]) =>
    console.log(
      `  ${label.padEnd(44)} p95 ${ms(percentile(xs, 0.95))}  ratio ${(percentile(xs, 0.95) / baseline.p95).toFixed(1)}` +
        `  (median ${ms(percentile(xs, 0.5))})`,
    );
  console.log(
    `  primary-key read of one slot (baseline)      p95 ${ms(baseline.p95)}  (median ${ms(baseline.median)})`,
  );
  line(`placement check over HTTP, ${CALLS} calls`, http);
  line(`placement check, service call, ${CALLS} calls`, service);
  console.log(`  rotation verdicts: ${[...verdicts].map(([k, v]) => `${k} ${v}`).join(', ')}`);
}

/** The sections run on the same farm, in order (each measures its own baseline). */
const SECTIONS: Array<{ name: string; run: (farm: BenchFarm) => Promise<void> }> = [
  { name: 'placement check', run: placementSection },
];

async function run(name: string, db: Database): Promise<void> {
  const server = await startBenchServer(db);
  const { app, deps } = server;
  try {
    const setup = await benchFarm(app, TIME_ZONE);
    const { id: farmId, slug } = setup.farm;
    const thisYear = new Date().getUTCFullYear();

    const loaded = await timed(() =>
      db.system(async (tx) => {
        const field = await sql<{
          id: string;
        }>`insert into locations (farm_id, name, type, code, qr_code, created_at, updated_at)
          values (${farmId}::uuid, 'Bench field', 'field', 'F', 'bench-field', now() - interval '6 years', now())
          returning id`.execute(tx);
        const fieldId = field.rows[0]!.id;
        await sql`insert into locations (farm_id, parent_id, path, name, type, code, qr_code, created_at, updated_at)
          select ${farmId}::uuid, ${fieldId}::uuid, array[${fieldId}::uuid], 'Bed ' || b, 'bed', 'B' || b, 'bench-bed-' || b,
            now() - interval '6 years', now()
          from generate_series(1, ${BEDS}) as b`.execute(tx);
        await sql`insert into locations (farm_id, parent_id, path, name, type, code, qr_code, created_at, updated_at)
          select l.farm_id, l.id, l.path || l.id, l.name || ' slot ' || s, 'slot', l.code || 'S' || s, l.qr_code || '-' || s,
            now() - interval '6 years', now()
          from locations l, generate_series(1, ${SLOTS_PER_BED}) as s
          where l.farm_id = ${farmId} and l.type = 'bed'`.execute(tx);
        // Each slot touches the next one in its bed.
        await sql`insert into location_edges (farm_id, a_id, b_id, created_at)
          select farm_id, least(id, next_id), greatest(id, next_id), now() from (
            select farm_id, id, lead(id) over (partition by parent_id order by substring(code from 'S(\\d+)$')::int) as next_id
            from locations where farm_id = ${farmId} and type = 'slot') s
          where next_id is not null`.execute(tx);
        // Every species of the catalogue in turn, planted over the last five years and taken out after a season.
        await sql`insert into plants (farm_id, label, species_id, location_id, planted_on, removed_on, created_at, updated_at)
          select l.farm_id, l.code || '_H' || k, sp.id, l.id, d.day, d.day + 120, now(), now()
          from (select *, row_number() over (order by code) as n from locations where farm_id = ${farmId} and type = 'slot') l
          cross join generate_series(1, ${PLANTINGS_PER_SLOT}) as k
          cross join lateral (select make_date(${thisYear - YEARS}, 1, 1)
            + ((l.n * 7919 + k * 104729) % (${YEARS} * 365))::int as day) d
          join (select id, row_number() over (order by key) - 1 as i, count(*) over () as c
                from catalog_species where farm_id is null and retired_at is null) sp
            on sp.i = (l.n * 31 + k * 17) % sp.c`.execute(tx);
        // An active plant in every other slot, this season.
        await sql`insert into plants (farm_id, label, species_id, location_id, planted_on, created_at, updated_at)
          select l.farm_id, l.code || '_NOW', sp.id, l.id, current_date - 10, now(), now()
          from (select *, row_number() over (order by code) as n from locations where farm_id = ${farmId} and type = 'slot') l
          join (select id, row_number() over (order by key) - 1 as i, count(*) over () as c
                from catalog_species where farm_id is null and retired_at is null) sp
            on sp.i = (l.n * 13) % sp.c
          where l.n % 2 = 0`.execute(tx);
        await sql`analyze`.execute(tx);
      }),
    );
    const counts = await db.system(async (tx) => {
      const { rows } = await sql<{ slots: string; plantings: string; species: string; pairs: string }>`
        select (select count(*) from locations where farm_id = ${farmId} and type = 'slot') as slots,
          (select count(*) from plants where farm_id = ${farmId}) as plantings,
          (select count(*) from catalog_species where farm_id is null and retired_at is null) as species,
          (select count(*) from catalog_species_companions) + (select count(*) from catalog_family_companions) as pairs`.execute(
        tx,
      );
      return rows[0]!;
    });
    const slots = await db.system(
      async (tx) =>
        (await sql<{ id: string }>`select id from locations where farm_id = ${farmId} and type = 'slot'`.execute(tx))
          .rows,
    );
    const species = await db.system(
      async (tx) =>
        (
          await sql<{
            key: string;
          }>`select key from catalog_species where farm_id is null and retired_at is null`.execute(tx)
        ).rows,
    );
    const farm: BenchFarm = {
      name,
      db,
      app,
      deps,
      headers: { authorization: `Bearer ${setup.access_token}` },
      farmId,
      slug,
      slots: slots.map((s) => s.id),
      species: species.map((s) => s.key),
      ctx: {
        farmId,
        slug,
        timeZone: TIME_ZONE,
        role: 'admin',
        caller: { kind: 'user', userId: setup.user.id, sessionId: 'bench', isInstanceAdmin: false },
      },
    };

    console.log(`\n${name}`);
    console.log(
      `  ${Number(counts.slots).toLocaleString('en')} slots, ${Number(counts.plantings).toLocaleString('en')} plantings ` +
        `(${YEARS} years), ${counts.species} species, ${counts.pairs} companion pairs; loaded in ${(loaded.ms / 1000).toFixed(1)} s`,
    );
    for (const section of SECTIONS) {
      console.log(` ${section.name}`);
      await section.run(farm);
    }
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const backends = (process.env.BENCH_BACKENDS ?? 'pglite,postgres').split(',');
  if (backends.includes('pglite')) await onPglite((db) => run('PGlite (in this process)', db));
  if (backends.includes('postgres')) await onPostgres((db) => run('PostgreSQL', db), 8);
}

await main();
