import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type {
  CarePreset,
  Category,
  CompanionRelation,
  FrostTolerance,
  GrowthHabit,
  Lifecycle,
  NutrientDemand,
  PhaseOverrides,
  Photoperiod,
  RootDepth,
  RootType,
  RotationGroup,
  Severity,
  SpeciesNutrientDemand,
} from './catalog.engine.js';

/** A jsonb column: read as the value, written as the value or its JSON text. */
type Json<T> = ColumnType<T, T | string, T | string>;
/** An array column with a default of `{}`. */
type List<T> = ColumnType<T[], T[] | undefined, T[]>;

/** The columns every catalogue table shares: global rows have no farm. */
interface CatalogRowBase {
  id: Generated<string>;
  farm_id: string | null;
  key: string;
  retired_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CatalogFamilyTable extends CatalogRowBase {
  name: string;
  order_name: string | null;
  /** One name per language: `{"en": "Nightshade family", "de": "Nachtschattengewächse"}`. */
  common_names: Json<Record<string, string>>;
  nutrient_demand: NutrientDemand | null;
  nitrogen_fixing: boolean;
  root_depth: RootDepth | null;
  ph_min: number | null;
  ph_max: number | null;
  frost_tolerance: FrostTolerance | null;
  rotation_group: RotationGroup | null;
  rotation_pause_years: number | null;
  pests: List<string>;
  pathogens: List<string>;
  soil_borne: List<string>;
  sources: List<string>;
}

export interface CatalogSequenceTable extends CatalogRowBase {
  lifecycle: Lifecycle;
  dormancy_required: boolean;
  vernalization_required: boolean;
  restart_phase: string | null;
}

export interface CatalogPhaseTable {
  id: Generated<string>;
  farm_id: string | null;
  sequence_id: string;
  /** Null once retired. */
  position: number | null;
  key: string;
  days: number | null;
  gdd: number | null;
  terminal: boolean;
  harvest_allowed: boolean;
  light_ppfd: number | null;
  photoperiod_h: number | null;
  day_temp_c: number | null;
  night_temp_c: number | null;
  day_humidity: number | null;
  night_humidity: number | null;
  vpd_min: number | null;
  vpd_max: number | null;
  npk: number[] | null;
  ec_ms: number | null;
  ph: number | null;
  retired_at: Timestamp | null;
}

export interface CatalogSpeciesTable extends CatalogRowBase {
  scientific_name: string;
  family_id: string;
  genus: string | null;
  category: Category;
  /** Names per language: `{"en": ["Tomato"], "de": ["Tomate"]}`. */
  common_names: Json<Record<string, string[]>>;
  sequence_id: string;
  phase_overrides: Json<PhaseOverrides>;
  base_temp_c: number;
  upper_temp_c: number | null;
  critical_day_length_h: number | null;
  photoperiod: Photoperiod | null;
  hardiness_min: string | null;
  hardiness_max: string | null;
  growth_habit: GrowthHabit | null;
  root_type: RootType | null;
  frost_sensitive: boolean | null;
  nutrient_demand: SpeciesNutrientDemand | null;
  container: boolean | null;
  indoor: boolean | null;
  balcony: boolean | null;
  sow_indoor_weeks_before_last_frost: number | null;
  sow_outdoor_days_after_last_frost: number | null;
  sowing_months: List<number>;
  harvest_months: List<number>;
  bloom_months: List<number>;
  watering_interval_days: number | null;
  spacing_cm: number | null;
  height_cm: number | null;
  care_preset: CarePreset | null;
  rotation_pause_years: number | null;
  sources: List<string>;
}

export interface CatalogCultivarTable extends CatalogRowBase {
  species_id: string;
  name: string;
  breeder: string | null;
  days_to_maturity: number | null;
  traits: List<string>;
  resistances: List<string>;
  sources: List<string>;
}

/** A companion pair (species or family level), stored once with a_id < b_id. */
export interface CatalogCompanionTable {
  id: Generated<string>;
  farm_id: string | null;
  a_id: string;
  b_id: string;
  relation: CompanionRelation;
  score: number | null;
  severity: Severity | null;
  reason: string;
  sources: List<string>;
  created_at: Timestamp;
}

/** A good successor: family `then_id` after family `after_id`. */
export interface CatalogRotationSuccessorTable {
  id: Generated<string>;
  farm_id: string | null;
  after_id: string;
  then_id: string;
  reason: string;
  sources: List<string>;
  created_at: Timestamp;
}

export interface CatalogSeedStateTable {
  id: Generated<boolean>;
  content_hash: string;
  loaded_at: Timestamp;
  counts: Json<Record<string, unknown>>;
}

export interface CatalogStarterKitTable {
  key: string;
  position: number;
  names: Json<Record<string, string>>;
  descriptions: Json<Record<string, string>>;
  places: Json<KitPlaceRow[]>;
  plants_at: string;
  species: string[];
  suggested_plants: number;
  updated_at: Timestamp;
}

/** A place a starter kit makes under its site. */
export interface KitPlaceRow {
  key: string;
  type: string;
  names: Record<string, string>;
  code?: string | undefined;
  parent?: string | undefined;
  slots?: number | undefined;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    catalog_starter_kits: CatalogStarterKitTable;
    catalog_families: CatalogFamilyTable;
    catalog_sequences: CatalogSequenceTable;
    catalog_phases: CatalogPhaseTable;
    catalog_species: CatalogSpeciesTable;
    catalog_cultivars: CatalogCultivarTable;
    catalog_seed_state: CatalogSeedStateTable;
    catalog_species_companions: CatalogCompanionTable;
    catalog_family_companions: CatalogCompanionTable;
    catalog_rotation_successors: CatalogRotationSuccessorTable;
  }
}
