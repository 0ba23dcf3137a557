/**
 * Plant protection's rules (crops.md "Plant protection (IPM) and harvest", crops-corrections.md items 1,
 * 2 and 18): the pre-harvest interval gate ("Karenz"), the resistance rule, and when a plant, run or
 * location is next due for an inspection. Pure: the caller gathers the applications and inspections and
 * passes today; every day is a farm-local calendar date (YYYY-MM-DD), so day arithmetic never meets a
 * time zone or a daylight-saving change.
 */
import { isCalendarDay } from '../../platform/day-cursor.js';
import { ruleViolation, type DomainError } from '../../platform/errors.js';
import { isUngroupedCode, normalizeModeOfActionCode } from './protection.seed-rules.js';

// Days as calendar dates

const MS_PER_DAY = 86_400_000;
/** Whether `day` is a real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export const isLocalDate = isCalendarDay;

// A malformed day would turn every comparison into NaN and let the gate pass: refuse it loudly instead.
function dayNumber(day: string): number {
  if (!isLocalDate(day)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(day)}`);
  return Date.parse(`${day}T00:00:00Z`) / MS_PER_DAY;
}

/** `day` plus `n` calendar days (YYYY-MM-DD). */
export function addDays(day: string, n: number): string {
  return new Date((dayNumber(day) + n) * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

// What an application is and where it was made

export const APPLICATION_TARGETS = ['plant', 'run', 'location'] as const;
export type ApplicationTargetKind = (typeof APPLICATION_TARGETS)[number];

/** Where an application was made: on one plant, on a whole run, or on a location (a bed, a house …). */
export interface ApplicationTarget {
  kind: ApplicationTargetKind;
  id: string;
}

/** The classification schemes a mode-of-action group comes from: insecticides, fungicides, herbicides. */
export const MOA_SCHEMES = ['IRAC', 'FRAC', 'HRAC'] as const;
export type MoaScheme = (typeof MOA_SCHEMES)[number];

/** A mode-of-action group, e.g. IRAC 3A (pyrethroids) or FRAC 11 (QoI fungicides). */
export interface ModeOfAction {
  scheme: MoaScheme;
  code: string;
}

/** A treatment application as the rules read it (the repository fills it from the application and its treatment). */
export interface TreatmentApplication {
  id: string;
  /** Farm-local day it was applied (YYYY-MM-DD). */
  appliedOn: string;
  treatmentName: string;
  /** Null for a treatment without one (cultural, mechanical, most biological ones). */
  activeIngredient: string | null;
  /** The treatment's mode-of-action group; null when none is known. */
  modeOfAction: ModeOfAction | null;
  /** The treatment's pre-harvest interval in whole days (0: none). */
  intervalDays: number;
  appliedTo: ApplicationTarget;
}

/** Ingredient names compared without case or surrounding and repeated spaces ("Spinosad" = "spinosad "). */
export const ingredientKey = (name: string): string => name.trim().replace(/\s+/g, ' ').toLowerCase();

/** Keeps the first of each id: one application reaches a plant through several paths (its run and its bed). */
function distinct<T extends { id: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.id) && (seen.add(item.id), true));
}

// 1. The pre-harvest interval gate

export const KARENZ_VIOLATION = 'KARENZ_VIOLATION';

/** The first day a harvest is allowed after `application`: the day applied plus the interval. */
export function safeDateOf(application: Pick<TreatmentApplication, 'appliedOn' | 'intervalDays'>): string {
  const { intervalDays } = application;
  if (!Number.isInteger(intervalDays) || intervalDays < 0)
    throw new RangeError(`a pre-harvest interval is a whole number of days ≥ 0 (got ${intervalDays})`);
  return addDays(application.appliedOn, intervalDays);
}

/** An application whose interval the harvest falls inside. */
export interface BlockingApplication {
  id: string;
  treatmentName: string;
  activeIngredient: string | null;
  appliedOn: string;
  intervalDays: number;
  safeDate: string;
  appliedTo: ApplicationTarget;
}

/** Everything that blocks a harvest through one active ingredient. */
export interface KarenzBlocker {
  /** As the latest-ending application names it; null: treatments without a named ingredient (by name). */
  activeIngredient: string | null;
  /** The latest safe date among its applications: the harvest is allowed from this day on. */
  safeDate: string;
  /** Days from the harvest's date to the safe date (≥ 1). */
  daysRemaining: number;
  /** Its applications, latest safe date first. */
  applications: BlockingApplication[];
}

/** What a blocker is called: its ingredient, or the treatment's name when it names none. */
const blockerName = (b: KarenzBlocker) => b.activeIngredient ?? b.applications[0]!.treatmentName;

