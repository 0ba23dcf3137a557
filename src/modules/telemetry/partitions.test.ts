import { describe, expect, it } from 'vitest';
import { createTestDatabase, testBackend } from '../../../test/helpers/database.js';
import { databaseOnPostgres } from '../../platform/db/database.js';
import { ReadingPartitions } from './telemetry.repository.js';

const weeks = (first: string, count: number) =>
  Array.from({ length: count }, (_, i) => new Date(new Date(first).getTime() + i * 7 * 86_400_000 + 3_600_000));

describe('reading partitions', () => {
  it('are made once when many ingests of a new week arrive together in one process', async () => {
    const t = await createTestDatabase();
    try {
      const partitions = new ReadingPartitions(t.db);
      const instants = weeks('2021-03-01T00:00:00Z', 3);
      await Promise.all(Array.from({ length: 8 }, () => partitions.ensureFor(instants)));
      const { rows } = await t.db.raw.executeSql(
        `select relname as name from pg_class where relname like 'readings_w202103%' and relkind = 'r' order by 1`,
      );
      expect(rows.map((r) => r.name)).toEqual(['readings_w20210301', 'readings_w20210308', 'readings_w20210315']);
    } finally {
      await t.close();
    }
  });

  /**
   * Processes restarting together (kill -9, then HTTP and MQTT ingest resume at once on every instance)
   * all make the same partitions; PostgreSQL fails one side of two concurrent REVOKEs on a table
   * ("tuple concurrently updated"), which once refused an MQTT message and dropped its connection.
   * PostgreSQL only: the embedded database belongs to one process.
   */
  it.skipIf(testBackend() !== 'postgres')(
    'are made by processes starting together, none failing, no rights for the app role',
    async () => {
      const t = await createTestDatabase();
      const processes = Array.from({ length: 4 }, () => databaseOnPostgres(t.url!, 2));
      try {
        for (let round = 0; round < 5; round++) {
          const instants = weeks(`202${round}-06-07T00:00:00Z`, 4);
          await Promise.all(processes.map((db) => new ReadingPartitions(db).ensureFor(instants)));
        }
        const { rows } = await t.db.raw.executeSql(`select count(*)::int as made,
          count(*) filter (where has_table_privilege('croft_app', c.oid, 'select,insert'))::int as app_rights
        from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'readings'::regclass and c.relname < 'readings_w2025'`);
        expect(rows[0]).toEqual({ made: 20, app_rights: 0 });
      } finally {
        await Promise.all(processes.map((db) => db.close()));
        await t.close();
      }
    },
    60_000,
  );
});
