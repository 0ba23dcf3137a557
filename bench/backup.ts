/**
 * Backup and restore of a farm with many readings (default 10 million: BENCH_READINGS), the recovery time
 * a farm can expect: seconds to write the backup, the longest wait a small write (an ingest stand-in, one
 * every 50 ms) saw while the backup ran, the archive's size, and seconds to restore it into a new data
 * folder (checked row by row against the manifest). The embedded database is backed up as a running
 * Croft does it (backupEmbedded: from a copy of its folder); PostgreSQL in one repeatable-read
 * transaction. Baseline measured in the same run: copying the data folder's files (`fs.cpSync`), what a
 * file-level copy of a stopped database costs.
 *
 *   npm run bench:backup                       # embedded database
 *   BENCH_DATABASE_URL=postgres://… npm run bench:backup   # also PostgreSQL (an empty database it may fill)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { createLogger } from '../src/platform/logger.js';
import { loadConfig } from '../src/platform/config.js';
import { databaseOnPglite, databaseOnPostgres, type Database } from '../src/platform/db/database.js';
import { openEmbeddedDatabase } from '../src/platform/db/embedded.js';
import { migrate } from '../src/platform/db/migrate.js';
import { backupEmbedded, folderSize, writeBackup } from '../src/platform/backup/backup.js';
import { openBackup, restoreBackup } from '../src/platform/backup/restore.js';
import { seedFarm } from './devices.js';

const READINGS = Number(process.env.BENCH_READINGS ?? 10_000_000);
const SERIES = 100;
const log = createLogger(loadConfig({ CROFT_LOG_LEVEL: 'warn', CROFT_LOG_FORMAT: 'json' }, false));

/** `READINGS` readings over `SERIES` series, one a minute, in weekly partitions as ingest makes them. */
async function fill(db: Database): Promise<void> {
  const { farmId, deviceIds } = await seedFarm(db, SERIES - 1);
  const perSeries = Math.ceil(READINGS / SERIES);
  const start = Date.parse('2026-01-05T00:00:00Z'); // a Monday: weeks start on Mondays
  const weeks = Math.ceil((perSeries * 60_000) / (7 * 86_400_000)) + 1;
  for (let w = 0; w < weeks; w++) {
    const from = new Date(start + w * 7 * 86_400_000);
    const to = new Date(from.getTime() + 7 * 86_400_000);
    const name = `readings_w${from.toISOString().slice(0, 10).replace(/-/g, '')}`;
    await db.raw.executeSql(`create table if not exists ${name} partition of readings
      for values from ('${from.toISOString()}') to ('${to.toISOString()}'); revoke all on ${name} from croft_app`);
  }
  await db.system((tx) =>
    sql`insert into series (farm_id, device_id, metric, unit, created_at)
      select ${farmId}::uuid, d.id, 'temperature', '°C', now() from devices d
      where d.farm_id = ${farmId} and d.device_id = any(${deviceIds}::text[])`.execute(tx),
  );
  const chunk = 20_000; // minutes per statement and series batch
  for (let offset = 0; offset < perSeries; offset += chunk) {
    const n = Math.min(chunk, perSeries - offset);
    await db.system((tx) =>
      sql`insert into readings (series_id, ts, value, quality, received_at, farm_id)
        select s.id, ${new Date(start)}::timestamptz + ((${offset} + m) * interval '1 minute'),
          round((20 + 5 * sin((${offset} + m) / 240.0) + s.id % 7)::numeric, 2), 0, now(), s.farm_id
        from series s cross join generate_series(0, ${n - 1}) as m where s.farm_id = ${farmId}`.execute(tx),
    );
  }
}