export type KarenzGate =
  | { allowed: true; harvestedOn: string }
  | {
      allowed: false;
      harvestedOn: string;
      /** The first day on which nothing blocks a harvest any more: the latest safe date. */
      allowedFrom: string;
      /** Every blocking ingredient, latest safe date first (then by name). */
      blockers: KarenzBlocker[];
    };

/**
 * Whether a harvest on `harvestedOn` may be recorded, given every application that reaches the harvested
 * plant(s): on the plant, its run, its location or any place above it (the caller gathers them; one seen
 * through two paths counts once). A harvest is allowed on or after applied day + interval days.
 *
 * The harvest's own date is the reference, not today, so a back-dated harvest inside an interval is refused.
 * An application made after the harvest's date does not block it: that harvest was taken before the spray.
 * One made on the harvest's date does block (when its interval is ≥ 1): the day alone cannot tell whether
 * the spray came first, and the safe reading is that it did.
 *
 * Unlike Kamerplanter, which names only the first blocker, every blocking ingredient is listed, grouped by
 * ingredient (case-insensitive); treatments without a named ingredient but with an interval are grouped by
 * treatment name so they still block.
 */
export function karenzGate(input: { harvestedOn: string; applications: readonly TreatmentApplication[] }): KarenzGate {
  const { harvestedOn } = input;
  const harvestDay = dayNumber(harvestedOn);
  const groups = new Map<string, BlockingApplication[]>();
  for (const a of distinct(input.applications)) {
    const safeDate = safeDateOf(a);
    if (dayNumber(a.appliedOn) > harvestDay || dayNumber(safeDate) <= harvestDay) continue;
    const key = a.activeIngredient ? `ingredient:${ingredientKey(a.activeIngredient)}` : `treatment:${a.treatmentName}`;
    const blocking: BlockingApplication = {
      id: a.id,
      treatmentName: a.treatmentName,
      activeIngredient: a.activeIngredient,
      appliedOn: a.appliedOn,
      intervalDays: a.intervalDays,
      safeDate,
      appliedTo: a.appliedTo,
    };
    groups.set(key, [...(groups.get(key) ?? []), blocking]);
  }
  if (groups.size === 0) return { allowed: true, harvestedOn };

  const blockers: KarenzBlocker[] = [...groups.values()].map((list) => {
    const applications = list.sort(
      (x, y) =>
        y.safeDate.localeCompare(x.safeDate) || y.appliedOn.localeCompare(x.appliedOn) || x.id.localeCompare(y.id),
    );
    const latest = applications[0]!;
    return {
      activeIngredient: latest.activeIngredient,
      safeDate: latest.safeDate,
      daysRemaining: dayNumber(latest.safeDate) - harvestDay,
      applications,
    };
  });
  blockers.sort((x, y) => y.safeDate.localeCompare(x.safeDate) || blockerName(x).localeCompare(blockerName(y)));
  return { allowed: false, harvestedOn, allowedFrom: blockers[0]!.safeDate, blockers };
}

/** The details of a 422 KARENZ_VIOLATION as the API sends them (snake_case, like every error's details). */
export interface KarenzViolationDetails {
  harvested_on: string;
  allowed_from: string;
  blockers: Array<{
    active_ingredient: string | null;
    safe_date: string;
    days_remaining: number;
    applications: Array<{
      id: string;
      treatment_name: string;
      applied_on: string;
      interval_days: number;
      safe_date: string;
      applied_to: { kind: ApplicationTargetKind; id: string };
    }>;
  }>;
}

type Blocked = Extract<KarenzGate, { allowed: false }>;

export function karenzViolationDetails(gate: Blocked): KarenzViolationDetails {
  return {
    harvested_on: gate.harvestedOn,
    allowed_from: gate.allowedFrom,
    blockers: gate.blockers.map((b) => ({
      active_ingredient: b.activeIngredient,
      safe_date: b.safeDate,
      days_remaining: b.daysRemaining,
      applications: b.applications.map((a) => ({
        id: a.id,
        treatment_name: a.treatmentName,
        applied_on: a.appliedOn,
        interval_days: a.intervalDays,
        safe_date: a.safeDate,
        applied_to: { kind: a.appliedTo.kind, id: a.appliedTo.id },
      })),
    })),
  };
}

const dayCount = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

