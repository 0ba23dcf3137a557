/**
 * `npm run bench:crops-care`: the daily care job at houseplant-collection scale. 5,000 cared-for plants
 * (five species of different presets, watered on different days) on one farm. Prints, as ratios to a
 * plain scan of the same plants' profile rows measured in the same run:
 *
 * - working out which reminders are due today (what the job does before writing, repeatable);
 * - one run of the daily care job (every plant judged, its due reminders made tasks, the day marked);
 * - a second run of the same day (skipped: nothing made).
 *
 * Run by `npm run bench:crops-placement` after the placement check, or alone. No assertions: figures.
 */
import { sql } from 'kysely';
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres } from './databases.js';
import { benchFarm, startBenchServer } from './server.js';

const PLANTS = Number(process.env.BENCH_PLANTS ?? 5000);
const TIME_ZONE = 'Asia/Phnom_Penh';
const SPECIES = [
  'monstera-deliciosa',
  'aloe-vera',
  'ocimum-basilicum',
  'phalaenopsis-amabilis',
  'nephrolepis-exaltata',
];

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
        await sql`insert into plants (farm_id, label, species_id, planted_on, created_at, updated_at)
          select ${farmId}::uuid, 'CARE_' || lpad(n::text, 5, '0'), s.id, current_date - 30, now(), now()
          from generate_series(1, ${PLANTS}) as n
          join (select id, row_number() over (order by key) - 1 as i from catalog_species
                where farm_id is null and key in (${sql.join(SPECIES)})) s on s.i = n % ${SPECIES.length}`.execute(tx);
        await sql`insert into plant_care_profiles (farm_id, plant_id, preset, started_on, created_at, updated_at)
          select farm_id, id, 'tropical', current_date - 30, now(), now() from plants where farm_id = ${farmId}`.execute(
          tx,
        );
        // Each plant last watered 1–10 days ago, so some are due today and some are not.
        await sql`insert into plant_care_confirmations (farm_id, plant_id, kind, at, day, created_at)
          select farm_id, id, 'water', now() - make_interval(days => (hashtext(label) & 1023) % 10 + 1),
            (now() - make_interval(days => (hashtext(label) & 1023) % 10 + 1))::date, now()
          from plants where farm_id = ${farmId}`.execute(tx);
      }),
    );

    const scans: number[] = [];
    for (let i = 0; i < 5; i++)
      scans.push(
        (
          await timed(() =>
            db.farm(farmId, (tx) =>
              sql`select c.*, p.label, p.species_id, p.phase_id from plant_care_profiles c
                join plants p on p.farm_id = c.farm_id and p.id = c.plant_id where c.farm_id = ${farmId}`.execute(tx),
            ),
          )
        ).ms,
      );
    const baseline = median(scans);
    const care = deps.services.care;
    const plans: number[] = [];
    let due = 0;
    for (let i = 0; i < 3; i++) {
      const plan = await timed(() => care.remindersDue(farmId, TIME_ZONE, now));
      plans.push(plan.ms);
      due = plan.result.length;
    }
    const job = await timed(() => care.careFarm(farmId, now));
    const again = await timed(() => care.careFarm(farmId, now));

    console.log(`\n${name}`);
    console.log(`  ${PLANTS.toLocaleString('en')} cared-for plants loaded in ${(loaded.ms / 1000).toFixed(1)} s`);
    console.log(`  plain scan of their profile rows (baseline)       ${ms(baseline)}`);
    const plan = median(plans);
    console.log(
      `  reminders due today worked out (${due} due)       ${ms(plan)}  ratio ${(plan / baseline).toFixed(1)}`,
    );
    console.log(
      `  one daily care job run (${job.result ?? 0} tasks made)          ${ms(job.ms)}  ratio ${(job.ms / baseline).toFixed(1)}`,
    );
    console.log(
      `  a second run of the same day (${again.result ?? 'skipped'})      ${ms(again.ms)}  ratio ${(again.ms / baseline).toFixed(1)}`,
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
