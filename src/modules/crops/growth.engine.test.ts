import { describe, expect, it } from 'vitest';
import {
  accumulateGdd,
  addDays,
  autoMove,
  dailyGdd,
  dayLengthHours,
  dormancyReached,
  firstFullDayInPhase,
  localDay,
  type DailyTemperature,
} from './growth.engine.js';
import type { PhaseRules, SequenceRules } from './phases.engine.js';

/**
 * Property checks run on a seeded generator (mulberry32): fast-check is not among the project's
 * dependencies, and each failure names its seed and case so it can be replayed.
 */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function forAll<T>(seed: number, runs: number, gen: (rnd: () => number) => T, check: (value: T) => void): void {
  const rnd = random(seed);
  for (let i = 0; i < runs; i++) {
    const value = gen(rnd);
    try {
      check(value);
    } catch (error) {
      throw new Error(`seed ${seed}, case ${i}: ${JSON.stringify(value)}\n${String(error)}`);
    }
  }
}
const between = (rnd: () => number, lo: number, hi: number) => lo + rnd() * (hi - lo);
const int = (rnd: () => number, lo: number, hi: number) => Math.floor(between(rnd, lo, hi + 1));

const day = (d: string, min: number, max: number, hours = 24, mean = (min + max) / 2): DailyTemperature => ({
  day: d,
  min,
  max,
  mean,
  hours,
});

describe('dailyGdd', () => {
  it('takes the simple average less the base, never below zero', () => {
    expect(dailyGdd(8, 20, 10, null)).toBe(4);
    expect(dailyGdd(12.4, 25.6, 10, null)).toBe(9);
    expect(dailyGdd(2, 14, 10, null)).toBe(0);
    expect(dailyGdd(-5, 3, 10, null)).toBe(0);
    // Exactly at the base: zero.
    expect(dailyGdd(5, 15, 10, null)).toBe(0);
    // Float noise is rounded away: (12.3 + 20.1)/2 − 10 is 6.2, not 6.200000000000003.
    expect(dailyGdd(12.3, 20.1, 10, null)).toBe(6.2);
  });

  it('counts temperatures above the cap as the cap, with no floor under Tmin', () => {
    expect(dailyGdd(15, 35, 10, 30)).toBe(12.5);
    expect(dailyGdd(15, 35, 10, null)).toBe(15);
    expect(dailyGdd(32, 38, 10, 30)).toBe(20);
    // A cold night still lowers the day (no lifting Tmin to the base).
    expect(dailyGdd(0, 30, 10, 30)).toBe(5);
    // A cap above both changes nothing.
    expect(dailyGdd(15, 25, 10, 30)).toBe(10);
  });

  it('holds its properties for any temperatures', () => {
    forAll(
      19,
      500,
      (rnd) => {
        const a = between(rnd, -30, 50);
        const b = between(rnd, -30, 50);
        return { min: Math.min(a, b), max: Math.max(a, b), base: between(rnd, 0, 15), cap: between(rnd, 20, 40) };
      },
      ({ min, max, base, cap }) => {
        const plain = dailyGdd(min, max, base, null);
        const capped = dailyGdd(min, max, base, cap);
        expect(plain).toBeGreaterThanOrEqual(0);
        expect(plain).toBeCloseTo(Math.max(0, (min + max) / 2 - base), 5);
        expect(capped).toBeGreaterThanOrEqual(0);
        expect(capped).toBeLessThanOrEqual(plain);
        // Never more than the cap itself allows (up to the 1e-6 rounding).
        expect(capped).toBeLessThanOrEqual(Math.max(0, cap - base) + 1e-6);
        // Warmer never gives less.
        expect(dailyGdd(min, max + 1, base, cap)).toBeGreaterThanOrEqual(capped);
        expect(dailyGdd(min + 1, max, base, null)).toBeGreaterThanOrEqual(plain);
      },
    );
  });
});

