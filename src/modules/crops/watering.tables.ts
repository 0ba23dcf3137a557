import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { WateringChannel, WateringMode } from './watering.engine.js';

/** The pump or valve a watering schedule runs: the device's own id, its channel, seconds per watering. */
export interface PumpRef {
  device: string;
  channel: string | null;
  run_s: number;
}

/** One thing mixed into a feeding: a fertilizer and its dose per litre. */
export interface MixItem {
  fertilizer_id: string;
  dose_per_l: number;
}

export interface WateringScheduleTable {
  farm_id: string;
  id: Generated<string>;
  run_id: string;
  channel: WateringChannel;
  mode: WateringMode;
  weekdays: Generated<number[]>;
  interval_days: number | null;
  /** HH:MM, farm-local */
  preferred_time: string;
  times_per_day: number;
  reminder_hours_before: number;
  volume_per_plant_l: number | null;
  feed: Generated<boolean>;
  active: Generated<boolean>;
  /** YYYY-MM-DD */
  starts_on: string;
  pump: PumpRef | null;
  schedule_id: string | null;
  schedule_owned: Generated<boolean>;
  /** YYYY-MM-DD: the latest day whose task the daily job made. */
  tasks_through: string | null;
  request_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WateringLogTable {
  farm_id: string;
  id: Generated<string>;
  run_id: string;
  task_id: string | null;
  kind: 'watering' | 'feeding';
  channel: WateringChannel;
  at: Timestamp;
  /** YYYY-MM-DD */
  day: string;
  volume_l: number;
  ec: number | null;
  ph: number | null;
  water_temp_c: number | null;
  mix: MixItem[];
  note: Generated<string>;
  user_id: string | null;
  request_hash: string | null;
  created_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    watering_schedules: WateringScheduleTable;
    watering_logs: WateringLogTable;
  }
}
