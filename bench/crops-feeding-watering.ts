/**
 * The daily watering job at farm scale: 2,000 active planting runs on one farm, each with a watering
 * schedule (half on weekdays, half every 1–4 days, some watered lately). Prints, as ratios to a plain
 * scan of the same schedules' rows with their runs measured in the same run:
 *
 * - working out which watering tasks are due now (what the job does before writing, repeatable);
 * - one run of the daily watering job (every schedule judged, its due tasks made);
 * - a second run at the same moment (every task's key made already: nothing made).
 *
 * `npx tsx bench/crops-feeding-watering.ts` (BENCH_RUNS, BENCH_BACKENDS=pglite,postgres). No
 * assertions: figures. The mix-calculation half of `bench:crops-feeding` is the nutrients part's.
 */
import { sql } from 'kysely';
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres } from './databases.js';
import { benchFarm, startBenchServer } from './server.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 2000);
const TIME_ZONE = 'Asia/Phnom_Penh';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
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
    const farmId = setup.farm.id;
    const now = new Date();
    const loaded = await timed(() =>
      db.system(async (tx) => {
        await sql`insert into planting_runs (farm_id, name, type, status, species_id, quantity, id_prefix, started_at,
            created_at, updated_at)
          select ${farmId}::uuid, 'Run ' || n, 'monoculture', 'active', s.id, 10, 'RUN', now() - interval '30 days',
            now(), now()
          from generate_series(1, ${RUNS}) as n
          cross join (select id from catalog_species where farm_id is null and key = 'solanum-lycopersicum') s`.execute(
          tx,
        );
        // Even runs on weekdays (three a week, shifted by the run), odd runs every 1–4 days.
        await sql`insert into watering_schedules (farm_id, run_id, channel, mode, weekdays, interval_days,
            preferred_time, times_per_day, reminder_hours_before, starts_on, created_at, updated_at)
          select farm_id, id, 'drench',
            case when hashtext(name) & 1 = 0 then 'weekdays' else 'interval' end,
            case when hashtext(name) & 1 = 0
              then array[(hashtext(name) & 1023) % 7, ((hashtext(name) & 1023) + 2) % 7, ((hashtext(name) & 1023) + 4) % 7]
              else '{}'::integer[] end,
            case when hashtext(name) & 1 = 0 then null else (hashtext(name) & 1023) % 4 + 1 end,
            '08:00', 1 + (hashtext(name) & 1023) % 3, (hashtext(name) & 1023) % 25, current_date - 30, now(), now()
          from planting_runs where farm_id = ${farmId}`.execute(tx);
        // Each run last watered 0–5 days ago.
        await sql`insert into watering_logs (farm_id, run_id, kind, channel, at, day, volume_l, created_at)
          select farm_id, id, 'watering', 'drench', now() - make_interval(days => (hashtext(name) & 1023) % 6),
            (now() - make_interval(days => (hashtext(name) & 1023) % 6))::date, 5, now()
          from planting_runs where farm_id = ${farmId}`.execute(tx);
      }),
    );

    const scans: number[] = [];
    for (let i = 0; i < 5; i++)
      scans.push(
        (
          await timed(() =>
            db.farm(farmId, (tx) =>
              sql`select w.*, r.name, r.location_id from watering_schedules w
                join planting_runs r on r.farm_id = w.farm_id and r.id = w.run_id where w.farm_id = ${farmId}`.execute(
                tx,
              ),
            ),
          )
        ).ms,
      );
    const baseline = median(scans);
    const watering = deps.services.watering;
    const plans: number[] = [];
    let due = 0;
    for (let i = 0; i < 3; i++) {
      const plan = await timed(() => db.farm(farmId, (tx) => watering.tasksDue(tx, farmId, TIME_ZONE, now)));
      plans.push(plan.ms);
      due = plan.result.length;
    }
    const job = await timed(() => watering.waterFarm(farmId, now));
    const again = await timed(() => watering.waterFarm(farmId, now));

    console.log(`\n${name}`);
    console.log(
      `  ${RUNS.toLocaleString('en')} runs with watering schedules loaded in ${(loaded.ms / 1000).toFixed(1)} s`,
    );
    console.log(`  plain scan of their schedule rows with runs (baseline)   ${ms(baseline)}`);
    const plan = median(plans);
    console.log(
      `  watering tasks due now worked out (${due} due)   ${ms(plan)}  ratio ${(plan / baseline).toFixed(1)}`,
    );
    console.log(
      `  one daily watering job run (${job.result ?? 0} tasks made)   ${ms(job.ms)}  ratio ${(job.ms / baseline).toFixed(1)}`,
    );
    console.log(
      `  a second run at the same moment (${again.result ?? 0} made)   ${ms(again.ms)}  ratio ${(again.ms / baseline).toFixed(1)}`,
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
