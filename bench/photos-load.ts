/**
 * Part (a) of `npm run bench:photos` (issue #25): detections loaded per second into `photo_detections`,
 * three ways, in the same run, one photo's detections (one session) per farm-scoped transaction:
 *
 * (i)   staging COPY + INSERT … SELECT: `COPY … FROM STDIN` into a temporary table (`on commit drop`) on the
 *       transaction's own connection (`db.copyInto`), then one INSERT … SELECT under the farm policy
 *       (PostgreSQL refuses COPY FROM into a table under row-level security);
 * (ii)  UNNEST: `detectionsRepository.replace`, what the `photos.count` job runs;
 * (iii) one INSERT per row, as an ORM saving one entity at a time (fewer rows: rows/s is what is compared).
 *
 * Each way deletes the session's earlier rows first, as `replace` does. The ways take turns photo by photo.
 *
 *   BENCH_DETECTIONS=100000 BENCH_DETECTIONS_PER_PHOTO=1000 BENCH_DETECTIONS_ONE_BY_ONE=5000
 */
import { sql } from 'kysely';
import { dayOf, DetectionPartitions, detectionsRepository, type Detection } from '../src/modules/photos/index.js';
import type { Database, Tx } from '../src/platform/db/database.js';
import { benchFarm, startBenchServer } from './server.js';

const DETECTIONS = Number(process.env.BENCH_DETECTIONS ?? 100_000);
const PER_PHOTO = Number(process.env.BENCH_DETECTIONS_PER_PHOTO ?? 1000);
const ONE_BY_ONE = Math.min(DETECTIONS, Number(process.env.BENCH_DETECTIONS_ONE_BY_ONE ?? 5000));

/** A small seeded generator (mulberry32): every way loads the same detections. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One 4000×3000 photo's detections as the classical detector writes them: found on a scaled copy, so the
 * pixels are fractions (divided by the scale), the confidence rounded to 3 decimals, 1 in 12 an empty container.
 */
function photoDetections(photo: number, count: number): Detection[] {
  const next = random(photo + 1);
  const scale = 0.37;
  return Array.from({ length: count }, (_, i) => {
    const x = Math.floor(next() * 1480);
    const y = Math.floor(next() * 1110);
    const r = 4 + Math.floor(next() * 14);
    return {
      class: i % 12 === 11 ? 'empty_container' : 'plant',
      cx: (x + next()) / scale,
      cy: (y + next()) / scale,
      box: { x1: (x - r) / scale, y1: (y - r) / scale, x2: (x + r + 1) / scale, y2: (y + r + 1) / scale },
      area: Math.floor(Math.PI * r * r * (0.6 + 0.4 * next())) / (scale * scale),
      confidence: Math.round((0.35 + 0.65 * next()) * 1000) / 1000,
    };
  });
}

type Load = (tx: Tx, farmId: string, sessionId: string, day: string, detections: Detection[]) => Promise<number>;

const clearSession = (tx: Tx, farmId: string, sessionId: string, day: string) =>
  tx
    .deleteFrom('photo_detections')
    .where('farm_id', '=', farmId)
    .where('session_id', '=', sessionId)
    .where('day', '=', day)
    .execute();

const STAGED = ['n', 'class', 'cx', 'cy', 'x1', 'y1', 'x2', 'y2', 'area', 'confidence'] as const;

function field(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`a detection holds a non-finite number: ${v}`);
  return String(v);
}

/**
 * (i) COPY into a staging table of this transaction, then INSERT … SELECT under the farm policy; `spent.copyMs`
 * adds up the COPY alone (the rest is the same INSERT … SELECT into the table as UNNEST's).
 */
const byCopy =
  (db: Database, spent: { copyMs: number }): Load =>
  async (tx, farmId, sessionId, day, detections) => {
    await clearSession(tx, farmId, sessionId, day);
    await sql`create temp table detection_staging (n integer, class text, cx real, cy real, x1 real, y1 real,
      x2 real, y2 real, area real, confidence real) on commit drop`.execute(tx);
    const lines = detections.map(
      (d, n) =>
        `${n}\t${d.class}\t${field(d.cx)}\t${field(d.cy)}\t${field(d.box.x1)}\t${field(d.box.y1)}\t` +
        `${field(d.box.x2)}\t${field(d.box.y2)}\t${field(d.area)}\t${field(d.confidence)}\n`,
    );
    const began = performance.now();
    await db.copyInto(tx, 'detection_staging', STAGED, lines.join(''));
    spent.copyMs += performance.now() - began;
    const result = await sql`
      insert into photo_detections (farm_id, session_id, day, n, class, cx, cy, x1, y1, x2, y2, area, confidence)
      select ${farmId}::uuid, ${sessionId}::uuid, ${day}::date, n, class, cx, cy, x1, y1, x2, y2, area, confidence
        from detection_staging`.execute(tx);
    return Number(result.numAffectedRows ?? 0);
  };

/** (ii) The production path. */
const byUnnest: Load = (tx, farmId, sessionId, day, detections) =>
  detectionsRepository.replace(tx, farmId, sessionId, day, detections);

/** (iii) One INSERT a row. */
const oneByOne: Load = async (tx, farmId, sessionId, day, detections) => {
  await clearSession(tx, farmId, sessionId, day);
  for (const [n, d] of detections.entries())
    await tx
      .insertInto('photo_detections')
      .values({
        farm_id: farmId,
        session_id: sessionId,
        day,
        n,
        class: d.class,
        cx: d.cx,
        cy: d.cy,
        x1: d.box.x1,
        y1: d.box.y1,
        x2: d.box.x2,
        y2: d.box.y2,
        area: d.area,
        confidence: d.confidence,
      })
      .execute();
  return detections.length;
};

