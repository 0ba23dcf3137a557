import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { databaseOnPglite, databaseOnPostgres, type Database } from '../src/platform/db/database.js';
import { startPglite } from '../src/platform/db/embedded.js';

/** Runs `fn` on a new PGlite in a temporary folder (file-backed, as `npm start` runs it), then removes it. */
export async function onPglite(fn: (db: Database) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-bench-'));
  const pglite = await startPglite({ dataDir: dir });
  const db = databaseOnPglite(pglite, () => pglite.close());
  try {
    await fn(db);
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const postgresServer = () => process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Why the PostgreSQL server at BENCH_DATABASE_URL does not answer; undefined when it does. */
export async function postgresUnreachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: postgresServer(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `fn` on a new database of the PostgreSQL server at BENCH_DATABASE_URL, dropped afterwards. */
export async function onPostgres(fn: (db: Database) => Promise<void>, poolSize = 4): Promise<void> {
  const server = postgresServer();
  const name = `croft_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = databaseOnPostgres(url.toString(), poolSize);
  try {
    await fn(db);
  } finally {
    await db.close();
    await admin.query(`drop database "${name}" with (force)`);
    await admin.end();
  }
}
