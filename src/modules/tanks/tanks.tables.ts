import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { MaintenanceItem, SolutionKind, StateField, TankType } from './tanks.engine.js';

export interface TankTable {
  farm_id: string;
  location_id: string;
  tank_type: TankType;
  volume_l: number;
  solution_kind: SolutionKind | null;
  filled_at: Timestamp | null;
  /** The farm's own intervals (days) by item. */
  maintenance_intervals: Partial<Record<MaintenanceItem, number>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TankStateTable {
  farm_id: string;
  id: Generated<string>;
  location_id: string;
  at: Timestamp;
  source: 'manual' | 'sensor';
  ph: number | null;
  ec: number | null;
  water_temp_c: number | null;
  dissolved_oxygen_mg_l: number | null;
  orp_mv: number | null;
  fill_percent: number | null;
  /** Sensor snapshots: the newest reading folded in. */
  through: Timestamp | null;
  note: string | null;
  user_id: string | null;
  request_hash: string | null;
  created_at: Timestamp;
}

export interface TankSensorTable {
  farm_id: string;
  location_id: string;
  field: StateField;
  device_id: string;
  metric: string;
  created_at: Timestamp;
}

export interface TankMaintenanceTable {
  farm_id: string;
  id: Generated<string>;
  location_id: string;
  item: MaintenanceItem;
  done_at: Timestamp;
  note: string | null;
  user_id: string | null;
  request_hash: string | null;
  created_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    tanks: TankTable;
    tank_states: TankStateTable;
    tank_sensors: TankSensorTable;
    tank_maintenance: TankMaintenanceTable;
  }
}
