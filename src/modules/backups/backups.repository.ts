import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { InstanceBackupTable } from './backups.tables.js';

export type BackupRow = Selectable<InstanceBackupTable>;

/** The instance's backup records (system scope only). */
export const backupsRepository = {
  start: (tx: Tx, row: Insertable<InstanceBackupTable>) =>
    tx.insertInto('instance_backups').values(row).returningAll().executeTakeFirstOrThrow(),

  finish: (tx: Tx, id: string, changes: Updateable<InstanceBackupTable>) =>
    tx.updateTable('instance_backups').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),

  /** The newest first; `before` pages on started_at. */
  recent: (tx: Tx, limit: number, before?: Date) => {
    let query = tx.selectFrom('instance_backups').selectAll();
    if (before) query = query.where('started_at', '<', before);
    return query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  },

  /** Scheduled archives at `target` still on disk, past the `keep` newest finished ones. */
  pastKeep: (tx: Tx, target: string, keep: number) =>
    tx
      .selectFrom('instance_backups')
      .select(['id', 'location'])
      .where('trigger', '=', 'schedule')
      .where('target', '=', target)
      .where('status', '=', 'done')
      .where('pruned_at', 'is', null)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .offset(keep)
      .execute(),

  /** Marks backups still running (started before `before`, when given) as failed with `reason`. */
  interrupt: (tx: Tx, reason: string, at: Date, before?: Date) => {
    let query = tx
      .updateTable('instance_backups')
      .set({ status: 'failed', error: reason, finished_at: at })
      .where('status', '=', 'running');
    if (before) query = query.where('started_at', '<', before);
    return query.execute();
  },

  pruned: (tx: Tx, id: string, at: Date) =>
    tx.updateTable('instance_backups').set({ pruned_at: at }).where('id', '=', id).execute(),
};
