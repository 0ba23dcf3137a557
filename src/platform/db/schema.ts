import type { ColumnType, Generated } from 'kysely';

/**
 * The tables Kysely knows. Each module adds its own tables to this interface from its room, by
 * declaration merging:
 *
 * ```ts
 * declare module '../../platform/db/schema.js' {
 *   interface DB { hives: HiveTable }
 * }
 * ```
 */
export interface DB {
  croft_migrations: MigrationTable;
  croft_cron: CronTable;
}

export type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface MigrationTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: Generated<Timestamp>;
}

export interface CronTable {
  name: string;
  expression: string;
  time_zone: string;
  next_run_at: Timestamp;
  last_run_at: Timestamp | null;
}
