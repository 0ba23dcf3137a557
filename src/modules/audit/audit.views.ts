import type { AuditRow } from './audit.repository.js';

export const auditEntryView = (r: AuditRow) => ({ ...r, created_at: r.created_at.toISOString() });

/** A page of the audit log; the cursor is the id of its oldest entry when the page is full. */
export const auditPageView = (rows: AuditRow[], limit: number) => ({
  data: rows.map(auditEntryView),
  next_cursor: rows.length === limit ? String(rows[rows.length - 1]!.id) : null,
});
