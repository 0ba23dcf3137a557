import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysBetween,
  isDueOn,
  pumpSpec,
  suggestVolume,
  taskDays,
  wateringKey,
  wateringTimes,
  weekdayOf,
  type TaskDaysInput,
} from './watering.engine.js';

describe('farm-local days', () => {
  it('number weekdays as cron does (0 = Sunday … 6 = Saturday)', () => {
    const rows: Array<[string, number]> = [
      ['2026-06-07', 0], // Sunday
      ['2026-06-08', 1],
      ['2026-06-13', 6],
      ['2024-02-29', 4], // a leap day, a Thursday
      ['2026-03-29', 0], // the night clocks go forward in Europe: still one calendar day
      ['2026-10-25', 0], // and back
    ];
    for (const [day, weekday] of rows) expect(weekdayOf(day), day).toBe(weekday);
  });

  it('count days across month and year ends, leap days and daylight-saving nights alike', () => {
    const rows: Array<[string, number, string]> = [
      ['2026-01-31', 1, '2026-02-01'],
      ['2026-02-28', 1, '2026-03-01'],
      ['2024-02-28', 1, '2024-02-29'],
      ['2026-12-31', 1, '2027-01-01'],
      ['2026-03-28', 2, '2026-03-30'],
      ['2026-10-24', 2, '2026-10-26'],
      ['2026-03-01', -1, '2026-02-28'],
    ];
    for (const [day, n, expected] of rows) {
      expect(addDays(day, n), `${day} + ${n}`).toBe(expected);
      expect(daysBetween(day, expected)).toBe(n);
    }
  });
});

describe('is a run watered on a day', () => {
  const mondaysAndThursdays = { mode: 'weekdays', weekdays: [1, 4] } as const;
  const every3 = { mode: 'interval', intervalDays: 3 } as const;
  const rows: Array<[string, Parameters<typeof isDueOn>[0], string, string | null, boolean]> = [
    ['a listed weekday', mondaysAndThursdays, '2026-06-08', null, true],
    ['another weekday', mondaysAndThursdays, '2026-06-09', null, false],
    ['a listed weekday after a month end', mondaysAndThursdays, '2026-07-02', '2026-07-01', true],
    ['Sunday as 0', { mode: 'weekdays', weekdays: [0] }, '2026-03-29', null, true],
    ['never watered', every3, '2026-06-08', null, true],
    ['watered 2 days ago of 3', every3, '2026-06-08', '2026-06-06', false],
    ['watered 3 days ago of 3', every3, '2026-06-08', '2026-06-05', true],
    ['overdue', every3, '2026-06-08', '2026-05-20', true],
    ['3 days across a month end', every3, '2026-03-02', '2026-02-27', true],
    ['2 days across February 29', every3, '2024-03-01', '2024-02-28', false],
    ['3 days over the spring-forward night', every3, '2026-03-30', '2026-03-27', true],
    ['every day, watered yesterday', { mode: 'interval', intervalDays: 1 }, '2027-01-01', '2026-12-31', true],
    ['every day, watered today', { mode: 'interval', intervalDays: 1 }, '2026-06-08', '2026-06-08', false],
    ['90 days', { mode: 'interval', intervalDays: 90 }, '2026-06-08', '2026-03-10', true],
  ];
  for (const [name, rule, day, last, expected] of rows) it(name, () => expect(isDueOn(rule, day, last)).toBe(expected));
});

