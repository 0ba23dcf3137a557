import type { Tx } from '../../platform/db/database.js';

/**
 * What other modules read of the catalogue inside their own transaction (row-level security shows a
 * farm the global rows and its own). Implemented in catalog.repository.ts.
 */

/** A phase's requirement profile and nutrient profile. */
export interface PhaseProfile {
  lightPpfd: number | null;
  photoperiodH: number | null;
  dayTempC: number | null;
  nightTempC: number | null;
  dayHumidity: number | null;
  nightHumidity: number | null;
  vpdMin: number | null;
  vpdMax: number | null;
  npk: [number, number, number] | null;
  ecMs: number | null;
  ph: number | null;
}

/** A phase of a species' sequence, with the species' overrides (days, gdd) applied. */
export interface GrowthPhase {
  id: string;
  key: string;
  position: number;
  /** The time rule: days in the phase after which the plant moves on (null: none). */
  days: number | null;
  /** The growing-degree-day rule (at the species' base temperature; null: none). */
  gdd: number | null;
  terminal: boolean;
  harvestAllowed: boolean;
  profile: PhaseProfile;
}

export interface GrowthSequence {
  id: string;
  key: string;
  lifecycle: 'annual' | 'biennial' | 'perennial';
  dormancyRequired: boolean;
  vernalizationRequired: boolean;
  /** The phase key a new cycle starts at after the terminal phase (perennials). */
  restartPhase: string | null;
  /** In order. */
  phases: GrowthPhase[];
}

/** What the growth clock needs of a species. */
export interface SpeciesForGrowth {
  id: string;
  key: string;
  scientificName: string;
  baseTempC: number;
  upperTempC: number | null;
  criticalDayLengthH: number | null;
  sequence: GrowthSequence;
}

export interface CultivarRef {
  id: string;
  speciesId: string;
  name: string;
}

/** What a sowing calendar needs of a species. */
export interface SpeciesCalendar {
  id: string;
  key: string;
  scientificName: string;
  commonNames: Record<string, string[]>;
  category: string;
  /** Whether the farm wrote it (its months are then the farm's own) or it ships with Croft. */
  own: boolean;
  frostSensitive: boolean | null;
  sowIndoorWeeksBeforeLastFrost: number | null;
  sowOutdoorDaysAfterLastFrost: number | null;
  sowingMonths: number[];
  harvestMonths: number[];
  bloomMonths: number[];
}

export interface SpeciesCalendarFilter {
  /** Only these keys (a farm's own key before the global one). */
  keys?: string[] | undefined;
  category?: string | undefined;
  /** Keys after this one (the previous page's last). */
  after?: string | undefined;
  limit: number;
}

/** What care reminders need of a species. */
export interface SpeciesForCare {
  id: string;
  key: string;
  scientificName: string;
  familyName: string;
  /** The species' care preset key, when the catalogue gives one. */
  carePreset: string | null;
  /** The species' watering guide (days). */
  wateringIntervalDays: number | null;
}

/** A starter kit as shipped (seed/catalog/starter-kits.yaml). */
export interface StarterKit {
  key: string;
  names: Record<string, string>;
  descriptions: Record<string, string>;
  places: Array<{
    key: string;
    type: string;
    names: Record<string, string>;
    code?: string | undefined;
    parent?: string | undefined;
    slots?: number | undefined;
  }>;
  plantsAt: string;
  /** Species keys, in the order plants are spread over them. */
  species: string[];
  suggestedPlants: number;
}

export interface CatalogReads {
  /** Species by id with their family and care guide; missing or unseen ids are absent. */
  speciesForCare(tx: Tx, ids: string[]): Promise<Map<string, SpeciesForCare>>;
  /** Every starter kit, in the files' order. */
  starterKits(tx: Tx): Promise<StarterKit[]>;
  /** A starter kit by key. */
  starterKit(tx: Tx, key: string): Promise<StarterKit | undefined>;
  /** Species by id, with their sequence and its phases (overrides applied); missing or unseen ids are absent. */
  speciesForGrowth(tx: Tx, ids: string[]): Promise<Map<string, SpeciesForGrowth>>;
  /** A species by id or key (a farm's own key first, then the global one); undefined when not seen or retired. */
  resolveSpecies(tx: Tx, farmId: string, ref: string): Promise<{ id: string; key: string } | undefined>;
  /**
   * Live species with any calendar data (frost offsets, sowing, harvest or bloom months), by key; a farm's
   * own species hides a global one of the same key.
   */
  speciesCalendars(tx: Tx, farmId: string, filter: SpeciesCalendarFilter): Promise<SpeciesCalendar[]>;
  /** A cultivar by id or key, likewise. */
  resolveCultivar(tx: Tx, farmId: string, ref: string): Promise<CultivarRef | undefined>;
  /**
   * The live families the transaction sees (global and, in a farm's scope, its own) with the pests and
   * pathogens they list, by key: what the plant-protection catalogue links its rows to.
   */
  familyLinks(tx: Tx): Promise<FamilyLinks[]>;
}

/** A family's key, whether it ships with Croft, and the pest and pathogen names it lists. */
export interface FamilyLinks {
  key: string;
  global: boolean;
  pests: string[];
  pathogens: string[];
  soil_borne: string[];
}
