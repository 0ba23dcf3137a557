/**
 * The plant catalogue's rules, pure: what a family, species, cultivar or phase sequence may hold, the
 * warnings a phase profile earns, the checks across the seed files, and how a row of the seed files or
 * of a request becomes table columns and back. The seed loader and the HTTP service use the same
 * functions, so a row refused in a request is refused in the files, naming the same field.
 */
// ---------------------------------------------------------------------------------------------------
// Vocabulary and limits (the schemas take their enums and bounds from here)

export const CATEGORIES = [
  'vegetable',
  'herb',
  'fruit',
  'grain',
  'flower',
  'houseplant',
  'cactus',
  'succulent',
  'tree',
  'shrub',
  'green-manure',
] as const;
export type Category = (typeof CATEGORIES)[number];
export const NUTRIENT_DEMANDS = ['light', 'medium', 'heavy'] as const;
export type NutrientDemand = (typeof NUTRIENT_DEMANDS)[number];
export const SPECIES_NUTRIENT_DEMANDS = ['light', 'medium', 'heavy', 'nitrogen-fixer'] as const;
export type SpeciesNutrientDemand = (typeof SPECIES_NUTRIENT_DEMANDS)[number];
export const ROOT_DEPTHS = ['shallow', 'medium', 'deep'] as const;
export type RootDepth = (typeof ROOT_DEPTHS)[number];
export const FROST_TOLERANCES = ['none', 'light', 'moderate', 'hardy'] as const;
export type FrostTolerance = (typeof FROST_TOLERANCES)[number];
export const ROTATION_GROUPS = [
  'leafy',
  'fruiting',
  'root',
  'legume',
  'allium',
  'brassica',
  'cucurbit',
  'grass',
  'perennial',
  'ornamental',
] as const;
export type RotationGroup = (typeof ROTATION_GROUPS)[number];
export const LIFECYCLES = ['annual', 'biennial', 'perennial'] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];
export const PHOTOPERIODS = ['short-day', 'long-day', 'day-neutral'] as const;
export type Photoperiod = (typeof PHOTOPERIODS)[number];

/** Per-species changes to its sequence's phases, by phase key: `{"fruiting": {"days": 30, "gdd": 600}}`. */
export type PhaseOverrides = Record<string, { days?: number | null | undefined; gdd?: number | null | undefined }>;
export const GROWTH_HABITS = [
  'upright',
  'bush',
  'vine',
  'climbing',
  'rosette',
  'creeping',
  'clumping',
  'tree',
  'shrub',
  'columnar',
  'globular',
] as const;
export type GrowthHabit = (typeof GROWTH_HABITS)[number];
export const ROOT_TYPES = ['fibrous', 'taproot', 'tuberous', 'bulbous', 'rhizome'] as const;
export type RootType = (typeof ROOT_TYPES)[number];
export const CARE_PRESETS = [
  'tropical',
  'succulent',
  'orchid',
  'calathea',
  'herb',
  'mediterranean',
  'fern',
  'cactus',
  'outdoor-annual-vegetable',
  'outdoor-perennial',
] as const;
export type CarePreset = (typeof CARE_PRESETS)[number];

/** Inclusive numeric ranges of the catalogue's fields. */
export const LIMITS = {
  ph: [3, 9],
  phaseDays: [1, 3650],
  lightPpfd: [0, 3000],
  photoperiodH: [0, 24],
  tempC: [-30, 60],
  humidity: [0, 100],
  vpdKpa: [0, 10],
  npk: [0, 100],
  ecMs: [0, 20],
  baseTempC: [-10, 40],
  upperTempC: [0, 60],
  criticalDayLengthH: [0, 24],
  zone: [1, 13],
  month: [1, 12],
  sowIndoorWeeks: [1, 26],
  sowOutdoorDays: [-60, 90],
  wateringDays: [1, 90],
  sizeCm: [0, 10_000],
  daysToMaturity: [1, 1095],
  rotationPauseYears: [1, 20],
} as const satisfies Record<string, readonly [number, number]>;

/** At most this many phases in a sequence (positions 0–50). */
export const MAX_PHASES = 51;

export const KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}$/;
export const CULTIVAR_KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}\/[a-z0-9][a-z0-9-]{0,99}$/;
export const PHASE_KEY_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;
export const LANGUAGE_PATTERN = /^[a-z]{2,3}$/;
export const ZONE_PATTERN = /^\d{1,2}[ab]?$/;

// ---------------------------------------------------------------------------------------------------
// Rows as the seed files and the API write them

export interface FamilyInput {
  key?: string | undefined;
  name: string;
  order?: string | null | undefined;
  common_names?: Record<string, string> | undefined;
  nutrient_demand?: NutrientDemand | null | undefined;
  nitrogen_fixing?: boolean | undefined;
  root_depth?: RootDepth | null | undefined;
  /** Preferred soil pH, [min, max]. */
  ph?: [number, number] | null | undefined;
  frost_tolerance?: FrostTolerance | null | undefined;
  rotation_group?: RotationGroup | null | undefined;
  rotation_pause_years?: number | null | undefined;
  pests?: string[] | undefined;
  pathogens?: string[] | undefined;
  /** Soil-borne pests and pathogens that persist in the ground (the rotation check compares them). */
  soil_borne?: string[] | undefined;
  sources?: string[] | undefined;
}

