import { Cron } from 'croner';
import { localTime } from '../../platform/time-zones.js';

/**
 * When schedules fire, and what conditions decide. Pure: times are epoch milliseconds passed in;
 * local times are read in the farm's IANA zone. Daylight saving: a local time that does not exist
 * fires at the next valid moment; one that happens twice fires once (the first time).
 *
 * A daily window is wall-clock time: `{start, end}` or `{start, hours}`. An end at or before its start
 * is on the next local day (18:00 → 06:00), and "24:00" is the next local midnight. Its length is
 * counted on the clock, not in real hours, so 12 h from 18:00 ends at 06:00 local also on a night of
 * 23 or 25 hours (lights go off when the grower expects them to). 24 h holds all day: the action at the
 * start each day and never its undoing; 0 h never holds: the undoing at the start each day (the
 * channel is kept off) and never the action. A day whose window lies wholly in the hour daylight
 * saving skips (02:00–02:30 on a spring-forward night) has no window that day.
 */

export type ScheduleAction = 'on' | 'off' | 'toggle' | 'set_value';

export interface Firing {
  at: number;
  action: ScheduleAction;
  value?: number | undefined;
}

/**
 * A daily window: until `end` (HH:MM, "24:00" for midnight; earlier than start: the next day), or for `hours` (0–24);
 * with `days`, only on those weekdays (0 = Sunday … 6 = Saturday, as in cron; the day it starts).
 */
export type Window = ({ start: string; end: string } | { start: string; hours: number }) & {
  days?: number[] | undefined;
};

export type TimeSpec = { cron: string } | Window;

export interface DurationSpec {
  on_s: number;
  off_s: number;
  /** Cycles per window (per day), or in all when there is no window; absent: forever. */
  repeat?: number | undefined;
  window?: Window | undefined;
}

export type Operator = '>' | '>=' | '<' | '<=';

export interface Leaf {
  device: string;
  metric: string;
  operator: Operator;
  value: number;
  for_s?: number | undefined;
}

export type Condition = Leaf | { all: Condition[] } | { any: Condition[] } | { not: Condition[] };

export interface ConditionSpec {
  condition: Condition;
  hysteresis?: number | undefined;
  min_hold_s?: number | undefined;
  max_age_s?: number | undefined;
}

