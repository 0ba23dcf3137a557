/**
 * `npm run bench:photos` (issue #25): counting plants on photos. Never in CI. Prints:
 *
 * (a) detections loaded per second into `photo_detections` by staging COPY + INSERT … SELECT, by UNNEST
 *     (the production path) and by one INSERT per row, and the ratios to one row at a time, on PGlite and
 *     on PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; skipped with
 *     a line when unreachable) — see bench/photos-load.ts;
 * (b) seconds per 12-megapixel synthetic tray photo, split into decode (to the 1.5 MP working size), detect
 *     and estimate, and the persist step measured through the real pipeline (upload → the `photos.count` job's processing);
 * (c) accuracy of the count on synthetic trays at 30 %, 60 % and 90 % of the plants detectable: mean and
 *     worst |error| against the trays' truth;
 * (d) MQTT telemetry ingest rate (QoS 1, BENCH_PHOTO_DEVICES devices × BENCH_PHOTO_MESSAGES messages of 20
 *     readings) and the p95 of an API read while photos are being counted, as ratios to
 *     the same without (same server, same run).
 *
 * BENCH_PHOTO_PARTS chooses the parts ("a", "bcd" …; default all); (b) and (d) share one server run.
 *
 *   BENCH_PHOTO_PARTS=abcd BENCH_PHOTO_SEEDS=10 BENCH_PHOTO_WIDTH=4000 BENCH_PHOTO_HEIGHT=3000 BENCH_PHOTO_DEVICES=100 BENCH_PHOTO_MESSAGES=300
 *   BENCH_DETECTIONS=100000 BENCH_DETECTIONS_PER_PHOTO=1000 BENCH_DETECTIONS_ONE_BY_ONE=5000
 */
import { randomUUID } from 'node:crypto';
import type { App } from '../src/app.js';
import { countPhotoBytes, generateSyntheticTray } from '../src/modules/photos/index.js';
import type { Database } from '../src/platform/db/database.js';
import { onPglite, onPostgres, postgresUnreachable } from './databases.js';
import { runLoad, seedDevices } from './devices.js';
import { detectionLoad } from './photos-load.js';
import { benchFarm, startBenchServer } from './server.js';

const SEEDS = Number(process.env.BENCH_PHOTO_SEEDS ?? 10);
const WIDTH = Number(process.env.BENCH_PHOTO_WIDTH ?? 4000);
const HEIGHT = Number(process.env.BENCH_PHOTO_HEIGHT ?? 3000);
const DEVICES = Number(process.env.BENCH_PHOTO_DEVICES ?? 100);
const MESSAGES = Number(process.env.BENCH_PHOTO_MESSAGES ?? 300);
const PARTS = (process.env.BENCH_PHOTO_PARTS ?? 'abcd').toLowerCase();
const part = (...letters: string[]) => letters.some((l) => PARTS.includes(l));

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

/** (b) and (c): the engine on its own, tray by tray. */
async function accuracy(): Promise<void> {
  console.log(`\n(b, c) classical counting on ${SEEDS} synthetic trays per share, ${WIDTH}×${HEIGHT}`);
  for (const share of [0.3, 0.6, 0.9]) {
    const errors: number[] = [];
    const decode: number[] = [];
    const detect: number[] = [];
    const estimate: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { jpeg, truth } = await generateSyntheticTray({
        seed,
        width: WIDTH,
        height: HEIGHT,
        detectableShare: share,
      });
      // As the counting process does it: decoded straight to the working size, counted, mapped back.
      const result = await countPhotoBytes(jpeg, { grid: { rows: 10, cols: 12 } });
      decode.push((result.timings.decodeMs ?? 0) / 1000);
      detect.push(result.timings.detectMs / 1000);
      estimate.push(result.timings.estimateMs / 1000);
      errors.push((100 * Math.abs(result.total - truth.plants)) / truth.plants);
    }
    console.log(
      `  ${Math.round(share * 100)} % detectable: mean |error| ${mean(errors).toFixed(1)} %, worst ${Math.max(...errors).toFixed(1)} %;` +
        ` s per photo: decode ${mean(decode).toFixed(2)}, detect ${mean(detect).toFixed(2)}, estimate ${mean(estimate).toFixed(2)}`,
    );
  }
}

interface Farm {
  app: App;
  id: string;
  slug: string;
  headers: { authorization: string };
}

