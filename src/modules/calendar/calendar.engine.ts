import ical from 'ical-generator';
import { localTime } from '../../platform/time-zones.js';

/**
 * What a calendar feed shows, and the iCalendar text of it. Pure: the farm's data, its time zone and
 * the current instant come in as arguments.
 *
 * Every event has a UID that stays the same while it means the same thing (`task-{id}@croft`,
 * `phase-{plant}-{phase}@croft`), so a subscribed calendar moves an event whose date changed instead of
 * adding another.
 */

/** An expected phase change of one plant, as crops foresees it. */
export interface PhaseChangeInput {
  plantId: string;
  label: string;
  run: { id: string; name: string } | null;
  species: { scientificName: string };
  from: string;
  to: string;
  /** YYYY-MM-DD, farm-local. */
  on: string;
}

/** An open task of the farm. */
export interface TaskInput {
  id: string;
  title: string;
  kind: string;
  due_at: Date;
  notes: string;
}

export type CalendarEvent = {
  uid: string;
  summary: string;
  description: string;
} & ({ allDay: true; day: string } | { allDay: false; start: Date; end: Date });

/** A task is shown as an appointment this long from its due time. */
export const TASK_MINUTES = 30;
/** Plants listed by name in one event's description at most. */
const LABELS_LISTED = 50;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Expected phase changes as all-day events: the plants of one planting run entering the same phase on
 * the same day make one event (a run of 200 seedlings is one line in the calendar, not 200); a plant
 * outside a run has its own. The event's UID names the group's first plant by label, so it stays put
 * while the group does.
 */
export function phaseEvents(changes: readonly PhaseChangeInput[]): CalendarEvent[] {
  const groups = new Map<string, PhaseChangeInput[]>();
  for (const change of changes) {
    const key = `${change.run?.id ?? `plant:${change.plantId}`}|${change.to}|${change.on}`;
    groups.set(key, [...(groups.get(key) ?? []), change]);
  }
  const events: CalendarEvent[] = [];
  for (const group of groups.values()) {
    const plants = [...group].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    const first = plants[0]!;
    const names = plants.slice(0, LABELS_LISTED).map((p) => p.label);
    const more = plants.length > names.length ? ` and ${plants.length - names.length} more` : '';
    const species = [...new Set(plants.map((p) => p.species.scientificName))].join(', ');
    events.push({
      uid: `phase-${first.plantId}-${first.to}@croft`,
      summary:
        plants.length === 1
          ? `${first.label} → ${first.to}`
          : `${first.run!.name}: ${plural(plants.length, 'plant')} → ${first.to}`,
      description: [
        `Expected to enter ${first.to} (from ${first.from}) by the typical length of the ${first.from} phase;` +
          ' Croft moves the plants on its own clock, which may be earlier when the phase also counts degree days.',
        `${plants.length === 1 ? 'Plant' : 'Plants'}: ${names.join(', ')}${more}`,
        `Species: ${species}`,
        ...(first.run ? [`Planting run: ${first.run.name}`] : []),
      ].join('\n'),
      allDay: true,
      day: first.on,
    });
  }
  return events;
}

/**
 * Open tasks as events: at their due time for the length of {@link TASK_MINUTES}, or all day when due at
 * the very start of a farm-local day (a task given a day, not an hour).
 */
export function taskEvents(tasks: readonly TaskInput[], timeZone: string): CalendarEvent[] {
  return tasks.map((task) => {
    const local = localTime(task.due_at, timeZone);
    const base = {
      uid: `task-${task.id}@croft`,
      summary: task.title,
      description: [`Task (${task.kind.replace(/_/g, ' ')})`, ...(task.notes ? [task.notes] : [])].join('\n'),
    };
    return local.minuteOfDay === 0 && task.due_at.getUTCSeconds() === 0 && task.due_at.getUTCMilliseconds() === 0
      ? { ...base, allDay: true as const, day: local.date }
      : {
          ...base,
          allDay: false as const,
          start: task.due_at,
          end: new Date(task.due_at.getTime() + TASK_MINUTES * 60_000),
        };
  });
}

/** The day after a calendar day `YYYY-MM-DD` (an all-day event's exclusive end). */
function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * The iCalendar text of a feed (RFC 5545). Times are written in UTC and all-day events as dates, so no
 * time-zone definitions are needed; `now` is every event's DTSTAMP. Calendar apps are asked to refresh
 * hourly.
 */
export function renderCalendar(input: { name: string; now: Date; events: readonly CalendarEvent[] }): string {
  const calendar = ical({
    name: input.name,
    prodId: { company: 'Croft', product: 'Croft calendar feed', language: 'EN' },
    ttl: 3600,
  });
  for (const event of input.events) {
    calendar.createEvent({
      id: event.uid,
      stamp: input.now,
      summary: event.summary,
      description: event.description,
      ...(event.allDay
        ? { allDay: true, start: event.day, end: nextDay(event.day) }
        : { start: event.start, end: event.end }),
    });
  }
  return calendar.toString();
}
