/**
 * The restore drill: a farm with data in every module, backed up, restored into a new database, and every
 * table's row count and canonical checksum compared — on the database of this run (PGlite, or PostgreSQL
 * in the PostgreSQL run, where the farm also moves to the embedded database and back).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeBackup, type Manifest } from '../src/platform/backup/backup.js';
import { openBackup, restoreBackup, tableDigests } from '../src/platform/backup/restore.js';
import { databaseOnPglite, databaseOnPostgres, type Database } from '../src/platform/db/database.js';
import { startPglite } from '../src/platform/db/embedded.js';
import { migrate, readMigrations } from '../src/platform/db/migrate.js';
import { openEmbeddedDatabase } from '../src/platform/db/embedded.js';
import { restoreFile } from '../src/cli/backup.js';
import { createLogger } from '../src/platform/logger.js';
import { createTestApp, testConfig, type TestApp } from './helpers/app.js';
import { createTestDatabase, testBackend } from './helpers/database.js';
import { fillEveryModule } from './helpers/full-farm.js';
import { createEmptyDatabase } from './helpers/postgres.js';
import type { TableDigest } from '../src/platform/backup/canonical.js';

const OCCUPIED_BY = ['users', 'farms'];
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-drill-'));
const log = createLogger(testConfig());
let t: TestApp;
let file: string;
let manifest: Manifest;
let source: Record<string, TableDigest>;
const closing: (() => Promise<void>)[] = [];

beforeAll(async () => {
  t = await createTestApp({ env: { CROFT_DATA_DIR: path.join(root, 'data') } });
  await fillEveryModule(t);
  file = path.join(root, 'farm.tar');
  manifest = await writeBackup(t.deps.db, {
    file,
    croftVersion: 'test',
    folders: { photos: path.join(root, 'data', 'photos') },
  });
  source = await tableDigests(t.deps.db);
}, 180_000);

afterAll(async () => {
  for (const close of closing) await close();
  await t?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

let unpacked = 0;
const open = () => openBackup(file, path.join(root, `unpacked-${++unpacked}`));

/** A new migrated, empty database of this run's kind. */
async function newDatabase(): Promise<Database> {
  const target = await createTestDatabase();
  closing.push(() => target.close());
  return target.db;
}

/** An empty PostgreSQL database (no migrations), dropped at the end. */
async function emptyPostgres(): Promise<string> {
  const created = await createEmptyDatabase((inject('template') as { url: string }).url, 'croft_old_');
  closing.push(created.drop);
  return created.url;
}

/** A migrated, empty PGlite of its own (the other database in the PostgreSQL run). */
async function newPglite(): Promise<Database> {
  const pglite = await startPglite();
  const db = databaseOnPglite(pglite, () => pglite.close());
  closing.push(() => db.close());
  await migrate(db, log);
  return db;
}

