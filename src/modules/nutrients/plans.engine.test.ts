import { describe, expect, it } from 'vitest';
import type { Channel } from './fertilizers.tables.js';
import {
  checkChannel,
  dosageProblems,
  entriesInWeek,
  entryProblems,
  runWeek,
  validatePlan,
  type EntryWeeks,
} from './plans.engine.js';

const entry = (position: number, week_start: number, week_end: number, channels: Channel[] = ['fertigation']) => ({
  position,
  phase: 'vegetative',
  week_start,
  week_end,
  channels: channels.map((channel) => ({ channel })),
});
const ranges = (...r: Array<[number, number]>): EntryWeeks[] => r.map(([s, e], i) => entry(i, s, e));

describe('checkChannel: inclusive week ranges, next start = previous end + 1', () => {
  it.each([
    [
      'contiguous inclusive ranges (Kamerplanter reported these as gaps)',
      ranges([1, 2], [3, 4], [5, 8], [9, 11], [12, 14]),
      [],
    ],
    ['one entry over the year', ranges([1, 52]), []],
    ['one week each', ranges([1, 1], [2, 2], [3, 3]), []],
    ['given out of order', ranges([5, 8], [1, 4]), []],
    ['a late first entry', ranges([3, 6]), [{ kind: 'late_start', weeks: [1, 2], entries: [0] }]],
    ['a gap of two weeks', ranges([1, 4], [7, 10]), [{ kind: 'gap', weeks: [5, 6], entries: [0, 1] }]],
    [
      'a shared boundary week (Kamerplanter let it pass)',
      ranges([1, 4], [4, 8]),
      [{ kind: 'overlap', weeks: [4], entries: [0, 1] }],
    ],
    [
      'an entry inside another',
      ranges([1, 10], [3, 5], [11, 12]),
      [{ kind: 'overlap', weeks: [3, 4, 5], entries: [0, 1] }],
    ],
    [
      'a late start, an overlap and a gap together',
      ranges([2, 5], [5, 6], [9, 9]),
      [
        { kind: 'late_start', weeks: [1], entries: [0] },
        { kind: 'overlap', weeks: [5], entries: [0, 1] },
        { kind: 'gap', weeks: [7, 8], entries: [1, 2] },
      ],
    ],
    [
      'a gap after a nested entry counts from the furthest end',
      ranges([1, 10], [2, 3], [12, 14]),
      [
        { kind: 'overlap', weeks: [2, 3], entries: [0, 1] },
        { kind: 'gap', weeks: [11], entries: [0, 2] },
      ],
    ],
  ])('%s', (_what, entries, expected) => {
    expect(checkChannel(entries).map(({ kind, weeks, entries: e }) => ({ kind, weeks, entries: e }))).toEqual(expected);
  });
});

describe('validatePlan', () => {
  it('checks each channel on its own entries, in the channels’ order', () => {
    const report = validatePlan([
      entry(0, 1, 4, ['fertigation', 'foliar']),
      entry(1, 5, 8, ['fertigation']),
      entry(2, 7, 10, ['foliar']),
    ]);
    expect(report.valid).toBe(false);
    expect(report.channels.map((c) => c.channel)).toEqual(['fertigation', 'foliar']);
    expect(report.channels[0]!.problems).toEqual([]);
    expect(report.channels[1]!.problems).toMatchObject([{ kind: 'gap', weeks: [5, 6], entries: [0, 2] }]);
    expect(report.channels[1]!.problems[0]!.message).toContain('weeks 5–6');
  });

  it('is valid when every channel is contiguous from week 1, and not when there are no entries', () => {
    expect(validatePlan([entry(0, 1, 3, ['drench', 'top_dress']), entry(1, 4, 9, ['drench', 'top_dress'])])).toEqual({
      valid: true,
      problems: [],
      channels: [
        { channel: 'drench', problems: [] },
        { channel: 'top_dress', problems: [] },
      ],
    });
    expect(validatePlan([])).toMatchObject({ valid: false, problems: ['the plan has no entries'] });
  });
});

describe('entryProblems and dosageProblems', () => {
  const channel = (c: Channel, ...fertilizers: string[]) => ({
    channel: c,
    dosages: fertilizers.map((id) => ({ fertilizer_id: id })),
  });

  it.each([
    [
      'an end before its start',
      [{ week_start: 5, week_end: 4, channels: [channel('drench')] }],
      ['entries[0].week_end'],
    ],
    ['a start equal to its end', [{ week_start: 5, week_end: 5, channels: [channel('drench')] }], []],
    [
      'a channel named twice',
      [{ week_start: 1, week_end: 2, channels: [channel('drench'), channel('drench')] }],
      ['entries[0].channels[1].channel'],
    ],
    [
      'a fertilizer dosed twice in one channel',
      [{ week_start: 1, week_end: 2, channels: [channel('drench', 'a', 'a')] }],
      ['entries[0].channels[0].dosages[1].fertilizer_id'],
    ],
  ])('%s', (_what, entries, fields) => {
    expect(entryProblems(entries).map((p) => p.field)).toEqual(fields);
  });

  it('refuses an unknown fertilizer anywhere and a not-tank-safe one in fertigation only', () => {
    const known = new Map([
      ['safe', { product: 'CalMag', tank_safe: true }],
      ['unsafe', { product: 'Bone Meal', tank_safe: false }],
    ]);
    const problems = dosageProblems(
      [
        { channels: [channel('fertigation', 'safe', 'unsafe'), channel('top_dress', 'unsafe')] },
        { channels: [channel('drench', 'missing')] },
      ],
      known,
    );
    expect(problems).toEqual([
      {
        field: 'entries[0].channels[0].dosages[1].fertilizer_id',
        message: 'Bone Meal is not tank-safe: never for fertigation',
      },
      { field: 'entries[1].channels[0].dosages[0].fertilizer_id', message: 'no such fertilizer in this farm' },
    ]);
  });
});

describe('runWeek and entriesInWeek', () => {
  const start = new Date('2026-03-02T08:00:00Z');
  it.each([
    ['not started', null, '2026-03-10T00:00:00Z', null],
    ['before the start', start, '2026-03-01T00:00:00Z', null],
    ['the first moment', start, '2026-03-02T08:00:00Z', 1],
    ['six days later', start, '2026-03-08T23:00:00Z', 1],
    ['seven days later', start, '2026-03-09T08:00:00Z', 2],
    ['ten weeks later', start, '2026-05-11T08:00:00Z', 11],
  ])('%s', (_what, started, now, week) => {
    expect(runWeek(started, new Date(now))).toBe(week);
  });

  it('finds the entries whose inclusive range holds the week', () => {
    const entries = ranges([1, 4], [5, 8], [8, 9]);
    expect(entriesInWeek(entries, 4).map((e) => e.position)).toEqual([0]);
    expect(entriesInWeek(entries, 8).map((e) => e.position)).toEqual([1, 2]);
    expect(entriesInWeek(entries, 10)).toEqual([]);
  });
});
