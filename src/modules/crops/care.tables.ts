import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { CareKind, CarePreset } from './care.engine.js';

export interface PlantCareProfileTable {
  farm_id: string;
  plant_id: string;
  preset: CarePreset;
  enabled: Generated<boolean>;
  water_interval_days: number | null;
  winter_factor: number | null;
  fertilize_interval_days: number | null;
  repot_interval_months: number | null;
  pest_check_interval_days: number | null;
  humidity_check_interval_days: number | null;
  location_check: Generated<boolean>;
  location_check_months: Generated<number[]>;
  adaptive: Generated<boolean>;
  learned_water_days: number | null;
  learned_through: Timestamp | null;
  /** YYYY-MM-DD */
  started_on: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PlantCareConfirmationTable {
  farm_id: string;
  id: Generated<string>;
  plant_id: string;
  kind: CareKind;
  at: Timestamp;
  /** YYYY-MM-DD, farm-local */
  day: string;
  user_id: string | null;
  request_hash: string | null;
  created_at: Timestamp;
}

export interface CareDayTable {
  farm_id: string;
  /** YYYY-MM-DD */
  day: string;
  reminders: number;
  finished_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    plant_care_profiles: PlantCareProfileTable;
    plant_care_confirmations: PlantCareConfirmationTable;
    care_days: CareDayTable;
  }
}