describe('accumulateGdd', () => {
  const week = [
    day('2026-05-01', 8, 20), // 4
    day('2026-05-02', 12.4, 25.6), // 9
    day('2026-05-03', 2, 14), // 0: a cold day counts as zero, it is not missing
    day('2026-05-04', 10, 30, 19), // 19 hours: missing
    // 2026-05-05 absent: missing
    day('2026-05-06', 15, 35), // 12.5 capped at 30, 15 without
    day('2026-05-07', 10, 21, 20), // exactly 20 hours: counted, 5.5
  ];

  it('sums a hand-computed week and reports the missing days', () => {
    const capped = accumulateGdd({ days: week, from: '2026-05-01', through: '2026-05-07', base: 10, upperCap: 30 });
    expect(capped.total).toBe(31);
    expect(capped.counted).toEqual([
      { day: '2026-05-01', gdd: 4, min: 8, max: 20 },
      { day: '2026-05-02', gdd: 9, min: 12.4, max: 25.6 },
      { day: '2026-05-03', gdd: 0, min: 2, max: 14 },
      { day: '2026-05-06', gdd: 12.5, min: 15, max: 35 },
      { day: '2026-05-07', gdd: 5.5, min: 10, max: 21 },
    ]);
    expect(capped.missing).toEqual(['2026-05-04', '2026-05-05']);
    const plain = accumulateGdd({ days: week, from: '2026-05-01', through: '2026-05-07', base: 10, upperCap: null });
    expect(plain.total).toBe(33.5);
  });

  it('takes the hour threshold as given', () => {
    const strict = accumulateGdd({
      days: week,
      from: '2026-05-01',
      through: '2026-05-07',
      base: 10,
      upperCap: null,
      minHours: 21,
    });
    expect(strict.missing).toEqual(['2026-05-04', '2026-05-05', '2026-05-07']);
    expect(strict.total).toBe(28);
  });

  it('counts only the days from `from` through `through`', () => {
    const some = accumulateGdd({ days: week, from: '2026-05-02', through: '2026-05-03', base: 10, upperCap: null });
    expect(some).toEqual({
      total: 9,
      counted: [
        { day: '2026-05-02', gdd: 9, min: 12.4, max: 25.6 },
        { day: '2026-05-03', gdd: 0, min: 2, max: 14 },
      ],
      missing: [],
    });
    const one = accumulateGdd({ days: week, from: '2026-05-01', through: '2026-05-01', base: 10, upperCap: null });
    expect(one.total).toBe(4);
  });

  it('gives nothing when `from` is after `through`', () => {
    expect(accumulateGdd({ days: week, from: '2026-05-08', through: '2026-05-07', base: 10, upperCap: null })).toEqual({
      total: 0,
      counted: [],
      missing: [],
    });
  });

  it('counts the 23- and 25-hour days of a daylight-saving change as whole days', () => {
    const days = [day('2026-03-29', 6, 18, 23), day('2026-10-25', 9, 17, 25)];
    expect(
      accumulateGdd({ days, from: '2026-03-29', through: '2026-03-29', base: 5, upperCap: null }).counted,
    ).toHaveLength(1);
    const autumn = accumulateGdd({ days, from: '2026-10-24', through: '2026-10-26', base: 5, upperCap: null });
    expect(autumn.total).toBe(8);
    expect(autumn.missing).toEqual(['2026-10-24', '2026-10-26']);
  });

  it('steps over the leap day and the turn of the year', () => {
    const leap = accumulateGdd({ days: [], from: '2028-02-27', through: '2028-03-01', base: 10, upperCap: null });
    expect(leap.missing).toEqual(['2028-02-27', '2028-02-28', '2028-02-29', '2028-03-01']);
    const plain = accumulateGdd({ days: [], from: '2027-02-27', through: '2027-03-01', base: 10, upperCap: null });
    expect(plain.missing).toEqual(['2027-02-27', '2027-02-28', '2027-03-01']);
    const turn = accumulateGdd({ days: [], from: '2026-12-30', through: '2027-01-02', base: 10, upperCap: null });
    expect(turn.missing).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
  });

  it('refuses a day that is not a calendar day', () => {
    expect(() =>
      accumulateGdd({ days: [], from: '2026-02-30', through: '2026-03-01', base: 10, upperCap: null }),
    ).toThrow(RangeError);
    expect(() =>
      accumulateGdd({ days: [], from: '2026-5-1', through: '2026-05-02', base: 10, upperCap: null }),
    ).toThrow(RangeError);
  });

  it('accounts for every day of the range exactly once, and splits additively', () => {
    forAll(
      23,
      200,
      (rnd) => {
        const from = addDays('2027-12-01', int(rnd, 0, 120));
        const length = int(rnd, 1, 60);
        const days: DailyTemperature[] = [];
        for (let i = -5; i < length + 5; i++) {
          if (rnd() < 0.15) continue;
          const lo = between(rnd, -10, 25);
          days.push(day(addDays(from, i), lo, lo + between(rnd, 0, 20), int(rnd, 12, 25)));
        }
        return { days, from, through: addDays(from, length - 1), split: addDays(from, int(rnd, 0, length - 1)) };
      },
      ({ days, from, through, split }) => {
        const all = accumulateGdd({ days, from, through, base: 8, upperCap: 30 });
        const length = all.counted.length + all.missing.length;
        const listed = [...all.counted.map((c) => c.day), ...all.missing].sort();
        expect(new Set(listed).size).toBe(length);
        expect(listed[0]).toBe(from);
        expect(listed[length - 1]).toBe(through);
        expect(addDays(from, length - 1)).toBe(through);
        expect(all.total).toBeCloseTo(
          all.counted.reduce((s, c) => s + c.gdd, 0),
          5,
        );
        for (const c of all.counted) expect(days.find((d) => d.day === c.day)!.hours).toBeGreaterThanOrEqual(20);
        const head = accumulateGdd({ days, from, through: split, base: 8, upperCap: 30 });
        const tail = accumulateGdd({ days, from: addDays(split, 1), through, base: 8, upperCap: 30 });
        expect(head.total + tail.total).toBeCloseTo(all.total, 5);
        expect([...head.missing, ...tail.missing]).toEqual(all.missing);
      },
    );
  });
});

