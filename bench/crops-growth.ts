/**
 * `npm run bench:crops-growth`: the growth clock at farm scale. 2,000 plants in 100 locations, each
 * location with its own temperature sensor and a year of hourly readings (876,000 readings, rolled
 * up into hours and farm-local days). Prints, as ratios to a plain scan of the same daily rollup rows
 * measured in the same run:
 *
 * - the full-year GDD recompute of every plant (what `GET …/plants/{id}/gdd` does, for all 2,000);
 * - one run of the daily growth job (every plant judged, those due moved, audited and announced);
 *
 * and the p95 of `GET …/plants/{id}/environment` over HTTP (in process). No assertions: figures.
 */
import { sql } from 'kysely';
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres } from './databases.js';
import { benchFarm, startBenchServer } from './server.js';

const LOCATIONS = Number(process.env.BENCH_LOCATIONS ?? 100);
const PLANTS_PER_LOCATION = Number(process.env.BENCH_PLANTS_PER_LOCATION ?? 20);
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const ENVIRONMENT_CALLS = 200;
const TIME_ZONE = 'Asia/Phnom_Penh';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await fn();
  return { ms: performance.now() - started, result };
}

async function run(name: string, db: Database): Promise<void> {
  const server = await startBenchServer(db);
  const { app, deps } = server;
  try {
    const setup = await benchFarm(app, TIME_ZONE);
    const headers = { authorization: `Bearer ${setup.access_token}` };
    const { id: farmId, slug } = setup.farm;
    const now = new Date();
    const from = new Date(now.getTime() - DAYS * 86_400_000);
    const weeks = Array.from(
      { length: Math.ceil(DAYS / 7) + 2 },
      (_, i) => new Date(from.getTime() + i * 7 * 86_400_000),
    );
    await deps.services.telemetry.partitions.ensureFor(weeks);

    const loaded = await timed(() =>
      db.system(async (tx) => {
        await sql`insert into locations (farm_id, name, type, code, qr_code, created_at, updated_at)
          select ${farmId}::uuid, 'House ' || i, 'greenhouse', 'H' || i, 'bench-' || i, now(), now()
          from generate_series(1, ${LOCATIONS}) as i`.execute(tx);
        await sql`insert into devices (farm_id, device_id, name, type, location_id, created_at, updated_at)
          select farm_id, 'climate-' || code, 'Climate ' || code, 'sensor', id, now(), now()
          from locations where farm_id = ${farmId}`.execute(tx);
        await sql`insert into series (farm_id, device_id, metric, unit, created_at)
          select farm_id, id, 'temperature', '°C', now() from devices where farm_id = ${farmId}`.execute(tx);
        // A year of hourly temperature: a daily cycle 14–30 °C, cooler in the cool season, per location offset.
        await sql`insert into readings (series_id, ts, value, quality, received_at, farm_id)
          select s.id, h, 22 + 8 * sin(2 * pi() * (extract(hour from h at time zone ${TIME_ZONE}) - 9) / 24)
            - 4 * cos(2 * pi() * extract(doy from h) / 365) + (s.id % 7) * 0.3, 0, now(), s.farm_id
          from series s, generate_series(date_trunc('hour', ${from}::timestamptz), ${now}::timestamptz, interval '1 hour') as h
          where s.farm_id = ${farmId}`.execute(tx);
        await sql`insert into readings_hourly (series_id, bucket, farm_id, min, max, sum, count, last, last_ts)
          select series_id, date_trunc('hour', ts), farm_id, min(value), max(value), sum(value), count(*),
            (array_agg(value order by ts desc))[1], max(ts)
          from readings where farm_id = ${farmId} group by series_id, date_trunc('hour', ts), farm_id`.execute(tx);
        await sql`insert into readings_daily (series_id, bucket, farm_id, min, max, sum, count, last, last_ts, hours)
          select series_id, date_trunc('day', ts, ${TIME_ZONE}::text), farm_id, min(value), max(value), sum(value), count(*),
            (array_agg(value order by ts desc))[1], max(ts), count(distinct date_trunc('hour', ts))
          from readings where farm_id = ${farmId} group by 1, 2, 3`.execute(tx);
        const readings = await sql<{ n: string }>`select count(*) as n from readings where farm_id = ${farmId}`.execute(
          tx,
        );
        return Number(readings.rows[0]!.n);
      }),
    );

    // 2,000 maize plants in their vegetative phase (GDD rule 345 at base 10 °C), started up to a year ago.
    const species = await db.system(async (tx) => {
      const { rows } = await sql<{ species: string; phase: string }>`
        select s.id as species, p.id as phase from catalog_species s
        join catalog_phases p on p.sequence_id = s.sequence_id and p.key = 'vegetative'
        where s.key = 'zea-mays' and s.farm_id is null`.execute(tx);
      return rows[0]!;
    });
    await db.system(async (tx) => {
      await sql`insert into plants (farm_id, label, species_id, location_id, planted_on, phase_id, phase_started_at, created_at, updated_at)
        select l.farm_id, l.code || '_CRN_' || lpad(n::text, 2, '0'), ${species.species}::uuid, l.id,
          (${now}::timestamptz - make_interval(days => ((l.code_n * 37 + n * 11) % ${DAYS}) + 1))::date,
          ${species.phase}::uuid, ${now}::timestamptz - make_interval(days => ((l.code_n * 37 + n * 11) % ${DAYS}) + 1), now(), now()
        from (select *, substring(code from 2)::int as code_n from locations where farm_id = ${farmId}) l,
          generate_series(1, ${PLANTS_PER_LOCATION}) as n`.execute(tx);
      await sql`insert into plant_phase_history (farm_id, plant_id, phase_id, cycle, entered_at, reason)
        select farm_id, id, phase_id, 1, phase_started_at, 'initial' from plants where farm_id = ${farmId}`.execute(tx);
    });
    const plants = await db.system(
      async (tx) =>
        (await sql<{ id: string }>`select id from plants where farm_id = ${farmId} order by label`.execute(tx)).rows,
    );

    // Baseline: one plain scan of every daily rollup row of the 100 sensors.
    const scans: number[] = [];
    let scanned = 0;
    for (let i = 0; i < 5; i++) {
      const scan = await timed(() =>
        db.system((tx) =>
          sql<{ n: number }>`select series_id, bucket, min, max, sum, count, hours from readings_daily
            where farm_id = ${farmId} and series_id in (select id from series where farm_id = ${farmId})`.execute(tx),
        ),
      );
      scans.push(scan.ms);
      scanned = scan.result.rows.length;
    }
    const baseline = median(scans);

    const ctx = {
      farmId,
      slug,
      timeZone: TIME_ZONE,
      role: 'admin' as const,
      caller: {
        kind: 'user' as const,
        userId: '00000000-0000-0000-0000-000000000000',
        sessionId: 'bench',
        isInstanceAdmin: false,
      },
    };
    const recompute = await timed(async () => {
      let total = 0;
      for (const plant of plants) total += (await deps.services.growth.gdd(ctx, plant.id)).total;
      return total;
    });

    // The daily job for yesterday, with the local day closed and its rollups final.
    const job = await timed(() => deps.services.growth.growFarm(farmId, now));

    const environment: number[] = [];
    for (let i = 0; i < ENVIRONMENT_CALLS; i++) {
      const plant = plants[(i * 7919) % plants.length]!;
      const call = await timed(() =>
        app.inject({ method: 'GET', url: `/api/v1/farms/${slug}/plants/${plant.id}/environment`, headers }),
      );
      if (call.result.statusCode !== 200)
        throw new Error(`environment answered ${call.result.statusCode}: ${call.result.body}`);
      environment.push(call.ms);
    }

    console.log(`\n${name}`);
    console.log(
      `  ${loaded.result.toLocaleString('en')} hourly readings of ${LOCATIONS} sensors over ${DAYS} days loaded and rolled up in ${(loaded.ms / 1000).toFixed(0)} s; ${plants.length} plants`,
    );
    console.log(`  plain scan of ${scanned.toLocaleString('en')} daily rollup rows (baseline)  ${ms(baseline)}`);
    console.log(
      `  full-year GDD recompute, ${plants.length} plants           ${ms(recompute.ms)}  ratio ${(recompute.ms / baseline).toFixed(1)}` +
        `  (${ms(recompute.ms / plants.length)} a plant)`,
    );
    console.log(
      `  one daily job run (${job.result?.moved ?? 0} plants moved)          ${ms(job.ms)}  ratio ${(job.ms / baseline).toFixed(1)}`,
    );
    console.log(
      `  GET …/plants/{id}/environment p95  ${ms(p95(environment))} (median ${ms(median(environment))}, ${ENVIRONMENT_CALLS} calls)`,
    );
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
