/**
 * Care reminders for houseplants and small growers (crops.md "Care reminders", crops-corrections.md
 * item 20): the care presets, which preset a family falls under, a plant's effective intervals (the
 * profile's overrides, then the species' watering guide, then the preset), the winter stretch of the
 * watering interval outside the tropics, the phases that quiet reminders, the watering interval learned
 * from the grower's own rhythm, and when each kind of reminder is next due. Pure: days come in as
 * farm-local calendar dates (YYYY-MM-DD), nothing reads a clock.
 */

import { SPECIES_CARE_PRESETS } from '../catalog/index.js';

/** The catalogue's presets a species may name, and `custom`: a profile's own intervals only. */
export const CARE_PRESETS = [...SPECIES_CARE_PRESETS, 'custom'] as const;
export type CarePreset = (typeof CARE_PRESETS)[number];

/** The reminder kinds care makes (the tasks module's kinds of the same names). */
export const CARE_KINDS = ['water', 'fertilize', 'repot', 'pest_check', 'humidity_check', 'location_check'] as const;
export type CareKind = (typeof CARE_KINDS)[number];

export interface PresetValues {
  waterDays: number;
  /** The watering interval is multiplied by this in winter (1: no change). */
  winterFactor: number;
  fertilizeDays: number;
  repotMonths: number;
  pestCheckDays: number;
  /** Humidity checks for the plants that suffer in dry room air; null: none by default. */
  humidityCheckDays: number | null;
  /** Months (1–12) in which fertilising makes sense. */
  fertilizeMonths: readonly number[];
}

const months = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const MAR_SEP = months(3, 9);
const MAR_OCT = months(3, 10);
const APR_SEP = months(4, 9);
const MAY_AUG = months(5, 8);

/** The presets' defaults: water, winter factor, fertilise, repot (months), pest check; humidity; fertilising months. */
export const PRESETS: Readonly<Record<CarePreset, PresetValues>> = {
  tropical: preset(7, 1.5, 14, 24, 14, null, MAR_SEP),
  succulent: preset(14, 3.0, 30, 36, 21, null, APR_SEP),
  orchid: preset(7, 2.0, 14, 24, 14, 7, MAR_OCT),
  calathea: preset(5, 1.5, 21, 24, 7, 7, APR_SEP),
  herb: preset(5, 1.5, 14, 12, 7, null, MAR_OCT),
  mediterranean: preset(10, 2.0, 30, 36, 21, null, APR_SEP),
  fern: preset(4, 1.5, 21, 18, 14, 7, MAR_SEP),
  cactus: preset(21, 4.0, 30, 48, 30, null, MAY_AUG),
  'outdoor-annual-vegetable': preset(3, 1.0, 14, 12, 7, null, APR_SEP),
  'outdoor-perennial': preset(5, 2.0, 21, 36, 14, null, MAR_SEP),
  // Custom starts from the tropical values; the grower sets their own on the profile.
  custom: preset(7, 1.5, 14, 24, 14, null, MAR_SEP),
};

function preset(
  waterDays: number,
  winterFactor: number,
  fertilizeDays: number,
  repotMonths: number,
  pestCheckDays: number,
  humidityCheckDays: number | null,
  fertilizeMonths: readonly number[],
): PresetValues {
  return { waterDays, winterFactor, fertilizeDays, repotMonths, pestCheckDays, humidityCheckDays, fertilizeMonths };
}

const FAMILY_PRESETS: Readonly<Record<string, CarePreset>> = {
  araceae: 'tropical',
  moraceae: 'tropical',
  marantaceae: 'calathea',
  cactaceae: 'cactus',
  crassulaceae: 'succulent',
  asphodelaceae: 'succulent',
  polypodiaceae: 'fern',
  lamiaceae: 'herb',
  oleaceae: 'mediterranean',
  orchidaceae: 'orchid',
};

export const isCarePreset = (value: string | null | undefined): value is CarePreset =>
  typeof value === 'string' && (CARE_PRESETS as readonly string[]).includes(value);