export interface TimedSchedule {
  kind: 'time' | 'duration';
  action: ScheduleAction;
  value?: number | undefined;
  spec: TimeSpec | DurationSpec;
  /** Cycles without a window count from here. */
  anchor: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** A window's end: HH:MM, or 24:00 for the midnight that ends the day. */
const END = /^(([01]\d|2[0-3]):([0-5]\d)|24:00)$/;
const DAY_MS = 86_400_000;
const DAY_MIN = 1440;

/** Minutes since local midnight of HH:MM (24:00 is 1440). */
const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** A window as its start (minute of the local day) and its length in wall-clock minutes, 0 to 1440. */
function span(w: Window): { start: number; minutes: number } {
  const start = minuteOf(w.start);
  if ('hours' in w) return { start, minutes: Math.min(DAY_MIN, Math.max(0, Math.round(w.hours * 60))) };
  const end = minuteOf(w.end);
  return { start, minutes: end > start ? end - start : end + DAY_MIN - start };
}

/** What undoes an action at the end of a window or an on-period. */
export function inverse(action: ScheduleAction): ScheduleAction {
  return action === 'off' ? 'on' : 'off';
}

export type SpecProblem = { field: string; message: string };

/** Checks a kind's settings; returns the problems in words (empty when fine). */
export function checkSpec(
  kind: 'time' | 'duration' | 'condition',
  action: ScheduleAction,
  spec: Record<string, unknown>,
  zone: string,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const window = (w: unknown, field: string) => {
    const { start, end, hours } = (w ?? {}) as { start?: unknown; end?: unknown; hours?: unknown };
    const startOk = typeof start === 'string' && HHMM.test(start);
    if (!startOk) problems.push({ field: `${field}.start`, message: 'must be HH:MM (00:00 to 23:59)' });
    if (end !== undefined && hours !== undefined)
      problems.push({ field: `${field}.hours`, message: 'cannot be given with end (one or the other)' });
    else if (hours !== undefined) {
      if (typeof hours !== 'number' || !(hours >= 0 && hours <= 24))
        problems.push({ field: `${field}.hours`, message: 'must be a number of hours from 0 to 24' });
      else if (Math.abs(hours * 60 - Math.round(hours * 60)) > 1e-9)
        problems.push({ field: `${field}.hours`, message: 'must come to whole minutes (12.5 is 12 h 30 min)' });
    } else if (typeof end !== 'string' || !END.test(end))
      problems.push({ field: `${field}.end`, message: 'must be HH:MM (24:00 for midnight), or give hours instead' });
    else if (startOk && minuteOf(end) === minuteOf(start as string))
      problems.push({ field: `${field}.end`, message: 'must differ from start (all day or never: hours 24 or 0)' });
    const { days } = (w ?? {}) as { days?: unknown };
    if (
      days !== undefined &&
      !(
        Array.isArray(days) &&
        days.length >= 1 &&
        days.every((d) => Number.isInteger(d) && d >= 0 && d <= 6) &&
        new Set(days).size === days.length
      )
    )
      problems.push({ field: `${field}.days`, message: 'must list weekdays 0 (Sunday) to 6 (Saturday), each once' });
    if (action === 'toggle')
      problems.push({ field: 'body.action', message: 'a window switches on and off again: use on, off or set_value' });
  };
  if (kind === 'time') {
    if (typeof spec.cron === 'string') {
      try {
        new Cron(spec.cron, { timezone: zone, paused: true });
      } catch (error) {
        problems.push({ field: 'body.cron', message: `does not parse: ${(error as Error).message}` });
      }
    } else if (spec.start !== undefined || spec.end !== undefined || spec.hours !== undefined) window(spec, 'body');
    else
      problems.push({
        field: 'body.cron',
        message: 'a time schedule needs a cron expression, or a start with an end or hours',
      });
  } else if (kind === 'condition') {
    problems.push(...checkCondition(spec.condition, 'body.condition'));
    for (const key of ['hysteresis', 'min_hold_s', 'max_age_s'] as const) {
      if (spec[key] !== undefined && !(typeof spec[key] === 'number' && spec[key] >= 0))
        problems.push({ field: `body.${key}`, message: 'must be a number ≥ 0' });
    }
  } else if (kind === 'duration') {
    if (!(typeof spec.on_s === 'number' && spec.on_s >= 1))
      problems.push({ field: 'body.on_s', message: 'must be at least 1 second' });
    if (!(typeof spec.off_s === 'number' && spec.off_s >= 1))
      problems.push({ field: 'body.off_s', message: 'must be at least 1 second' });
    if (action === 'off' || action === 'toggle')
      problems.push({ field: 'body.action', message: 'a duration cycle switches on (or to a value) and off again' });
    if (spec.window !== undefined) window(spec.window, 'body.window');
  }
  return problems;
}

const OPERATORS = ['>', '>=', '<', '<='];

/** A condition tree: `all` / `any` / `not` of leaves `{device, metric, operator, value, for_s?}`, at most 4 deep and 50 leaves. */
export function checkCondition(c: unknown, field: string, depth = 0): SpecProblem[] {
  if (typeof c !== 'object' || c === null || Array.isArray(c))
    return [{ field, message: 'must be {"all"|"any"|"not": […]} or {device, metric, operator, value}' }];
  const node = c as Record<string, unknown>;
  const group = (['all', 'any', 'not'] as const).find((k) => k in node);
  if (group) {
    const list = node[group];
    if (depth >= 4) return [{ field, message: 'is nested too deep (at most 4 levels)' }];
    if (!Array.isArray(list) || list.length === 0 || list.length > 50)
      return [{ field: `${field}.${group}`, message: 'must list 1 to 50 conditions' }];
    return list.flatMap((child, i) => checkCondition(child, `${field}.${group}[${i}]`, depth + 1));
  }
  const problems: SpecProblem[] = [];
  if (typeof node.device !== 'string' || node.device.length === 0)
    problems.push({ field: `${field}.device`, message: 'must name a device' });
  if (typeof node.metric !== 'string' || !/^[a-z][a-z0-9_]{0,63}$/.test(node.metric))
    problems.push({ field: `${field}.metric`, message: 'must name a metric' });
  if (!OPERATORS.includes(node.operator as string))
    problems.push({ field: `${field}.operator`, message: 'must be >, >=, < or <=' });
  if (typeof node.value !== 'number') problems.push({ field: `${field}.value`, message: 'must be a number' });
  if (node.for_s !== undefined && !(typeof node.for_s === 'number' && node.for_s >= 0))
    problems.push({ field: `${field}.for_s`, message: 'must be a number of seconds' });
  return problems;
}

const cronCache = new Map<string, Cron>();
function cron(expression: string, zone: string): Cron {
  const key = `${zone}|${expression}`;
  let found = cronCache.get(key);
  if (!found) {
    found = new Cron(expression, { timezone: zone, paused: true });
    if (cronCache.size > 5_000) cronCache.clear();
    cronCache.set(key, found);
  }
  return found;
}

const wallClock = (at: number, zone: string) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(at));

