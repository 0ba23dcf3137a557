import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';

export type RunStatus = 'planned' | 'active' | 'harvesting' | 'completed' | 'cancelled';
export type PhaseReason = 'initial' | 'manual' | 'forced' | 'restart' | 'auto_days' | 'auto_gdd' | 'auto_dormancy';

export interface PlantingRunTable {
  id: Generated<string>;
  farm_id: string;
  name: string;
  type: 'monoculture' | 'clone';
  status: Generated<RunStatus>;
  location_id: string | null;
  source_plant_id: string | null;
  species_id: string;
  cultivar_id: string | null;
  quantity: number;
  id_prefix: string;
  /** YYYY-MM-DD */
  planned_on: string | null;
  started_at: Timestamp | null;
  ended_at: Timestamp | null;
  notes: Generated<string>;
  /** The nutrient plan the run follows (the nutrients module's); null: none. */
  nutrient_plan_id: Generated<string | null>;
  request_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PlantTable {
  id: Generated<string>;
  farm_id: string;
  label: string;
  species_id: string;
  cultivar_id: string | null;
  location_id: string | null;
  run_id: string | null;
  mother_id: string | null;
  /** YYYY-MM-DD */
  planted_on: string;
  removed_on: string | null;
  container_volume_l: number | null;
  phase_id: string | null;
  phase_started_at: Timestamp | null;
  cycle: Generated<number>;
  notes: Generated<string>;
  request_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PlantPhaseHistoryTable {
  id: Generated<string>;
  farm_id: string;
  plant_id: string;
  phase_id: string;
  cycle: number;
  entered_at: Timestamp;
  exited_at: Timestamp | null;
  duration_days: number | null;
  reason: PhaseReason;
  note: string | null;
  /** YYYY-MM-DD: the farm-local day an automatic move was made for. */
  auto_day: string | null;
  user_id: string | null;
  client_id: string | null;
  request_hash: string | null;
}

export interface LocationClimateTable {
  farm_id: string;
  location_id: string;
  temperature_series_id: number | null;
  humidity_series_id: number | null;
  updated_at: Timestamp;
}

export interface LocationTargetSourceTable {
  farm_id: string;
  location_id: string;
  run_id: string;
  updated_at: Timestamp;
}

export interface GrowthDayTable {
  farm_id: string;
  /** YYYY-MM-DD */
  day: string;
  moved: number;
  finished_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    planting_runs: PlantingRunTable;
    plants: PlantTable;
    plant_phase_history: PlantPhaseHistoryTable;
    location_climate: LocationClimateTable;
    growth_days: GrowthDayTable;
    location_target_sources: LocationTargetSourceTable;
  }
}
