import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { PressureLevel } from './protection.engine.js';

export interface PlantInspectionTable {
  farm_id: string;
  id: Generated<string>;
  /** The order inspections were stored in (of two on one day, the later stored is the latest). */
  seq: Generated<string>;
  /** Exactly one of plant_id, run_id and location_id is set: the target. */
  plant_id: string | null;
  run_id: string | null;
  location_id: string | null;
  /** YYYY-MM-DD, farm-local. */
  inspected_on: string;
  pressure: PressureLevel;
  notes: string | null;
  user_id: string | null;
  request_hash: string | null;
  created_at: Timestamp;
}

export interface PlantInspectionPestTable {
  farm_id: string;
  inspection_id: string;
  pest_id: string;
}

export interface PlantInspectionDiseaseTable {
  farm_id: string;
  inspection_id: string;
  disease_id: string;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    plant_inspections: PlantInspectionTable;
    plant_inspection_pests: PlantInspectionPestTable;
    plant_inspection_diseases: PlantInspectionDiseaseTable;
  }
}
