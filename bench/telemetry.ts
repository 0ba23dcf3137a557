/**
 * Telemetry speed on PGlite and on PostgreSQL (not part of CI; the load generator shares the 2 cores
 * with the server, so the figures are a floor):
 * - HTTP batch ingest (batches of 5,000 readings through the real server), readings/s, as a ratio to
 *   inserting the same rows straight into the same database in the same run;
 * - MQTT QoS 1 ingest from 1,000 simulated devices (10 timestamps × 2 metrics a message), committed
 *   readings/s, and its ratio to the same baseline;
 * - with BENCH_ROWS raw rows present (default 10 million: one a minute per series), p95 of 30 days of
 *   one series hourly and of 24 hours raw;
 * - the server's memory after the run.
 *
 *   npm run bench:telemetry            (BENCH_DATABASE_URL, BENCH_ROWS, BENCH_BACKENDS=pglite,postgres)
 */
import { sql } from 'kysely';
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres } from './databases.js';
import { runLoad, seedFarm } from './devices.js';
import { startBenchServer } from './server.js';

const BATCH = 5_000;
const HTTP_BATCHES = Number(process.env.BENCH_HTTP_BATCHES ?? 40);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 1_000);
const MESSAGES_PER_DEVICE = Number(process.env.BENCH_MESSAGES ?? 10);
const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const SERIES = 100;
const rss = () => Math.round(process.memoryUsage().rss / 1048576);
const p95 = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length * 0.95)]!;

async function baseline(db: Database, farmId: string, rows: number): Promise<number> {
  // The same rows as the HTTP batches (five series, readings interleaved 200 ms apart), inserted
  // straight into the table as the owner: no transaction scope, no row-level security, no checks.
  const seriesIds = await db.system(async (tx) => {
    const device = await sql<{ id: string }>`select id from devices where farm_id = ${farmId} limit 1`.execute(tx);
    const { rows: made } = await sql<{ id: number }>`insert into series (farm_id, device_id, metric, created_at)
      select ${farmId}::uuid, ${device.rows[0]!.id}::uuid, 'baseline_' || i, now() from generate_series(0, 4) as i returning id`.execute(
      tx,
    );
    return made.map((r) => Number(r.id));
  });
  const start = Date.now() - 3 * 86_400_000;
  const started = performance.now();
  for (let done = 0; done < rows; done += BATCH) {
    const series = Array.from({ length: BATCH }, (_, i) => seriesIds[i % 5]!);
    const stamps = Array.from({ length: BATCH }, (_, i) => new Date(start + (done + i) * 200).toISOString());
    const values = stamps.map((_, i) => i);
    await db.raw.executeSql(
      `insert into readings (series_id, ts, value, quality, received_at, farm_id)
      select s, t, v, 0, now(), $1 from unnest($2::bigint[], $3::timestamptz[], $4::float8[]) as x(s, t, v) on conflict do nothing`,
      [farmId, series, stamps, values],
    );
  }
  return rows / ((performance.now() - started) / 1000);
}