/** Firings of a cron expression in (from, to], the second of a repeated local time left out. */
function cronRuns(expression: string, zone: string, from: number, to: number, limit: number): number[] {
  const job = cron(expression, zone);
  const out: number[] = [];
  let cursor = new Date(from);
  while (out.length < limit) {
    const next = job.nextRun(cursor);
    if (!next || next.getTime() > to) break;
    const at = next.getTime();
    // The same wall-clock time an hour earlier: this is the repeat after clocks went back.
    if (wallClock(at, zone) !== wallClock(at - 3_600_000, zone)) out.push(at);
    cursor = next;
  }
  return out;
}

/** Every day (or on these weekdays, 0 = Sunday) at a minute of the local day. */
const dailyCron = (minute: number, days?: number[]) =>
  `${minute % 60} ${Math.floor(minute / 60)} * * ${days && days.length > 0 ? [...days].sort((a, b) => a - b).join(',') : '*'}`;

/** The local calendar day after `day` (YYYY-MM-DD). */
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** One day's window: its start and end instants, and its length on the clock (0 to 1440 minutes). */
interface DayWindow {
  start: number;
  end: number;
  minutes: number;
}

/**
 * Each day's window, for windows starting in (from - 2 days, to] (a window lasts at most 25 real
 * hours, so every one still open after `from` is among them). Start and end are wall-clock times
 * read as cron reads them (a skipped time at the next valid moment, a repeated one the first time);
 * the end is on the start's local day, or the next one when it is at or before the start.
 */
function windows(w: Window, zone: string, from: number, to: number): DayWindow[] {
  const { start: first, minutes } = span(w);
  const endCron = dailyCron((first + minutes) % DAY_MIN);
  const out: DayWindow[] = [];
  for (const start of cronRuns(dailyCron(first, w.days), zone, from - 2 * DAY_MS, to, 1_000)) {
    if (minutes === 0) {
      out.push({ start, end: start, minutes });
      continue;
    }
    const startDay = localTime(new Date(start), zone).date;
    const endDay = first + minutes >= DAY_MIN ? nextDay(startDay) : startDay;
    const end = cronRuns(endCron, zone, start - 1, start + 3 * DAY_MS, 2).find(
      (at) => localTime(new Date(at), zone).date >= endDay,
    );
    // No end on its day, or none after the start: the whole window fell in the hour daylight saving skipped.
    if (end === undefined || end <= start || localTime(new Date(end), zone).date !== endDay) continue;
    out.push({ start, end, minutes });
  }
  return out;
}

/**
 * Whether `at` is inside the window: from a day's start (inclusive) to its end (exclusive), so at 02:00
 * a window that began at 18:00 the evening before and ends at 06:00 holds. A 24 h window always holds
 * (once it has started), a 0 h one never.
 */
export function inWindow(w: Window, zone: string, at: number): boolean {
  return windows(w, zone, at, at).some((d) => d.minutes > 0 && d.start <= at && at < d.end);
}

/**
 * On/off cycles from `anchor` until `end` (exclusive of on-periods starting at or after it), at most
 * `repeat`; stops once `out` holds `limit` firings, so a short cycle over a long span builds no more.
 */
function cycles(
  s: TimedSchedule,
  spec: DurationSpec,
  anchor: number,
  end: number,
  from: number,
  to: number,
  out: Firing[],
  limit: number,
  /** The window runs into the next one (24 h): an on-period cut at its end stays on, as the next day's starts at once. */
  continues = false,
): void {
  const period = (spec.on_s + spec.off_s) * 1000;
  const first = Math.max(0, Math.floor((from - anchor) / period) - 1);
  for (let k = first; (spec.repeat === undefined || k < spec.repeat) && out.length < limit; k++) {
    const on = anchor + k * period;
    if (on >= end || on > to) break;
    const off = Math.min(on + spec.on_s * 1000, end);
    if (on > from) out.push({ at: on, action: s.action, value: s.value });
    if (off > from && off <= to && !(continues && off === end)) out.push({ at: off, action: 'off' });
  }
}

