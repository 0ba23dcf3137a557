import { describe, expect, it } from 'vitest';
import { createTestDatabase, testBackend } from '../../../test/helpers/database.js';
import { ManualClock } from '../clock.js';
import { databaseOnPostgres } from '../db/database.js';
import { createLogger } from '../logger.js';
import { JobRegistry } from './registry.js';
import { JobRunner } from './runner.js';

declare module './registry.js' {
  interface JobPayloads {
    [name: `race.${string}`]: Record<string, never>;
  }
}

const log = createLogger({ logLevel: 'silent', logFormat: 'json' });

/**
 * API instances and workers start together in production. Each makes the same queues (pg-boss attaches
 * a partition to its job table per queue) and grants on those tables; PostgreSQL fails one side of such
 * catalogue races ("tuple concurrently updated", deadlocks, duplicates) and every process must still start.
 * PostgreSQL only: the embedded database belongs to one process.
 */
describe.skipIf(testBackend() !== 'postgres')('job runners starting together', () => {
  it('all start, with every queue made once, however their steps interleave', async () => {
    const database = await createTestDatabase();
    try {
      for (let round = 0; round < 1; round++) {
        const names = Array.from({ length: 10 }, (_, i) => `race.r${round}q${i}` as const);
        const processes = Array.from({ length: 4 }, () => {
          const db = databaseOnPostgres(database.url!, 2);
          const registry = new JobRegistry();
          for (const name of names) registry.define({ name, handle: async () => {} });
          return {
            db,
            runner: new JobRunner({ db, registry, clock: new ManualClock(), log, pollMs: 500, cronTickMs: 60_000 }),
          };
        });
        try {
          await Promise.all(processes.map((p) => p.runner.start({ work: false })));
        } finally {
          for (const p of processes) {
            await p.runner.stop(1000);
            await p.db.close();
          }
        }
        const { rows } = await database.db.raw.executeSql(
          `select count(*)::int as n from pgboss.queue where name like 'race.r${round}q%'`,
        );
        expect(rows[0]!.n).toBe(10);
      }
    } finally {
      await database.close();
    }
  }, 120_000);
});
