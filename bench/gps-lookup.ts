/**
 * GPS lookup speed: 10,000 storage-location polygons in one farm (warehouse → areas → locations),
 * then 10,000 random points looked up through the locations service (a scoped transaction each, as a
 * request runs it). Prints p50/p95 on PGlite and on PostgreSQL, each also as a ratio to a scoped
 * `select 1` measured in the same run. Target: p95 under 5 ms on both.
 *
 *   npx tsx bench/gps-lookup.ts            (PostgreSQL at BENCH_DATABASE_URL, default the local server)
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { ManualClock } from '../src/platform/clock.js';
import { loadConfig } from '../src/platform/config.js';
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres } from './databases.js';
import { migrate } from '../src/platform/db/migrate.js';
import { createLogger } from '../src/platform/logger.js';
import type { FarmContext } from '../src/platform/tenancy/caller.js';
import { locationsModule } from '../src/modules/locations/index.js';

const LOCATIONS = 10_000;
const LOOKUPS = 10_000;
const GRID = 100; // 100 × 100 storage locations
const CELL = 0.0001; // degrees (about 11 m)
const ORIGIN = { lon: 104.9, lat: 11.5 };
const log = createLogger({ logLevel: 'warn', logFormat: 'json' });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function seed(db: Database): Promise<FarmContext> {
  const farmId = randomUUID();
  const userId = randomUUID();
  const now = new Date();
  await db.system(async (tx) => {
    await sql`insert into users (id, email, name, password_hash, tokens_valid_after, created_at, updated_at)
      values (${userId}, ${`bench-${userId}@example.org`}, 'Bench', 'x', ${now}, ${now}, ${now})`.execute(tx);
    await sql`insert into farms (id, name, slug, time_zone, created_at, updated_at)
      values (${farmId}, 'Bench', ${`bench-${farmId.slice(0, 8)}`}, 'UTC', ${now}, ${now})`.execute(tx);
  });
  await db.farm(farmId, async (tx) => {
    const size = GRID * CELL;
    const box = (x0: number, y0: number, w: number, h: number) =>
      `POLYGON((${x0} ${y0}, ${x0 + w} ${y0}, ${x0 + w} ${y0 + h}, ${x0} ${y0 + h}, ${x0} ${y0}))`;
    const warehouse = randomUUID();
    await sql`insert into locations (id, farm_id, path, name, type, qr_code, geometry, created_at, updated_at)
      values (${warehouse}, ${farmId}, '{}', 'Warehouse', 'warehouse', 'W', ST_GeomFromText(${box(ORIGIN.lon, ORIGIN.lat, size, size)}, 4326), ${now}, ${now})`.execute(
      tx,
    );
    // Four areas (quadrants), each holding a quarter of the storage locations.
    for (let q = 0; q < 4; q++) {
      const area = randomUUID();
      const ax = ORIGIN.lon + ((q % 2) * size) / 2;
      const ay = ORIGIN.lat + (Math.floor(q / 2) * size) / 2;
      await sql`insert into locations (id, farm_id, parent_id, path, name, type, qr_code, geometry, created_at, updated_at)
        values (${area}, ${farmId}, ${warehouse}, ${[warehouse]}::uuid[], ${`Area ${q}`}, 'storage_area', ${`A${q}`},
          ST_GeomFromText(${box(ax, ay, size / 2, size / 2)}, 4326), ${now}, ${now})`.execute(tx);
      const half = GRID / 2;
      await sql`insert into locations (farm_id, parent_id, path, name, type, qr_code, geometry, created_at, updated_at)
        select ${farmId}, ${area}, ${[warehouse, area]}::uuid[], 'L' || i || '-' || j, 'storage_location', ${`Q${q}-`} || i || '-' || j,
          ST_MakeEnvelope(${ax}::float8 + i * ${CELL}::float8, ${ay}::float8 + j * ${CELL}::float8, ${ax}::float8 + (i + 1) * ${CELL}::float8, ${ay}::float8 + (j + 1) * ${CELL}::float8, 4326), ${now}, ${now}
        from generate_series(0, ${half - 1}) as i, generate_series(0, ${half - 1}) as j`.execute(tx);
    }
  });
  await db.raw.executeSql('analyze locations');
  return {
    farmId,
    slug: 'bench',
    timeZone: 'UTC',
    role: 'viewer',
    caller: { kind: 'user', userId, sessionId: 's', isInstanceAdmin: false },
  };
}

async function time(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn(i);
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
}

async function run(name: string, db: Database): Promise<void> {
  await migrate(db, log);
  const ctx = await seed(db);
  const service = locationsModule.create({ db, clock: new ManualClock(), config: loadConfig({}, false) }).locations;
  const count = await db.farm(
    ctx.farmId,
    async (tx) =>
      (await sql<{ n: number }>`select count(*)::int as n from locations where type = 'storage_location'`.execute(tx))
        .rows[0]!.n,
  );
  if (count !== LOCATIONS) throw new Error(`expected ${LOCATIONS} storage locations, made ${count}`);
  const span = GRID * CELL;
  const points = Array.from({ length: LOOKUPS }, () => ({
    lon: ORIGIN.lon + Math.random() * span,
    lat: ORIGIN.lat + Math.random() * span,
  }));
  // Warm up, then measure.
  for (let i = 0; i < 200; i++) await service.lookup(ctx, points[i]!.lat, points[i]!.lon);
  const baseline = await time(2_000, () => db.farm(ctx.farmId, (tx) => sql`select 1`.execute(tx)));
  const lookups = await time(LOOKUPS, async (i) => {
    const found = await service.lookup(ctx, points[i]!.lat, points[i]!.lon);
    if (found.location.type !== 'storage_location' || found.ancestors.length !== 2)
      throw new Error('wrong location found');
  });
  const [p50, p95, b50, b95] = [
    percentile(lookups, 50),
    percentile(lookups, 95),
    percentile(baseline, 50),
    percentile(baseline, 95),
  ];
  console.log(
    `${name.padEnd(10)} lookup p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms ` +
      `| scoped select 1 p50 ${b50.toFixed(2)} ms, p95 ${b95.toFixed(2)} ms | p95 ratio ${(p95 / b95).toFixed(1)}x ` +
      `| target p95 < 5 ms: ${p95 < 5 ? 'met' : 'MISSED'}`,
  );
}

async function main(): Promise<void> {
  console.log(`${LOCATIONS} storage-location polygons, ${LOOKUPS} random GPS lookups (deepest location + ancestors)`);
  await onPglite((db) => run('PGlite', db));
  await onPostgres((db) => run('PostgreSQL', db));
}

await main();