/** Every firing in (from, to], in time order, at most `limit`. */
export function firingsBetween(s: TimedSchedule, zone: string, from: number, to: number, limit = 10_000): Firing[] {
  const out: Firing[] = [];
  if (s.kind === 'time') {
    const spec = s.spec as TimeSpec;
    if ('cron' in spec) {
      for (const at of cronRuns(spec.cron, zone, from, to, limit)) out.push({ at, action: s.action, value: s.value });
    } else {
      for (const { start, end, minutes } of windows(spec, zone, from, to)) {
        // 0 h: the undoing at the start, so the channel stays off; 24 h: the action, never undone.
        if (start > from && start <= to)
          out.push(
            minutes === 0 ? { at: start, action: inverse(s.action) } : { at: start, action: s.action, value: s.value },
          );
        if (minutes > 0 && minutes < DAY_MIN && end > from && end <= to)
          out.push({ at: end, action: inverse(s.action) });
      }
    }
  } else {
    const spec = s.spec as DurationSpec;
    // Windows come in time order, so the first `limit` firings are found window by window.
    if (spec.window)
      for (const { start, end, minutes } of windows(spec.window, zone, from, to)) {
        if (out.length >= limit) break;
        // 0 h: no cycle that day, and the channel kept off.
        if (minutes === 0) {
          if (start > from && start <= to) out.push({ at: start, action: 'off' });
        } else cycles(s, spec, start, end, from, to, out, limit, minutes === DAY_MIN);
      }
    else cycles(s, spec, s.anchor, Number.POSITIVE_INFINITY, from, to, out, limit);
  }
  out.sort((a, b) => a.at - b.at);
  return out.slice(0, limit);
}

/** A time schedule with a daily window (not cron). */
const windowOf = (s: TimedSchedule): Window | undefined =>
  s.kind === 'time' && !('cron' in s.spec) ? (s.spec as Window) : undefined;

/**
 * What a change of a time window's timing at `now` does at once: when the new window says otherwise
 * about now than the old one last did, the firing that brings the channel there (18 h → 12 h from
 * 06:00, changed at 20:00: off now, not on again until the next 06:00). The old window is read just
 * before its stored next firing when that is already due (not yet fired, so not in force: a change at
 * 00:00:01 still sees the 18 h window's lights on). Null when they agree, or when either is not a
 * window (`before` null: the schedule was disabled, so it held nothing).
 */
export function windowChangeFiring(
  before: { timing: TimedSchedule; next_fire_at: number | null } | null,
  after: TimedSchedule,
  zone: string,
  now: number,
): Firing | null {
  const was = before && windowOf(before.timing);
  const is = windowOf(after);
  if (!was || !is) return null;
  const held = before.next_fire_at === null ? now : Math.min(now, before.next_fire_at - 1);
  const inside = inWindow(is, zone, now);
  if (inWindow(was, zone, held) === inside) return null;
  return inside ? { at: now, action: after.action, value: after.value } : { at: now, action: inverse(after.action) };
}

/**
 * A change of a time window given as some of start, end and hours: the window's other settings kept,
 * so `{"hours": 12}` shortens a `{start, hours}` or `{start, end}` window from the same start. Anything
 * else replaces the settings whole. Returns the settings to keep.
 */
export function patchWindow(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(patch);
  const windowKeys = ['start', 'end', 'hours'];
  if (keys.length === 0 || !keys.every((k) => windowKeys.includes(k)) || typeof current.start !== 'string')
    return patch;
  const length = patch.end !== undefined || patch.hours !== undefined ? patch : current;
  return Object.fromEntries(
    [
      ['start', patch.start ?? current.start],
      ['end', length.end],
      ['hours', length.hours],
    ].filter(([, v]) => v !== undefined),
  );
}

/** The first firing after `after` (within about a year), or undefined when there is none. */
export function nextFiring(s: TimedSchedule, zone: string, after: number): Firing | undefined {
  // Look a little ahead first (the usual case), then further.
  for (const span of [2 * 86_400_000, 400 * 86_400_000]) {
    const found = firingsBetween(s, zone, after, after + span, 1)[0];
    if (found) return found;
  }
  return undefined;
}

// Conditions

export interface Reading {
  value: number;
  ts: number;
}

export interface ConditionState {
  /** Whether the schedule's action is in force (the condition last decided true). */
  active: boolean;
  /** When it last changed (min_hold_s counts from here). */
  changed_at: number | null;
  /** Per leaf (by its path): since when it has held, for `for_s`. */
  since: Record<string, number | null>;
}

