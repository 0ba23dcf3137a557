/**
 * Watering schedules: on which farm-local days a run is watered, the tasks the daily job makes, the
 * pump run a schedule of the schedules module carries out, and a volume to start from. Pure: days are
 * farm-local calendar days (YYYY-MM-DD), so daylight saving never moves one; "now" comes in.
 *
 * Weekdays are cron's (the schedules module's): 0 = Sunday … 6 = Saturday (see "Weekdays" in
 * docs/architecture.md). Kamerplanter numbers them from Monday; Croft does not.
 */

export const WATERING_CHANNELS = ['fertigation', 'drench', 'foliar', 'top_dress'] as const;
export type WateringChannel = (typeof WATERING_CHANNELS)[number];

export const WATERING_MODES = ['weekdays', 'interval'] as const;
export type WateringMode = (typeof WATERING_MODES)[number];

/** When a run is watered: on weekdays (0 = Sunday … 6 = Saturday) or every N days after the last watering. */
export type WateringRule =
  { mode: 'weekdays'; weekdays: readonly number[] } | { mode: 'interval'; intervalDays: number };

/** How long a day of waterings lasts: several a day are spread evenly from the preferred time over this. */
export const SPREAD_MINUTES = 12 * 60;

const DAY_MS = 86_400_000;

const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** The calendar day `n` days after `day`. */
export const addDays = (day: string, n: number): string => new Date(dayMs(day) + n * DAY_MS).toISOString().slice(0, 10);

/** Whole days from `a` to `b` (negative when b is earlier). */
export const daysBetween = (a: string, b: string): number => Math.round((dayMs(b) - dayMs(a)) / DAY_MS);

/** A calendar day's weekday: 0 = Sunday … 6 = Saturday (cron's numbers). */
export const weekdayOf = (day: string): number => new Date(dayMs(day)).getUTCDay();

/** Minutes since local midnight of "HH:MM". */
export const minuteOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/**
 * Whether the rule waters on `day`: weekdays — the day's weekday is listed; interval — never watered,
 * or at least N days since the last watering (`lastWatered`, a farm-local day).
 */
export function isDueOn(rule: WateringRule, day: string, lastWatered: string | null): boolean {
  if (rule.mode === 'weekdays') return rule.weekdays.includes(weekdayOf(day));
  return lastWatered === null || daysBetween(lastWatered, day) >= rule.intervalDays;
}

/**
 * The times of a day's waterings: the first at the preferred time, the others spread evenly over the
 * 12 hours from it (2 a day from 08:00: 08:00 and 14:00; 4: 08:00, 11:00, 14:00, 17:00). Later than
 * midnight wraps to the early hours (of the next day).
 */
export function wateringTimes(preferred: string, timesPerDay: number): string[] {
  const first = minuteOf(preferred);
  const gap = SPREAD_MINUTES / timesPerDay;
  return Array.from({ length: timesPerDay }, (_, i) => hhmm((first + Math.round(i * gap)) % 1440));
}

export interface TaskDaysInput {
  rule: WateringRule;
  /** The last watering logged on this run and channel (farm-local day), or null. */
  lastWatered: string | null;
  /** The schedule's first day: nothing is due before it (an interval never watered is due from it). */
  startsOn: string;
  /** The farm-local day and minute of now. */
  today: string;
  nowMinute: number;
  preferredTime: string;
  reminderHoursBefore: number;
}

/**
 * The days whose watering task the daily job makes now. A day's task exists from the start of that
 * day, or earlier by the reminder hours before its preferred time (at most 48 h: two days ahead).
 *
 * - weekdays: each due day from today on whose task may exist by now;
 * - interval: the one next due day, the first day on which {@link isDueOn} holds — the start day when
 *   never watered, else N days after the last watering. A due day already passed stays its own day
 *   (the task is overdue, not made again for today).
 */
export function taskDays(input: TaskDaysInput): string[] {
  const { rule, today } = input;
  const opened = (day: string) =>
    day <= today ||
    daysBetween(today, day) * 1440 + minuteOf(input.preferredTime) - input.reminderHoursBefore * 60 <= input.nowMinute;
  if (rule.mode === 'interval') {
    const due = input.lastWatered === null ? input.startsOn : addDays(input.lastWatered, rule.intervalDays);
    const day = due < input.startsOn ? input.startsOn : due;
    return opened(day) ? [day] : [];
  }
  const out: string[] = [];
  for (let ahead = 0; ahead <= 2; ahead++) {
    const day = addDays(today, ahead);
    if (day >= input.startsOn && isDueOn(rule, day, input.lastWatered) && opened(day)) out.push(day);
  }
  return out;
}

