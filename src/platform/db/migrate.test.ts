import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/database.js';
import { createLogger } from '../logger.js';
import { MIGRATIONS_DIR, migrate, readMigrations } from './migrate.js';

const log = createLogger({ logLevel: 'silent', logFormat: 'json' });
let t: TestDatabase;
let dir: string;

function copyMigrations(): string {
  const target = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-migrations-'));
  for (const file of fs.readdirSync(MIGRATIONS_DIR))
    fs.copyFileSync(path.join(MIGRATIONS_DIR, file), path.join(target, file));
  return target;
}

const nextName = (suffix: string) => `${String(readMigrations().length + 1).padStart(4, '0')}_${suffix}.sql`;

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  await t.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('are already applied to a test database, so a second run applies nothing', async () => {
    expect(await migrate(t.db, log)).toBe(0);
  });

  it('applies a new file once and records its checksum', async () => {
    dir = copyMigrations();
    fs.writeFileSync(path.join(dir, nextName('add_probe')), 'create table migration_probe (id int primary key);\n');
    expect(await migrate(t.db, log, dir)).toBe(1);
    expect(await migrate(t.db, log, dir)).toBe(0);
    const { rows } = await t.db.raw.executeSql('select version, name, checksum from croft_migrations order by version');
    expect(rows.at(-1)).toMatchObject({ name: 'add_probe', checksum: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('rolls a failing migration back whole and leaves it unapplied', async () => {
    const failing = copyMigrations();
    fs.copyFileSync(path.join(dir, nextName('add_probe')), path.join(failing, nextName('add_probe')));
    const broken = `${String(readMigrations().length + 2).padStart(4, '0')}_broken.sql`;
    fs.writeFileSync(path.join(failing, broken), 'create table half_made (id int);\nselect no_such_function();\n');
    await expect(migrate(t.db, log, failing)).rejects.toThrow(/no_such_function/);
    const { rows } = await t.db.raw.executeSql(
      `select to_regclass('half_made')::text as t, (select count(*) from croft_migrations where name = 'broken')::int as n`,
    );
    expect(rows[0]).toEqual({ t: null, n: 0 });
    fs.rmSync(failing, { recursive: true, force: true });
  });

  it('refuses to start when an applied migration was edited', async () => {
    const file = path.join(dir, nextName('add_probe'));
    fs.appendFileSync(file, '-- an innocent-looking edit\n');
    await expect(migrate(t.db, log, dir)).rejects.toMatchObject({
      code: 'MIGRATION_EDITED',
      message: expect.stringContaining('was changed after it was applied'),
    });
  });

  it('refuses to start when the database is newer than the code', async () => {
    await expect(migrate(t.db, log, MIGRATIONS_DIR)).rejects.toMatchObject({ code: 'MIGRATION_MISSING' });
  });

  it('refuses files out of sequence', () => {
    const gap = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-migrations-'));
    fs.writeFileSync(path.join(gap, '0001_a.sql'), 'select 1;');
    fs.writeFileSync(path.join(gap, '0003_c.sql'), 'select 1;');
    expect(() => readMigrations(gap)).toThrow(/out of sequence/);
    fs.rmSync(gap, { recursive: true, force: true });
  });
});
