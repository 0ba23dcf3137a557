import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseOnPglite, type Database } from '../db/database.js';
import { openEmbeddedDatabase } from '../db/embedded.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { loadConfig } from '../config.js';
import { backupEmbedded, openCopy } from './backup.js';
import { openBackup } from './restore.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-backup-'));
const log = createLogger(loadConfig({ CROFT_LOG_LEVEL: 'silent', CROFT_LOG_FORMAT: 'json' }, false));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const farmCount = async (db: Database) =>
  (await db.system((tx) => sql<{ n: number }>`select count(*)::int as n from farms`.execute(tx))).rows[0]!.n;

async function addFarm(db: Database, slug: string): Promise<void> {
  await db.system((tx) =>
    sql`insert into farms (name, slug, time_zone, created_at, updated_at) values (${slug}, ${slug}, 'UTC', now(), now())`.execute(
      tx,
    ),
  );
}

describe('a backup of a running embedded database', () => {
  it(
    'is made from a copy of its folder: the live database serves on during the export, and the backup is the moment of the copy',
    { timeout: 120_000 },
    async () => {
      const dataDir = path.join(root, 'live');
      const embedded = await openEmbeddedDatabase(dataDir, log);
      const db = databaseOnPglite(embedded.pglite, embedded.close);
      try {
        await migrate(db, log);
        await addFarm(db, 'before-the-copy');
        const file = path.join(root, 'live.tar');
        let writtenDuringExport = false;
        const manifest = await backupEmbedded(
          db,
          path.join(dataDir, 'pgdata'),
          { file, croftVersion: 'test' },
          async (folder) => {
            const copy = await openCopy(folder);
            // The copy is open and the export about to start: the live database takes a write at once.
            await addFarm(db, 'during-the-export');
            writtenDuringExport = true;
            return copy;
          },
        );
        expect(writtenDuringExport).toBe(true);
        expect(manifest.consistency).toBe('folder-copy');
        expect(manifest.held_ms).toBeGreaterThanOrEqual(0);
        expect(manifest.tables.find((t) => t.name === 'farms')?.rows).toBe(1);
        expect(await farmCount(db)).toBe(2);
        // The copy is gone, the archive is its owner's only.
        expect(fs.readdirSync(dataDir).filter((f) => f.includes('backup'))).toEqual([]);
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        const opened = await openBackup(file, path.join(root, 'unpacked'));
        expect(opened.manifest.checksum).toBe(manifest.checksum);
      } finally {
        await db.close();
      }
    },
  );
});