export interface SpeciesInput {
  key?: string | undefined;
  scientific_name: string;
  /** A family's key or id. */
  family: string;
  genus?: string | null | undefined;
  category: Category;
  common_names?: Record<string, string[]> | undefined;
  /** A sequence's key or id. */
  sequence: string;
  /** Overrides of the sequence's phases, by phase key. */
  phases?: PhaseOverrides | undefined;
  base_temp_c?: number | undefined;
  upper_temp_c?: number | null | undefined;
  critical_day_length_h?: number | null | undefined;
  photoperiod?: Photoperiod | null | undefined;
  /** USDA zones [min, max]. */
  hardiness_zones?: [string, string] | null | undefined;
  growth_habit?: GrowthHabit | null | undefined;
  root_type?: RootType | null | undefined;
  frost_sensitive?: boolean | null | undefined;
  nutrient_demand?: SpeciesNutrientDemand | null | undefined;
  container?: boolean | null | undefined;
  indoor?: boolean | null | undefined;
  balcony?: boolean | null | undefined;
  sow_indoor_weeks_before_last_frost?: number | null | undefined;
  sow_outdoor_days_after_last_frost?: number | null | undefined;
  sowing_months?: number[] | undefined;
  harvest_months?: number[] | undefined;
  bloom_months?: number[] | undefined;
  watering_interval_days?: number | null | undefined;
  spacing_cm?: number | null | undefined;
  height_cm?: number | null | undefined;
  care_preset?: CarePreset | null | undefined;
  /** Years before the species returns to the same bed, when it differs from its family's. */
  rotation_pause_years?: number | null | undefined;
  sources?: string[] | undefined;
}

export interface CultivarInput {
  key?: string | undefined;
  /** A species' key or id. */
  species: string;
  name: string;
  breeder?: string | null | undefined;
  days_to_maturity?: number | null | undefined;
  traits?: string[] | undefined;
  resistances?: string[] | undefined;
  sources?: string[] | undefined;
}

export interface PhaseInput {
  key: string;
  days?: number | null | undefined;
  gdd?: number | null | undefined;
  terminal?: boolean | undefined;
  harvest_allowed?: boolean | undefined;
  light_ppfd?: number | null | undefined;
  photoperiod_h?: number | null | undefined;
  /** [day, night] °C. */
  temp_c?: [number, number] | null | undefined;
  /** [day, night] %. */
  humidity_pct?: [number, number] | null | undefined;
  /** [min, max] kPa. */
  vpd_kpa?: [number, number] | null | undefined;
  npk?: [number, number, number] | null | undefined;
  ec_ms?: number | null | undefined;
  ph?: number | null | undefined;
}

export interface SequenceInput {
  key: string;
  lifecycle: Lifecycle;
  dormancy_required?: boolean | undefined;
  vernalization_required?: boolean | undefined;
  restart_phase?: string | null | undefined;
  phases: PhaseInput[];
}

/** What is wrong with a field (its path inside the row: `ph[1]`, `phases.fruiting.gdd`). */
export interface Problem {
  field: string;
  message: string;
}

/** Accepted, but worth a second look. */
export interface Warning {
  code: 'NIGHT_WARMER_THAN_DAY';
  field: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------------
// Small checks

type Check = (problems: Problem[], field: string, value: unknown) => void;

const inRange =
  ([min, max]: readonly [number, number], options: { integer?: boolean; what?: string } = {}): Check =>
  (problems, field, value) => {
    if (value === null || value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push({ field, message: 'must be a number' });
    } else if (options.integer && !Number.isInteger(value)) {
      problems.push({ field, message: 'must be a whole number' });
    } else if (value < min || value > max) {
      problems.push({ field, message: `must be between ${min} and ${max}${options.what ? ` ${options.what}` : ''}` });
    }
  };

const above =
  (limit: number, message: string): Check =>
  (problems, field, value) => {
    if (value === null || value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= limit) problems.push({ field, message });
  };

function text(problems: Problem[], field: string, value: unknown, max: number): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'string' || value.trim() === '') problems.push({ field, message: 'must not be empty' });
  else if (value.length > max) problems.push({ field, message: `must be at most ${max} characters` });
}

function textList(problems: Problem[], field: string, value: unknown, maxItems: number, maxLength: number): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    problems.push({ field, message: 'must be a list' });
    return;
  }
  if (value.length > maxItems) problems.push({ field, message: `must hold at most ${maxItems} entries` });
  value.forEach((item, i) => text(problems, `${field}[${i}]`, item, maxLength));
}

function pair(problems: Problem[], field: string, value: unknown, each: Check): value is [number, number] {
  if (value === null || value === undefined) return false;
  if (!Array.isArray(value) || value.length !== 2) {
    problems.push({ field, message: 'must be two numbers' });
    return false;
  }
  const before = problems.length;
  value.forEach((v, i) => each(problems, `${field}[${i}]`, v));
  return problems.length === before;
}

function commonNames(problems: Problem[], value: unknown, listed: boolean): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ field: 'common_names', message: 'must map languages to names' });
    return;
  }
  for (const [language, names] of Object.entries(value)) {
    const field = `common_names.${language}`;
    if (!LANGUAGE_PATTERN.test(language)) {
      problems.push({ field, message: 'must be a language code such as en, de, es or km' });
    } else if (listed) {
      textList(problems, field, names, 20, 200);
    } else {
      text(problems, field, names ?? '', 200);
    }
  }
}

function months(problems: Problem[], field: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    problems.push({ field, message: 'must be a list of months' });
    return;
  }
  value.forEach((m, i) =>
    inRange(LIMITS.month, { integer: true, what: '(months 1–12)' })(problems, `${field}[${i}]`, m),
  );
}

// ---------------------------------------------------------------------------------------------------
// Hardiness zones

/** A USDA zone's number and half (`7b` → 7, 'b'), or undefined when it is not one of 1–13 with an optional a/b. */
export function parseZone(zone: string): { number: number; half: 'a' | 'b' | undefined } | undefined {
  if (!ZONE_PATTERN.test(zone)) return undefined;
  const number = Number.parseInt(zone, 10);
  if (number < LIMITS.zone[0] || number > LIMITS.zone[1]) return undefined;
  const half = zone.endsWith('a') ? 'a' : zone.endsWith('b') ? 'b' : undefined;
  return { number, half };
}

/** The coldest and warmest half-zone a zone covers, counted in half zones (`7` covers 7a and 7b). */
function zoneSpan(zone: { number: number; half: 'a' | 'b' | undefined }): [number, number] {
  const base = zone.number * 2;
  return [base + (zone.half === 'b' ? 1 : 0), base + (zone.half === 'a' ? 0 : 1)];
}

