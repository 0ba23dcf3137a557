import { checkTransition, type PhaseRules, type SequenceRules } from './phases.engine.js';

/**
 * The growth clock: growing degree days from a location's daily temperature rollups, day length,
 * dormancy, and which automatic phase move (if any) is due. Pure: days and instants come in as arguments.
 *
 * Days are farm-local calendar days written `YYYY-MM-DD`; stepping through them is date arithmetic on the
 * calendar (done in UTC, where every day has 24 hours), never time-zone arithmetic. Only
 * `firstFullDayInPhase` and `localDay` turn an instant into a farm-local day.
 */

/** One farm-local day of a temperature series, from the daily rollups. */
export interface DailyTemperature {
  /** YYYY-MM-DD, farm-local. */
  day: string;
  min: number;
  max: number;
  mean: number;
  /** How many hourly buckets of the day had readings (23 or 25 on a daylight-saving day). */
  hours: number;
}

/** A day with fewer hourly buckets than this is missing: its min and max are not trusted (issue 19). */
export const MIN_HOURS_PER_DAY = 20;
/** Dormancy needs this many qualifying days in a row (crops-corrections.md item 23). */
export const DORMANCY_RUN_DAYS = 7;

/** GDD are kept to a millionth of a degree-day, so floating-point noise never decides a threshold. */
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * One day's growing degree days, simple average method: max(0, (Tmax + Tmin)/2 − Tbase).
 *
 * The optional upper cap (a per-species choice, crops-corrections.md item 22) counts any temperature
 * above it, Tmax or Tmin, as the cap: above it growth no longer speeds up. There is deliberately no lower
 * floor that lifts Tmin to Tbase (the "modified" method): a cold night lowers the day's average, and the
 * max(0, …) keeps a cold day from taking degree days away. Rounded to 1e-6.
 */
export function dailyGdd(min: number, max: number, base: number, upperCap: number | null): number {
  const hi = upperCap === null ? max : Math.min(max, upperCap);
  const lo = upperCap === null ? min : Math.min(min, upperCap);
  return round6(Math.max(0, (hi + lo) / 2 - base));
}

export interface GddDay {
  day: string;
  gdd: number;
  min: number;
  max: number;
}

export interface GddSum {
  total: number;
  counted: GddDay[];
  /** Days without a trusted rollup: absent, or fewer than `minHours` hourly buckets. */
  missing: string[];
}

/**
 * Growing degree days accumulated over every farm-local day from `from` to `through` inclusive. A day
 * absent from `days`, or with fewer than `minHours` (default 20) hourly buckets, or without a finite min
 * and max, is missing: reported, and counted neither as zero nor as a full day. `from` after `through`
 * gives nothing. When `days` holds a day twice, the last one counts.
 */
export function accumulateGdd(input: {
  days: DailyTemperature[];
  from: string;
  through: string;
  base: number;
  upperCap: number | null;
  minHours?: number;
}): GddSum {
  const minHours = input.minHours ?? MIN_HOURS_PER_DAY;
  const byDay = new Map(input.days.map((d) => [d.day, d]));
  const counted: GddDay[] = [];
  const missing: string[] = [];
  let total = 0;
  const last = dayNumber(input.through);
  for (let n = dayNumber(input.from); n <= last; n++) {
    const day = dayString(n);
    const t = byDay.get(day);
    if (!t || !(t.hours >= minHours) || !Number.isFinite(t.min) || !Number.isFinite(t.max)) {
      missing.push(day);
      continue;
    }
    const gdd = dailyGdd(t.min, t.max, input.base, input.upperCap);
    total += gdd;
    counted.push({ day, gdd, min: t.min, max: t.max });
  }
  return { total: round6(total), counted, missing };
}

// Calendar days

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a calendar day `YYYY-MM-DD` (a RangeError for anything else, e.g. 2026-02-30). */
function dayNumber(day: string): number {
  const m = DAY_PATTERN.exec(day);
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (dayString(ms / MS_PER_DAY) === day) return ms / MS_PER_DAY;
  }
  throw new RangeError(`Not a calendar day (YYYY-MM-DD): "${day}"`);
}