/** One sentence naming every blocker, e.g. "… spinosad until 2026-06-12 (3 days), …". */
export function karenzViolationMessage(gate: Blocked): string {
  const list = gate.blockers.map((b) => `${blockerName(b)} until ${b.safeDate} (${dayCount(b.daysRemaining)})`);
  return `A harvest on ${gate.harvestedOn} falls inside the pre-harvest interval of ${list.join(', ')}; harvesting is allowed from ${gate.allowedFrom}`;
}

/** The 422 KARENZ_VIOLATION a service throws for a refused harvest. */
export const karenzViolation = (gate: Blocked): DomainError =>
  ruleViolation(KARENZ_VIOLATION, karenzViolationMessage(gate), { ...karenzViolationDetails(gate) });

// 2. The resistance rule

export const RESISTANCE_LIMIT = 'RESISTANCE_LIMIT';
/** The window uses are counted in: an earlier use counts when it is at most this many days before (inclusive). */
export const RESISTANCE_WINDOW_DAYS = 90;
/** The use (1st, 2nd, …) within the window that is allowed with a warning. */
export const RESISTANCE_WARN_AT_USE = 3;
/** Most uses of one group (or ingredient) within the window; the next is refused. */
export const RESISTANCE_MAX_USES = 3;

/**
 * Whether a group names no shared target site — IRAC UN…, FRAC U…, NC and BM, HRAC 0 (the catalogue's
 * rule, `isUngroupedCode`), or a code that is not a group of its scheme at all (HRAC's retired letters):
 * two products in such a group are counted by their active ingredient instead.
 */
export function isUnknownGroup(moa: ModeOfAction): boolean {
  const code = normalizeModeOfActionCode(moa.scheme, moa.code);
  return code === null || isUngroupedCode(moa.scheme, code);
}

/** What uses are counted by: the mode-of-action group, or the active ingredient when no group is known. */
export type ResistanceKey =
  { by: 'group'; scheme: MoaScheme; code: string } | { by: 'ingredient'; activeIngredient: string };

/** The key a treatment's uses are counted by; null: never counted (nothing chemical to wear out). */
export function resistanceKeyOf(
  t: Pick<TreatmentApplication, 'modeOfAction' | 'activeIngredient'>,
): ResistanceKey | null {
  if (t.modeOfAction && t.modeOfAction.code.trim() !== '' && !isUnknownGroup(t.modeOfAction))
    return {
      by: 'group',
      scheme: t.modeOfAction.scheme,
      code: normalizeModeOfActionCode(t.modeOfAction.scheme, t.modeOfAction.code)!,
    };
  if (t.activeIngredient && t.activeIngredient.trim() !== '')
    return { by: 'ingredient', activeIngredient: t.activeIngredient.trim() };
  return null;
}

/**
 * Whether an earlier application is a use of the same thing as the new one: the same group when both know
 * one; otherwise the same active ingredient (so a farm's own product without a group still meets the
 * catalogue's product with one through its ingredient).
 */
function sameUse(prior: TreatmentApplication, next: ResistanceKey, nextIngredient: string | null): boolean {
  const priorKey = resistanceKeyOf(prior);
  if (priorKey === null) return false;
  if (priorKey.by === 'group' && next.by === 'group')
    return priorKey.scheme === next.scheme && priorKey.code === next.code;
  return (
    prior.activeIngredient !== null &&
    nextIngredient !== null &&
    ingredientKey(prior.activeIngredient) === ingredientKey(nextIngredient)
  );
}

/** The earlier applications reaching one plant of the target (on it, its run, its location or above). */
export interface Exposure {
  /** Null for a run or location without plants: then the applications on the target itself. */
  plantId: string | null;
  applications: readonly TreatmentApplication[];
}

export type ResistanceOutcome = 'not_counted' | 'ok' | 'warning' | 'refused';

export interface ResistanceVerdict {
  outcome: ResistanceOutcome;
  key: ResistanceKey | null;
  /** Which use the new application would be within the window (1 = first); 0 when not counted. */
  use: number;
  /** The plant whose count decided (the worst); null when not counted or the target has no plants. */
  plantId: string | null;
  /** The other uses in that window, oldest first. */
  earlierUses: TreatmentApplication[];
}

/**
 * The resistance rule (crops-corrections.md item 1): a new application is the (n+1)th use of its
 * mode-of-action group (or active ingredient when no group is known) within 90 days, counted over the
 * applications that reach the plant: on it, its run and its location. 1st and 2nd: ok; 3rd: allowed with a
 * warning; 4th and later: refused (422 RESISTANCE_LIMIT). A treatment with neither group nor ingredient
 * (cultural, mechanical, most biological ones) is never counted.
 *
 * An earlier use counts when it lies 0–90 days before the new one (both ends inclusive, farm-local days).
 * Applications dated after the new one (the new one is back-dated) count too: the new use is judged by the
 * worst 90-day window that contains it, so recording an old spray late cannot hide a 4th use.
 *
 * Applying to a run or a location: the caller passes one exposure per plant the application would reach,
 * each with the applications reaching that plant; the worst plant decides (a bed sprayed as a whole is
 * refused when any of its plants would get a 4th use). An application seen twice in one exposure counts once.
 */