/** A family's preset (by its name, any case); a family not in the map is cared for as tropical. */
export function presetOfFamily(family: string | null | undefined): CarePreset {
  return FAMILY_PRESETS[(family ?? '').toLowerCase()] ?? 'tropical';
}

/** The preset a species starts with: its own `care_preset` when it names one, else its family's. */
export function presetOfSpecies(species: { carePreset: string | null; familyName: string | null }): CarePreset {
  return isCarePreset(species.carePreset) ? species.carePreset : presetOfFamily(species.familyName);
}

/** Phases in which a plant rests or recovers: only pest checks are reminded then. */
export const QUIET_PHASES: ReadonlySet<string> = new Set([
  'dormancy',
  'senescence',
  'hardening_off',
  'maintenance',
  'acclimatization',
  'repotting_recovery',
]);

/** Whether a reminder kind is made while the plant is in `phaseKey` (null: no phase). */
export function remindedInPhase(kind: CareKind, phaseKey: string | null): boolean {
  return kind === 'pest_check' || phaseKey === null || !QUIET_PHASES.has(phaseKey);
}

/** The Tropic lines, rounded: nearer the equator than this, no month counts as winter. */
export const TROPIC_LATITUDE = 23.4;

/**
 * Whether `month` (1–12) is winter at `latitude`: December–February in the north, June–August in the
 * south, never within the tropics. An unknown latitude has no winter (the stretch is never guessed).
 */
export function isWinter(latitude: number | null, month: number): boolean {
  if (latitude === null || Math.abs(latitude) < TROPIC_LATITUDE) return false;
  return latitude > 0 ? month === 12 || month <= 2 : month >= 6 && month <= 8;
}

/** What a plant's care is worked out from. */
export interface CareSettings {
  preset: CarePreset;
  /** The species' watering guide (days), which beats the preset's. */
  speciesWaterDays: number | null;
  /** The profile's own values, which beat both. */
  waterDays: number | null;
  winterFactor: number | null;
  fertilizeDays: number | null;
  repotMonths: number | null;
  pestCheckDays: number | null;
  humidityCheckDays: number | null;
  /** Location checks every 30 days; only in these months when some are named. */
  locationCheck: boolean;
  locationCheckMonths: readonly number[];
  /** Whether the watering interval follows the learned rhythm. */
  adaptive: boolean;
  /** The learned watering interval (days), when one has been learned. */
  learnedWaterDays: number | null;
  /** The plant’s run follows a nutrient plan: fertilising reminders need one. */
  hasNutrientPlan: boolean;
}

/** The watering interval learning starts from and is clamped around: profile, then species, then preset. */
export function baseWaterDays(s: Pick<CareSettings, 'preset' | 'speciesWaterDays' | 'waterDays'>): number {
  return s.waterDays ?? s.speciesWaterDays ?? PRESETS[s.preset].waterDays;
}

export function winterFactorOf(s: Pick<CareSettings, 'preset' | 'winterFactor'>): number {
  return s.winterFactor ?? PRESETS[s.preset].winterFactor;
}

/** The watering interval in force in `month`: learned (or base), stretched by the winter factor in winter. */
export function waterDaysIn(s: CareSettings, latitude: number | null, month: number): number {
  const base = s.adaptive && s.learnedWaterDays !== null ? s.learnedWaterDays : baseWaterDays(s);
  return isWinter(latitude, month) ? Math.max(1, Math.round(base * winterFactorOf(s))) : base;
}

/** Every interval of a plant in days (repotting: months × 30); null: this kind is not reminded. */
export function intervals(s: CareSettings, latitude: number | null, month: number): Record<CareKind, number | null> {
  const values = PRESETS[s.preset];
  const fertilizeMonth = values.fertilizeMonths.includes(month);
  const locationMonth = s.locationCheckMonths.length === 0 || s.locationCheckMonths.includes(month);
  return {
    water: waterDaysIn(s, latitude, month),
    fertilize: s.hasNutrientPlan && fertilizeMonth ? (s.fertilizeDays ?? values.fertilizeDays) : null,
    repot: (s.repotMonths ?? values.repotMonths) * 30,
    pest_check: s.pestCheckDays ?? values.pestCheckDays,
    humidity_check: s.humidityCheckDays ?? values.humidityCheckDays,
    location_check: s.locationCheck && locationMonth ? 30 : null,
  };
}

