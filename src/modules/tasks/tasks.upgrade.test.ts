import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseOnPglite, type Database } from '../../platform/db/database.js';
import { startPglite } from '../../platform/db/embedded.js';
import { MIGRATIONS_DIR, migrate } from '../../platform/db/migrate.js';
import { createLogger } from '../../platform/logger.js';

/**
 * Upgrading a farm that planned hive inspections before tasks existed (migration 0021): each hive's
 * and apiary's latest planned inspection not yet reminded of becomes one open inspection task. Runs on
 * an embedded database migrated from scratch up to 0020, whichever backend the suite uses.
 */

const log = createLogger({ logLevel: 'silent', logFormat: 'json' });
let db: Database;
let before: string;

beforeAll(async () => {
  before = fs.mkdtempSync(path.join(os.tmpdir(), 'croft-before-tasks-'));
  for (const file of fs.readdirSync(MIGRATIONS_DIR).filter((f) => f < '0021'))
    fs.copyFileSync(path.join(MIGRATIONS_DIR, file), path.join(before, file));
  const pglite = await startPglite();
  db = databaseOnPglite(pglite, () => pglite.close());
  await migrate(db, log, before);
}, 300_000);

afterAll(async () => {
  await db?.close();
  fs.rmSync(before, { recursive: true, force: true });
});

const FARM = '11111111-1111-4111-8111-111111111111';
const APIARY = '22222222-2222-4222-8222-222222222222';
const HIVE = '33333333-3333-4333-8333-333333333333';
const REMINDED = '44444444-4444-4444-8444-444444444444';

describe('migration 0021', () => {
  it('turns each planned inspection not yet reminded of into one open task, and drops the reminders', async () => {
    await db.raw.executeSql(`
      insert into farms (id, name, slug, time_zone, created_at, updated_at)
        values ('${FARM}', 'Old Farm', 'old-farm', 'Asia/Phnom_Penh', now(), now());
      insert into locations (id, farm_id, name, type, qr_code, created_at, updated_at)
        values ('${APIARY}', '${FARM}', 'Orchard', 'apiary', 'qr-orchard', now(), now());
      insert into hives (id, farm_id, name, apiary_id, created_at, updated_at)
        values ('${HIVE}', '${FARM}', 'Hive 7', '${APIARY}', now(), now()),
          ('${REMINDED}', '${FARM}', 'Hive 8', '${APIARY}', now(), now());
      insert into bee_events (id, farm_id, hive_id, apiary_id, type, date, next_inspection, reminded_at, created_at) values
        (gen_random_uuid(), '${FARM}', '${HIVE}', null, 'inspection', '2026-05-01', '2026-05-08', now(), now()),
        (gen_random_uuid(), '${FARM}', '${HIVE}', null, 'inspection', '2026-05-08', '2026-05-15', null, now()),
        (gen_random_uuid(), '${FARM}', '${REMINDED}', null, 'inspection', '2026-05-08', '2026-05-15', now(), now()),
        (gen_random_uuid(), '${FARM}', null, '${APIARY}', 'feeding', '2026-05-09', '2026-05-20', null, now());
    `);
    expect(await migrate(db, log)).toBeGreaterThanOrEqual(1);
    const { rows } = await db.raw.executeSql(
      `select title, kind, status, source, key, hive_id, location_id, due_at from tasks order by key`,
    );
    expect(rows).toEqual([
      {
        title: 'Inspect Orchard',
        kind: 'inspect_hive',
        status: 'open',
        source: 'beekeeping',
        key: `apiary:${APIARY}:2026-05-20`,
        hive_id: null,
        location_id: APIARY,
        due_at: new Date('2026-05-19T17:00:00Z'),
      },
      {
        title: 'Inspect Hive 7',
        kind: 'inspect_hive',
        status: 'open',
        source: 'beekeeping',
        key: `hive:${HIVE}:2026-05-15`,
        hive_id: HIVE,
        location_id: null,
        due_at: new Date('2026-05-14T17:00:00Z'),
      },
    ]);
    const { rows: columns } = await db.raw.executeSql(
      `select column_name from information_schema.columns where table_name = 'bee_events' and column_name = 'reminded_at'`,
    );
    expect(columns).toEqual([]);
  });
});
