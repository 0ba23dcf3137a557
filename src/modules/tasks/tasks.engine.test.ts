import { describe, expect, it } from 'vitest';
import { digestAudience, digestText, localDay, nextDay, snoozedTo, transition } from './tasks.engine.js';

const now = new Date('2026-06-10T03:00:00Z'); // 10:00 in Phnom Penh
const zone = 'Asia/Phnom_Penh';

describe('the local day', () => {
  it.each([
    ['2026-06-10', '2026-06-11'],
    ['2026-02-28', '2026-03-01'],
    ['2028-02-28', '2028-02-29'],
    ['2026-12-31', '2027-01-01'],
  ])('after %s is %s', (day, next) => expect(nextDay(day)).toBe(next));

  it('ends at the next local midnight, in each zone', () => {
    expect(localDay(now, zone)).toEqual({ day: '2026-06-10', end: new Date('2026-06-10T17:00:00Z') });
    expect(localDay(now, 'Europe/Berlin')).toEqual({ day: '2026-06-10', end: new Date('2026-06-10T22:00:00Z') });
    expect(localDay(now, 'America/Los_Angeles')).toEqual({
      day: '2026-06-09',
      end: new Date('2026-06-10T07:00:00Z'),
    });
  });
});

describe('a snooze', () => {
  const overdue = new Date('2026-06-08T02:00:00Z');
  const later = new Date('2026-06-12T02:00:00Z');
  it.each([
    ['an overdue task by days, from now', overdue, { days: 2 }, '2026-06-12T03:00:00.000Z'],
    ['a future task by days, from its due time', later, { days: 1 }, '2026-06-13T02:00:00.000Z'],
    ['until a time', overdue, { until: '2026-06-10T03:00:01Z' }, '2026-06-10T03:00:01.000Z'],
    ['until a local day, its start', overdue, { until: '2026-06-11' }, '2026-06-10T17:00:00.000Z'],
  ])('moves %s', (_what, due, snooze, to) => {
    const result = snoozedTo(due, snooze, now, zone);
    expect(result.ok && result.dueAt.toISOString()).toBe(to);
  });

  it.each([
    [{ days: 0 }, 'body.days'],
    [{ days: 0.5 }, 'body.days'],
    [{ days: -3 }, 'body.days'],
    [{ until: '2026-06-10T03:00:00Z' }, 'body.until'],
    [{ until: '2026-06-10' }, 'body.until'], // today's start has passed
    [{ until: 'next week' }, 'body.until'],
    [{ until: '2026-02-30' }, 'body.until'],
    [{ until: '2026-13-45' }, 'body.until'],
    [{ until: 'June 12, 2026' }, 'body.until'],
    [{ until: '2026-06-12T25:00:00Z' }, 'body.until'],
  ])('refuses %j', (snooze, field) => {
    expect(snoozedTo(later, snooze, now, zone)).toMatchObject({ ok: false, field });
  });
});

describe('a transition', () => {
  it('is open to open tasks only, with a code naming why not', () => {
    expect(transition('open', 'complete')).toEqual({ ok: true });
    expect(transition('done', 'complete')).toMatchObject({ ok: false, code: 'TASK_DONE' });
    expect(transition('skipped', 'snooze')).toMatchObject({ ok: false, code: 'TASK_SKIPPED' });
  });
});

describe('the digest', () => {
  const members = [
    { user_id: 'ada', role: 'admin' as const },
    { user_id: 'wil', role: 'worker' as const },
    { user_id: 'vic', role: 'viewer' as const },
  ];
  const task = (id: string, assignee: string | null, due = '2026-06-10T05:00:00Z') => ({
    id,
    title: `Task ${id}`,
    due_at: new Date(due),
    assignee_id: assignee,
  });

  it('goes to the assignee, or to every worker and above when unassigned or when the assignee left', () => {
    const audience = digestAudience([task('a', 'wil'), task('b', null), task('c', 'gone'), task('d', 'vic')], members);
    expect(Object.fromEntries([...audience].map(([who, tasks]) => [who, tasks.map((x) => x.id)]))).toEqual({
      ada: ['b', 'c', 'd'],
      wil: ['a', 'b', 'c', 'd'],
    });
  });

  it('lists each task with its local time, overdue ones by their day', () => {
    expect(
      digestText('Sunny Acres', [task('a', null, '2026-06-08T02:00:00Z'), task('b', null)], '2026-06-10', zone),
    ).toEqual({
      title: 'Sunny Acres: 2 tasks today (1 overdue)',
      message: '- Task a (overdue since 2026-06-08)\n- Task b (12:00)',
    });
  });
});
