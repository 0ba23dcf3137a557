import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';

export interface AuditLogTable {
  id: Generated<number>;
  farm_id: string | null;
  user_id: string | null;
  api_key_id: string | null;
  event_type: string;
  category: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  data: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    audit_log: AuditLogTable;
  }
}
