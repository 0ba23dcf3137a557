import { describe, expect, it } from 'vitest';
import { beeHourly, markingColour } from './beekeeping.engine.js';

describe('beekeeping rules', () => {
  it('marks queens by birth year: white 1/6, yellow 2/7, red 3/8, green 4/9, blue 5/0', () => {
    expect([2021, 2022, 2023, 2024, 2025, 2026, 2030].map(markingColour)).toEqual(['white', 'yellow', 'red', 'green', 'blue', 'white', 'blue']);
  });

  it('builds BeeAPI hourly fields from per-metric rollups', () => {
    const hour = new Date('2026-06-10T10:00:00Z');
    expect(beeHourly({
      temperature: [{ ts: hour, min: 34, max: 36, sum: 350, count: 10 }],
      weight: [{ ts: hour, min: 44, max: 46, sum: 450, count: 10 }],
    })).toEqual([{ hour: hour.toISOString(), avg_temperature: 35, avg_humidity: null, avg_weight: 45, avg_sound_level: null,
      min_temperature: 34, max_temperature: 36, min_humidity: null, max_humidity: null, reading_count: 10 }]);
  });
});
