/**
 * Nutrient plans' rules (crops.md "Nutrition and water", crops-corrections.md item 15): a plan's phase
 * entries cover inclusive week ranges within 1–52, per delivery channel; the next entry of a channel
 * starts the week after the one before ends, and the first starts at week 1. Unlike Kamerplanter's
 * check, a shared boundary week is an overlap and consecutive inclusive ranges (1–2, 3–4) leave no gap.
 * Pure: no I/O, no clock.
 */
import type { Problem } from './fertilizers.engine.js';
import type { Channel } from './fertilizers.tables.js';

export const SUBSTRATES = ['hydro', 'coco', 'soil', 'rockwool', 'clay_pebbles', 'perlite', 'living_soil'] as const;
export type Substrate = (typeof SUBSTRATES)[number];
export const MAX_WEEK = 52;

/** What the week rules read of an entry: its range and the channels it speaks for. */
export interface EntryWeeks {
  /** The entry's place in the plan (0-based). */
  position: number;
  phase: string;
  week_start: number;
  week_end: number;
  channels: ReadonlyArray<{ channel: Channel }>;
}

export type PlanProblemKind = 'late_start' | 'gap' | 'overlap';

export interface PlanProblem {
  kind: PlanProblemKind;
  /** Every week the problem covers, in order. */
  weeks: number[];
  /** The entries (positions) it is between; one for a late start. */
  entries: number[];
  message: string;
}

export interface ChannelReport {
  channel: Channel;
  problems: PlanProblem[];
}

export interface PlanReport {
  valid: boolean;
  /** Problems of the plan as a whole (no entries). */
  problems: string[];
  /** Each channel the plan uses, in the channels' order. */
  channels: ChannelReport[];
}

const CHANNEL_ORDER: readonly Channel[] = ['fertigation', 'drench', 'foliar', 'top_dress'];
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const weeksText = (weeks: number[]) =>
  weeks.length === 1 ? `week ${weeks[0]}` : `weeks ${weeks[0]}–${weeks[weeks.length - 1]}`;
/** "week 3 has" / "weeks 7–8 have". */
const weeksHave = (weeks: number[], one: string, many: string) =>
  `${weeksText(weeks)} ${weeks.length === 1 ? one : many}`;

/**
 * Checks one channel's entries: sorted by start (then end), each must start the week after the
 * furthest end before it. A later start leaves a gap (a late start before the first entry); an earlier
 * one shares weeks with the entry that reached furthest.
 */
export function checkChannel(entries: readonly EntryWeeks[]): PlanProblem[] {
  const sorted = [...entries].sort((a, b) => a.week_start - b.week_start || a.week_end - b.week_end);
  const problems: PlanProblem[] = [];
  let reached = 0;
  let reachedBy: number | undefined;
  for (const entry of sorted) {
    if (entry.week_start > reached + 1) {
      const weeks = range(reached + 1, entry.week_start - 1);
      problems.push(
        reachedBy === undefined
          ? {
              kind: 'late_start',
              weeks,
              entries: [entry.position],
              message: `starts at week ${entry.week_start}: ${weeksHave(weeks, 'has', 'have')} no entry`,
            }
          : {
              kind: 'gap',
              weeks,
              entries: [reachedBy, entry.position],
              message: `${weeksHave(weeks, 'has', 'have')} no entry (next start must be previous end + 1)`,
            },
      );
    } else if (reachedBy !== undefined && entry.week_start <= reached) {
      const weeks = range(entry.week_start, Math.min(entry.week_end, reached));
      problems.push({
        kind: 'overlap',
        weeks,
        entries: [reachedBy, entry.position],
        message: `${weeksHave(weeks, 'belongs', 'belong')} to two entries (next start must be previous end + 1)`,
      });
    }
    if (entry.week_end > reached) {
      reached = entry.week_end;
      reachedBy = entry.position;
    }
  }
  return problems;
}

/** The plan's report: per channel it uses, each gap, shared week and late start with its weeks. */
export function validatePlan(entries: readonly EntryWeeks[]): PlanReport {
  if (entries.length === 0) return { valid: false, problems: ['the plan has no entries'], channels: [] };
  const used = CHANNEL_ORDER.filter((c) => entries.some((e) => e.channels.some((x) => x.channel === c)));
  const channels = used.map((channel) => ({
    channel,
    problems: checkChannel(entries.filter((e) => e.channels.some((x) => x.channel === channel))),
  }));
  return { valid: channels.every((c) => c.problems.length === 0), problems: [], channels };
}

/** What a write's entries may not be, whatever the plan's coverage: a range backwards, a channel twice. */
export function entryProblems(
  entries: ReadonlyArray<{
    week_start: number;
    week_end: number;
    channels: ReadonlyArray<{ channel: Channel; dosages?: ReadonlyArray<{ fertilizer_id: string }> | undefined }>;
  }>,
): Problem[] {
  const problems: Problem[] = [];
  entries.forEach((entry, i) => {
    if (entry.week_end < entry.week_start)
      problems.push({
        field: `entries[${i}].week_end`,
        message: `must not be before week_start (${entry.week_start})`,
      });
    const seen = new Set<Channel>();
    entry.channels.forEach((c, j) => {
      if (seen.has(c.channel))
        problems.push({ field: `entries[${i}].channels[${j}].channel`, message: 'is named twice in this entry' });
      seen.add(c.channel);
      const fertilizers = new Set<string>();
      (c.dosages ?? []).forEach((d, k) => {
        if (fertilizers.has(d.fertilizer_id))
          problems.push({
            field: `entries[${i}].channels[${j}].dosages[${k}].fertilizer_id`,
            message: 'is dosed twice in this channel',
          });
        fertilizers.add(d.fertilizer_id);
      });
    });
  });
  return problems;
}

/** What the dosage rules read of a fertilizer. */
export interface DosedFertilizer {
  product: string;
  tank_safe: boolean;
}

/**
 * The dosages' fertilizers: each must be one the farm sees, and a product that is not tank-safe is
 * never dosed in the fertigation channel.
 */
export function dosageProblems(
  entries: ReadonlyArray<{
    channels: ReadonlyArray<{ channel: Channel; dosages?: ReadonlyArray<{ fertilizer_id: string }> | undefined }>;
  }>,
  fertilizers: ReadonlyMap<string, DosedFertilizer>,
): Problem[] {
  const problems: Problem[] = [];
  entries.forEach((entry, i) =>
    entry.channels.forEach((c, j) =>
      (c.dosages ?? []).forEach((d, k) => {
        const field = `entries[${i}].channels[${j}].dosages[${k}].fertilizer_id`;
        const f = fertilizers.get(d.fertilizer_id);
        if (!f) problems.push({ field, message: 'no such fertilizer in this farm' });
        else if (!f.tank_safe && c.channel === 'fertigation')
          problems.push({ field, message: `${f.product} is not tank-safe: never for fertigation` });
      }),
    ),
  );
  return problems;
}

const MS_PER_WEEK = 7 * 86_400_000;

/** A run's plan week: whole weeks since it started, plus one; null before it started (or never did). */
export function runWeek(startedAt: Date | null, now: Date): number | null {
  if (!startedAt || now.getTime() < startedAt.getTime()) return null;
  return Math.floor((now.getTime() - startedAt.getTime()) / MS_PER_WEEK) + 1;
}

/** The entries whose inclusive range holds `week`, in plan order. */
export function entriesInWeek<E extends { week_start: number; week_end: number; position: number }>(
  entries: readonly E[],
  week: number,
): E[] {
  return entries.filter((e) => e.week_start <= week && week <= e.week_end).sort((a, b) => a.position - b.position);
}
