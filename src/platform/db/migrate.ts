import { sql } from 'kysely';
import { DomainError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Database } from './database.js';
import { MIGRATIONS_DIR, readMigrations } from './migration-files.js';

export { MIGRATIONS_DIR, readMigrations, type MigrationFile } from './migration-files.js';

// Any number: it only has to be the same for every Croft process on one database.
const MIGRATION_LOCK_KEY = 7_262_001;

/**
 * Applies the migrations not yet applied, each in its own transaction, recording its checksum.
 * Refuses to start when an applied migration was edited afterwards or is missing from the folder.
 * Several processes starting at once take turns on an advisory lock.
 */
export async function migrate(
  db: Database,
  log: Logger,
  dir = MIGRATIONS_DIR,
  /** Stop after this migration (a restore brings a database to its backup's level first). */
  upTo = Number.POSITIVE_INFINITY,
): Promise<number> {
  const files = readMigrations(dir).filter((f) => f.version <= upTo);
  const kysely = db.unscoped;
  return kysely.connection().execute(async (conn) => {
    // Waiting for another process's migrations, and a long migration, may outlast the statement timeout.
    await sql`set statement_timeout = 0`.execute(conn);
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await sql`create table if not exists croft_migrations (
        version integer primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`.execute(conn);
      const applied = await conn.selectFrom('croft_migrations').selectAll().orderBy('version').execute();
      for (const row of applied) {
        const file = files.find((f) => f.version === row.version);
        if (!file) {
          throw new DomainError(
            'conflict',
            'MIGRATION_MISSING',
            `The database has migration ${row.version} (${row.name}) applied, but migrations/ has no such file: ` +
              'this database was made by a newer Croft. Run the matching version.',
            { version: row.version },
          );
        }
        if (file.checksum !== row.checksum) {
          throw new DomainError(
            'conflict',
            'MIGRATION_EDITED',
            `Migration ${row.version}_${row.name}.sql was changed after it was applied to this database. ` +
              'Applied migrations are never edited: restore the file and add a new migration instead.',
            { version: row.version, expected: row.checksum, found: file.checksum },
          );
        }
      }
      let count = 0;
      for (const file of files.slice(applied.length)) {
        const started = performance.now();
        await conn.transaction().execute(async (tx) => {
          await sql.raw(file.sql).execute(tx);
          await tx
            .insertInto('croft_migrations')
            .values({ version: file.version, name: file.name, checksum: file.checksum })
            .execute();
        });
        count++;
        log.info(
          {
            migration: `${String(file.version).padStart(4, '0')}_${file.name}`,
            ms: Math.round(performance.now() - started),
          },
          'migration applied',
        );
      }
      return count;
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
      await sql`reset statement_timeout`.execute(conn);
    }
  });
}