export const INITIAL_CONDITION_STATE: ConditionState = { active: false, changed_at: null, since: {} };

type Truth = boolean | 'unknown';

const compare = (value: number, operator: Operator, threshold: number) =>
  operator === '>'
    ? value > threshold
    : operator === '>='
      ? value >= threshold
      : operator === '<'
        ? value < threshold
        : value <= threshold;

/** Every (device, metric) a condition reads. */
export function leaves(condition: Condition): Leaf[] {
  if ('all' in condition) return condition.all.flatMap(leaves);
  if ('any' in condition) return condition.any.flatMap(leaves);
  if ('not' in condition) return condition.not.flatMap(leaves);
  return [condition];
}

/**
 * Evaluates a condition over the latest readings. A reading older than `max_age_s` (or none) is
 * unknown, and unknown decides nothing. While the action is in force, each threshold is moved by the
 * hysteresis, so the value must come back past it before the condition lets go. A leaf with `for_s`
 * holds only after holding that long. Returns the truth and the leaves' new timers.
 */
export function evaluate(
  spec: ConditionSpec,
  latest: (device: string, metric: string) => Reading | undefined,
  now: number,
  state: ConditionState,
): { truth: Truth; since: Record<string, number | null> } {
  const since: Record<string, number | null> = {};
  const hysteresis = spec.hysteresis ?? 0;
  const walk = (c: Condition, path: string): Truth => {
    if ('all' in c || 'any' in c) {
      const parts = ('all' in c ? c.all : c.any).map((child, i) => walk(child, `${path}.${i}`));
      const decisive = 'all' in c ? false : true;
      if (parts.includes(decisive)) return decisive;
      return parts.includes('unknown') ? 'unknown' : !decisive;
    }
    if ('not' in c) {
      const inner = walk({ all: c.not }, `${path}.n`);
      return inner === 'unknown' ? 'unknown' : !inner;
    }
    const reading = latest(c.device, c.metric);
    if (!reading || (spec.max_age_s !== undefined && now - reading.ts > spec.max_age_s * 1000)) {
      since[path] = null;
      return 'unknown';
    }
    const shift = state.active ? (c.operator === '>' || c.operator === '>=' ? -hysteresis : hysteresis) : 0;
    const holds = compare(reading.value, c.operator, c.value + shift);
    const started = holds ? (state.since[path] ?? now) : null;
    since[path] = started;
    if (!holds) return false;
    return c.for_s === undefined || now - started! >= c.for_s * 1000;
  };
  return { truth: walk(spec.condition, 'c'), since };
}

/** Whether a condition's truth now makes the schedule act: 'on' (its action), 'off' (undo it), or nothing. */
export function decide(state: ConditionState, truth: Truth, now: number, minHoldS = 0): 'on' | 'off' | null {
  if (truth === 'unknown' || truth === state.active) return null;
  if (state.changed_at !== null && now - state.changed_at < minHoldS * 1000) return null;
  return truth ? 'on' : 'off';
}

/** What a condition schedule does now: its new state (and whether it changed), and the firing it makes, if any. */
export interface ConditionStep {
  state: ConditionState;
  changed: boolean;
  firing: Firing | null;
}

/**
 * One evaluation of a condition schedule: the condition over the latest readings decides whether it
 * switches its action on or undoes it; while an emergency stop holds the farm it decides nothing (the
 * leaves' timers still run).
 */
export function conditionStep(
  schedule: { action: ScheduleAction; value?: number | undefined; spec: ConditionSpec },
  stored: Partial<ConditionState>,
  latest: (device: string, metric: string) => Reading | undefined,
  now: number,
  stopped: boolean,
): ConditionStep {
  const state: ConditionState = { ...INITIAL_CONDITION_STATE, ...stored };
  const { truth, since } = evaluate(schedule.spec, latest, now, state);
  const decision = stopped ? null : decide(state, truth, now, schedule.spec.min_hold_s);
  const next: ConditionState = decision ? { active: decision === 'on', changed_at: now, since } : { ...state, since };
  const firing: Firing | null =
    decision === 'on'
      ? { at: now, action: schedule.action, value: schedule.value }
      : decision === 'off'
        ? { at: now, action: inverse(schedule.action) }
        : null;
  return { state: next, changed: JSON.stringify(next) !== JSON.stringify(state), firing };
}

// Firing time and duration schedules

/** A firing due by now that is later than this (Croft was not running) is recorded as missed, not run late. */
export const LATE_LIMIT_MS = 60_000;

