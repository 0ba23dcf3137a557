/**
 * `npx tsx bench/crops-feeding-mix.ts` (the mix half of `bench:crops-feeding`): the dosing calculator
 * over HTTP in process. Prints the p95 of `POST …/nutrient-calculations/mix` (10 L, six of the farm's
 * fertilizers read from the database, a recipe, pH advice, every safety rule judged) as a ratio to the
 * p95 of an empty request measured in the same run: `GET …/nutrient-calculations/ec-budget`, which
 * goes through the same sign-in and farm check and answers a constant table.
 *
 * BENCH_CALLS (default 1000) requests of each, interleaved, after a warm-up. No assertions: figures.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres } from './databases.js';
import { benchFarm, startBenchServer } from './server.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const WARM_UP = 50;

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

/** Six products of a typical three-part line with a silicate, a CalMag and a pH down. */
const PRODUCTS = [
  { product: 'Bench Silica', type: 'silicate', ec: 0.05, max: 1, priority: 5, flags: { contains_silicate: true } },
  { product: 'Bench CalMag', type: 'calmag', ec: 0.15, max: 3, priority: 10, flags: { contains_calcium: true } },
  { product: 'Bench Grow', type: 'base', ec: 0.2, max: 6, priority: 30, flags: { contains_sulfate: true } },
  { product: 'Bench Micro', type: 'base', ec: 0.18, max: 4, priority: 35, flags: { contains_chelated_iron: true } },
  { product: 'Bench Bloom', type: 'base', ec: 0.22, max: 5, priority: 40, flags: { contains_phosphate: true } },
  { product: 'Bench pH Down', type: 'ph_adjuster', ec: 0, max: 2, priority: 100, flags: {} },
] as const;

async function run(name: string, db: Database): Promise<void> {
  const server = await startBenchServer(db);
  const { app } = server;
  try {
    const setup = await benchFarm(app, 'Asia/Phnom_Penh');
    const farmId = setup.farm.id;
    const headers = { authorization: `Bearer ${setup.access_token}` };
    const ids = PRODUCTS.map(() => randomUUID());
    await db.farm(farmId, async (tx) => {
      for (const [i, p] of PRODUCTS.entries()) {
        const f = p.flags as Record<string, boolean>;
        await sql`insert into fertilizers (id, farm_id, product, type, form, ec_per_unit, max_dose_per_l,
            mixing_priority, ph_effect, contains_calcium, contains_sulfate, contains_phosphate, contains_silicate,
            contains_chelated_iron, created_at, updated_at)
          values (${ids[i]}, ${farmId}, ${p.product}, ${p.type}, 'liquid', ${p.ec}, ${p.max}, ${p.priority},
            ${p.type === 'ph_adjuster' ? 'acidic' : 'neutral'}, ${f.contains_calcium ?? false},
            ${f.contains_sulfate ?? false}, ${f.contains_phosphate ?? false}, ${f.contains_silicate ?? false},
            ${f.contains_chelated_iron ?? false}, now(), now())`.execute(tx);
      }
    });
    const base = `/api/v1/farms/${setup.farm.slug}/nutrient-calculations`;
    const mixPayload = {
      volume_l: 10,
      target_ec: 1.8,
      base_water_ec: 0.3,
      water_temp_c: 21,
      substrate: 'coco',
      phase: 'flowering',
      fertilizers: ids,
      recipe: ids.slice(0, 5).map((id, i) => ({ fertilizer_id: id, ratio: [0.5, 1, 2, 1, 2][i]! })),
      target_ph: 5.8,
      base_water_ph: 7.1,
      water_alkalinity: 'medium',
    };
    const mix = () => app.inject({ method: 'POST', url: `${base}/mix`, headers, payload: mixPayload });
    const empty = () => app.inject({ method: 'GET', url: `${base}/ec-budget`, headers });

    const first = await mix();
    if (first.statusCode !== 200) throw new Error(`mix answered ${first.statusCode}: ${first.body}`);
    for (let i = 0; i < WARM_UP; i++) {
      await mix();
      await empty();
    }
    const mixes: number[] = [];
    const empties: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      let started = performance.now();
      await empty();
      empties.push(performance.now() - started);
      started = performance.now();
      await mix();
      mixes.push(performance.now() - started);
    }
    const baseline = percentile(empties, 0.95);
    const p95 = percentile(mixes, 0.95);
    console.log(`\n${name} (${CALLS} requests each)`);
    console.log(
      `  empty request: GET …/ec-budget (baseline)   p95 ${ms(baseline)}  (median ${ms(percentile(empties, 0.5))})`,
    );
    console.log(
      `  mix of 6 fertilizers for 10 L               p95 ${ms(p95)}  ratio ${(p95 / baseline).toFixed(1)}` +
        `  (median ${ms(percentile(mixes, 0.5))})`,
    );
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const backends = (process.env.BENCH_BACKENDS ?? 'pglite,postgres').split(',');
  if (backends.includes('pglite')) await onPglite((db) => run('PGlite (in this process)', db));
  if (backends.includes('postgres')) await onPostgres((db) => run('PostgreSQL', db));
}

await main();