// ---------------------------------------------------------------------------------------------------
// Normalising (both sources)

const trimmed = <T>(value: T): T => (typeof value === 'string' ? (value.trim() as T) : value);
const trimList = (list: string[] | undefined) => list?.map((s) => (typeof s === 'string' ? s.trim() : s));
const monthList = (list: number[] | undefined) =>
  list && list.every((m) => typeof m === 'number') ? [...new Set(list)].sort((a, b) => a - b) : list;

/** Trims names, collapses the spaces of a scientific name, orders months. */
export function normalizeFamily<T extends Partial<FamilyInput>>(input: T): T {
  return {
    ...input,
    ...(input.name !== undefined ? { name: trimmed(input.name) } : {}),
    ...(input.order !== undefined ? { order: trimmed(input.order) } : {}),
    ...(input.pests ? { pests: trimList(input.pests) } : {}),
    ...(input.pathogens ? { pathogens: trimList(input.pathogens) } : {}),
    ...(input.soil_borne ? { soil_borne: trimList(input.soil_borne) } : {}),
    ...(input.common_names
      ? { common_names: Object.fromEntries(Object.entries(input.common_names).map(([k, v]) => [k, trimmed(v)])) }
      : {}),
  };
}

export function normalizeSpecies<T extends Partial<SpeciesInput>>(input: T): T {
  return {
    ...input,
    ...(typeof input.scientific_name === 'string'
      ? { scientific_name: input.scientific_name.trim().replace(/\s+/g, ' ') }
      : {}),
    ...(input.genus !== undefined ? { genus: trimmed(input.genus) } : {}),
    ...(input.common_names
      ? {
          common_names: Object.fromEntries(
            Object.entries(input.common_names).map(([k, v]) => [k, Array.isArray(v) ? trimList(v) : v]),
          ),
        }
      : {}),
    ...(input.sowing_months ? { sowing_months: monthList(input.sowing_months) } : {}),
    ...(input.harvest_months ? { harvest_months: monthList(input.harvest_months) } : {}),
    ...(input.bloom_months ? { bloom_months: monthList(input.bloom_months) } : {}),
  };
}