/** The longest every-N-days interval (N is 1–90). */
export const MAX_INTERVAL_DAYS = 90;

/** The idempotency key of a run's watering task on a day: one per run, channel and date. */
export const wateringKey = (runId: string, channel: string, day: string) => `watering:${runId}:${channel}:${day}`;

/** A pump's run as the schedules module's duration schedule has it (window on the listed weekdays). */
export interface PumpSpec {
  on_s: number;
  off_s: number;
  repeat: number;
  window: { start: string; hours: number; days: number[] };
}

/**
 * The duration schedule that runs a pump `runS` seconds at each watering time of the listed weekdays:
 * a window of 12 hours from the preferred time on those days, `timesPerDay` cycles in it (on for runS,
 * off for the rest of the gap), so the pump is on exactly at {@link wateringTimes}.
 */
export function pumpSpec(input: {
  weekdays: number[];
  preferredTime: string;
  timesPerDay: number;
  runS: number;
}): PumpSpec {
  const gapS = (SPREAD_MINUTES * 60) / input.timesPerDay;
  return {
    on_s: input.runS,
    off_s: Math.round(gapS - input.runS),
    repeat: input.timesPerDay,
    window: { start: input.preferredTime, hours: SPREAD_MINUTES / 60, days: [...input.weekdays].sort((a, b) => a - b) },
  };
}

/** The longest pump run, so that even 6 waterings a day (2 h apart) each end before the next. */
export const MAX_RUN_S = 3600;

// Volume

/** Share of the container's volume given per watering, by phase (the rest of the pot stays moist). */
export const PHASE_SHARE: Record<string, number> = {
  germination: 0.1,
  seedling: 0.1,
  vegetative: 0.15,
  flowering: 0.2,
  ripening: 0.15,
  flushing: 0.3,
  dormancy: 0.05,
};
/** A phase not in the table. */
export const DEFAULT_SHARE = 0.15;
/** Per plant per watering when no container volume is known (Kamerplanter's phase model default, 250 ml). */
export const DEFAULT_PER_PLANT_L = 0.25;
/** Days between waterings of the shipped default phases (Kamerplanter's species.yaml default_phases). */
export const PHASE_INTERVAL_DAYS: Record<string, number> = {
  seedling: 2,
  vegetative: 3,
  flowering: 2,
  flushing: 1,
  ripening: 2,
};

export interface VolumeInput {
  /** The container's volume per plant (litres), when known. */
  containerL: number | null;
  plants: number;
  phaseKey: string | null;
  /** The species' watering guide (days), when it has one. */
  speciesIntervalDays: number | null;
}

export interface VolumeSuggestion {
  per_plant_l: number;
  total_l: number;
  share: number | null;
  interval_days: number | null;
  basis: 'container' | 'default';
  rule: string;
}

const round = (x: number, places = 2) => Math.round(x * 10 ** places) / 10 ** places;

/**
 * A volume to start from: per plant, the phase's share of the container's volume (10 % seedling …
 * 20 % flowering, 30 % flushing to rinse the medium; 15 % otherwise) — without a known container,
 * 0.25 L; in all, that times the plants. The interval: the species' watering guide, else the phase's.
 */
export function suggestVolume(input: VolumeInput): VolumeSuggestion {
  const share = input.phaseKey ? (PHASE_SHARE[input.phaseKey] ?? DEFAULT_SHARE) : DEFAULT_SHARE;
  const known = input.containerL !== null && input.containerL > 0;
  const perPlant = known ? input.containerL! * share : DEFAULT_PER_PLANT_L;
  return {
    per_plant_l: round(perPlant),
    total_l: round(perPlant * input.plants),
    share: known ? share : null,
    interval_days: input.speciesIntervalDays ?? (input.phaseKey ? (PHASE_INTERVAL_DAYS[input.phaseKey] ?? null) : null),
    basis: known ? 'container' : 'default',
    rule: known
      ? `${Math.round(share * 100)} % of the ${round(input.containerL!)} L container per plant in phase ${input.phaseKey ?? 'unknown'}`
      : `${DEFAULT_PER_PLANT_L} L per plant: no container volume is known`,
  };
}