describe('the days the daily job makes tasks for', () => {
  const base: TaskDaysInput = {
    rule: { mode: 'weekdays', weekdays: [1, 4] },
    lastWatered: null,
    startsOn: '2026-06-01',
    today: '2026-06-07', // a Sunday
    nowMinute: 6 * 60,
    preferredTime: '08:00',
    reminderHoursBefore: 0,
  };
  it('makes a due day’s task from the start of that day, none for a day not due', () => {
    expect(taskDays(base)).toEqual([]);
    expect(taskDays({ ...base, today: '2026-06-08', nowMinute: 0 })).toEqual(['2026-06-08']);
    expect(taskDays({ ...base, today: '2026-06-09' })).toEqual([]);
  });

  it('makes it earlier by the reminder hours before the preferred time, up to two days ahead', () => {
    // Monday 08:00 less 24 h is Sunday 08:00: not yet at 06:00, made at 08:00.
    expect(taskDays({ ...base, reminderHoursBefore: 24 })).toEqual([]);
    expect(taskDays({ ...base, reminderHoursBefore: 24, nowMinute: 8 * 60 })).toEqual(['2026-06-08']);
    // 48 h before Thursday 08:00 is Tuesday 08:00.
    expect(taskDays({ ...base, today: '2026-06-09', reminderHoursBefore: 48, nowMinute: 7 * 60 + 59 })).toEqual([]);
    expect(taskDays({ ...base, today: '2026-06-09', reminderHoursBefore: 48, nowMinute: 8 * 60 })).toEqual([
      '2026-06-11',
    ]);
  });

  it('makes nothing before the schedule starts', () => {
    expect(taskDays({ ...base, today: '2026-06-08', startsOn: '2026-06-09' })).toEqual([]);
  });

  it('waters an interval never watered from its start day, then N days after the last watering', () => {
    const every3: TaskDaysInput = { ...base, rule: { mode: 'interval', intervalDays: 3 }, startsOn: '2026-06-07' };
    expect(taskDays(every3)).toEqual(['2026-06-07']);
    // Never watered since it started on the 5th: the task stays that day's (overdue), not one per day.
    expect(taskDays({ ...every3, startsOn: '2026-06-05' })).toEqual(['2026-06-05']);
    expect(taskDays({ ...every3, lastWatered: '2026-06-05' })).toEqual([]);
    expect(taskDays({ ...every3, lastWatered: '2026-06-04' })).toEqual(['2026-06-07']);
    expect(taskDays({ ...every3, lastWatered: '2026-06-05', reminderHoursBefore: 24, nowMinute: 8 * 60 })).toEqual([
      '2026-06-08',
    ]);
    // Watered long before the schedule began: due from its start.
    expect(taskDays({ ...every3, lastWatered: '2026-01-01' })).toEqual(['2026-06-07']);
    // Across a month end: watered 30 June, every 3 days → 3 July.
    expect(
      taskDays({ ...every3, startsOn: '2026-06-01', lastWatered: '2026-06-30', today: '2026-07-03', nowMinute: 0 }),
    ).toEqual(['2026-07-03']);
  });

  it('keys one task per run, channel and date', () => {
    expect(wateringKey('r1', 'drench', '2026-06-08')).toBe('watering:r1:drench:2026-06-08');
  });
});

describe('waterings of a day and the pump that runs them', () => {
  it('spreads several waterings evenly over 12 hours from the preferred time', () => {
    expect(wateringTimes('08:00', 1)).toEqual(['08:00']);
    expect(wateringTimes('08:00', 2)).toEqual(['08:00', '14:00']);
    expect(wateringTimes('08:00', 4)).toEqual(['08:00', '11:00', '14:00', '17:00']);
    expect(wateringTimes('07:15', 5)).toEqual(['07:15', '09:39', '12:03', '14:27', '16:51']);
    expect(wateringTimes('20:00', 3)).toEqual(['20:00', '00:00', '04:00']);
  });

  it('runs the pump N seconds at each of those times on the listed weekdays', () => {
    expect(pumpSpec({ weekdays: [4, 1], preferredTime: '08:00', timesPerDay: 2, runS: 90 })).toEqual({
      on_s: 90,
      off_s: 6 * 3600 - 90,
      repeat: 2,
      window: { start: '08:00', hours: 12, days: [1, 4] },
    });
    expect(pumpSpec({ weekdays: [0, 1, 2, 3, 4, 5, 6], preferredTime: '06:30', timesPerDay: 6, runS: 3600 })).toEqual({
      on_s: 3600,
      off_s: 3600,
      repeat: 6,
      window: { start: '06:30', hours: 12, days: [0, 1, 2, 3, 4, 5, 6] },
    });
  });
});

describe('a volume to start from', () => {
  it('gives the phase’s share of the container per plant, times the plants', () => {
    expect(suggestVolume({ containerL: 11, plants: 4, phaseKey: 'flowering', speciesIntervalDays: null })).toEqual({
      per_plant_l: 2.2,
      total_l: 8.8,
      share: 0.2,
      interval_days: 2,
      basis: 'container',
      rule: '20 % of the 11 L container per plant in phase flowering',
    });
    const seedling = suggestVolume({ containerL: 0.5, plants: 24, phaseKey: 'seedling', speciesIntervalDays: 4 });
    expect(seedling).toMatchObject({ per_plant_l: 0.05, total_l: 1.2, share: 0.1, interval_days: 4 });
    expect(suggestVolume({ containerL: 10, plants: 1, phaseKey: 'harvest', speciesIntervalDays: null })).toMatchObject({
      per_plant_l: 1.5,
      share: 0.15,
      interval_days: null,
    });
  });

  it('falls back to 250 ml per plant without a container volume', () => {
    expect(suggestVolume({ containerL: null, plants: 10, phaseKey: 'vegetative', speciesIntervalDays: null })).toEqual({
      per_plant_l: 0.25,
      total_l: 2.5,
      share: null,
      interval_days: 3,
      basis: 'default',
      rule: '0.25 L per plant: no container volume is known',
    });
  });
});
