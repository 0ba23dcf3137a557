import { describe, expect, it } from 'vitest';
import {
  backfillReadings,
  backfillTimeline,
  greenhouseDay,
  localHour,
  localMoment,
  parseFrom,
  parseStep,
  sample,
  simulatedLabel,
} from './simulate.engine.js';

const at = (iso: string) => new Date(iso);
/** A moment whose local date is that of the UTC one (for the kinds that read only the hour). */
const moment = (iso: string, hour: number) => ({ date: iso.slice(0, 10), hour });

describe('simulated readings', () => {
  it('keeps a hive near 35 °C, 60 % and 45 kg, lighter mid-morning and heavier by evening', () => {
    const morning = sample('hive', 2, at('2026-06-10T09:30:00Z'), moment('2026-06-10', 9.5));
    const evening = sample('hive', 2, at('2026-06-10T18:30:00Z'), moment('2026-06-10', 18.5));
    for (const s of [morning, evening]) {
      expect(s.temperature).toBeGreaterThan(34);
      expect(s.temperature).toBeLessThan(35.5);
      expect(s.humidity).toBeGreaterThan(54);
      expect(s.humidity).toBeLessThan(66);
      expect(s.weight).toBeGreaterThan(40);
      expect(s.weight).toBeLessThan(55);
    }
    expect(evening.weight!).toBeGreaterThan(morning.weight! + 0.8);
    expect(evening.sound_level!).toBeGreaterThan(40);
  });

  it('gives a greenhouse light by day and none at night, with CO₂ drawn down by day', () => {
    const noon = sample('greenhouse', 0, at('2026-06-10T12:30:00Z'), moment('2026-06-10', 12.5));
    const night = sample('greenhouse', 0, at('2026-06-10T23:00:00Z'), moment('2026-06-10', 23));
    expect(noon.light).toBeGreaterThan(15_000);
    expect(night.light).toBe(0);
    expect(noon.co2!).toBeLessThan(night.co2!);
    expect(noon.temperature!).toBeGreaterThan(night.temperature!);
    expect(noon.humidity!).toBeLessThan(night.humidity!);
  });

  it('drains and refills a poultry house water tank between 65 and 100 %', () => {
    const levels = Array.from(
      { length: 48 },
      (_, i) =>
        sample('house', 1, new Date(Date.parse('2026-06-10T00:00:00Z') + i * 600_000), moment('2026-06-10', 0))
          .water_level!,
    );
    expect(Math.min(...levels)).toBeGreaterThan(63);
    expect(Math.max(...levels)).toBeLessThan(101);
    expect(Math.max(...levels) - Math.min(...levels)).toBeGreaterThan(25);
  });

  it('is the same for the same device, moment and seed, and names devices in order', () => {
    const m = moment('2026-06-10', 10);
    expect(sample('house', 3, at('2026-06-10T10:00:00Z'), m)).toEqual(
      sample('house', 3, at('2026-06-10T10:00:00Z'), m),
    );
    expect(sample('greenhouse', 3, at('2026-06-10T10:00:00Z'), m, 42)).toEqual(
      sample('greenhouse', 3, at('2026-06-10T10:00:00Z'), m, 42),
    );
    expect(sample('greenhouse', 3, at('2026-06-10T10:00:00Z'), m, 42)).not.toEqual(
      sample('greenhouse', 3, at('2026-06-10T10:00:00Z'), m, 43),
    );
    expect(simulatedLabel('hive', 0)).toBe('sim-hive-001');
    expect(localHour(at('2026-06-10T10:30:00Z'), 'Asia/Phnom_Penh')).toBe(17.5);
    expect(localMoment(at('2026-06-10T20:30:36Z'), 'Asia/Phnom_Penh')).toEqual({ date: '2026-06-11', hour: 3.51 });
  });
});