async function run(name: string, db: Database): Promise<void> {
  const server = await startBenchServer(db, { listen: true, mqtt: true, jobs: true });
  const { deps } = server;
  const url = server.url!;
  const { farmId, slug } = await seedFarm(db, DEVICES);
  await deps.services.telemetry.makePartitionsAhead();
  await deps.services.telemetry.partitions.ensureFor([
    new Date(Date.now() - 3 * 86_400_000),
    new Date(Date.now() - 86_400_000),
  ]);

  const baseRate = await baseline(db, farmId, HTTP_BATCHES * BATCH);

  // HTTP: the device's own credentials (Basic), batches of 5,000 readings over five metrics.
  const authorization = `Basic ${Buffer.from(`${slug}.dev-0:bench-secret`).toString('base64')}`;
  const http = await runLoad({
    kind: 'http',
    url,
    slug,
    authorization,
    batches: HTTP_BATCHES,
    batch: BATCH,
    start: Date.now() - 2 * 86_400_000,
  });
  const httpRate = http.accepted / http.seconds;

  // MQTT: 1,000 devices, QoS 1, each message 10 timestamps × 2 metrics.
  const mqttRun = await runLoad({
    kind: 'mqtt',
    port: deps.mqtt.status.port!,
    slug,
    devices: DEVICES,
    messages: MESSAGES_PER_DEVICE,
    start: Date.now() - 86_400_000,
  });
  const mqttRate = mqttRun.accepted / mqttRun.seconds;

  // Queries with ROWS raw rows present: SERIES series, one reading a minute.
  const perSeries = Math.floor(ROWS / SERIES);
  const end = Date.now() - 60_000;
  const first = end - perSeries * 60_000;
  const seriesIds = await db.system(async (tx) => {
    const device = await sql<{
      id: string;
    }>`select id from devices where farm_id = ${farmId} and device_id = 'dev-0'`.execute(tx);
    const { rows } = await sql<{ id: number }>`insert into series (farm_id, device_id, metric, created_at)
      select ${farmId}::uuid, ${device.rows[0]!.id}::uuid, 'q' || i, now() from generate_series(1, ${SERIES}) as i returning id`.execute(
      tx,
    );
    return rows.map((r) => Number(r.id));
  });
  const weeks: Date[] = [];
  for (let t = first; t <= end + 7 * 86_400_000; t += 7 * 86_400_000) weeks.push(new Date(t));
  await deps.services.telemetry.partitions.ensureFor(weeks);
  const loadStarted = performance.now();
  for (const id of seriesIds) {
    for (let offset = 0; offset < perSeries; offset += 100_000) {
      const count = Math.min(100_000, perSeries - offset);
      await db.raw.executeSql(
        `insert into readings (series_id, ts, value, quality, received_at, farm_id)
        select $1, to_timestamp(($2::float8 + g::float8 * 60000) / 1000), sin(g / 100.0), 0, now(), $3 from generate_series($4::int, $5::int) as g`,
        [id, first, farmId, offset, offset + count - 1],
      );
    }
  }
  await db.raw.executeSql(
    `insert into readings_hourly (series_id, bucket, farm_id, min, max, sum, count, last, last_ts)
    select series_id, date_trunc('hour', ts, 'UTC'), farm_id, min(value), max(value), sum(value), count(*),
      (array_agg(value order by ts desc))[1], max(ts) from readings where farm_id = $1 and series_id = any($2::bigint[])
    group by series_id, date_trunc('hour', ts, 'UTC'), farm_id on conflict do nothing`,
    [farmId, seriesIds],
  );
  await db.raw.executeSql('analyze readings; analyze readings_hourly');
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const hourly: number[] = [];
  const raw: number[] = [];
  const metricOf = (i: number) => `q${(i % SERIES) + 1}`;
  for (let i = 0; i < 200; i++) {
    const to = new Date(end - (i % 20) * 86_400_000);
    let started = performance.now();
    await deps.services.telemetry.series(farmId, {
      device: 'dev-0',
      metric: metricOf(i),
      from: new Date(to.getTime() - 30 * 86_400_000),
      to,
      resolution: 'hour',
    });
    hourly.push(performance.now() - started);
    started = performance.now();
    await deps.services.telemetry.series(farmId, {
      device: 'dev-0',
      metric: metricOf(i),
      from: new Date(to.getTime() - 86_400_000),
      to,
      resolution: 'raw',
    });
    raw.push(performance.now() - started);
  }

  console.log(`\n${name}`);
  console.log(`  direct insert (baseline)      ${Math.round(baseRate).toLocaleString('en')} rows/s`);
  console.log(
    `  HTTP batch ingest             ${Math.round(httpRate).toLocaleString('en')} readings/s  ratio ${(httpRate / baseRate).toFixed(2)}`,
  );
  console.log(
    `  MQTT QoS 1, ${DEVICES} devices     ${Math.round(mqttRate).toLocaleString('en')} readings/s  ratio ${(mqttRate / baseRate).toFixed(2)}` +
      ` (generator on its own thread, same 2 cores)`,
  );
  console.log(
    `  ${ROWS.toLocaleString('en')} raw rows loaded in ${loadSeconds.toFixed(0)} s; p95 30 days hourly ${p95(hourly).toFixed(2)} ms, ` +
      `p95 24 h raw ${p95(raw).toFixed(2)} ms`,
  );
  console.log(`  process memory after the run  ${rss()} MB RSS`);
  await server.stop();
}

async function main(): Promise<void> {
  const backends = (process.env.BENCH_BACKENDS ?? 'pglite,postgres').split(',');
  if (backends.includes('pglite')) await onPglite((db) => run('PGlite (in this process)', db));
  if (backends.includes('postgres')) await onPostgres((db) => run('PostgreSQL', db), 8);
}

await main();
