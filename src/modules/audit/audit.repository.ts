import type { Tx } from '../../platform/db/database.js';
import type { AuditLogTable } from './audit.tables.js';
import type { Insertable, Selectable } from 'kysely';

export type AuditRow = Selectable<AuditLogTable>;
export type NewAuditRow = Insertable<AuditLogTable>;

export interface AuditFilter {
  category?: string | undefined;
  eventType?: string | undefined;
  userId?: string | undefined;
  severity?: AuditRow['severity'] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Rows older than this id (the cursor). */
  before?: number | undefined;
  limit: number;
}

export const auditRepository = {
  async insert(tx: Tx, row: NewAuditRow): Promise<void> {
    await tx.insertInto('audit_log').values(row).execute();
  },

  /** Many rows in statements of at most 1,000 (well under PostgreSQL's 65,535 parameters). */
  async insertMany(tx: Tx, rows: NewAuditRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 1000)
      await tx
        .insertInto('audit_log')
        .values(rows.slice(i, i + 1000))
        .execute();
  },

  /** Newest first; relies on the farm scope for which farm. */
  async list(tx: Tx, farmId: string, filter: AuditFilter): Promise<AuditRow[]> {
    let query = tx.selectFrom('audit_log').selectAll().where('farm_id', '=', farmId);
    if (filter.category) query = query.where('category', '=', filter.category);
    if (filter.eventType) query = query.where('event_type', '=', filter.eventType);
    if (filter.userId) query = query.where('user_id', '=', filter.userId);
    if (filter.severity) query = query.where('severity', '=', filter.severity);
    if (filter.from) query = query.where('created_at', '>=', filter.from);
    if (filter.to) query = query.where('created_at', '<', filter.to);
    if (filter.before !== undefined) query = query.where('id', '<', filter.before);
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  },
};
