import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { databaseOnPglite, databaseOnPostgres, type Database } from '../../src/platform/db/database.js';
import { startPglite } from '../../src/platform/db/embedded.js';
import { adminUrl, databaseUrl, TEST_DB_PREFIX } from './postgres.js';

export interface TestDatabase {
  db: Database;
  /** On PostgreSQL, the URL of this test's own database (for child processes). */
  url: string | undefined;
  close(): Promise<void>;
}

async function createFromTemplate(serverUrl: string, template: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl(serverUrl) });
  await admin.connect();
  try {
    // Two files copying one template at the same moment can collide; a retry settles it.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database "${name}" template "${template}"`);
        return;
      } catch (error) {
        if (attempt >= 10 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl(serverUrl) });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}

/**
 * A migrated database of this test file's own: PGlite restored from the run's template tarball, or
 * a PostgreSQL database copied from the run's template database.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('template');
  if (template.backend === 'pglite') {
    const pglite = await startPglite({ loadDataDir: new Blob([fs.readFileSync(template.tarball)]) });
    const db = databaseOnPglite(pglite, () => pglite.close());
    return { db, url: undefined, close: () => db.close() };
  }
  const name = `${TEST_DB_PREFIX}${Date.now()}_${randomBytes(4).toString('hex')}`;
  await createFromTemplate(template.url, template.name, name);
  const url = databaseUrl(template.url, name);
  const db = databaseOnPostgres(url, 5);
  return {
    db,
    url,
    async close() {
      await db.close();
      await dropDatabase(template.url, name);
    },
  };
}

export const testBackend = (): 'pglite' | 'postgres' => inject('template').backend;