/** Runs `work` while a one-row write goes in every 50 ms; returns work's ms and the longest write. */
async function withWrites(db: Database, work: () => Promise<unknown>): Promise<{ ms: number; longestWriteMs: number }> {
  await db.raw.executeSql(
    'create schema if not exists bench; create table if not exists bench.pings (at timestamptz not null)',
  );
  let longest = 0;
  let running = true;
  const pinger = (async () => {
    while (running) {
      const at = performance.now();
      await db.raw.executeSql('insert into bench.pings values (now())');
      longest = Math.max(longest, performance.now() - at);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  running = false;
  await pinger;
  await db.raw.executeSql('drop schema bench cascade');
  return { ms, longestWriteMs: longest };
}

/** Restores `file` into a new embedded data folder; the restore's ms (the unpacking and the check included). */
async function restoreIntoNewFolder(file: string, dataDir: string) {
  const target = await openEmbeddedDatabase(dataDir, log);
  return restoreInto(databaseOnPglite(target.pglite, target.close), file, `${dataDir}-unpacked`);
}

/** Restores `file` into a new database beside the one at `url` (made, then dropped): a PostgreSQL farm's recovery. */
async function restoreIntoNewDatabase(file: string, url: string, work: string) {
  const name = `croft_bench_restore_${process.pid}`;
  const server = new URL(url);
  server.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  try {
    const target = new URL(url);
    target.pathname = `/${name}`;
    return await restoreInto(databaseOnPostgres(target.toString(), 4, log), file, work);
  } finally {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

async function restoreInto(db: Database, file: string, work: string) {
  try {
    await migrate(db, log);
    const started = performance.now();
    const report = await restoreBackup(db, await openBackup(file, work), {
      occupiedBy: ['users', 'farms'],
    });
    return { restoreMs: performance.now() - started, report };
  } finally {
    await db.close();
  }
}

async function embedded(root: string): Promise<void> {
  const dataDir = path.join(root, 'source');
  const opened = await openEmbeddedDatabase(dataDir, log);
  const db = databaseOnPglite(opened.pglite, opened.close);
  await migrate(db, log);
  let filled = performance.now();
  await fill(db);
  filled = performance.now() - filled;
  const file = path.join(root, 'embedded.tar');
  // As a running Croft does it: from a copy of the folder, the live database held only for the copy.
  const backup = await withWrites(db, () =>
    backupEmbedded(db, path.join(dataDir, 'pgdata'), { file, croftVersion: 'bench' }),
  );
  await db.close();
  const folder = folderSize(path.join(dataDir, 'pgdata')).bytes;
  let copyMs = performance.now();
  fs.cpSync(path.join(dataDir, 'pgdata'), path.join(root, 'copy'), { recursive: true });
  copyMs = performance.now() - copyMs;

  const restored = await restoreIntoNewFolder(file, path.join(root, 'target'));
  print('embedded (PGlite)', { file, filled, backup, restored, folder, copyMs });
}

async function postgres(url: string, root: string): Promise<void> {
  const db = databaseOnPostgres(url, 4, log);
  await migrate(db, log);
  let filled = performance.now();
  await fill(db);
  filled = performance.now() - filled;
  const file = path.join(root, 'postgres.tar');
  const backup = await withWrites(db, () => writeBackup(db, { file, croftVersion: 'bench' }));
  const { rows } = await db.raw.executeSql('select pg_database_size(current_database())::bigint as bytes');
  await db.close();
  const folder = Number((rows[0] as { bytes: string }).bytes);
  // Into a new PostgreSQL database (a server farm's recovery), then into the embedded one (the move back).
  const restored = await restoreIntoNewDatabase(file, url, path.join(root, 'into-postgres'));
  print('PostgreSQL, restored into PostgreSQL', { file, filled, backup, restored, folder });
  const moved = await restoreIntoNewFolder(file, path.join(root, 'from-postgres'));
  console.log(`  restored into PGlite instead: ${(moved.restoreMs / 1000).toFixed(1)} s`);
}

function print(
  what: string,
  run: {
    file: string;
    filled: number;
    backup: { ms: number; longestWriteMs: number };
    restored: Awaited<ReturnType<typeof restoreIntoNewFolder>>;
    folder: number;
    copyMs?: number;
  },
): void {
  const m = {
    ...run,
    restoreMs: run.restored.restoreMs,
    rows: run.restored.report.rows,
    archive: fs.statSync(run.file).size,
  };
  const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
  console.log(`\n${what}: ${m.rows.toLocaleString('en')} rows (filled in ${(m.filled / 1000).toFixed(0)} s)`);
  console.log(
    `  backup     ${(m.backup.ms / 1000).toFixed(1)} s${m.copyMs ? `  (copying the data folder: ${(m.copyMs / 1000).toFixed(1)} s, ×${(m.backup.ms / m.copyMs).toFixed(1)})` : ''}`,
  );
  console.log(`  longest wait of a write during the backup ${(m.backup.longestWriteMs / 1000).toFixed(2)} s`);
  console.log(`  archive    ${mb(m.archive)}  (database ${mb(m.folder)}, ×${(m.archive / m.folder).toFixed(2)})`);
  console.log(
    `  restore    ${(m.restoreMs / 1000).toFixed(1)} s (checked against the manifest)${m.copyMs ? ` ×${(m.restoreMs / m.copyMs).toFixed(1)} the folder copy` : ''}`,
  );
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-bench-backup-'));
try {
  console.log(`node ${process.version}, ${os.cpus().length} cores, ${READINGS.toLocaleString('en')} readings`);
  await embedded(root);
  if (process.env.BENCH_DATABASE_URL) await postgres(process.env.BENCH_DATABASE_URL, root);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
