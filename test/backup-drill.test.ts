/**
 * The restore drill: a farm with data in every module, backed up, restored into a new database, and every
 * table's row count and canonical checksum compared — on the database of this run (PGlite, or PostgreSQL
 * in the PostgreSQL run, where the farm also moves to the embedded database and back).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBackup, type Manifest } from '../src/platform/backup/backup.js';
import { openBackup, restoreBackup, tableDigests } from '../src/platform/backup/restore.js';
import { databaseOnPglite, type Database } from '../src/platform/db/database.js';
import { startPglite } from '../src/platform/db/embedded.js';
import { migrate } from '../src/platform/db/migrate.js';
import { createLogger } from '../src/platform/logger.js';
import { createTestApp, testConfig, type TestApp } from './helpers/app.js';
import { createTestDatabase, testBackend } from './helpers/database.js';
import { fillEveryModule } from './helpers/full-farm.js';
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
});
