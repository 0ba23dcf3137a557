import type { Timestamp } from '../../platform/db/schema.js';

export const TASK_KINDS = [
  'general',
  'water',
  'fertilize',
  'repot',
  'pest_check',
  'humidity_check',
  'location_check',
  'inspect_hive',
  'sow',
  'transplant',
  'harvest',
  'phase_check',
  'tank_maintenance',
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const TASK_STATUSES = ['open', 'done', 'skipped'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface TaskTable {
  id: string;
  farm_id: string;
  title: string;
  kind: TaskKind;
  due_at: Timestamp;
  assignee_id: string | null;
  plant_id: string | null;
  run_id: string | null;
  location_id: string | null;
  hive_id: string | null;
  source: string;
  key: string;
  notes: string;
  status: TaskStatus;
  closed_at: Timestamp | null;
  closed_by: string | null;
  completion_id: string | null;
  completion_hash: string | null;
  close_note: string | null;
  request_hash: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TaskDigestTable {
  farm_id: string;
  day: string;
  user_id: string;
  tasks: number;
  sent_at: Timestamp;
}

export interface TaskDueDayTable {
  farm_id: string;
  day: string;
  announced_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    tasks: TaskTable;
    task_digests: TaskDigestTable;
    task_due_days: TaskDueDayTable;
  }
}