describe('firstFullDayInPhase', () => {
  const at = (iso: string) => new Date(iso);

  it('is the next local day, or the same day when the phase began at local midnight (Phnom Penh, UTC+7)', () => {
    const zone = 'Asia/Phnom_Penh';
    expect(firstFullDayInPhase(at('2026-10-01T17:00:00Z'), zone)).toBe('2026-10-02');
    expect(firstFullDayInPhase(at('2026-10-01T17:00:00.001Z'), zone)).toBe('2026-10-03');
    expect(firstFullDayInPhase(at('2026-10-01T16:59:59.999Z'), zone)).toBe('2026-10-02');
    // 09:00 in Phnom Penh is still the 1st there although it is 02:00Z.
    expect(firstFullDayInPhase(at('2026-10-01T02:00:00Z'), zone)).toBe('2026-10-02');
  });

  it('follows the local calendar on the days daylight saving changes (Berlin)', () => {
    const zone = 'Europe/Berlin';
    // Spring forward: midnight CET on 29 March is 23:00Z the day before.
    expect(firstFullDayInPhase(at('2026-03-28T23:00:00Z'), zone)).toBe('2026-03-29');
    expect(firstFullDayInPhase(at('2026-03-28T23:30:00Z'), zone)).toBe('2026-03-30');
    // Fall back: midnight CEST on 25 October is 22:00Z the day before; the second 02:30 (CET) is mid-day.
    expect(firstFullDayInPhase(at('2026-10-24T22:00:00Z'), zone)).toBe('2026-10-25');
    expect(firstFullDayInPhase(at('2026-10-25T01:30:00Z'), zone)).toBe('2026-10-26');
  });

  it('takes 01:00 as the start of a day whose midnight daylight saving skips (Santiago)', () => {
    // 7 September 2024, 24:00 −04 became 8 September 01:00 −03.
    expect(firstFullDayInPhase(at('2024-09-08T04:00:00Z'), 'America/Santiago')).toBe('2024-09-08');
    expect(firstFullDayInPhase(at('2024-09-08T04:00:01Z'), 'America/Santiago')).toBe('2024-09-09');
  });

  it('reaches the leap day', () => {
    expect(firstFullDayInPhase(at('2028-02-28T12:00:00Z'), 'UTC')).toBe('2028-02-29');
    expect(firstFullDayInPhase(at('2028-02-29T12:00:00Z'), 'UTC')).toBe('2028-03-01');
  });

  it('refuses an unknown zone', () => {
    expect(() => firstFullDayInPhase(at('2026-10-01T00:00:00Z'), 'Mars/Olympus')).toThrow(RangeError);
  });

  it('is the local day or the one after, and never a day that began before the phase', () => {
    forAll(
      29,
      300,
      (rnd) => ({
        ms: Date.UTC(2024, 0, 1) + Math.floor(rnd() * 4 * 365) * 86_400_000 + int(rnd, 0, 95) * 900_000,
        zone: ['Europe/Berlin', 'Asia/Phnom_Penh', 'America/Santiago', 'Australia/Lord_Howe', 'UTC'][int(rnd, 0, 4)]!,
      }),
      ({ ms, zone }) => {
        const start = new Date(ms);
        const first = firstFullDayInPhase(start, zone);
        const local = localDay(start, zone);
        expect([local, addDays(local, 1)]).toContain(first);
        // The whole of `first` lies after the start: an instant a second earlier is on an earlier day.
        expect(localDay(new Date(ms - 1000), zone) <= first).toBe(true);
        if (first === local) expect(localDay(new Date(ms - 1), zone)).not.toBe(local);
      },
    );
  });
});