// Days as calendar dates

const MS_PER_DAY = 86_400_000;
const dayNumber = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / MS_PER_DAY);

/** `day` plus `n` days (YYYY-MM-DD). */
export function addDays(day: string, n: number): string {
  return new Date((dayNumber(day) + n) * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

// Adaptive learning

/** The band a learned interval stays in: [max(1, ⌊0.7·base⌋), ⌊1.3·base⌋]. */
export function learningClamp(base: number): { min: number; max: number } {
  return { min: Math.max(1, Math.floor(0.7 * base)), max: Math.max(1, Math.floor(1.3 * base)) };
}

/**
 * One learning step from the days the plant was watered (any order, repeats allowed). It learns only
 * from ≥ 3 confirmations with ≥ 2 positive gaps among the last 5; the mean of those gaps, rounded and
 * clamped to the band, is the target, and the interval moves one day towards it (starting from the one
 * learned before, or the base, held in the band). Null when there is not enough to learn from yet.
 */
export function learnWaterDays(input: { base: number; previous: number | null; confirmations: readonly string[] }): {
  days: number | null;
  target: number | null;
} {
  const { min, max } = learningClamp(input.base);
  const sorted = [...input.confirmations].sort();
  const clampIn = (n: number) => Math.min(max, Math.max(min, n));
  const held = input.previous === null ? null : clampIn(input.previous);
  if (sorted.length < 3) return { days: held, target: null };
  const last = sorted.slice(-5);
  const gaps: number[] = [];
  for (let i = 1; i < last.length; i++) {
    const gap = daysBetween(last[i - 1]!, last[i]!);
    if (gap > 0) gaps.push(gap);
  }
  if (gaps.length < 2) return { days: held, target: null };
  const target = clampIn(Math.round(gaps.reduce((a, b) => a + b, 0) / gaps.length));
  const from = held ?? clampIn(input.base);
  return { days: from + Math.sign(target - from), target };
}

// When reminders are due

export type Urgency = 'overdue' | 'due_today' | 'upcoming' | 'later';

/** Overdue before today, due today, upcoming within 2 days, later after that. */
export function urgencyOf(due: string, today: string): Urgency {
  const d = daysBetween(today, due);
  return d < 0 ? 'overdue' : d === 0 ? 'due_today' : d <= 2 ? 'upcoming' : 'later';
}

export interface DueReminder {
  kind: CareKind;
  /** YYYY-MM-DD */
  due: string;
  intervalDays: number;
  urgency: Urgency;
}

/**
 * When each kind is next due for a plant, today: the last time it was done plus the interval in force
 * today; never done, the interval counts from when care started — except watering, due the day care
 * starts (a plant is watered in). Kinds not reminded (no interval, or a quiet phase) are left out.
 */
export function dueReminders(input: {
  settings: CareSettings;
  latitude: number | null;
  today: string;
  /** The farm-local day care started for the plant. */
  startedOn: string;
  /** The last day each kind was done, when it has been. */
  lastDone: Partial<Record<CareKind, string>>;
  phaseKey: string | null;
}): DueReminder[] {
  const month = Number(input.today.slice(5, 7));
  const every = intervals(input.settings, input.latitude, month);
  const out: DueReminder[] = [];
  for (const kind of CARE_KINDS) {
    const interval = every[kind];
    if (interval === null || !remindedInPhase(kind, input.phaseKey)) continue;
    const last = input.lastDone[kind];
    const due = last
      ? addDays(last, interval)
      : kind === 'water'
        ? input.startedOn
        : addDays(input.startedOn, interval);
    out.push({ kind, due, intervalDays: interval, urgency: urgencyOf(due, input.today) });
  }
  return out;
}

/** The key of a reminder: one per plant, kind and due day, so the daily job makes each once. */
export const reminderKey = (plantId: string, kind: CareKind, due: string) => `${plantId}:${kind}:${due}`;
