/**
 * Tenant isolation holds for the whole schema, not only for the tables a test happens to query: every
 * table with a farm_id has a forced row-level security policy, and reading partitions (made at run
 * time) give the app role no rights of their own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadingPartitions } from '../src/modules/telemetry/index.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(() => t.close());

describe('the schema', () => {
  it('holds every table with a farm_id to a forced row-level security policy', async () => {
    await new ReadingPartitions(t.db).ensureFor([new Date('2020-01-08T00:00:00Z')]);
    const { rows } = await t.db.raw.executeSql(`
      select c.relname as table, c.relrowsecurity as rls, c.relforcerowsecurity as forced, c.relispartition as partition,
        (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies,
        has_table_privilege('croft_app', c.oid, 'select') as app_reads
      from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'farm_id' and not a.attisdropped
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
      order by c.relname`);
    const tables = rows as {
      table: string;
      rls: boolean;
      forced: boolean;
      partition: boolean;
      policies: number;
      app_reads: boolean;
    }[];
    expect(tables.map((r) => r.table)).toEqual(
      expect.arrayContaining(['locations', 'readings', 'readings_w20200106', 'api_keys']),
    );
    const unprotected = tables.filter((r) => (r.partition ? r.app_reads : !(r.rls && r.forced && r.policies > 0)));
    expect(unprotected.map((r) => r.table)).toEqual([]);
  });
});
