/**
 * `npm run bench:crops-harvest` (issue #24): recording harvests and treatment applications when a farm has
 * a year of spraying behind it. Everything goes through the real HTTP API in process (`app.inject`:
 * routing, auth, schema validation, the service and its transaction — no socket).
 *
 * The farm: a site, 10 greenhouses of 10 beds, a planting run of 100 tomato plants in each bed (10,000
 * plants), and 100,000 treatment applications over the past year (bulk-loaded): 90 % on single plants, 9 %
 * on runs, 1 % on beds and greenhouses, each a chemical treatment of Croft's catalogue with its interval.
 * Beside it, a clean greenhouse whose run of 500 plants never had an application: the baseline.
 *
 * Printed, as the ratio of p95s to the baseline measured in the same run (requests interleaved):
 * 1. `POST …/harvests` of a plant with applications (the pre-harvest interval gate gathers those on the
 *    plant, its run, its bed and the greenhouse above) vs. of a clean plant. Refusals (422
 *    KARENZ_VIOLATION) are counted and timed too: they are the gate's answer.
 * 2. `POST …/treatment-applications` on a plant (the resistance look-up over ±90 days on the plant, its
 *    run and the places above) vs. on a clean plant; and on a whole bed of 100 plants.
 *
 * No assertions: figures. Exits non-zero when an answer is neither the expected success nor the rule's 422.
 *
 *   BENCH_HARVEST_SAMPLES=300 BENCH_BACKENDS=pglite,postgres
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { App } from '../src/app.js';
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres } from './databases.js';
import { benchFarm, startBenchServer } from './server.js';

const HOUSES = 10;
const BEDS_PER_HOUSE = 10;
const PLANTS_PER_BED = 100;
const APPLICATIONS = 100_000;
const CLEAN_PLANTS = 500;
const SAMPLES = Number(process.env.BENCH_HARVEST_SAMPLES ?? 300);
const TIME_ZONE = 'Asia/Phnom_Penh';

const p = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const letters = (n: number) => `${'ABCDEFGHIJKL'[Math.floor(n / 10)]}${'ABCDEFGHIJ'[n % 10]}X`;

interface Farm {
  app: App;
  slug: string;
  headers: { authorization: string };
}

async function call(farm: Farm, method: 'POST' | 'PUT', path: string, payload: object) {
  const started = performance.now();
  const res = await farm.app.inject({
    method,
    url: `/api/v1/farms/${farm.slug}${path}`,
    headers: farm.headers,
    payload,
  });
  return { ms: performance.now() - started, status: res.statusCode, body: res.json() as Record<string, unknown> };
}

async function made(farm: Farm, path: string, payload: object): Promise<{ id: string }> {
  const res = await call(farm, 'POST', path, payload);
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

/** `count` runs of PLANTS_PER_BED plants (one per bed), active, planted 60 days ago; the plants' ids. */
async function plantRuns(db: Database, farmId: string, beds: string[], prefixFrom: number, perRun: number) {
  return db.system(async (tx) => {
    const species = await sql<{ id: string }>`select id from catalog_species
      where farm_id is null and key = 'solanum-lycopersicum'`.execute(tx);
    const speciesId = species.rows[0]!.id;
    const plants: string[] = [];
    for (const [i, bed] of beds.entries()) {
      const prefix = letters(prefixFrom + i);
      const run = await sql<{ id: string }>`insert into planting_runs
          (farm_id, name, type, status, location_id, species_id, quantity, id_prefix, started_at, created_at, updated_at)
        values (${farmId}, ${`Tomatoes ${prefix}`}, 'monoculture', 'active', ${bed}, ${speciesId}, ${perRun}, ${prefix},
          now() - interval '60 days', now(), now())
        returning id`.execute(tx);
      const rows = await sql<{ id: string }>`insert into plants
          (farm_id, label, species_id, location_id, run_id, planted_on, created_at, updated_at)
        select ${farmId}, ${`B_${prefix}_`} || lpad(n::text, 3, '0'), ${speciesId}, ${bed}, ${run.rows[0]!.id},
          current_date - 60, now(), now()
        from generate_series(1, ${perRun}) as n
        returning id`.execute(tx);
      plants.push(...rows.rows.map((r) => r.id));
    }
    return plants;
  });
}

