import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { loadCatalogSeed } from '../src/modules/catalog/index.js';
import { loadFertilizerSeed } from '../src/modules/nutrients/index.js';
import { loadProtectionSeed } from '../src/modules/protection/index.js';
import { ManualClock } from '../src/platform/clock.js';
import { databaseOnPglite, databaseOnPostgres, type Database } from '../src/platform/db/database.js';
import { startPglite } from '../src/platform/db/embedded.js';
import { migrate } from '../src/platform/db/migrate.js';
import { JobRegistry } from '../src/platform/jobs/registry.js';
import { JobRunner } from '../src/platform/jobs/runner.js';
import { createLogger } from '../src/platform/logger.js';
import { adminUrl, databaseUrl, TEMPLATE_PREFIX, TEST_DB_PREFIX } from './helpers/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite: a migrated data folder tarball; PostgreSQL: the template database's name. */
    template: { backend: 'pglite'; tarball: string } | { backend: 'postgres'; url: string; name: string };
  }
}

const log = createLogger({
  logLevel: (process.env.TEST_LOG_LEVEL as 'info' | undefined) ?? 'silent',
  logFormat: 'json',
});

/**
 * Migrations, pg-boss's schema and the shipped plant catalogue, as every test database starts: a test
 * app's start then finds the catalogue's seed hash unchanged and loads nothing.
 */
async function prepare(db: Database): Promise<void> {
  await migrate(db, log);
  await loadCatalogSeed(db, { clock: new ManualClock(), log });
  await loadFertilizerSeed(db, { clock: new ManualClock(), log });
  await loadProtectionSeed(db, { clock: new ManualClock(), log });
  const jobs = new JobRunner({
    db,
    registry: new JobRegistry(),
    clock: new ManualClock(),
    log,
    pollMs: 500,
    cronTickMs: 1000,
  });
  await jobs.start({ work: false });
  await jobs.stop(1000);
}

async function dropStale(admin: pg.Client, olderThanMs: number): Promise<void> {
  // Databases left by a run that was killed: their names carry the time they were made.
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname like $1 or datname like $2`,
    [`${TEMPLATE_PREFIX}%`, `${TEST_DB_PREFIX}%`],
  );
  for (const { datname } of rows) {
    const made = Number(/_(\d{13})_/.exec(datname)?.[1]);
    if (Number.isFinite(made) && Date.now() - made > olderThanMs) {
      await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => {});
    }
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const pglite = await startPglite();
    await prepare(databaseOnPglite(pglite, async () => {}));
    const tarball = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'croft-template-')), 'template.tar');
    fs.writeFileSync(tarball, Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer()));
    await pglite.close();
    project.provide('template', { backend: 'pglite', tarball });
    return async () => fs.rmSync(path.dirname(tarball), { recursive: true, force: true });
  }

  const admin = new pg.Client({ connectionString: adminUrl(serverUrl) });
  await admin.connect();
  await dropStale(admin, 6 * 3600_000);
  const name = `${TEMPLATE_PREFIX}${Date.now()}_${process.pid}`;
  await admin.query(`create database "${name}"`);
  const db = databaseOnPostgres(databaseUrl(serverUrl, name), 2);
  try {
    await prepare(db);
  } finally {
    await db.close();
  }
  project.provide('template', { backend: 'postgres', url: serverUrl, name });
  return async () => {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  };
}
