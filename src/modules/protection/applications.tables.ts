import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { ApplicationTargetKind, MoaScheme } from './protection.engine.js';

/** A treatment applied on a plant, a run or a location; the treatment's chemistry copied as it was that day. */
export interface TreatmentApplicationTable {
  farm_id: string;
  id: Generated<string>;
  treatment_id: string;
  target_kind: ApplicationTargetKind;
  plant_id: string | null;
  run_id: string | null;
  location_id: string | null;
  /** YYYY-MM-DD, farm-local. */
  applied_on: string;
  treatment_name: string;
  active_ingredient: string | null;
  ingredient_key: string | null;
  moa_scheme: MoaScheme | null;
  moa_code: string | null;
  interval_days: number;
  /** applied_on + interval_days (generated). */
  safe_on: Generated<string>;
  resistance_use: number | null;
  quantity: number | null;
  unit: string | null;
  notes: string | null;
  user_id: string | null;
  request_hash: string | null;
  created_at: Timestamp;
}

/** A plant an application reached, as it stood that day. */
export interface TreatmentApplicationPlantTable {
  farm_id: string;
  application_id: string;
  plant_id: string;
  applied_on: string;
  safe_on: string;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    treatment_applications: TreatmentApplicationTable;
    treatment_application_plants: TreatmentApplicationPlantTable;
  }
}