/** `count` processing sessions (each with its photo row) to hang detections on; their ids. */
async function makeSessions(db: Database, farmId: string, at: Date, count: number): Promise<string[]> {
  const { rows } = await db.farm(farmId, (tx) =>
    sql<{ id: string }>`
      with p as (
        insert into photos (farm_id, id, storage_key, content_type, byte_size, sha256, width, height, taken_at,
                            taken_at_source, display_key, thumb_key, created_at)
        select ${farmId}::uuid, gen_random_uuid(), 'bench/' || g, 'image/jpeg', 4000000, repeat('0', 64), 4000, 3000,
               ${at}::timestamptz, 'upload', 'bench/d' || g, 'bench/t' || g, ${at}::timestamptz
          from generate_series(1, ${count}::int) g
        returning id)
      insert into photo_sessions (farm_id, photo_id, status, attempts, started_at, created_at)
      select ${farmId}::uuid, id, 'processing', 1, ${at}::timestamptz, ${at}::timestamptz from p
      returning id`.execute(tx),
  );
  return rows.map((r) => r.id);
}

/** Rows in photo_detections for these sessions, as the farm sees them. */
async function countLoaded(db: Database, farmId: string, sessionIds: string[]): Promise<number> {
  const { rows } = await db.farm(farmId, (tx) =>
    sql<{ rows: number }>`select count(*)::int as rows from photo_detections
      where farm_id = ${farmId}::uuid and session_id = any(${sessionIds}::uuid[])`.execute(tx),
  );
  return rows[0]!.rows;
}

/**
 * Loads BENCH_DETECTIONS detections (BENCH_DETECTIONS_ONE_BY_ONE one row at a time) in photo-sized
 * sessions each of the three ways into `db` (migrated here), prints rows/s for each and its ratio to one
 * row at a time, and throws if a way left other than the rows it loaded.
 */
export async function detectionLoad(name: string, db: Database): Promise<void> {
  const server = await startBenchServer(db);
  try {
    const farmId = (await benchFarm(server.app)).farm.id;
    const at = new Date();
    const day = dayOf(at);
    await new DetectionPartitions(db).ensure(day);

    const spent = { copyMs: 0 };
    const ways = [
      { label: '(i) staging COPY + INSERT … SELECT', rows: DETECTIONS, load: byCopy(db, spent) },
      { label: '(ii) UNNEST (detectionsRepository.replace)', rows: DETECTIONS, load: byUnnest },
      { label: '(iii) one INSERT per row', rows: ONE_BY_ONE, load: oneByOne },
    ].map((way) => ({ ...way, photos: Math.max(1, Math.ceil(way.rows / PER_PHOTO)), sessions: [] as string[], ms: 0 }));
    console.log(
      `\n${name}: (a) detections loaded, ${PER_PHOTO.toLocaleString('en')} a photo (one session, one farm transaction each)`,
    );
    // One more session a way first, untimed: its statements planned and its code warm.
    const warmUp = photoDetections(0, Math.min(PER_PHOTO, ONE_BY_ONE));
    for (const way of ways) {
      way.sessions = await makeSessions(db, farmId, at, way.photos + 1);
      await db.farm(farmId, (tx) => way.load(tx, farmId, way.sessions[0]!, day, warmUp));
    }
    spent.copyMs = 0;
    // The ways take turns photo by photo, so a busy moment of the machine falls on all of them alike and
    // each meets the table at the same size.
    for (let p = 0; p < Math.max(...ways.map((w) => w.photos)); p++) {
      for (const way of ways) {
        if (p >= way.photos) continue;
        const detections = photoDetections(p + 1, Math.min(PER_PHOTO, way.rows - p * PER_PHOTO));
        const began = performance.now();
        const loaded = await db.farm(farmId, (tx) => way.load(tx, farmId, way.sessions[p + 1]!, day, detections));
        way.ms += performance.now() - began;
        if (loaded !== detections.length)
          throw new Error(`${way.label}: ${loaded} rows reported for a photo of ${detections.length}`);
      }
    }
    const rates: number[] = [];
    for (const way of ways) {
      const stored = await countLoaded(db, farmId, way.sessions);
      if (stored !== way.rows + warmUp.length)
        throw new Error(`${way.label}: ${stored} rows stored, expected ${way.rows} (+ ${warmUp.length} warm-up)`);
      const rate = way.rows / (way.ms / 1000);
      rates.push(rate);
      console.log(
        `  ${way.label}: ${way.rows.toLocaleString('en')} rows in ${(way.ms / 1000).toFixed(2)} s, ` +
          `${Math.round(rate).toLocaleString('en')} rows/s, ${(way.ms / way.photos).toFixed(1)} ms a photo` +
          (way === ways[0] ? ` (the COPY into staging ${(spent.copyMs / way.photos).toFixed(1)} ms of it)` : ''),
      );
    }
    // Detections have no dependants; the owning role empties the table for whatever runs next.
    await db.raw.executeSql('truncate photo_detections');
    const single = rates[2]!;
    console.log(
      `  ratio to one row at a time: COPY ${(rates[0]! / single).toFixed(1)}×, UNNEST ${(rates[1]! / single).toFixed(1)}×;` +
        ` COPY / UNNEST ${(rates[0]! / rates[1]!).toFixed(2)}`,
    );
  } finally {
    await server.stop();
  }
}
