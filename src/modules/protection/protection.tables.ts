import type { Generated, Selectable } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { DiseaseKind, IntervalStatus, MoaScheme, PestKind, TreatmentMethod } from './protection.seed-rules.js';

interface Common {
  id: Generated<string>;
  /** Null for the global rows that ship with Croft. */
  farm_id: string | null;
  /** The seed's stable key of a global row; null for a farm's own. */
  key: string | null;
  name: string;
  catalog_names: Generated<string[]>;
  notes: Generated<string>;
  sources: Generated<string[]>;
  request_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  retired_at: Timestamp | null;
}

export interface PestTable extends Common {
  scientific_name: string;
  kind: PestKind;
  symptoms: string;
  signs: Generated<string[]>;
  lifecycle_days: number | null;
}
export type PestRow = Selectable<PestTable>;

export interface DiseaseTable extends Common {
  pathogen: string | null;
  kind: DiseaseKind;
  soil_borne: Generated<boolean>;
  symptoms: string;
  favoured_by: Generated<string[]>;
}
export type DiseaseRow = Selectable<DiseaseTable>;

export interface TreatmentTable extends Omit<Common, 'catalog_names'> {
  method: TreatmentMethod;
  description: string;
  active_ingredient: string | null;
  organism: string | null;
  moa_scheme: MoaScheme | null;
  moa_code: string | null;
  pre_harvest_interval_days: number | null;
  interval_status: IntervalStatus | null;
  reentry_hours: number | null;
  organic_allowed: Generated<boolean>;
}
export type TreatmentRecord = Selectable<TreatmentTable>;

export interface PestHostTable {
  pest_id: string;
  farm_id: string | null;
  family_key: string;
}
export interface DiseaseHostTable {
  disease_id: string;
  farm_id: string | null;
  family_key: string;
}
export interface TreatmentPestTable {
  treatment_id: string;
  pest_id: string;
  farm_id: string | null;
}
export interface TreatmentDiseaseTable {
  treatment_id: string;
  disease_id: string;
  farm_id: string | null;
}
export interface IntervalConfirmationTable {
  farm_id: string;
  treatment_id: string;
  days: number;
  confirmed_by: string | null;
  confirmed_at: Timestamp;
}
export type IntervalConfirmationRow = Selectable<IntervalConfirmationTable>;

export interface ProtectionSeedStateTable {
  id: Generated<boolean>;
  content_hash: string;
  loaded_at: Timestamp;
  counts: Record<string, unknown>;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    protection_pests: PestTable;
    protection_diseases: DiseaseTable;
    protection_treatments: TreatmentTable;
    protection_pest_hosts: PestHostTable;
    protection_disease_hosts: DiseaseHostTable;
    protection_treatment_pests: TreatmentPestTable;
    protection_treatment_diseases: TreatmentDiseaseTable;
    protection_interval_confirmations: IntervalConfirmationTable;
    protection_seed_state: ProtectionSeedStateTable;
  }
}
