import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { QualityGrade } from './harvests.engine.js';

export interface HarvestTable {
  farm_id: string;
  id: Generated<string>;
  /** A plant's batch; null for a run's batch. */
  plant_id: string | null;
  /** The run of the batch: the run harvested, or the plant's run. */
  run_id: string | null;
  /** YYYY-MM-DD, farm-local. */
  harvested_on: string;
  weight_g: number | null;
  count: number | null;
  notes: string | null;
  user_id: string | null;
  request_hash: string | null;
  created_at: Timestamp;
}

export interface HarvestQualityTable {
  farm_id: string;
  id: Generated<string>;
  /** The order assessments were stored in. */
  seq: Generated<string>;
  harvest_id: string;
  appearance: number;
  aroma: number;
  colour: number;
  defects: Array<{ defect: string; penalty: number }>;
  score: number;
  grade: QualityGrade;
  notes: string | null;
  assessed_at: Timestamp;
  user_id: string | null;
  request_hash: string | null;
  created_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    harvests: HarvestTable;
    harvest_quality: HarvestQualityTable;
  }
}
