import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { ScheduleAction } from './schedules.engine.js';

export type ScheduleKind = 'time' | 'duration' | 'condition';
export type ExecutionStatus = 'pending' | 'executed' | 'failed' | 'timeout' | 'skipped';

export interface ScheduleTable {
  id: Generated<string>;
  farm_id: string;
  name: string;
  device_id: string;
  channel: string | null;
  kind: ScheduleKind;
  action: ScheduleAction;
  value: number | null;
  priority: number;
  enabled: boolean;
  spec: Record<string, unknown>;
  /** A light schedule following this location's photoperiod (its hours are set by the crop's phase). */
  follows_location_id: Generated<string | null>;
  anchor_at: Timestamp;
  next_fire_at: Timestamp | null;
  state: Record<string, unknown>;
  consecutive_failures: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ScheduleExecutionTable {
  id: Generated<string>;
  farm_id: string;
  schedule_id: string;
  scheduled_at: Timestamp;
  actual_at: Timestamp;
  status: ExecutionStatus;
  action: string;
  value: number | null;
  command_id: string | null;
  skipped_by: string | null;
  device_response: unknown;
  error: string | null;
  duration_ms: number | null;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    schedules: ScheduleTable;
    schedule_executions: ScheduleExecutionTable;
  }
}