describe('dayLengthHours', () => {
  // Almanac day lengths (sunrise to sunset, top of the disk with refraction), rounded to the minute.
  const known: Array<[string, number, string, number]> = [
    ['Berlin', 52.52, '2026-06-21', 16 + 50 / 60],
    ['Berlin', 52.52, '2026-12-21', 7 + 40 / 60],
    ['Sydney', -33.87, '2026-06-21', 9 + 53 / 60],
    ['Sydney', -33.87, '2026-12-21', 14 + 25 / 60],
    ['Phnom Penh', 11.56, '2026-06-21', 12 + 48 / 60],
    ['Phnom Penh', 11.56, '2026-12-21', 11 + 27 / 60],
    ['Helsinki', 60.17, '2026-12-21', 5 + 49 / 60],
  ];

  it('matches almanac values within three minutes', () => {
    for (const [place, latitude, d, hours] of known) {
      expect(Math.abs(dayLengthHours(latitude, d) - hours), `${place} ${d}`).toBeLessThan(0.05);
    }
  });

  it('gives about 12.1 hours at the equator all year (refraction and the disk add ~7 minutes)', () => {
    for (const d of ['2026-03-20', '2026-06-21', '2026-09-23', '2026-12-21', '2028-02-29']) {
      expect(dayLengthHours(0, d)).toBeGreaterThan(12.09);
      expect(dayLengthHours(0, d)).toBeLessThan(12.14);
    }
  });

  it('gives 24 in polar day and 0 in polar night', () => {
    expect(dayLengthHours(69.65, '2026-06-21')).toBe(24);
    expect(dayLengthHours(69.65, '2026-12-21')).toBe(0);
    expect(dayLengthHours(-69.65, '2026-06-21')).toBe(0);
    expect(dayLengthHours(90, '2026-06-21')).toBe(24);
    expect(dayLengthHours(-90, '2026-06-21')).toBe(0);
  });

  it('stays within 0–24 and mirrors the seasons across the equator', () => {
    forAll(
      31,
      500,
      (rnd) => ({ latitude: between(rnd, -90, 90), d: addDays('2026-01-01', int(rnd, 0, 364)) }),
      ({ latitude, d }) => {
        const h = dayLengthHours(latitude, d);
        expect(h).toBeGreaterThanOrEqual(0);
        expect(h).toBeLessThanOrEqual(24);
        // North and south on one day add up to a little more than 24 h (the disk and refraction).
        if (Math.abs(latitude) < 60) expect(h + dayLengthHours(-latitude, d)).toBeCloseTo(24.2, 0);
      },
    );
  });

  it('refuses a latitude beyond the poles', () => {
    expect(() => dayLengthHours(91, '2026-06-21')).toThrow(RangeError);
    expect(() => dayLengthHours(Number.NaN, '2026-06-21')).toThrow(RangeError);
  });
});