function dayString(n: number): string {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The calendar day `n` days after `day` (before, when negative). */
export function addDays(day: string, n: number): string {
  return dayString(dayNumber(day) + n);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The farm-local calendar day of an instant in an IANA time zone (a RangeError for an unknown zone). */
export function localDay(at: Date, timeZone: string): string {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/**
 * The first farm-local day the plant spent whole in its phase: the day after the phase began, or the
 * day it began when it began at the very start of that local day. "The start of the day" is the first
 * instant whose local date is that day — midnight, or 01:00 where daylight saving skips midnight
 * (America/Santiago, America/Havana) — so the test is "the millisecond before was another local day".
 */
export function firstFullDayInPhase(phaseStartedAt: Date, timeZone: string): string {
  const day = localDay(phaseStartedAt, timeZone);
  const before = localDay(new Date(phaseStartedAt.getTime() - 1), timeZone);
  return before === day ? addDays(day, 1) : day;
}

// Day length

/** Sunrise and sunset are when the top of the sun's disk is at the horizon, with refraction (degrees). */
const SUN_BELOW_HORIZON_DEG = 0.8333;

/**
 * Hours from sunrise to sunset at a latitude (degrees, north positive) on a calendar day: the CBM model of
 * Forsythe et al. (1995), "A model comparison for daylength as a function of latitude and day of year",
 * Ecological Modelling 80, with p = 0.8333° (top of the disk, refraction). Within a few minutes of almanac
 * values below the polar circles; 24 in polar day, 0 in polar night.
 */
export function dayLengthHours(latitude: number, day: string): number {
  if (!(latitude >= -90 && latitude <= 90)) throw new RangeError(`Latitude out of range: ${latitude}`);
  const n = dayNumber(day);
  const dayOfYear = n - dayNumber(`${day.slice(0, 4)}-01-01`) + 1;
  const rad = Math.PI / 180;
  // Revolution angle from the day of the year, then the sun's declination.
  const theta = 0.2163108 + 2 * Math.atan(0.9671396 * Math.tan(0.0086 * (dayOfYear - 186)));
  const declination = Math.asin(0.39795 * Math.cos(theta));
  const cosHourAngle =
    (Math.sin(SUN_BELOW_HORIZON_DEG * rad) + Math.sin(latitude * rad) * Math.sin(declination)) /
    (Math.cos(latitude * rad) * Math.cos(declination));
  // Beyond ±1 the sun never sets (polar day) or never rises (polar night); at the poles cos(latitude) is 0.
  const clamped = Math.min(1, Math.max(-1, cosHourAngle));
  return 24 - (24 / Math.PI) * Math.acos(clamped);
}

// Dormancy

export interface DormancyState {
  reached: boolean;
  /** Qualifying days in a row ending at `through`, counted up to `run`. */
  streak: number;
  /**
   * What made the run when reached: `temperature` (every day was cold), `day_length` (every day was
   * short), `both` (every day was both, or the run needed both: some days only cold, others only short).
   */
  trigger: 'temperature' | 'day_length' | 'both' | null;
}

/**
 * Whether dormancy is reached on `through` (crops-corrections.md item 23): the `run` (default 7) days
 * ending at `through` all qualify. A day qualifies when its mean is below the base temperature, or — with
 * a critical day length and a latitude — its day length is below the critical length. A day without a
 * trusted temperature (absent, or fewer than `minHours` hourly buckets, as for GDD) qualifies only by day
 * length.
 */
export function dormancyReached(input: {
  days: DailyTemperature[];
  through: string;
  baseTempC: number;
  criticalDayLengthH: number | null;
  latitude: number | null;
  run?: number;
  minHours?: number;
}): DormancyState {
  const run = input.run ?? DORMANCY_RUN_DAYS;
  if (!Number.isInteger(run) || run < 1) throw new RangeError(`A dormancy run is a whole number of days ≥ 1: ${run}`);
  const minHours = input.minHours ?? MIN_HOURS_PER_DAY;
  const byDay = new Map(input.days.map((d) => [d.day, d]));
  const { criticalDayLengthH: critical, latitude } = input;
  let streak = 0;
  let allCold = true;
  let allShort = true;
  for (; streak < run; streak++) {
    const day = addDays(input.through, -streak);
    const t = byDay.get(day);
    const cold = t !== undefined && t.hours >= minHours && t.mean < input.baseTempC;
    const short = critical !== null && latitude !== null && dayLengthHours(latitude, day) < critical;
    if (!cold && !short) break;
    allCold &&= cold;
    allShort &&= short;
  }
  if (streak < run) return { reached: false, streak, trigger: null };
  return {
    reached: true,
    streak,
    trigger: allCold && !allShort ? 'temperature' : allShort && !allCold ? 'day_length' : 'both',
  };
}

// Automatic moves

export type AutoReason = 'auto_days' | 'auto_gdd' | 'auto_dormancy';

export interface AutoMove {
  to: string;
  reason: AutoReason;
  /** `restart` when entering dormancy starts a new perennial cycle (the caller increments the cycle). */
  kind: 'forward' | 'restart';
}

const DORMANCY_PHASE = 'dormancy';

/**
 * The automatic move due today, if any. The daily job asks once per farm-local day, so "the first rule
 * reached wins" holds: a rule reached on an earlier day already moved the plant on that day.
 *
 * 1. Dormancy first: when the sequence requires dormancy and has a `dormancy` phase, the plant is not in
 *    it, dormancy is reached, and entering it is a legal unforced move (forward, or the perennial restart
 *    from the terminal phase) → `auto_dormancy`.
 * 2. No move from a terminal phase, nor when there is no next phase.
 * 3. The GDD rule (the phase has a GDD threshold and the sum reached it) → `auto_gdd`.
 * 4. The day rule (the phase has a day count and the plant has been in it that long) → `auto_days`.
 * A threshold or day count ≤ 0 is no rule (validation refuses them; a 0 would move every plant at once).
 */
export function autoMove(input: {
  phase: PhaseRules;
  next: PhaseRules | null;
  daysInPhase: number;
  gdd: { total: number } | null;
  sequence: SequenceRules;
  dormancy: { reached: boolean } | null;
  currentKey: string;
}): AutoMove | null {
  const { phase, next, sequence, currentKey } = input;
  if (
    sequence.dormancyRequired &&
    input.dormancy?.reached === true &&
    currentKey !== DORMANCY_PHASE &&
    sequence.phases.some((p) => p.key === DORMANCY_PHASE)
  ) {
    const check = checkTransition({ sequence, current: { key: currentKey }, target: DORMANCY_PHASE, force: false });
    if (check.ok && (check.kind === 'forward' || check.kind === 'restart')) {
      return { to: DORMANCY_PHASE, reason: 'auto_dormancy', kind: check.kind };
    }
  }
  if (phase.terminal || next === null) return null;
  // Both rules reached on the same day: GDD wins, as the measure of the plant's actual development
  // (the day count is the fallback for when the weather is not known).
  if (phase.gdd !== null && phase.gdd > 0 && input.gdd !== null && input.gdd.total >= phase.gdd) {
    return { to: next.key, reason: 'auto_gdd', kind: 'forward' };
  }
  if (phase.days !== null && phase.days > 0 && input.daysInPhase >= phase.days) {
    return { to: next.key, reason: 'auto_days', kind: 'forward' };
  }
  return null;
}