/** At most this many due firings of one schedule are decided in a sweep, oldest first; any more are passed over. */
export const CATCH_UP_LIMIT = 100;

/** What decides which of two schedules wins a moment on a channel. */
export interface Ranked {
  priority: number;
  /** When the schedule was made (epoch ms). */
  created_at: number;
}

/** Whether `a` wins a moment on a channel over `b`: higher priority, then the older schedule. */
export function outranks(a: Ranked, b: Ranked): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.created_at < b.created_at);
}

/** A time or duration schedule whose stored next firing is due. */
export interface DueSchedule extends Ranked {
  id: string;
  name: string;
  farm_id: string;
  device_id: string;
  channel: string | null;
  /** Its stored next firing (epoch ms), at or before now. */
  next_fire_at: number;
  timing: TimedSchedule;
  /** The farm's IANA zone. */
  zone: string;
}

/** Fire it, or record it as skipped: why (in words too), and the schedule that took the moment, if one did. */
export type FiringDecision =
  | { kind: 'fire' }
  | { kind: 'skip'; reason: 'missed' | 'emergency_stop' | 'outranked'; error: string; skipped_by: string | null };

export interface PlannedFiring<S extends DueSchedule> {
  schedule: S;
  firing: Firing;
  decision: FiringDecision;
}

export interface TickPlan<S extends DueSchedule> {
  /** Each schedule's next firing after this sweep (epoch ms), or null when it has none. */
  next: Array<{ schedule: S; at: number | null }>;
  /** Every firing due by now, schedule by schedule in time order, each with what to do with it. */
  firings: Array<PlannedFiring<S>>;
}

/**
 * What a sweep does with the schedules due at `now`: every firing due since each one's stored next
 * firing (at most CATCH_UP_LIMIT) is decided, in this order: later than LATE_LIMIT_MS is missed; while
 * an emergency stop holds the farm (`stopped`: the farms it holds) it is skipped; when another due
 * schedule driving the same device channel at the same moment outranks it, it is skipped for that one;
 * otherwise it fires. Each schedule's next firing is the first after both its last due firing and now.
 */
export function planTick<S extends DueSchedule>(
  due: readonly S[],
  now: number,
  stopped: ReadonlySet<string>,
): TickPlan<S> {
  const next: TickPlan<S>['next'] = [];
  const found: Array<{ schedule: S; firing: Firing }> = [];
  for (const schedule of due) {
    let cursor = schedule.next_fire_at - 1;
    for (let n = 0; n < CATCH_UP_LIMIT; n++) {
      const firing = nextFiring(schedule.timing, schedule.zone, cursor);
      if (!firing || firing.at > now) break;
      found.push({ schedule, firing });
      cursor = firing.at;
    }
    next.push({ schedule, at: nextFiring(schedule.timing, schedule.zone, Math.max(cursor, now))?.at ?? null });
  }
  const decide = (schedule: S, firing: Firing): FiringDecision => {
    if (now - firing.at > LATE_LIMIT_MS) {
      return { kind: 'skip', reason: 'missed', error: 'Missed: Croft was not running at that time', skipped_by: null };
    }
    if (stopped.has(schedule.farm_id)) {
      return { kind: 'skip', reason: 'emergency_stop', error: 'An emergency stop holds the farm', skipped_by: null };
    }
    const rival = found.find(
      (o) =>
        o.schedule.id !== schedule.id &&
        o.schedule.device_id === schedule.device_id &&
        o.schedule.channel === schedule.channel &&
        o.firing.at === firing.at &&
        outranks(o.schedule, schedule),
    );
    if (rival) {
      return {
        kind: 'skip',
        reason: 'outranked',
        skipped_by: rival.schedule.id,
        error: `Skipped for "${rival.schedule.name}" (priority ${rival.schedule.priority})`,
      };
    }
    return { kind: 'fire' };
  };
  const firings = found.map(({ schedule, firing }) => ({ schedule, firing, decision: decide(schedule, firing) }));
  return { next, firings };
}

/** A firing by hand, now, whatever the schedule's timing; refused while an emergency stop holds the farm. */
export function runNowFiring(
  schedule: { action: ScheduleAction; value?: number | undefined },
  now: number,
  stopped: boolean,
): { ok: true; firing: Firing } | { ok: false; code: 'EMERGENCY_STOP'; message: string } {
  if (stopped) return { ok: false, code: 'EMERGENCY_STOP', message: 'An emergency stop holds this farm' };
  return { ok: true, firing: { at: now, action: schedule.action, value: schedule.value } };
}
