import type { Static } from 'typebox';
import type { BackupRow } from './backups.repository.js';
import type { BackupView } from './backups.schemas.js';

const count = (value: string | number | null) => (value === null ? null : Number(value));
const time = (value: Date | null) => value?.toISOString() ?? null;

export const backupView = (b: BackupRow): Static<typeof BackupView> => ({
  id: b.id,
  trigger: b.trigger,
  target: b.target,
  location: b.location,
  status: b.status,
  started_at: b.started_at.toISOString(),
  finished_at: time(b.finished_at),
  bytes: count(b.bytes),
  tables: b.tables,
  rows: count(b.rows),
  checksum: b.checksum,
  sealed: b.sealed,
  same_disk: b.same_disk,
  error: b.error,
  pruned_at: time(b.pruned_at),
});