/** Uploads a tray photo through the API; its session id. */
async function upload(farm: Farm, jpeg: Buffer): Promise<string> {
  const res = await farm.app.inject({
    method: 'PUT',
    url: `/api/v1/farms/${farm.slug}/photos/${randomUUID()}`,
    headers: { ...farm.headers, 'content-type': 'image/jpeg' },
    payload: jpeg,
  });
  if (res.statusCode !== 201) throw new Error(`upload: ${res.statusCode} ${res.body}`);
  return (res.json() as { session_id: string }).session_id;
}

/**
 * MQTT ingest at QoS 1 from DEVICES devices (MESSAGES messages each, 20 readings a message, from the load
 * generator's own thread) and, side by side, the latency of an API read every 20 ms.
 */
async function load(
  farm: Farm,
  port: number,
  messages: number,
  start: number,
): Promise<{ rate: number; readP95: number }> {
  const reads: number[] = [];
  let loading = true;
  const reader = (async () => {
    while (loading) {
      const began = performance.now();
      await farm.app.inject({ method: 'GET', url: `/api/v1/farms/${farm.slug}/locations`, headers: farm.headers });
      reads.push(performance.now() - began);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const run = await runLoad({ kind: 'mqtt', port, slug: farm.slug, devices: DEVICES, messages, start });
  loading = false;
  await reader;
  return { rate: run.accepted / run.seconds, readP95: p95(reads) };
}

/** (b, persist) and (d): the pipeline in a server. */
async function pipeline(name: string, db: Database): Promise<void> {
  const server = await startBenchServer(db, { jobs: true, mqtt: true });
  const { app, deps } = server;
  try {
    const setup = await benchFarm(app);
    const farm: Farm = {
      app,
      id: setup.farm.id,
      slug: setup.farm.slug,
      headers: { authorization: `Bearer ${setup.access_token}` },
    };
    await seedDevices(db, farm.id, farm.slug, DEVICES + 1);
    const port = deps.mqtt.status.port!;
    const photos = deps.services.photos;
    const trays = await Promise.all(
      [1, 2, 3].map((seed) => generateSyntheticTray({ seed, width: WIDTH, height: HEIGHT, detectableShare: 0.6 })),
    );

    // The whole job on one photo: read back from storage, count in the counting process, persist.
    const jobs: number[] = [];
    for (const tray of trays) {
      const session = await upload(farm, tray.jpeg);
      const began = performance.now();
      await photos.process(farm.id, session, { retryCount: 0, retryLimit: 2 });
      jobs.push((performance.now() - began) / 1000);
    }
    console.log(`\n${name}`);
    console.log(
      `  (b) the photos.count job per ${WIDTH}×${HEIGHT} photo (storage read, count in the counting process, persist): ${mean(jobs).toFixed(2)} s`,
    );

    // Each phase writes readings of its own days (a reading resent is stored once and not counted again).
    const day = 86_400_000;
    await load(farm, port, 3, Date.now() - 15 * day); // warm-up
    const quiet = await load(farm, port, MESSAGES, Date.now() - 10 * day);
    let counting = true;
    let counted = 0;
    const counter = (async () => {
      for (let i = 0; counting; i++) {
        const session = await upload(farm, trays[i % trays.length]!.jpeg);
        await photos.process(farm.id, session, { retryCount: 0, retryLimit: 2 });
        counted++;
      }
    })();
    const busy = await load(farm, port, MESSAGES, Date.now() - 5 * day);
    counting = false;
    await counter;
    console.log(
      `  (d) MQTT ingest (${DEVICES} devices, QoS 1) ${Math.round(quiet.rate).toLocaleString('en')} readings/s without photos, ` +
        `${Math.round(busy.rate).toLocaleString('en')} while ${counted} photos were counted: ratio ${(busy.rate / quiet.rate).toFixed(2)} (target ≥ 0.7)`,
    );
    console.log(
      `      GET …/locations p95 ${quiet.readP95.toFixed(1)} ms without, ${busy.readP95.toFixed(1)} ms with: ratio ${(busy.readP95 / quiet.readP95).toFixed(2)} (target ≤ 2)`,
    );
  } finally {
    await server.stop();
  }
}

if (part('a')) {
  await onPglite((db) => detectionLoad('PGlite (in this process)', db));
  const unreachable = await postgresUnreachable();
  if (unreachable) console.log(`\nPostgreSQL: (a) skipped, the server is unreachable (${unreachable})`);
  else await onPostgres((db) => detectionLoad('PostgreSQL', db));
}
if (part('b', 'c') && SEEDS > 0) await accuracy();
if (part('b', 'd')) await onPglite((db) => pipeline('PGlite (in this process)', db));
process.exit(0);
