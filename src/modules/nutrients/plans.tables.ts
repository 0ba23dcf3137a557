import type { Generated, Selectable } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { Channel } from './fertilizers.tables.js';

export interface NutrientPlanTable {
  id: Generated<string>;
  farm_id: string;
  name: string;
  substrate: string;
  notes: Generated<string>;
  species_id: string | null;
  cloned_from_id: string | null;
  request_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export type PlanRow = Selectable<NutrientPlanTable>;

export interface NutrientPlanEntryTable {
  id: Generated<string>;
  farm_id: string;
  plan_id: string;
  position: number;
  phase: string;
  week_start: number;
  week_end: number;
  notes: Generated<string>;
}

export interface NutrientPlanChannelTable {
  farm_id: string;
  entry_id: string;
  channel: Channel;
  target_ec: number | null;
  target_ph: number | null;
}

export interface NutrientPlanDosageTable {
  farm_id: string;
  entry_id: string;
  channel: Channel;
  position: number;
  fertilizer_id: string;
  dose_per_l: number;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    nutrient_plans: NutrientPlanTable;
    nutrient_plan_entries: NutrientPlanEntryTable;
    nutrient_plan_channels: NutrientPlanChannelTable;
    nutrient_plan_dosages: NutrientPlanDosageTable;
  }
}
