import { startOfLocalDay } from '../../platform/time-zones.js';
import { addDays, firstFullDayInPhase } from './growth.engine.js';
import { nextPhase, wholeDaysBetween, type PhaseRules } from './phases.engine.js';

/**
 * When a plant is expected to enter its next phases by the phases' day rules — what a calendar shows
 * ahead. Pure: the instant the current phase began and the farm's time zone come in as arguments.
 */

/** One expected phase change: the plant enters `to` at the start of the farm-local day `on`. */
export interface ExpectedChange {
  from: string;
  to: string;
  /** YYYY-MM-DD, farm-local: the first day spent in `to`. */
  on: string;
}

/** How many phases ahead one plant is followed at most. */
const MAX_AHEAD = 20;

/**
 * The day a plant that entered a phase with a day rule of `days` at `startedAt` moves on, as the daily
 * growth job moves it: the job judges each closed local day D, and moves the plant at the start of D + 1
 * once the whole 24-hour periods from `startedAt` to that instant reach `days`. So the answer is the first
 * local day whose start is at least `days` whole days after `startedAt` (a short or long daylight-saving
 * day can shift it by one).
 */
export function dayRuleReached(startedAt: Date, days: number, timeZone: string): string {
  let day = addDays(firstFullDayInPhase(startedAt, timeZone), days - 1);
  while (wholeDaysBetween(startedAt, startOfLocalDay(day, timeZone)) < days) day = addDays(day, 1);
  return day;
}

/**
 * The phase changes a plant is expected to make through the local day `through`, following its
 * sequence phase by phase from the current one: each phase with a day rule leads to the next phase on the
 * day the rule is reached, and that phase is then followed from the start of that day. Following stops at
 * a terminal phase, at the end of the sequence, at a phase without a day rule (a growing-degree-day rule
 * alone, or none: its date cannot be told ahead), past `through`, or after 20 changes.
 *
 * A phase that has a growing-degree-day rule besides its day rule may end earlier (the daily job takes
 * whichever is reached first); the day rule's date is the latest expected. Dormancy, which the weather
 * decides, is not foreseen.
 */
export function expectedChanges(input: {
  sequence: { phases: readonly PhaseRules[] };
  currentKey: string;
  startedAt: Date;
  timeZone: string;
  /** YYYY-MM-DD, farm-local: the last day to look at. */
  through: string;
}): ExpectedChange[] {
  const { sequence, timeZone, through } = input;
  const changes: ExpectedChange[] = [];
  let phase = sequence.phases.find((p) => p.key === input.currentKey);
  let startedAt = input.startedAt;
  while (phase && changes.length < MAX_AHEAD) {
    if (phase.terminal || phase.days === null || phase.days <= 0) break;
    const next = nextPhase(sequence, phase.key);
    if (!next) break;
    const on = dayRuleReached(startedAt, phase.days, timeZone);
    if (on > through) break;
    changes.push({ from: phase.key, to: next.key, on });
    phase = next;
    startedAt = startOfLocalDay(on, timeZone);
  }
  return changes;
}