export function resistanceCheck(input: {
  appliedOn: string;
  treatment: Pick<TreatmentApplication, 'modeOfAction' | 'activeIngredient'>;
  exposures: readonly Exposure[];
}): ResistanceVerdict {
  const key = resistanceKeyOf(input.treatment);
  if (key === null) return { outcome: 'not_counted', key: null, use: 0, plantId: null, earlierUses: [] };
  const day = dayNumber(input.appliedOn);
  const exposures = input.exposures.length > 0 ? input.exposures : [{ plantId: null, applications: [] }];

  let worst: { plantId: string | null; uses: TreatmentApplication[] } | null = null;
  for (const exposure of exposures) {
    const uses = worstWindow(
      day,
      distinct(exposure.applications).filter(
        (a) =>
          Math.abs(dayNumber(a.appliedOn) - day) <= RESISTANCE_WINDOW_DAYS &&
          sameUse(a, key, input.treatment.activeIngredient),
      ),
    );
    if (worst === null || uses.length > worst.uses.length) worst = { plantId: exposure.plantId, uses };
  }
  const { plantId, uses } = worst!;
  const use = uses.length + 1;
  const outcome: ResistanceOutcome =
    use > RESISTANCE_MAX_USES ? 'refused' : use >= RESISTANCE_WARN_AT_USE ? 'warning' : 'ok';
  return { outcome, key, use, plantId, earlierUses: uses };
}

/**
 * The most uses a window of RESISTANCE_WINDOW_DAYS + 1 calendar days holds together with the new use on
 * `day`, oldest first. Windows start from day − 90 to day; only a start on a use's day can change the
 * count, so those are the ones tried (the earliest start wins a tie).
 */
function worstWindow(day: number, candidates: TreatmentApplication[]): TreatmentApplication[] {
  const sorted = candidates
    .map((a) => ({ a, d: dayNumber(a.appliedOn) }))
    .sort((x, y) => x.d - y.d || x.a.id.localeCompare(y.a.id));
  const starts = [...new Set([...sorted.map((x) => x.d).filter((d) => d <= day), day])];
  let best: TreatmentApplication[] = [];
  for (const start of starts) {
    const inside = sorted.filter((x) => x.d >= start && x.d <= start + RESISTANCE_WINDOW_DAYS).map((x) => x.a);
    if (inside.length > best.length) best = inside;
  }
  return best;
}

const keyText = (key: ResistanceKey) => (key.by === 'group' ? `${key.scheme} ${key.code}` : key.activeIngredient);

/** The details of a 422 RESISTANCE_LIMIT (or of the warning on a 3rd use), snake_case as the API sends them. */
export interface ResistanceDetails {
  counted_by: 'group' | 'ingredient';
  /** "IRAC 3A", or the active ingredient. */
  counted_as: string;
  use: number;
  max_uses: number;
  window_days: number;
  plant_id: string | null;
  earlier_uses: Array<{
    id: string;
    treatment_name: string;
    active_ingredient: string | null;
    applied_on: string;
    applied_to: { kind: ApplicationTargetKind; id: string };
  }>;
}

type Counted = ResistanceVerdict & { key: ResistanceKey };

export function resistanceDetails(verdict: Counted): ResistanceDetails {
  return {
    counted_by: verdict.key.by,
    counted_as: keyText(verdict.key),
    use: verdict.use,
    max_uses: RESISTANCE_MAX_USES,
    window_days: RESISTANCE_WINDOW_DAYS,
    plant_id: verdict.plantId,
    earlier_uses: verdict.earlierUses.map((a) => ({
      id: a.id,
      treatment_name: a.treatmentName,
      active_ingredient: a.activeIngredient,
      applied_on: a.appliedOn,
      applied_to: { kind: a.appliedTo.kind, id: a.appliedTo.id },
    })),
  };
}

const ordinal = (n: number) => {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
};