describe('the restore drill', () => {
  it('backs up a farm with data in every module: nearly every table holds rows, and the photos go along', () => {
    const filled = manifest.tables.filter((table) => table.rows > 0);
    expect(filled.length / manifest.tables.length).toBeGreaterThan(0.85);
    for (const name of ['farms', 'locations', 'readings', 'plants', 'stock_movements', 'hives', 'photos', 'audit_log'])
      expect(manifest.tables.find((table) => table.name === name)?.rows, name).toBeGreaterThan(0);
    expect(manifest.partitions.some((p) => p.parent === 'readings')).toBe(true);
    expect(manifest.files.find((f) => f.name === 'photos')?.count).toBeGreaterThan(0);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('restores into a new database: every table has the same rows and checksum', { timeout: 180_000 }, async () => {
    const target = await newDatabase();
    const report = await restoreBackup(target, await open(), { occupiedBy: OCCUPIED_BY });
    expect(report.checksum).toBe(manifest.checksum);
    expect(await tableDigests(target)).toEqual(source);
    // Identities go on after the largest restored value: a new row gets a new number, not a duplicate.
    const { rows } = await target.raw.executeSql(
      `select (select last_value from series_id_seq) >= coalesce((select max(id) from series), 0) as ahead`,
    );
    expect((rows[0] as { ahead: boolean }).ahead).toBe(true);
  });

  it('refuses to write into a folder that does not exist (a mistyped path is said, not made)', async () => {
    await expect(
      writeBackup(t.deps.db, { file: path.join(root, 'no-such-folder', 'farm.tar'), croftVersion: 'test' }),
    ).rejects.toMatchObject({ code: 'BACKUP_FOLDER_MISSING' });
    expect(fs.existsSync(path.join(root, 'no-such-folder'))).toBe(false);
  });

  it('refuses a target that already holds data', async () => {
    await expect(restoreBackup(t.deps.db, await open(), { occupiedBy: OCCUPIED_BY })).rejects.toMatchObject({
      code: 'RESTORE_TARGET_NOT_EMPTY',
    });
  });

  it('refuses a backup made by a newer Croft', async () => {
    const opened = await open();
    opened.manifest.migrations.push('9999_from_the_future 00');
    await expect(restoreBackup(await newDatabase(), opened, { occupiedBy: OCCUPIED_BY })).rejects.toMatchObject({
      code: 'BACKUP_FROM_NEWER_CROFT',
    });
    const newer = await open();
    newer.manifest.format_version += 1;
    fs.writeFileSync(path.join(newer.dir, 'manifest.json'), JSON.stringify(newer.manifest));
    const tarred = path.join(root, 'newer.tar');
    const tar = await import('tar');
    await tar.c({ file: tarred, cwd: newer.dir }, fs.readdirSync(newer.dir));
    await expect(openBackup(tarred, path.join(root, 'unpacked-newer'))).rejects.toMatchObject({
      code: 'BACKUP_FROM_NEWER_CROFT',
    });
  });

  it('fails a restore whose rows differ from the manifest', { timeout: 120_000 }, async () => {
    const opened = await open();
    const table = opened.manifest.tables.find((entry) => entry.name === 'locations')!;
    table.sha256 = '0'.repeat(64);
    await expect(restoreBackup(await newDatabase(), opened, { occupiedBy: OCCUPIED_BY })).rejects.toThrow(
      /restored locations differs from the backup/,
    );
  });

  it(
    'seals a backup with a passphrase: restored with it, refused without it, with a wrong one or a changed byte',
    { timeout: 120_000 },
    async () => {
      const sealed = path.join(root, 'sealed.tar');
      const made = await writeBackup(t.deps.db, { file: sealed, croftVersion: 'test', passphrase: 'correct horse' });
      expect(fs.readFileSync(sealed).includes(Buffer.from('manifest.json'))).toBe(false);
      expect(fs.statSync(sealed).mode & 0o777).toBe(0o600);
      const opened = await openBackup(sealed, path.join(root, 'unsealed'), 'correct horse');
      expect(opened.manifest.checksum).toBe(made.checksum);
      await expect(openBackup(sealed, path.join(root, 'unsealed-none'))).rejects.toMatchObject({
        code: 'BACKUP_PASSPHRASE_NEEDED',
      });
      await expect(openBackup(sealed, path.join(root, 'unsealed-wrong'), 'wrong horse')).rejects.toMatchObject({
        code: 'BACKUP_PASSPHRASE_WRONG',
      });
      const bytes = fs.readFileSync(sealed);
      bytes[Math.floor(bytes.length / 2)]! ^= 1;
      const changed = path.join(root, 'changed.tar');
      fs.writeFileSync(changed, bytes);
      await expect(openBackup(changed, path.join(root, 'unsealed-changed'), 'correct horse')).rejects.toMatchObject({
        code: 'BACKUP_PASSPHRASE_WRONG',
      });
      const target = await newDatabase();
      const report = await restoreBackup(target, opened, { occupiedBy: OCCUPIED_BY });
      expect(report.checksum).toBe(made.checksum);
    },
  );

  it.runIf(testBackend() === 'postgres')(
    'moves the farm from PostgreSQL to the embedded database and back: the same checksum all the way',
    { timeout: 240_000 },
    async () => {
      const embedded = await newPglite();
      await restoreBackup(embedded, await open(), { occupiedBy: OCCUPIED_BY });
      expect(await tableDigests(embedded)).toEqual(source);
      const back = path.join(root, 'back.tar');
      const again = await writeBackup(embedded, { file: back, croftVersion: 'test' });
      expect(again.checksum).toBe(manifest.checksum);
      const server = await newDatabase();
      await restoreBackup(server, await openBackup(back, path.join(root, 'unpacked-back')), {
        occupiedBy: OCCUPIED_BY,
      });
      expect(await tableDigests(server)).toEqual(source);
    },
  );

  it(
    'restores a backup made one migration ago: at its own level first, then migrated to this Croft’s',
    { timeout: 240_000 },
    async () => {
      const level = readMigrations().length;
      const old = await startPglite();
      const older = databaseOnPglite(old, () => old.close());
      closing.push(() => older.close());
      await migrate(older, log, undefined, level - 1);
      await older.system(async (tx) => {
        await sql`insert into farms (id, name, slug, time_zone, created_at, updated_at)
          values ('0b9f4c3e-6d2a-4e71-9a4b-1c2d3e4f5a6b', 'Old Farm', 'old-farm', 'Europe/Berlin', now(), now())`.execute(
          tx,
        );
        await sql`insert into locations (farm_id, name, type, qr_code, geometry, created_at, updated_at)
          values ('0b9f4c3e-6d2a-4e71-9a4b-1c2d3e4f5a6b', 'Glasshouse', 'greenhouse', 'GH-1',
            ST_GeomFromText('POLYGON((7.8 47.99, 7.8001 47.99, 7.8001 47.9901, 7.8 47.9901, 7.8 47.99))', 4326), now(), now())`.execute(
          tx,
        );
      });
      const oldFile = path.join(root, 'one-migration-ago.tar');
      const made = await writeBackup(older, { file: oldFile, croftVersion: 'test' });
      expect(made.migrations).toHaveLength(level - 1);

      const env: Record<string, string> = { CROFT_DATA_DIR: path.join(root, 'restored-old') };
      if (testBackend() === 'postgres') env.DATABASE_URL = await emptyPostgres();
      const report = await restoreFile(oldFile, testConfig(env), log);
      expect(report.checksum).toBe(made.checksum);

      const config = testConfig(env);
      const restored = config.databaseUrl
        ? databaseOnPostgres(config.databaseUrl, 1, log)
        : await openEmbeddedDatabase(config.dataDir, log).then((e) => databaseOnPglite(e.pglite, e.close));
      try {
        const { rows } = await restored.raw.executeSql(`select
            (select count(*)::int from croft_migrations) as migrations,
            (select name from farms) as farm,
            (select round(area_m2) from locations where qr_code = 'GH-1') as area,
            to_regclass('instance_backups') is not null as newest_table`);
        expect(rows[0]).toEqual({ migrations: level, farm: 'Old Farm', area: expect.anything(), newest_table: true });
        expect(Number((rows[0] as { area: unknown }).area)).toBeGreaterThan(80);
      } finally {
        await restored.close();
      }
    },
  );
});
