import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';

type BigCount = ColumnType<string | number | null, number | null, number | null>;

export interface InstanceBackupTable {
  id: Generated<string>;
  trigger: 'schedule' | 'command';
  /** The target as set: a folder, a file, or s3://bucket/prefix. */
  target: string;
  /** Where the archive landed (a path or s3://bucket/key); set when done. */
  location: string | null;
  status: Generated<'running' | 'done' | 'failed'>;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  /** bigint: the drivers read it as a string or a number. */
  bytes: BigCount;
  tables: number | null;
  rows: BigCount;
  checksum: string | null;
  sealed: Generated<boolean>;
  same_disk: Generated<boolean>;
  error: string | null;
  /** When the schedule deleted the archive (more than CROFT_BACKUP_KEEP newer ones). */
  pruned_at: Timestamp | null;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    instance_backups: InstanceBackupTable;
  }
}
