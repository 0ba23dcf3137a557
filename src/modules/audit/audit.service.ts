import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { actorIds, type Caller, type FarmContext, type RequestMeta } from '../../platform/tenancy/caller.js';
import { auditRepository } from './audit.repository.js';
import type { AuditQuery } from './audit.schemas.js';

export interface AuditEvent {
  farmId?: string | null;
  caller?: Caller | undefined;
  /** For events with no caller yet (sign-in): whose account it concerns. */
  userId?: string | null;
  meta?: RequestMeta | undefined;
  eventType: string;
  category: 'auth' | 'farm' | 'members' | 'api_keys' | 'users' | (string & {});
  severity?: 'info' | 'warning' | 'critical';
  message: string;
  data?: Record<string, unknown>;
}

/** Appends to the audit log inside the caller's transaction: the entry exists only if the change does. */
export function recordAudit(tx: Tx, clock: Clock, event: AuditEvent): Promise<void> {
  return auditRepository.insert(tx, auditRow(clock, event));
}

/** Records many events in a few statements (a job that makes thousands of rows audits them this way). */
export function recordAudits(tx: Tx, clock: Clock, events: AuditEvent[]): Promise<void> {
  return auditRepository.insertMany(
    tx,
    events.map((event) => auditRow(clock, event)),
  );
}

function auditRow(clock: Clock, event: AuditEvent) {
  const actor = actorIds(event.caller);
  return {
    farm_id: event.farmId ?? null,
    user_id: actor.user_id ?? event.userId ?? null,
    api_key_id: actor.api_key_id,
    event_type: event.eventType,
    category: event.category,
    severity: event.severity ?? 'info',
    message: event.message,
    data: event.data ?? {},
    ip: event.meta?.ip ?? null,
    user_agent: event.meta?.userAgent?.slice(0, 500) ?? null,
    created_at: clock.now(),
  };
}

/** A page of the farm's audit log, newest first. */
export function listAudit(db: Database, ctx: FarmContext, query: AuditQuery & { limit: number }) {
  return db.farm(ctx.farmId, (tx) =>
    auditRepository.list(tx, ctx.farmId, {
      category: query.category,
      eventType: query.event_type,
      userId: query.user_id,
      severity: query.severity,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      before: query.cursor ? Number(query.cursor) : undefined,
      limit: query.limit,
    }),
  );
}