async function run(name: string, db: Database): Promise<boolean> {
  const server = await startBenchServer(db);
  const { app } = server;
  let ok = true;
  try {
    const setup = await benchFarm(app, TIME_ZONE);
    const farmId = setup.farm.id;
    const farm: Farm = { app, slug: setup.farm.slug, headers: { authorization: `Bearer ${setup.access_token}` } };

    const loadStarted = performance.now();
    const site = await made(farm, '/locations', { name: 'Bench site', type: 'site', code: 'BS' });
    const houses: string[] = [];
    const beds: string[] = [];
    for (let h = 0; h <= HOUSES; h++) {
      const house = await made(farm, '/locations', {
        name: h < HOUSES ? `House ${h}` : 'Clean house',
        type: 'greenhouse',
        code: `H${h}`,
        parent_id: site.id,
      });
      houses.push(house.id);
      for (let b = 0; b < (h < HOUSES ? BEDS_PER_HOUSE : 1); b++)
        beds.push(
          (
            await made(farm, '/locations', {
              name: `Bed ${h}.${b}`,
              type: 'bed',
              code: `H${h}B${b}`,
              parent_id: house.id,
            })
          ).id,
        );
    }
    const cleanBed = beds.pop()!;
    const sprayedHouses = houses.slice(0, HOUSES);
    const plants = await plantRuns(db, farmId, beds, 0, PLANTS_PER_BED);
    const clean = await plantRuns(db, farmId, [cleanBed], beds.length, CLEAN_PLANTS);

    // A year of applications: chemical treatments of the catalogue, their typical intervals.
    await db.system(async (tx) => {
      await sql`create temporary table bench_targets (i int, kind text, plant_id uuid, run_id uuid, location_id uuid)
        on commit drop`.execute(tx);
      await sql`insert into bench_targets
        select row_number() over (order by id) - 1, 'plant', id, null, null from plants
          where farm_id = ${farmId} and location_id <> ${cleanBed}`.execute(tx);
      await sql`insert into bench_targets
        select 10000 + row_number() over (order by id) - 1, 'run', null, id, null from planting_runs
          where farm_id = ${farmId} and location_id <> ${cleanBed}`.execute(tx);
      await sql`insert into bench_targets
        select 20000 + row_number() over (order by id) - 1, 'location', null, null, id from locations
          where farm_id = ${farmId} and id = any(${[...beds, ...sprayedHouses]}::uuid[])`.execute(tx);
      const plantCount = plants.length;
      const runCount = beds.length;
      const placeCount = beds.length + sprayedHouses.length;
      await sql`insert into treatment_applications (farm_id, treatment_id, target_kind, plant_id, run_id, location_id,
          applied_on, treatment_name, active_ingredient, ingredient_key, moa_scheme, moa_code, interval_days, created_at)
        select ${farmId}, t.id, b.kind, b.plant_id, b.run_id, b.location_id,
          current_date - ((g * 37) % 365), t.name, t.active_ingredient, lower(t.active_ingredient), t.moa_scheme, t.moa_code,
          t.pre_harvest_interval_days, now()
        from generate_series(0, ${APPLICATIONS - 1}) as g
        join lateral (select case
            when g % 100 < 90 then g % ${plantCount}
            when g % 100 < 99 then 10000 + g % ${runCount}
            else 20000 + g % ${placeCount} end as i) pick on true
        join bench_targets b on b.i = pick.i
        join (select id, name, active_ingredient, moa_scheme, moa_code, pre_harvest_interval_days,
                row_number() over (order by key) - 1 as j, count(*) over () as n
              from protection_treatments
              where farm_id is null and method = 'chemical' and retired_at is null) t on t.j = (g * 7) % t.n`.execute(
        tx,
      );
      // The plants each reached: the plant; a run's plants; the plants under a bed or a greenhouse.
      const reach = (plants: ReturnType<typeof sql>) =>
        sql`insert into treatment_application_plants (farm_id, application_id, plant_id, applied_on, safe_on)
          select a.farm_id, a.id, p.id, a.applied_on, a.safe_on from treatment_applications a ${plants}
          where a.farm_id = ${farmId}`.execute(tx);
      await reach(sql`join plants p on p.farm_id = a.farm_id and p.id = a.plant_id`);
      await reach(sql`join plants p on p.farm_id = a.farm_id and p.run_id = a.run_id`);
      await reach(sql`join locations l on l.farm_id = a.farm_id and (l.id = a.location_id or a.location_id = any(l.path))
        join plants p on p.farm_id = l.farm_id and p.location_id = l.id`);
    });
    await db.system((tx) => sql`analyze`.execute(tx));
    const counted = await db.system((tx) =>
      sql<{ n: number; reached: number }>`select count(*)::int as n,
        (select count(*)::int from treatment_application_plants) as reached from treatment_applications`.execute(tx),
    );
    const loadS = (performance.now() - loadStarted) / 1000;

    // Treatments applied live: confirmed by the farm first.
    const treatments = await db.system((tx) =>
      sql<{ id: string; key: string; days: number }>`select id, key, pre_harvest_interval_days as days
        from protection_treatments where farm_id is null and key in ('spinosad', 'abamectin', 'azoxystrobin', 'mancozeb')`.execute(
        tx,
      ),
    );
    for (const t of treatments.rows)
      await call(farm, 'PUT', `/treatments/${t.id}/interval`, { days: t.days, confirmed: true });

    const pick = (list: string[], i: number) => list[(i * 7919) % list.length]!;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date());

    // 1. Harvests, loaded and clean interleaved; the first 20 of each are warm-up.
    const harvest = { loaded: [] as number[], clean: [] as number[], refused: 0, accepted: 0 };
    for (let i = 0; i < SAMPLES + 20; i++) {
      for (const side of ['loaded', 'clean'] as const) {
        const plant = pick(side === 'loaded' ? plants : clean, i);
        const res = await call(farm, 'POST', '/harvests', { plant, harvested_on: today, count: 1 });
        const expected = res.status === 201 || (side === 'loaded' && res.body.error_code === 'KARENZ_VIOLATION');
        if (!expected) {
          ok = false;
          console.error(`harvest ${side}: ${res.status} ${JSON.stringify(res.body)}`);
        }
        if (i < 20) continue;
        harvest[side].push(res.ms);
        if (side === 'loaded') harvest[res.status === 201 ? 'accepted' : 'refused']++;
      }
    }

    // 2. Applications on a plant (loaded vs clean), then on whole beds.
    const apply = { loaded: [] as number[], clean: [] as number[], warned: 0, refused: 0, beds: [] as number[] };
    const live = treatments.rows.map((t) => t.id);
    for (let i = 0; i < SAMPLES + 20; i++) {
      for (const side of ['loaded', 'clean'] as const) {
        const plant = pick(side === 'loaded' ? plants : clean, i + 1);
        const res = await call(farm, 'POST', '/treatment-applications', {
          id: randomUUID(),
          treatment: live[i % live.length],
          plant,
        });
        const expected = res.status === 201 || res.body.error_code === 'RESISTANCE_LIMIT';
        if (!expected) {
          ok = false;
          console.error(`application ${side}: ${res.status} ${JSON.stringify(res.body)}`);
        }
        if (i < 20) continue;
        apply[side].push(res.ms);
        if (side === 'loaded' && res.status === 422) apply.refused++;
        if (side === 'loaded' && Array.isArray(res.body.warnings) && res.body.warnings.length > 0) apply.warned++;
      }
    }
    for (const [i, bed] of beds.entries()) {
      const res = await call(farm, 'POST', '/treatment-applications', {
        treatment: live[i % live.length],
        location: bed,
      });
      if (res.status !== 201 && res.body.error_code !== 'RESISTANCE_LIMIT') {
        ok = false;
        console.error(`bed application: ${res.status} ${JSON.stringify(res.body)}`);
      }
      apply.beds.push(res.ms);
    }

    const base = p(harvest.clean, 0.95);
    const applyBase = p(apply.clean, 0.95);
    console.log(`\n${name}`);
    console.log(
      `  ${plants.length.toLocaleString('en')} plants in ${beds.length} beds, ${counted.rows[0]!.n.toLocaleString('en')} applications over a year (${counted.rows[0]!.reached.toLocaleString('en')} plant rows reached); loaded in ${loadS.toFixed(1)} s`,
    );
    console.log(`  POST …/harvests, ${SAMPLES} each side (p50 / p95):`);
    console.log(`    clean plant, no applications (baseline)        ${ms(p(harvest.clean, 0.5))} / ${ms(base)}`);
    console.log(
      `    plant with a year of applications               ${ms(p(harvest.loaded, 0.5))} / ${ms(p(harvest.loaded, 0.95))}  ratio ${(p(harvest.loaded, 0.95) / base).toFixed(2)}  (${harvest.accepted} accepted, ${harvest.refused} refused by the gate)`,
    );
    console.log(`  POST …/treatment-applications, ${SAMPLES} each side (p50 / p95):`);
    console.log(`    clean plant (baseline)                          ${ms(p(apply.clean, 0.5))} / ${ms(applyBase)}`);
    console.log(
      `    plant with a year of applications               ${ms(p(apply.loaded, 0.5))} / ${ms(p(apply.loaded, 0.95))}  ratio ${(p(apply.loaded, 0.95) / applyBase).toFixed(2)}  (${apply.warned} warned, ${apply.refused} refused: resistance)`,
    );
    console.log(
      `    a whole bed of ${PLANTS_PER_BED} plants (${beds.length} beds)              ${ms(p(apply.beds, 0.5))} / ${ms(p(apply.beds, 0.95))}  ratio ${(p(apply.beds, 0.95) / applyBase).toFixed(2)}`,
    );
  } finally {
    await server.stop();
  }
  return ok;
}

async function main(): Promise<void> {
  const backends = (process.env.BENCH_BACKENDS ?? 'pglite,postgres').split(',');
  let ok = true;
  if (backends.includes('pglite'))
    await onPglite(async (db) => void (ok = (await run('PGlite (in this process)', db)) && ok));
  if (backends.includes('postgres')) await onPostgres(async (db) => void (ok = (await run('PostgreSQL', db)) && ok), 8);
  if (!ok) process.exitCode = 1;
}

await main();