describe('dormancyReached', () => {
  const cold = (d: string, mean = 3, hours = 24) => day(d, mean - 3, mean + 3, hours, mean);
  const coldRun = (through: string, n: number) => Array.from({ length: n }, (_, i) => cold(addDays(through, -i)));
  const base = { baseTempC: 5, criticalDayLengthH: null, latitude: null };

  it('is reached on the 7th cold day in a row, not the 6th', () => {
    const six = coldRun('2026-11-06', 6);
    expect(dormancyReached({ ...base, days: six, through: '2026-11-06' })).toEqual({
      reached: false,
      streak: 6,
      trigger: null,
    });
    const seven = [...six, cold('2026-10-31')];
    expect(dormancyReached({ ...base, days: seven, through: '2026-11-06' })).toEqual({
      reached: true,
      streak: 7,
      trigger: 'temperature',
    });
  });

  it('counts the run back from `through`: a warm last day breaks it', () => {
    const days = [...coldRun('2026-11-06', 7), cold('2026-11-07', 12)];
    expect(dormancyReached({ ...base, days, through: '2026-11-07' })).toEqual({
      reached: false,
      streak: 0,
      trigger: null,
    });
  });

  it('needs a mean below the base, not at it', () => {
    const days = coldRun('2026-11-07', 7).map((d) => (d.day === '2026-11-04' ? cold(d.day, 5) : d));
    expect(dormancyReached({ ...base, days, through: '2026-11-07' })).toMatchObject({ reached: false, streak: 3 });
  });

  it('does not trust a day with fewer than 20 hours; exactly 20 is enough', () => {
    const gap = coldRun('2026-11-07', 7).map((d) => (d.day === '2026-11-05' ? cold(d.day, 3, 19) : d));
    expect(dormancyReached({ ...base, days: gap, through: '2026-11-07' })).toMatchObject({ reached: false, streak: 2 });
    const twenty = coldRun('2026-11-07', 7).map((d) => (d.day === '2026-11-05' ? cold(d.day, 3, 20) : d));
    expect(dormancyReached({ ...base, days: twenty, through: '2026-11-07' })).toMatchObject({ reached: true });
  });

  it('is reached by day length alone, also on days without temperature', () => {
    // Berlin in November: about 8.5 h of day, below a critical 10 h; warm days and a day without data.
    const days = coldRun('2026-11-20', 7)
      .map((d) => cold(d.day, 12))
      .filter((d) => d.day !== '2026-11-17');
    expect(
      dormancyReached({ days, through: '2026-11-20', baseTempC: 5, criticalDayLengthH: 10, latitude: 52.52 }),
    ).toEqual({ reached: true, streak: 7, trigger: 'day_length' });
    // Without a latitude the day length is unknown: the missing day breaks the run.
    expect(
      dormancyReached({ days, through: '2026-11-20', baseTempC: 5, criticalDayLengthH: 10, latitude: null }),
    ).toMatchObject({ reached: false, streak: 0 });
  });

  it('says both when every day was both, or when the run needed both', () => {
    expect(
      dormancyReached({
        days: coldRun('2026-11-20', 7),
        through: '2026-11-20',
        baseTempC: 5,
        criticalDayLengthH: 10,
        latitude: 52.52,
      }),
    ).toEqual({ reached: true, streak: 7, trigger: 'both' });
    // At 52.5°N the day is 11.48 h on 4 October and shorter after: with that as the critical length,
    // 1–4 October qualify only by cold, 5–7 October only by day length.
    const critical = dayLengthHours(52.5, '2026-10-04');
    const days = [
      ...['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04'].map((d) => cold(d, 3)),
      ...['2026-10-05', '2026-10-06', '2026-10-07'].map((d) => cold(d, 12)),
    ];
    expect(
      dormancyReached({ days, through: '2026-10-07', baseTempC: 5, criticalDayLengthH: critical, latitude: 52.5 }),
    ).toEqual({ reached: true, streak: 7, trigger: 'both' });
    // 4 October warm: its day length equals the critical one, which is not below it.
    const warm4 = days.map((d) => (d.day === '2026-10-04' ? cold(d.day, 12) : d));
    expect(
      dormancyReached({
        days: warm4,
        through: '2026-10-07',
        baseTempC: 5,
        criticalDayLengthH: critical,
        latitude: 52.5,
      }),
    ).toMatchObject({ reached: false, streak: 3 });
  });

  it('knows the southern winter', () => {
    // Sydney in June: 9.9 h of day.
    expect(
      dormancyReached({ days: [], through: '2026-06-21', baseTempC: 5, criticalDayLengthH: 10.5, latitude: -33.87 }),
    ).toMatchObject({ reached: true, trigger: 'day_length' });
    expect(
      dormancyReached({ days: [], through: '2026-12-21', baseTempC: 5, criticalDayLengthH: 10.5, latitude: -33.87 }),
    ).toMatchObject({ reached: false, streak: 0 });
  });

  it('takes another run length, and crosses the leap day', () => {
    const days = coldRun('2028-03-01', 3);
    expect(days.map((d) => d.day)).toEqual(['2028-03-01', '2028-02-29', '2028-02-28']);
    expect(dormancyReached({ ...base, days, through: '2028-03-01', run: 3 })).toMatchObject({ reached: true });
    expect(dormancyReached({ ...base, days, through: '2028-03-01', run: 4 })).toMatchObject({
      reached: false,
      streak: 3,
    });
    expect(() => dormancyReached({ ...base, days, through: '2028-03-01', run: 0 })).toThrow(RangeError);
  });
});