export function normalizeCultivar<T extends Partial<CultivarInput>>(input: T): T {
  return {
    ...input,
    ...(input.name !== undefined ? { name: trimmed(input.name) } : {}),
    ...(input.breeder !== undefined ? { breeder: trimmed(input.breeder) } : {}),
    ...(input.traits ? { traits: trimList(input.traits) } : {}),
    ...(input.resistances ? { resistances: trimList(input.resistances) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// The rules

function keyProblem(problems: Problem[], key: unknown, pattern: RegExp, example: string): void {
  if (key === undefined) return;
  if (typeof key !== 'string' || !pattern.test(key)) {
    problems.push({ field: 'key', message: `must be lower-case letters, digits and "-", such as ${example}` });
  }
}

function sources(problems: Problem[], value: unknown): void {
  textList(problems, 'sources', value, 20, 2000);
}

/** What is wrong with a botanical family (nothing: an empty list). */
export function familyProblems(family: FamilyInput): Problem[] {
  const problems: Problem[] = [];
  keyProblem(problems, family.key, KEY_PATTERN, 'solanaceae');
  const name = family.name;
  if (typeof name !== 'string' || !name.endsWith('aceae')) {
    problems.push({ field: 'name', message: 'must end in "aceae" (an APG family name such as Solanaceae)' });
  } else if (!/^[A-Z][a-z]+aceae$/.test(name)) {
    problems.push({ field: 'name', message: 'must be one word with a capital first letter, such as Solanaceae' });
  }
  const order = family.order;
  if (order !== null && order !== undefined) {
    if (typeof order !== 'string' || !order.endsWith('ales')) {
      problems.push({ field: 'order', message: 'must end in "ales" (an order such as Solanales)' });
    } else if (!/^[A-Z][a-z]+ales$/.test(order)) {
      problems.push({ field: 'order', message: 'must be one word with a capital first letter, such as Solanales' });
    }
  }
  commonNames(problems, family.common_names, false);
  if (family.nitrogen_fixing === true && family.nutrient_demand === 'heavy') {
    problems.push({ field: 'nutrient_demand', message: 'a nitrogen-fixing family is never a heavy feeder' });
  }
  if (pair(problems, 'ph', family.ph, inRange(LIMITS.ph, { what: '(pH)' })) && family.ph![0]! > family.ph![1]!) {
    problems.push({ field: 'ph', message: 'the lower pH comes first: [min, max]' });
  }
  inRange(LIMITS.rotationPauseYears, { integer: true, what: 'years' })(
    problems,
    'rotation_pause_years',
    family.rotation_pause_years,
  );
  textList(problems, 'pests', family.pests, 100, 300);
  textList(problems, 'pathogens', family.pathogens, 100, 300);
  textList(problems, 'soil_borne', family.soil_borne, 100, 300);
  sources(problems, family.sources);
  return problems;
}

const phaseDays = inRange(LIMITS.phaseDays, { integer: true, what: 'days' });
const gddThreshold = above(0, 'a growing-degree-day threshold must be more than 0');

/**
 * What is wrong with a species. `phaseKeys` are its sequence's phases (when known): overrides must
 * name one of them.
 */
export function speciesProblems(species: SpeciesInput, context: { phaseKeys?: readonly string[] } = {}): Problem[] {
  const problems: Problem[] = [];
  keyProblem(problems, species.key, KEY_PATTERN, 'solanum-lycopersicum');
  const name = species.scientific_name;
  if (typeof name !== 'string' || !/^\S+( \S+)+$/.test(name)) {
    problems.push({
      field: 'scientific_name',
      message: 'must be two words or more (genus and species epithet), such as Solanum lycopersicum',
    });
  } else if (name.length > 200) {
    problems.push({ field: 'scientific_name', message: 'must be at most 200 characters' });
  }
  text(problems, 'genus', species.genus, 100);
  commonNames(problems, species.common_names, true);
  const overrides = species.phases;
  if (overrides !== undefined) {
    if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
      problems.push({ field: 'phases', message: 'must map phase keys to {days, gdd}' });
    } else {
      for (const [phase, change] of Object.entries(overrides)) {
        const field = `phases.${phase}`;
        if (context.phaseKeys && !context.phaseKeys.includes(phase)) {
          problems.push({
            field,
            message: `is not a phase of the species' sequence (${context.phaseKeys.join(', ')})`,
          });
        }
        if (change === null || typeof change !== 'object') {
          problems.push({ field, message: 'must be {days, gdd}' });
          continue;
        }
        phaseDays(problems, `${field}.days`, change.days);
        gddThreshold(problems, `${field}.gdd`, change.gdd);
      }
    }
  }
  const base = species.base_temp_c ?? 10;
  inRange(LIMITS.baseTempC, { what: '°C' })(problems, 'base_temp_c', species.base_temp_c);
  inRange(LIMITS.upperTempC, { what: '°C' })(problems, 'upper_temp_c', species.upper_temp_c);
  if (typeof species.upper_temp_c === 'number' && typeof base === 'number' && species.upper_temp_c <= base) {
    problems.push({ field: 'upper_temp_c', message: `must be above the base temperature (${base} °C)` });
  }
  inRange(LIMITS.criticalDayLengthH, { what: 'hours' })(
    problems,
    'critical_day_length_h',
    species.critical_day_length_h,
  );
  const zones = species.hardiness_zones;
  if (zones !== null && zones !== undefined) {
    if (!Array.isArray(zones) || zones.length !== 2) {
      problems.push({ field: 'hardiness_zones', message: 'must be two USDA zones, [coldest, warmest]' });
    } else {
      const parsed = zones.map((zone, i) => {
        const found = typeof zone === 'string' ? parseZone(zone) : undefined;
        if (!found) {
          problems.push({
            field: `hardiness_zones[${i}]`,
            message: 'must be a USDA zone 1–13 with an optional a or b, such as 7b',
          });
        }
        return found;
      });
      const [low, high] = parsed;
      if (low && high && zoneSpan(low)[0] > zoneSpan(high)[1]) {
        problems.push({ field: 'hardiness_zones', message: 'the colder zone comes first: [coldest, warmest]' });
      }
    }
  }
  inRange(LIMITS.sowIndoorWeeks, { integer: true, what: 'weeks' })(
    problems,
    'sow_indoor_weeks_before_last_frost',
    species.sow_indoor_weeks_before_last_frost,
  );
  inRange(LIMITS.sowOutdoorDays, { integer: true, what: 'days' })(
    problems,
    'sow_outdoor_days_after_last_frost',
    species.sow_outdoor_days_after_last_frost,
  );
  months(problems, 'sowing_months', species.sowing_months);
  months(problems, 'harvest_months', species.harvest_months);
  months(problems, 'bloom_months', species.bloom_months);
  inRange(LIMITS.wateringDays, { integer: true, what: 'days' })(
    problems,
    'watering_interval_days',
    species.watering_interval_days,
  );
  inRange(LIMITS.sizeCm, { what: 'cm' })(problems, 'spacing_cm', species.spacing_cm);
  inRange(LIMITS.sizeCm, { what: 'cm' })(problems, 'height_cm', species.height_cm);
  inRange(LIMITS.rotationPauseYears, { integer: true, what: 'years' })(
    problems,
    'rotation_pause_years',
    species.rotation_pause_years,
  );
  sources(problems, species.sources);
  return problems;
}

/** What is wrong with a cultivar. `speciesKey`, when known, is the start its key must have. */
export function cultivarProblems(cultivar: CultivarInput, context: { speciesKey?: string } = {}): Problem[] {
  const problems: Problem[] = [];
  keyProblem(problems, cultivar.key, CULTIVAR_KEY_PATTERN, 'solanum-lycopersicum/moneymaker');
  if (
    typeof cultivar.key === 'string' &&
    context.speciesKey !== undefined &&
    !cultivar.key.startsWith(`${context.speciesKey}/`)
  ) {
    problems.push({ field: 'key', message: `must start with its species' key: ${context.speciesKey}/…` });
  }
  if (typeof cultivar.name !== 'string' || cultivar.name.trim() === '') {
    problems.push({ field: 'name', message: 'must not be empty' });
  } else {
    text(problems, 'name', cultivar.name, 200);
  }
  text(problems, 'breeder', cultivar.breeder, 200);
  inRange(LIMITS.daysToMaturity, { integer: true, what: 'days' })(
    problems,
    'days_to_maturity',
    cultivar.days_to_maturity,
  );
  textList(problems, 'traits', cultivar.traits, 50, 300);
  textList(problems, 'resistances', cultivar.resistances, 50, 300);
  sources(problems, cultivar.sources);
  return problems;
}

function phaseProblems(problems: Problem[], phase: PhaseInput, at: string): void {
  if (typeof phase.key !== 'string' || !PHASE_KEY_PATTERN.test(phase.key)) {
    problems.push({
      field: `${at}.key`,
      message: 'must start with a lower-case letter, then letters, digits, "_" or "-" (at most 40)',
    });
  }
  phaseDays(problems, `${at}.days`, phase.days);
  gddThreshold(problems, `${at}.gdd`, phase.gdd);
  inRange(LIMITS.lightPpfd, { what: 'µmol/m²/s' })(problems, `${at}.light_ppfd`, phase.light_ppfd);
  inRange(LIMITS.photoperiodH, { what: 'hours' })(problems, `${at}.photoperiod_h`, phase.photoperiod_h);
  pair(problems, `${at}.temp_c`, phase.temp_c, inRange(LIMITS.tempC, { what: '°C' }));
  pair(problems, `${at}.humidity_pct`, phase.humidity_pct, inRange(LIMITS.humidity, { what: '%' }));
  if (pair(problems, `${at}.vpd_kpa`, phase.vpd_kpa, inRange(LIMITS.vpdKpa, { what: 'kPa' }))) {
    if (phase.vpd_kpa![0]! > phase.vpd_kpa![1]!)
      problems.push({ field: `${at}.vpd_kpa`, message: 'the lower VPD comes first: [min, max]' });
  }
  if (phase.npk !== null && phase.npk !== undefined) {
    if (!Array.isArray(phase.npk) || phase.npk.length !== 3) {
      problems.push({ field: `${at}.npk`, message: 'must be three numbers: [N, P, K]' });
    } else {
      phase.npk.forEach((v, i) => inRange(LIMITS.npk)(problems, `${at}.npk[${i}]`, v));
    }
  }
  inRange(LIMITS.ecMs, { what: 'mS/cm' })(problems, `${at}.ec_ms`, phase.ec_ms);
  inRange(LIMITS.ph, { what: '(pH)' })(problems, `${at}.ph`, phase.ph);
}

/** What is wrong with a lifecycle phase sequence and its phases. */
export function sequenceProblems(sequence: SequenceInput): Problem[] {
  const problems: Problem[] = [];
  keyProblem(problems, sequence.key, KEY_PATTERN, 'annual-fruiting');
  if (!Array.isArray(sequence.phases) || sequence.phases.length === 0) {
    problems.push({ field: 'phases', message: 'must hold at least one phase, in order' });
    return problems;
  }
  if (sequence.phases.length > MAX_PHASES) {
    problems.push({ field: 'phases', message: `must hold at most ${MAX_PHASES} phases` });
  }
  const seen = new Set<string>();
  sequence.phases.forEach((phase, i) => {
    if (phase === null || typeof phase !== 'object') {
      problems.push({ field: `phases[${i}]`, message: 'must be a phase: {key, days, …}' });
      return;
    }
    phaseProblems(problems, phase, `phases[${i}]`);
    if (seen.has(phase.key)) problems.push({ field: `phases[${i}].key`, message: `"${phase.key}" is used twice` });
    seen.add(phase.key);
  });
  const restart = sequence.restart_phase;
  if (sequence.lifecycle === 'perennial') {
    if (restart === null || restart === undefined) {
      problems.push({ field: 'restart_phase', message: 'a perennial sequence names the phase a new cycle starts at' });
    } else if (!seen.has(restart)) {
      problems.push({ field: 'restart_phase', message: `must be one of its phases (${[...seen].join(', ')})` });
    }
  } else if (restart !== null && restart !== undefined) {
    problems.push({ field: 'restart_phase', message: 'only a perennial sequence starts a new cycle' });
  }
  return problems;
}

/**
 * Warnings a sequence's profiles earn. A night as warm as the day (zero DIF) is common greenhouse
 * practice and passes quietly; a night warmer than the day (negative DIF) is allowed but flagged.
 */
export function sequenceWarnings(sequence: SequenceInput): Warning[] {
  const warnings: Warning[] = [];
  sequence.phases.forEach((phase, i) => {
    const [day, night] = phase.temp_c ?? [];
    if (typeof day === 'number' && typeof night === 'number' && night > day) {
      warnings.push({
        code: 'NIGHT_WARMER_THAN_DAY',
        field: `phases[${i}].temp_c`,
        message: `Phase ${phase.key}: the night (${night} °C) is warmer than the day (${day} °C), a negative DIF`,
      });
    }
  });
  return warnings;
}

// ---------------------------------------------------------------------------------------------------
// Keys, languages, overrides

/** A key made from a name: lower-case ASCII words joined by "-" (`Solanum lycopersicum` → `solanum-lycopersicum`). */
export function keyFromName(name: string, fallback = 'row'): string {
  const key = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[œæß]/g, (c) => ({ œ: 'oe', æ: 'ae', ß: 'ss' })[c] ?? c)
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 90)
    .replace(/-+$/, '');
  return key === '' ? fallback : key;
}

/** The first of `key`, `key-2`, `key-3` … that `taken` does not hold. */
export function freeKey(key: string, taken: ReadonlySet<string>): string {
  if (!taken.has(key)) return key;
  for (let n = 2; ; n++) {
    const candidate = `${key}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Accept-Language's languages (primary subtags, lower case), most wanted first; `q=0` ones left out. */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
      return { language: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => LANGUAGE_PATTERN.test(r.language) && Number.isFinite(r.q) && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return [...new Set(ranked.map((r) => r.language))];
}

/**
 * The languages a search matches common names in: the person's own (their profile's, else the first
 * Accept-Language names, else English) and English always.
 */
export function searchLanguages(profileLanguage: string | undefined, acceptLanguage: string | undefined): string[] {
  const own = profileLanguage ?? acceptedLanguages(acceptLanguage)[0] ?? 'en';
  return [...new Set([own, 'en'])];
}

/** `%` and `_` of a search match themselves in LIKE, not any text. */
export const likePattern = (q: string): string => `%${q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A phase's days and gdd after the species' overrides (a key present with null removes the rule). */
export function overridden<T extends { key: string; days: number | null; gdd: number | null }>(
  phase: T,
  overrides: PhaseOverrides | null | undefined,
): T {
  const change = overrides?.[phase.key];
  if (!change) return phase;
  return {
    ...phase,
    ...(change.days !== undefined ? { days: change.days } : {}),
    ...(change.gdd !== undefined ? { gdd: change.gdd } : {}),
  };
}

/** The day length under which a short-day species flowers when the species does not name its own (h). */
export const SHORT_DAY_FLOWERING_H = 12;

/**
 * A short-day species flowers only under days shorter than its critical day length: from its flowering
 * phase on, a phase that asks for more light than that asks for the critical length instead (12 h when
 * the species names none). A chrysanthemum's vegetative 18 h becomes 12 h at flowering, where the
 * sequence (written for day-neutral crops) says 14. Other species and phases are left as they are.
 */
export function shortDayLight<T extends { key: string; position: number; profile: { photoperiodH: number | null } }>(
  phases: T[],
  photoperiod: string | null,
  criticalDayLengthH: number | null,
): T[] {
  if (photoperiod !== 'short-day') return phases;
  const flowering = phases.find((p) => p.key === 'flowering');
  if (!flowering) return phases;
  const limit = criticalDayLengthH ?? SHORT_DAY_FLOWERING_H;
  return phases.map((p) =>
    p.position >= flowering.position && p.profile.photoperiodH !== null && p.profile.photoperiodH > limit
      ? { ...p, profile: { ...p.profile, photoperiodH: limit } }
      : p,
  );
}

// ---------------------------------------------------------------------------------------------------
// Across the seed files

export type Kind = 'families' | 'species' | 'cultivars' | 'sequences' | 'companions' | 'rotation';

/** A row of a seed file. */
export interface Located<T> {
  file: string;
  row: T;
}

export interface SeedRows {
  sequences: Located<SequenceInput>[];
  families: Located<FamilyInput>[];
  species: Located<SpeciesInput>[];
  cultivars: Located<CultivarInput>[];
  /** Companion pairs (companions.yaml); absent: none. */
  companions?: Located<CompanionInput>[];
  /** Good successors (rotation.yaml); absent: none. */
  rotation?: Located<SuccessorInput>[];
}

/** A problem of a seed row: the file, the row's key, the field. */
export interface SeedProblem extends Problem {
  file: string;
  key: string;
}

/**
 * Everything wrong with the seed files as a whole: each row by the rules above, keys present and
 * unique, references to rows the files hold, names unique among them, overrides naming phases of the
 * species' own sequence.
 */
export function seedProblems(seed: SeedRows): SeedProblem[] {
  const problems: SeedProblem[] = [];
  const add = (at: Located<{ key?: string | undefined }>, list: Problem[]) =>
    problems.push(...list.map((p) => ({ file: at.file, key: at.row.key ?? '(no key)', ...p })));

  const keyed = <T extends { key?: string | undefined }>(rows: Located<T>[]): Map<string, T> => {
    const byKey = new Map<string, T>();
    for (const at of rows) {
      const key = at.row.key;
      if (typeof key !== 'string' || key === '') add(at, [{ field: 'key', message: 'is required in the seed files' }]);
      else if (byKey.has(key)) add(at, [{ field: 'key', message: 'is used by another row' }]);
      else byKey.set(key, at.row);
    }
    return byKey;
  };
  const unique = <T extends { key?: string | undefined }>(
    rows: Located<T>[],
    field: string,
    of: (row: T) => string,
  ) => {
    const seen = new Map<string, string | undefined>();
    for (const at of rows) {
      const name = of(at.row);
      if (seen.has(name)) add(at, [{ field, message: `is also the name of ${seen.get(name) ?? 'another row'}` }]);
      else seen.set(name, at.row.key);
    }
  };

  const sequences = keyed(seed.sequences);
  const families = keyed(seed.families);
  const species = keyed(seed.species);
  keyed(seed.cultivars);

  for (const at of seed.sequences) add(at, sequenceProblems(at.row));
  for (const at of seed.families) add(at, familyProblems(at.row));
  unique(seed.families, 'name', (f) => String(f.name).toLowerCase());
  for (const at of seed.species) {
    const sequence = sequences.get(at.row.sequence);
    const refs: Problem[] = [];
    if (!families.has(at.row.family))
      refs.push({ field: 'family', message: `"${at.row.family}" is not a family of the seed files` });
    if (!sequence)
      refs.push({ field: 'sequence', message: `"${at.row.sequence}" is not a sequence of the seed files` });
    const phaseKeys = sequence && Array.isArray(sequence.phases) ? sequence.phases.map((p) => p?.key) : undefined;
    add(at, [...refs, ...speciesProblems(at.row, phaseKeys ? { phaseKeys } : {})]);
  }
  unique(seed.species, 'scientific_name', (s) => String(s.scientific_name).toLowerCase());
  for (const at of seed.cultivars) {
    const refs: Problem[] = species.has(at.row.species)
      ? []
      : [{ field: 'species', message: `"${at.row.species}" is not a species of the seed files` }];
    add(at, [...refs, ...cultivarProblems(at.row, { speciesKey: at.row.species })]);
  }
  unique(seed.cultivars, 'name', (c) => `${c.species}\u0000${String(c.name).toLowerCase()}`);
  const known = { species: new Set(species.keys()), family: new Set(families.keys()) };
  problems.push(...companionProblems(seed.companions ?? [], known));
  problems.push(...successorProblems(seed.rotation ?? [], known.family));
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Companion pairs and good successors (seed files companions.yaml and rotation.yaml)

export const COMPANION_LEVELS = ['species', 'family'] as const;
export type CompanionLevel = (typeof COMPANION_LEVELS)[number];
export const COMPANION_RELATIONS = ['compatible', 'incompatible'] as const;
export type CompanionRelation = (typeof COMPANION_RELATIONS)[number];
export const SEVERITIES = ['mild', 'moderate', 'severe'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const COMPANION_SCORE = [0.1, 1] as const;

/** A companion pair as the seed file writes it: two species keys, or two family keys. */
export interface CompanionInput {
  a: string;
  b: string;
  level: CompanionLevel;
  relation: CompanionRelation;
  /** Compatible pairs only, 0.1–1. */
  score?: number | null | undefined;
  /** Incompatible pairs only. */
  severity?: Severity | null | undefined;
  reason?: string | undefined;
  sources?: string[] | undefined;
}

/** A good successor: family `then` does well after family `after`. */
export interface SuccessorInput {
  after: string;
  then: string;
  reason?: string | undefined;
  sources?: string[] | undefined;
}

/** How a pair is named in a problem: as written (`solanum-lycopersicum+ocimum-basilicum`). */
export const companionName = (row: { a?: unknown; b?: unknown }): string => `${String(row.a)}+${String(row.b)}`;
export const successorName = (row: { after?: unknown; then?: unknown }): string =>
  `${String(row.after)}->${String(row.then)}`;

/** The same pair whichever way round it is written. */
const pairId = (level: unknown, a: unknown, b: unknown): string =>
  `${String(level)}\u0000${[String(a), String(b)].sort().join('\u0000')}`;

/**
 * What is wrong with the companion pairs: keys that name no species (level species) or family (level
 * family) of the files, a plant paired with itself, a score on an incompatible pair or a severity on a
 * compatible one (or either missing), and a pair listed twice — either way round; listed once
 * compatible and once incompatible, the load is refused naming both.
 */
export function companionProblems(
  rows: Located<CompanionInput>[],
  known: { species: ReadonlySet<string>; family: ReadonlySet<string> },
): SeedProblem[] {
  const problems: SeedProblem[] = [];
  const seen = new Map<string, Located<CompanionInput>>();
  for (const at of rows) {
    const row = at.row;
    const add = (field: string, message: string) =>
      problems.push({ file: at.file, key: companionName(row), field, message });
    const level = row.level;
    const keys = level === 'species' || level === 'family' ? known[level] : undefined;
    for (const side of ['a', 'b'] as const) {
      const key = row[side];
      if (keys && typeof key === 'string' && !keys.has(key))
        add(side, `"${key}" is not a ${level} of the seed files (level: ${level} pairs name ${level} keys)`);
    }
    if (row.a === row.b) add('b', 'a plant is not its own companion: a and b must differ');
    if (row.relation === 'compatible') {
      if (row.score === undefined || row.score === null) add('score', 'is required for a compatible pair (0.1–1)');
      else {
        const range: Problem[] = [];
        inRange(COMPANION_SCORE)(range, 'score', row.score);
        for (const p of range) add(p.field, p.message);
      }
      if (row.severity !== undefined && row.severity !== null) add('severity', 'belongs to incompatible pairs only');
    } else if (row.relation === 'incompatible') {
      if (!row.severity) add('severity', 'is required for an incompatible pair (mild, moderate or severe)');
      if (row.score !== undefined && row.score !== null) add('score', 'belongs to compatible pairs only');
    }
    const id = pairId(level, row.a, row.b);
    const earlier = seen.get(id);
    if (!earlier) {
      seen.set(id, at);
    } else if (earlier.row.relation !== row.relation) {
      add(
        'relation',
        `the pair is ${String(row.relation)} here and ${String(earlier.row.relation)} in ${earlier.file} ` +
          `(${companionName(earlier.row)}): a pair is either compatible or incompatible, never both`,
      );
    } else {
      add('b', `the pair is listed twice (also in ${earlier.file} as ${companionName(earlier.row)}): list it once`);
    }
  }
  return problems;
}

/** What is wrong with the good successors: unknown family keys, a family after itself, an edge listed twice. */
export function successorProblems(rows: Located<SuccessorInput>[], families: ReadonlySet<string>): SeedProblem[] {
  const problems: SeedProblem[] = [];
  const seen = new Set<string>();
  for (const at of rows) {
    const row = at.row;
    const add = (field: string, message: string) =>
      problems.push({ file: at.file, key: successorName(row), field, message });
    for (const side of ['after', 'then'] as const) {
      const key = row[side];
      if (typeof key === 'string' && !families.has(key)) add(side, `"${key}" is not a family of the seed files`);
    }
    if (row.after === row.then) add('then', 'a family does not succeed itself: after and then must differ');
    const id = `${String(row.after)}\u0000${String(row.then)}`;
    if (seen.has(id)) add('then', 'the successor is listed twice: list it once');
    seen.add(id);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Rows ⇄ columns

/** A family's columns (without id, farm, key and times). */
export function familyColumns(family: FamilyInput) {
  return {
    name: family.name,
    order_name: family.order ?? null,
    common_names: family.common_names ?? {},
    nutrient_demand: family.nutrient_demand ?? null,
    nitrogen_fixing: family.nitrogen_fixing ?? false,
    root_depth: family.root_depth ?? null,
    ph_min: family.ph?.[0] ?? null,
    ph_max: family.ph?.[1] ?? null,
    frost_tolerance: family.frost_tolerance ?? null,
    rotation_group: family.rotation_group ?? null,
    rotation_pause_years: family.rotation_pause_years ?? null,
    pests: family.pests ?? [],
    pathogens: family.pathogens ?? [],
    soil_borne: family.soil_borne ?? [],
    sources: family.sources ?? [],
  };
}
export type FamilyColumns = ReturnType<typeof familyColumns>;

/** A family's columns back in the files' shape. */
export function familyInputOf(row: FamilyColumns & { key: string }): Required<FamilyInput> {
  return {
    key: row.key,
    name: row.name,
    order: row.order_name,
    common_names: row.common_names,
    nutrient_demand: row.nutrient_demand,
    nitrogen_fixing: row.nitrogen_fixing,
    root_depth: row.root_depth,
    ph: row.ph_min !== null && row.ph_max !== null ? [row.ph_min, row.ph_max] : null,
    frost_tolerance: row.frost_tolerance,
    rotation_group: row.rotation_group,
    rotation_pause_years: row.rotation_pause_years,
    pests: row.pests,
    pathogens: row.pathogens,
    soil_borne: row.soil_borne,
    sources: row.sources,
  };
}

/** A species' columns, its family and sequence already resolved to ids. */
export function speciesColumns(species: SpeciesInput, familyId: string, sequenceId: string) {
  return {
    scientific_name: species.scientific_name,
    family_id: familyId,
    genus: species.genus ?? null,
    category: species.category,
    common_names: species.common_names ?? {},
    sequence_id: sequenceId,
    phase_overrides: species.phases ?? {},
    base_temp_c: species.base_temp_c ?? 10,
    upper_temp_c: species.upper_temp_c ?? null,
    critical_day_length_h: species.critical_day_length_h ?? null,
    photoperiod: species.photoperiod ?? null,
    hardiness_min: species.hardiness_zones?.[0] ?? null,
    hardiness_max: species.hardiness_zones?.[1] ?? null,
    growth_habit: species.growth_habit ?? null,
    root_type: species.root_type ?? null,
    frost_sensitive: species.frost_sensitive ?? null,
    nutrient_demand: species.nutrient_demand ?? null,
    container: species.container ?? null,
    indoor: species.indoor ?? null,
    balcony: species.balcony ?? null,
    sow_indoor_weeks_before_last_frost: species.sow_indoor_weeks_before_last_frost ?? null,
    sow_outdoor_days_after_last_frost: species.sow_outdoor_days_after_last_frost ?? null,
    sowing_months: species.sowing_months ?? [],
    harvest_months: species.harvest_months ?? [],
    bloom_months: species.bloom_months ?? [],
    watering_interval_days: species.watering_interval_days ?? null,
    spacing_cm: species.spacing_cm ?? null,
    height_cm: species.height_cm ?? null,
    care_preset: species.care_preset ?? null,
    rotation_pause_years: species.rotation_pause_years ?? null,
    sources: species.sources ?? [],
  };
}
export type SpeciesColumns = ReturnType<typeof speciesColumns>;

/** A species' columns back in the files' shape (family and sequence by the refs given). */
export function speciesInputOf(
  row: Omit<SpeciesColumns, 'family_id' | 'sequence_id'> & { key: string },
  family: string,
  sequence: string,
): Required<SpeciesInput> {
  return {
    key: row.key,
    scientific_name: row.scientific_name,
    family,
    genus: row.genus,
    category: row.category,
    common_names: row.common_names,
    sequence,
    phases: row.phase_overrides,
    base_temp_c: row.base_temp_c,
    upper_temp_c: row.upper_temp_c,
    critical_day_length_h: row.critical_day_length_h,
    photoperiod: row.photoperiod,
    hardiness_zones:
      row.hardiness_min !== null && row.hardiness_max !== null ? [row.hardiness_min, row.hardiness_max] : null,
    growth_habit: row.growth_habit,
    root_type: row.root_type,
    frost_sensitive: row.frost_sensitive,
    nutrient_demand: row.nutrient_demand,
    container: row.container,
    indoor: row.indoor,
    balcony: row.balcony,
    sow_indoor_weeks_before_last_frost: row.sow_indoor_weeks_before_last_frost,
    sow_outdoor_days_after_last_frost: row.sow_outdoor_days_after_last_frost,
    sowing_months: row.sowing_months,
    harvest_months: row.harvest_months,
    bloom_months: row.bloom_months,
    watering_interval_days: row.watering_interval_days,
    spacing_cm: row.spacing_cm,
    height_cm: row.height_cm,
    care_preset: row.care_preset,
    rotation_pause_years: row.rotation_pause_years,
    sources: row.sources,
  };
}

export function cultivarColumns(cultivar: CultivarInput, speciesId: string) {
  return {
    species_id: speciesId,
    name: cultivar.name,
    breeder: cultivar.breeder ?? null,
    days_to_maturity: cultivar.days_to_maturity ?? null,
    traits: cultivar.traits ?? [],
    resistances: cultivar.resistances ?? [],
    sources: cultivar.sources ?? [],
  };
}
export type CultivarColumns = ReturnType<typeof cultivarColumns>;

export function sequenceColumns(sequence: SequenceInput) {
  return {
    lifecycle: sequence.lifecycle,
    dormancy_required: sequence.dormancy_required ?? false,
    vernalization_required: sequence.vernalization_required ?? false,
    restart_phase: sequence.restart_phase ?? null,
  };
}

/** A phase's columns; its position is its place in the list. */
export function phaseColumns(phase: PhaseInput, position: number) {
  const [dayTemp = null, nightTemp = null] = phase.temp_c ?? [];
  const [dayHumidity = null, nightHumidity = null] = phase.humidity_pct ?? [];
  const [vpdMin = null, vpdMax = null] = phase.vpd_kpa ?? [];
  return {
    position,
    key: phase.key,
    days: phase.days ?? null,
    gdd: phase.gdd ?? null,
    terminal: phase.terminal ?? false,
    harvest_allowed: phase.harvest_allowed ?? false,
    light_ppfd: phase.light_ppfd ?? null,
    photoperiod_h: phase.photoperiod_h ?? null,
    day_temp_c: dayTemp,
    night_temp_c: nightTemp,
    day_humidity: dayHumidity,
    night_humidity: nightHumidity,
    vpd_min: vpdMin,
    vpd_max: vpdMax,
    npk: (phase.npk as number[] | null | undefined) ?? null,
    ec_ms: phase.ec_ms ?? null,
    ph: phase.ph ?? null,
  };
}
export type PhaseColumns = ReturnType<typeof phaseColumns>;

const both = <T>(a: T | null, b: T | null): [T, T] | null => (a !== null && b !== null ? [a, b] : null);

/** A phase's columns back in the files' shape. */
export function phaseInputOf(
  row: Omit<PhaseColumns, 'position' | 'npk'> & { npk: number[] | null },
): Required<PhaseInput> {
  return {
    key: row.key,
    days: row.days,
    gdd: row.gdd,
    terminal: row.terminal,
    harvest_allowed: row.harvest_allowed,
    light_ppfd: row.light_ppfd,
    photoperiod_h: row.photoperiod_h,
    temp_c: both(row.day_temp_c, row.night_temp_c),
    humidity_pct: both(row.day_humidity, row.night_humidity),
    vpd_kpa: both(row.vpd_min, row.vpd_max),
    npk: row.npk && row.npk.length === 3 ? [row.npk[0]!, row.npk[1]!, row.npk[2]!] : null,
    ec_ms: row.ec_ms,
    ph: row.ph,
  };
}

// ---------------------------------------------------------------------------------------------------
// Page cursors

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The cursor after a row: its sort value and id, opaque to clients. */
export const encodeCursor = (value: string, id: string): string =>
  Buffer.from(JSON.stringify([value, id]), 'utf8').toString('base64url');

/** The sort value and id a cursor holds; undefined when it is not one of ours. */
export function decodeCursor(cursor: string): [string, string] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      UUID_TEXT.test(value[1]) &&
      !value[0].includes('\0')
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // not base64url JSON: not a cursor
  }
  return undefined;
}
