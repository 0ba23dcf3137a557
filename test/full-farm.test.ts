import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { fillEveryModule } from './helpers/full-farm.js';

let t: TestApp;
let dataDir: string;

beforeAll(async () => {
  // Photos and detection models are files: in a folder of this test's own.
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'croft-full-farm-'));
  t = await createTestApp({ env: { CROFT_DATA_DIR: dataDir } });
});

afterAll(async () => {
  await t?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

test('a full farm leaves almost every table holding rows', async () => {
  const started = performance.now();
  await fillEveryModule(t);
  const seconds = (performance.now() - started) / 1000;
  console.log(`fillEveryModule took ${seconds.toFixed(1)} s`);

  const tables = await t.deps.db.system(async (tx) => {
    const found = await sql<{ name: string }>`
      select c.relname as name
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public'
         and c.relkind in ('r', 'p')
         and not c.relispartition
         and c.relname <> 'croft_migrations'
         and not exists (
           select 1 from pg_depend d
            where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
       order by c.relname`.execute(tx);
    const counted: Array<{ name: string; rows: number }> = [];
    for (const { name } of found.rows) {
      const { rows } = await sql
        .raw<{ n: number }>(`select count(*)::int as n from "${name.replaceAll('"', '""')}"`)
        .execute(tx);
      counted.push({ name, rows: rows[0]?.n ?? 0 });
    }
    return counted;
  });

  const empty = tables.filter((table) => table.rows === 0).map((table) => table.name);
  console.log(
    `${tables.length - empty.length} of ${tables.length} tables hold rows; empty: ${empty.join(', ') || '(none)'}`,
  );
  expect(tables.length).toBeGreaterThan(80);
  expect(tables.length - empty.length).toBeGreaterThanOrEqual(Math.ceil(tables.length * 0.85));
});