describe('the greenhouse day and night', () => {
  // A month of October in Berlin, every 10 minutes, as a back-fill sends it.
  const zone = 'Europe/Berlin';
  const from = parseFrom('2026-10-01', zone)!;
  const to = parseFrom('2026-11-01', zone)!;
  const instants = backfillTimeline(from, to, 600_000);
  const readings = [...backfillReadings({ kind: 'greenhouse', index: 0, instants, timeZone: zone, seed: 7 })];
  const temperatures = readings.filter((r) => r.metric === 'temperature');
  /** Each local day's min and max and the local hours they fell at. */
  const days = new Map<string, { min: number; max: number; minHour: number; maxHour: number }>();
  for (const r of temperatures) {
    const { date, hour } = localMoment(new Date(r.ts), zone);
    const day = days.get(date) ?? { min: Infinity, max: -Infinity, minHour: 0, maxHour: 0 };
    if (r.value < day.min) Object.assign(day, { min: r.value, minHour: hour });
    if (r.value > day.max) Object.assign(day, { max: r.value, maxHour: hour });
    days.set(date, day);
  }

  it('covers the month on the step grid: 31 local days (one of 25 hours), four metrics each step', () => {
    expect(from.toISOString()).toBe('2026-09-30T22:00:00.000Z'); // midnight in Berlin, summer time
    expect(to.toISOString()).toBe('2026-10-31T23:00:00.000Z'); // winter time since 25 October
    expect(instants).toHaveLength(31 * 144 + 6); // 25 October has an hour more
    expect(instants[1]!.getTime() - instants[0]!.getTime()).toBe(600_000);
    expect(instants.at(-1)!.getTime()).toBeLessThan(to.getTime());
    expect(readings).toHaveLength(instants.length * 4);
    expect(new Set(readings.map((r) => r.metric))).toEqual(new Set(['temperature', 'humidity', 'light', 'co2']));
    expect(readings[0]).toMatchObject({ device: 'sim-greenhouse-001', ts: '2026-09-30T22:00:00.000Z' });
    expect([...days.keys()]).toHaveLength(31);
  });

  it('is coolest around dawn and warmest in the afternoon, local time, every day', () => {
    for (const day of days.values()) {
      // The curve turns at 06:00 and 14:00; the sensor's noise (±0.3 °C) moves the extremes a little.
      expect(day.minHour).toBeGreaterThanOrEqual(4.5);
      expect(day.minHour).toBeLessThanOrEqual(7.5);
      expect(day.maxHour).toBeGreaterThanOrEqual(12.5);
      expect(day.maxHour).toBeLessThanOrEqual(15.5);
    }
  });

  it('keeps daily lows of 12–15 °C and highs of 23–28 °C, varying with the weather, for plausible degree days', () => {
    const lows = [...days.values()].map((d) => d.min);
    const highs = [...days.values()].map((d) => d.max);
    expect(Math.min(...lows)).toBeGreaterThan(11.5);
    expect(Math.max(...lows)).toBeLessThan(15);
    expect(Math.min(...highs)).toBeGreaterThan(22.5);
    expect(Math.max(...highs)).toBeLessThan(28.6);
    expect(Math.max(...highs) - Math.min(...highs)).toBeGreaterThan(2); // not the same day 31 times
    // Growing degree days over base 10 °C, simple average: 7–11 a day.
    for (const d of days.values()) {
      const gdd = Math.max(0, (d.min + d.max) / 2 - 10);
      expect(gdd).toBeGreaterThan(7);
      expect(gdd).toBeLessThan(11.5);
    }
  });

  it('moves smoothly, across midnight and from one day’s weather to the next (no jump in 10 minutes)', () => {
    // The steepest part of the morning rise is about 0.5 °C in 10 minutes, the noise adds at most 0.6.
    for (let i = 1; i < temperatures.length; i++)
      expect(Math.abs(temperatures[i]!.value - temperatures[i - 1]!.value)).toBeLessThan(1.2);
  });

  it('is the same run after run for a seed, and another for another seed', () => {
    const again = [...backfillReadings({ kind: 'greenhouse', index: 0, instants, timeZone: zone, seed: 7 })];
    expect(again).toEqual(readings);
    expect(greenhouseDay('2026-10-05', 8)).not.toEqual(greenhouseDay('2026-10-05', 7));
    // Every device of a run shares the day's weather; each sensor reads a little differently.
    const other = [
      ...backfillReadings({ kind: 'greenhouse', index: 1, instants: instants.slice(0, 90), timeZone: zone, seed: 7 }),
    ];
    const first = other.filter((r) => r.metric === 'temperature').map((r) => r.value);
    const mine = temperatures.slice(0, 90).map((r) => r.value);
    first.forEach((value, i) => expect(Math.abs(value - mine[i]!)).toBeLessThan(1));
    expect(other[0]!.device).toBe('sim-greenhouse-002');
  });
});

describe('back-fill settings', () => {
  it('reads --from as the farm’s local midnight, its wall clock, or an exact instant', () => {
    expect(parseFrom('2026-10-01', 'Asia/Phnom_Penh')?.toISOString()).toBe('2026-09-30T17:00:00.000Z');
    expect(parseFrom('2026-10-01T06:30', 'Asia/Phnom_Penh')?.toISOString()).toBe('2026-09-30T23:30:00.000Z');
    expect(parseFrom('2026-01-15', 'Europe/Berlin')?.toISOString()).toBe('2026-01-14T23:00:00.000Z');
    expect(parseFrom('2026-10-01T06:00:00Z', 'Europe/Berlin')?.toISOString()).toBe('2026-10-01T06:00:00.000Z');
    expect(parseFrom('2026-10-01T06:00+0200', 'UTC')?.toISOString()).toBe('2026-10-01T04:00:00.000Z');
    expect(parseFrom('2026-10-01', 'America/New_York')?.toISOString()).toBe('2026-10-01T04:00:00.000Z');
    for (const bad of ['yesterday', '2026-13-01', '2026-02-30', '01/10/2026', '2026-10-01T25:00'])
      expect(parseFrom(bad, 'UTC')).toBeUndefined();
  });

  it('reads a step in seconds, minutes or hours', () => {
    expect(parseStep('10m')).toBe(600);
    expect(parseStep('90s')).toBe(90);
    expect(parseStep('1h')).toBe(3600);
    expect(parseStep('300')).toBe(300);
    for (const bad of ['0', '-5m', '10 minutes', 'm', '']) expect(parseStep(bad)).toBeUndefined();
  });

  it('anchors the timeline at --from: a later run sends the same instants and only the new ones after', () => {
    const from = at('2026-10-01T00:00:00Z');
    const first = backfillTimeline(from, at('2026-10-01T01:00:00Z'), 600_000);
    const later = backfillTimeline(from, at('2026-10-01T01:25:00Z'), 600_000);
    expect(first.map((d) => d.toISOString().slice(11, 16))).toEqual([
      '00:00',
      '00:10',
      '00:20',
      '00:30',
      '00:40',
      '00:50',
    ]);
    expect(later.slice(0, first.length)).toEqual(first);
    expect(later).toHaveLength(9);
    expect(backfillTimeline(from, from, 600_000)).toEqual([]);
  });
});
