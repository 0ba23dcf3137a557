import { rank, type Role } from '../../platform/tenancy/access.js';
import { localTime, startOfLocalDay } from '../../platform/time-zones.js';
import type { TaskStatus } from './tasks.tables.js';

const DAY_MS = 86_400_000;

/** The next calendar day of a YYYY-MM-DD day. */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

/** The person's local day at `now` in `zone`, and the instant it ends (tasks due before it are "today"). */
export function localDay(now: Date, zone: string): { day: string; end: Date } {
  const day = localTime(now, zone).date;
  return { day, end: startOfLocalDay(nextDay(day), zone) };
}

/** Who may be given tasks and is told of unassigned ones: worker and above. */
export const doesTasks = (role: Role): boolean => rank(role) >= rank('worker');

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** A local day (its start in `zone`) or an ISO 8601 time with its offset; undefined for anything else. */
function instantOf(text: string, zone: string): Date | undefined {
  if (DAY.test(text)) {
    const midnight = new Date(`${text}T00:00:00Z`);
    // Only a real calendar day (2026-02-30 is none).
    if (Number.isNaN(midnight.getTime()) || midnight.toISOString().slice(0, 10) !== text) return undefined;
    return startOfLocalDay(text, zone);
  }
  if (!TIME.test(text)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

export type Snooze = { days: number } | { until: string };

/**
 * Where a snooze moves a task's due time, or why it cannot: `days` (a whole number, at least 1) counts
 * from the later of the due time and now, so an overdue task comes back `days` from now and a future
 * one moves by `days`; `until` is an instant (or a local day, its start in the farm's zone) after now.
 */
export function snoozedTo(
  dueAt: Date,
  snooze: Snooze,
  now: Date,
  zone: string,
): { ok: true; dueAt: Date } | { ok: false; field: string; message: string } {
  if ('days' in snooze) {
    if (!Number.isInteger(snooze.days) || snooze.days < 1)
      return { ok: false, field: 'body.days', message: 'must be a whole number of days, at least 1' };
    return { ok: true, dueAt: new Date(Math.max(dueAt.getTime(), now.getTime()) + snooze.days * DAY_MS) };
  }
  const until = instantOf(snooze.until, zone);
  if (!until) return { ok: false, field: 'body.until', message: 'is not a day (YYYY-MM-DD) or an ISO 8601 time' };
  if (until.getTime() <= now.getTime()) return { ok: false, field: 'body.until', message: 'must be in the future' };
  return { ok: true, dueAt: until };
}

/** What a person may do to a task in a status; the refusal's code and words otherwise. */
export function transition(
  status: TaskStatus,
  action: 'complete' | 'skip' | 'snooze',
): { ok: true } | { ok: false; code: string; message: string } {
  if (status === 'open') return { ok: true };
  const code = status === 'done' ? 'TASK_DONE' : 'TASK_SKIPPED';
  const word = status === 'done' ? 'done' : 'skipped';
  const verb = { complete: 'completed', skip: 'skipped', snooze: 'snoozed' }[action];
  return { ok: false, code, message: `The task is ${word}: reopen it before it can be ${verb} again` };
}

export interface DueTask {
  id: string;
  title: string;
  due_at: Date;
  assignee_id: string | null;
}

/**
 * Who is told of which due tasks: a task's assignee while they are a member who does tasks, else
 * (unassigned, or its assignee gone) every member with the worker role or above.
 */
export function digestAudience<T extends DueTask>(
  tasks: T[],
  members: Array<{ user_id: string; role: Role }>,
): Map<string, T[]> {
  const doers = members.filter((m) => doesTasks(m.role)).map((m) => m.user_id);
  const doing = new Set(doers);
  const out = new Map<string, T[]>();
  for (const task of tasks) {
    const to = task.assignee_id && doing.has(task.assignee_id) ? [task.assignee_id] : doers;
    for (const userId of to) out.set(userId, [...(out.get(userId) ?? []), task]);
  }
  return out;
}

/** A digest's title and text: how many tasks are due, and each with its local due time (overdue ones named so). */
export function digestText(
  farmName: string,
  tasks: DueTask[],
  today: string,
  zone: string,
): { title: string; message: string } {
  const overdue = tasks.filter((t) => localTime(t.due_at, zone).date < today).length;
  const title = `${tasks.length} task${tasks.length === 1 ? '' : 's'} today${overdue > 0 ? ` (${overdue} overdue)` : ''}`;
  const lines = tasks.map((t) => {
    const local = localTime(t.due_at, zone);
    const when =
      local.date < today
        ? `overdue since ${local.date}`
        : `${String(local.hour).padStart(2, '0')}:${String(local.minuteOfDay % 60).padStart(2, '0')}`;
    return `- ${t.title} (${when})`;
  });
  return { title: `${farmName}: ${title}`.slice(0, 100), message: lines.join('\n') };
}
