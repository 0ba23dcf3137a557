import { describe, expect, it } from 'vitest';
import { localHour, sample, simulatedLabel } from './simulate.engine.js';

const at = (iso: string) => new Date(iso);

describe('simulated readings', () => {
  it('keeps a hive near 35 °C, 60 % and 45 kg, lighter mid-morning and heavier by evening', () => {
    const morning = sample('hive', 2, at('2026-06-10T09:30:00Z'), 9.5);
    const evening = sample('hive', 2, at('2026-06-10T18:30:00Z'), 18.5);
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
    const noon = sample('greenhouse', 0, at('2026-06-10T12:30:00Z'), 12.5);
    const night = sample('greenhouse', 0, at('2026-06-10T23:00:00Z'), 23);
    expect(noon.light).toBeGreaterThan(30_000);
    expect(night.light).toBe(0);
    expect(noon.co2!).toBeLessThan(night.co2!);
    expect(noon.temperature!).toBeGreaterThan(night.temperature!);
  });

  it('drains and refills a poultry house water tank between 65 and 100 %', () => {
    const levels = Array.from(
      { length: 48 },
      (_, i) => sample('house', 1, new Date(Date.parse('2026-06-10T00:00:00Z') + i * 600_000), 0).water_level!,
    );
    expect(Math.min(...levels)).toBeGreaterThan(63);
    expect(Math.max(...levels)).toBeLessThan(101);
    expect(Math.max(...levels) - Math.min(...levels)).toBeGreaterThan(25);
  });

  it('is the same for the same device and moment, and names devices in order', () => {
    expect(sample('house', 3, at('2026-06-10T10:00:00Z'), 10)).toEqual(
      sample('house', 3, at('2026-06-10T10:00:00Z'), 10),
    );
    expect(simulatedLabel('hive', 0)).toBe('sim-hive-001');
    expect(localHour(at('2026-06-10T10:30:00Z'), 'Asia/Phnom_Penh')).toBe(17.5);
  });
});