describe('autoMove', () => {
  const phase = (key: string, position: number, rules: Partial<PhaseRules> = {}): PhaseRules => ({
    key,
    position,
    days: null,
    gdd: null,
    terminal: false,
    ...rules,
  });
  const annual: SequenceRules = {
    lifecycle: 'annual',
    dormancyRequired: false,
    restartPhase: null,
    phases: [
      phase('seedling', 0, { days: 14 }),
      phase('vegetative', 1, { days: 28, gdd: 300 }),
      phase('flowering', 2, { gdd: 500 }),
      phase('harvest', 3, { days: 14, terminal: true }),
    ],
  };
  const perennial: SequenceRules = {
    lifecycle: 'perennial',
    dormancyRequired: true,
    restartPhase: 'dormancy',
    phases: [
      phase('dormancy', 0, { days: 90 }),
      phase('budbreak', 1, { gdd: 100 }),
      phase('flowering', 2, { days: 30 }),
      phase('senescence', 3, { days: 30, terminal: true }),
    ],
  };
  /** A biennial that needs its winter mid-sequence (vernalisation). */
  const biennial: SequenceRules = {
    lifecycle: 'biennial',
    dormancyRequired: true,
    restartPhase: null,
    phases: [
      phase('vegetative', 0, { days: 120 }),
      phase('dormancy', 1, { days: 60 }),
      phase('flowering', 2, { days: 40 }),
      phase('seed', 3, { terminal: true }),
    ],
  };

  const ask = (
    sequence: SequenceRules,
    currentKey: string,
    state: { daysInPhase?: number; gdd?: number | null; dormant?: boolean | null },
  ) => {
    const index = sequence.phases.findIndex((p) => p.key === currentKey);
    return autoMove({
      phase: sequence.phases[index]!,
      next: sequence.phases[index + 1] ?? null,
      daysInPhase: state.daysInPhase ?? 0,
      gdd: state.gdd === undefined || state.gdd === null ? null : { total: state.gdd },
      sequence,
      dormancy: state.dormant === undefined || state.dormant === null ? null : { reached: state.dormant },
      currentKey,
    });
  };

  it('moves on by days on the day the count is reached, not the day before', () => {
    expect(ask(annual, 'seedling', { daysInPhase: 13 })).toBeNull();
    expect(ask(annual, 'seedling', { daysInPhase: 14 })).toEqual({
      to: 'vegetative',
      reason: 'auto_days',
      kind: 'forward',
    });
  });

  it('moves on by GDD exactly at the threshold', () => {
    expect(ask(annual, 'flowering', { gdd: 499.99 })).toBeNull();
    expect(ask(annual, 'flowering', { gdd: 500 })).toEqual({ to: 'harvest', reason: 'auto_gdd', kind: 'forward' });
    // Without a GDD sum (no sensor), a GDD-only phase waits.
    expect(ask(annual, 'flowering', { gdd: null, daysInPhase: 400 })).toBeNull();
  });

  it('takes whichever rule is reached first, and GDD when both are reached on the same day', () => {
    expect(ask(annual, 'vegetative', { daysInPhase: 20, gdd: 300 })).toMatchObject({ reason: 'auto_gdd' });
    expect(ask(annual, 'vegetative', { daysInPhase: 28, gdd: 120 })).toMatchObject({ reason: 'auto_days' });
    expect(ask(annual, 'vegetative', { daysInPhase: 28, gdd: 300 })).toEqual({
      to: 'flowering',
      reason: 'auto_gdd',
      kind: 'forward',
    });
    expect(ask(annual, 'vegetative', { daysInPhase: 27, gdd: 299 })).toBeNull();
  });

  it('never moves on from a terminal phase or past the last phase', () => {
    expect(ask(annual, 'harvest', { daysInPhase: 100 })).toBeNull();
    const lastNotTerminal: SequenceRules = {
      ...annual,
      phases: annual.phases.map((p) => (p.key === 'harvest' ? { ...p, terminal: false } : p)),
    };
    expect(ask(lastNotTerminal, 'harvest', { daysInPhase: 100 })).toBeNull();
  });

  it('treats a threshold or day count of 0 as no rule', () => {
    const zero: SequenceRules = {
      ...annual,
      phases: annual.phases.map((p) => (p.key === 'seedling' ? { ...p, days: 0, gdd: 0 } : p)),
    };
    expect(ask(zero, 'seedling', { daysInPhase: 0, gdd: 0 })).toBeNull();
  });

  it('restarts a perennial at dormancy from its terminal phase', () => {
    expect(ask(perennial, 'senescence', { dormant: true, daysInPhase: 3 })).toEqual({
      to: 'dormancy',
      reason: 'auto_dormancy',
      kind: 'restart',
    });
    expect(ask(perennial, 'senescence', { dormant: false, daysInPhase: 100 })).toBeNull();
  });

  it('puts dormancy before the other rules, but never as a backward move', () => {
    // Flowering is not terminal: dormancy would be a move back, which only a person may force.
    expect(ask(perennial, 'flowering', { dormant: true, daysInPhase: 10 })).toBeNull();
    expect(ask(perennial, 'flowering', { dormant: true, daysInPhase: 30 })).toMatchObject({
      to: 'senescence',
      reason: 'auto_days',
    });
    // Mid-sequence dormancy (a biennial's winter) wins over the day rule reached the same day.
    expect(ask(biennial, 'vegetative', { dormant: true, daysInPhase: 120 })).toEqual({
      to: 'dormancy',
      reason: 'auto_dormancy',
      kind: 'forward',
    });
  });

  it('does not re-enter dormancy, and leaves it by its own rules', () => {
    expect(ask(perennial, 'dormancy', { dormant: true, daysInPhase: 89 })).toBeNull();
    expect(ask(perennial, 'dormancy', { dormant: true, daysInPhase: 90 })).toMatchObject({
      to: 'budbreak',
      reason: 'auto_days',
    });
  });

  it('looks at dormancy only for sequences that require it and have the phase', () => {
    const notRequired: SequenceRules = { ...biennial, dormancyRequired: false };
    expect(ask(notRequired, 'vegetative', { dormant: true })).toBeNull();
    const noPhase: SequenceRules = { ...annual, dormancyRequired: true };
    expect(ask(noPhase, 'seedling', { dormant: true })).toBeNull();
    expect(ask(biennial, 'vegetative', { dormant: null })).toBeNull();
  });
});