/** The sentence of a refusal or a warning, e.g. "This would be the 4th use of IRAC 3A within 90 days …". */
export function resistanceMessage(verdict: Counted): string {
  const what = `the ${ordinal(verdict.use)} use of ${keyText(verdict.key)} within ${RESISTANCE_WINDOW_DAYS} days`;
  return verdict.outcome === 'refused'
    ? `This would be ${what}; at most ${RESISTANCE_MAX_USES} are allowed: rotate to another mode of action`
    : `This is ${what}; a further use within the window will be refused: rotate to another mode of action`;
}

/** The 422 RESISTANCE_LIMIT a service throws for a refused application. */
export const resistanceLimit = (verdict: Counted): DomainError =>
  ruleViolation(RESISTANCE_LIMIT, resistanceMessage(verdict), { ...resistanceDetails(verdict) });

// 3. The next inspection

/** Days between inspections before the phase and pressure factors. */
export const INSPECTION_BASE_DAYS = 7;

/** Phases inspected more (or less) often; any other phase: 1.0 (crops.md; crops-corrections.md item 18). */
export const PHASE_FACTORS: Readonly<Record<string, number>> = {
  germination: 1.0,
  seedling: 0.8,
  vegetative: 1.0,
  flowering: 0.5,
  harvest: 0.33,
};
export const DEFAULT_PHASE_FACTOR = 1.0;

export const PRESSURE_LEVELS = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type PressureLevel = (typeof PRESSURE_LEVELS)[number];

export const PRESSURE_FACTORS: Readonly<Record<PressureLevel, number>> = {
  none: 1.0,
  low: 0.8,
  medium: 0.5,
  high: 0.33,
  critical: 0.25,
};

export const isPressureLevel = (value: string): value is PressureLevel =>
  (PRESSURE_LEVELS as readonly string[]).includes(value);

/** A phase's factor by its key (null: no phase yet). */
export const phaseFactor = (phaseKey: string | null): number =>
  (phaseKey !== null && Object.hasOwn(PHASE_FACTORS, phaseKey) ? PHASE_FACTORS[phaseKey] : undefined) ??
  DEFAULT_PHASE_FACTOR;

/**
 * Days until the next inspection: max(1, 7 × phase factor × pressure factor), rounded down to whole days so
 * the due day is never later than the formula puts it (7 × 0.8 = 5.6 → 5; flowering under high pressure,
 * 1.155 → 1). No inspection yet counts as pressure none.
 */
export function inspectionIntervalDays(phaseKey: string | null, pressure: PressureLevel | null): number {
  const raw = INSPECTION_BASE_DAYS * phaseFactor(phaseKey) * PRESSURE_FACTORS[pressure ?? 'none'];
  // The epsilon keeps a product that should be whole (7 × 1 × 1) from flooring below itself.
  return Math.max(1, Math.floor(raw + 1e-9));
}

export const INSPECTION_URGENCIES = ['overdue', 'due_today', 'due_soon', 'scheduled'] as const;
export type InspectionUrgency = (typeof INSPECTION_URGENCIES)[number];
/** Due within fewer days than this (and not today): due soon. */
export const DUE_SOON_DAYS = 3;

/** Overdue before today; due today (< 1 day away); due soon (< 3 days); scheduled after that. */
export function inspectionUrgency(due: string, today: string): InspectionUrgency {
  const days = daysBetween(today, due);
  return days < 0 ? 'overdue' : days < 1 ? 'due_today' : days < DUE_SOON_DAYS ? 'due_soon' : 'scheduled';
}

export interface NextInspection {
  /** Farm-local day the next inspection is due. */
  due: string;
  /** Null when never inspected: the first inspection is due at once. */
  intervalDays: number | null;
  /** Days from today to the due day (negative: overdue). */
  daysUntil: number;
  urgency: InspectionUrgency;
}

/**
 * When a plant, run or location is next due for inspection: never inspected, today (at once); else the last
 * inspection's day plus the interval from the current phase and the pressure that inspection found.
 */
export function nextInspection(input: {
  today: string;
  lastInspectedOn: string | null;
  lastPressure: PressureLevel | null;
  phaseKey: string | null;
}): NextInspection {
  if (input.lastInspectedOn === null)
    return { due: input.today, intervalDays: null, daysUntil: 0, urgency: inspectionUrgency(input.today, input.today) };
  const intervalDays = inspectionIntervalDays(input.phaseKey, input.lastPressure);
  const due = addDays(input.lastInspectedOn, intervalDays);
  return { due, intervalDays, daysUntil: daysBetween(input.today, due), urgency: inspectionUrgency(due, input.today) };
}

/** The key of an inspection task: one per target and due day, so the daily job makes each once. */
export const inspectionTaskKey = (target: ApplicationTarget, due: string): string =>
  `inspect:${target.kind}:${target.id}:${due}`;
