import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';

export interface SeriesTable {
  id: Generated<number>;
  farm_id: string;
  device_id: string;
  metric: string;
  unit: string | null;
  created_at: Timestamp;
}

export interface ReadingTable {
  series_id: number;
  ts: Timestamp;
  value: number;
  quality: number;
  received_at: Timestamp;
  farm_id: string;
}

export interface RollupTable {
  series_id: number;
  bucket: Timestamp;
  farm_id: string;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  last_ts: Timestamp;
}

export interface DailyRollupTable extends RollupTable {
  /** How many hours of the day had readings. */
  hours: number | null;
}

export interface RollupDirtyTable {
  series_id: number;
  hour: Timestamp;
  farm_id: string;
}

export interface TelemetrySettingsTable {
  farm_id: string;
  raw_days: number;
  hourly_days: number;
  daily_days: number;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    series: SeriesTable;
    readings: ReadingTable;
    readings_hourly: RollupTable;
    readings_daily: DailyRollupTable;
    rollup_dirty: RollupDirtyTable;
    telemetry_settings: TelemetrySettingsTable;
  }
}
