import { describe, expect, it } from 'vitest';
import { DomainError } from '../../platform/errors.js';
import {
  analyseRunoff,
  FLUSH_DAYS,
  flushSchedule,
  RUNOFF_EC_WARNING,
  RUNOFF_IDEAL_PCT,
  RUNOFF_PH_DRIFT,
  RUNOFF_SALT_BUILDUP,
  waterMix,
} from './water.engine.js';

describe('RO and tap water', () => {
  it('gives the RO share r = (EC_tap − EC_target)/(EC_tap − EC_ro), the EC mixing linearly', () => {
    const r = waterMix({ tapEc: 0.8, roEc: 0.0, targetEc: 0.2, volumeL: 20 });
    expect(r.ro_share).toBeCloseTo(0.75, 10);
    expect(r.tap_share).toBeCloseTo(0.25, 10);
    expect(r.ro_l).toBeCloseTo(15, 10);
    expect(r.tap_l).toBeCloseTo(5, 10);
    expect(r.ec).toBeCloseTo(0.2, 10);
    expect(r.ph_estimate).toBeNull();
  });

  it.each([
    [0.8, 0.02, 0.8, 0],
    [0.8, 0.02, 0.02, 1],
    [1.0, 0.1, 0.55, 0.5],
  ])('tap %s, RO %s, target %s: RO share %s (the ends included)', (tap, ro, target, share) => {
    expect(waterMix({ tapEc: tap, roEc: ro, targetEc: target }).ro_share).toBeCloseTo(share, 10);
  });

  it('estimates the pH logarithmically and says it is an estimate to measure', () => {
    // Half and half of pH 6 and pH 8: −log10(0.5·10⁻⁶ + 0.5·10⁻⁸) = 6.2967…
    const r = waterMix({ tapEc: 1.0, roEc: 0.0, targetEc: 0.5, tapPh: 8, roPh: 6 });
    expect(r.ph_estimate).toBeCloseTo(-Math.log10(0.5e-6 + 0.5e-8), 10);
    expect(r.ph_estimate).toBeCloseTo(6.2967, 3);
    expect(r.ph_note).toMatch(/estimate/);
    expect(r.ph_note).toMatch(/alkalinity/);
    expect(r.ph_note).toMatch(/Measure/);
  });

  it.each([
    [0.8, 0.0, 0.9],
    [0.8, 0.1, 0.05],
    [0.5, 0.5, 0.5],
  ])('refuses tap %s, RO %s, target %s (422)', (tap, ro, target) => {
    let thrown: unknown;
    try {
      waterMix({ tapEc: tap, roEc: ro, targetEc: target });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ kind: 'rule', code: 'WATER_MIX_IMPOSSIBLE' });
  });
});

describe('flushing', () => {
  it.each([
    ['hydro', 7, 14],
    ['rockwool', 7, 14],
    ['clay_pebbles', 7, 14],
    ['perlite', 7, 14],
    ['coco', 10, 21],
    ['soil', 14, 30],
    ['living_soil', 14, 30],
    ['unknown', 14, 30],
  ] as const)('%s flushes %s–%s days', (substrate, min, max) => {
    expect(FLUSH_DAYS[substrate]).toEqual({ min, max });
  });

  it('runs 50 % for the first 30 % of days, 25 % to 60 %, then plain water', () => {
    const r = flushSchedule({ substrate: 'coco', currentEc: 2.0, daysUntilHarvest: 10 });
    expect(r.days).toBe(10);
    expect(r.schedule.map((d) => d.strength_pct)).toEqual([50, 50, 50, 25, 25, 25, 0, 0, 0, 0]);
    expect(r.schedule.map((d) => d.target_ec)).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0, 0, 0, 0]);
    expect(r.schedule[0]).toMatchObject({ day: 1, day_from_today: 1, action: 'reduced_solution' });
    expect(r.schedule[9]).toMatchObject({ day: 10, action: 'plain_water' });
    expect(r.start_in_days).toBe(0);
  });

  it('counts the stages in whole days for lengths that do not divide', () => {
    // 7 days: 30 % = 2.1 → days 1–2; 60 % = 4.2 → days 3–4; then 5–7
    const r = flushSchedule({ substrate: 'hydro', currentEc: 1.6, daysUntilHarvest: 7 });
    expect(r.schedule.map((d) => d.strength_pct)).toEqual([50, 50, 25, 25, 0, 0, 0]);
  });

  it.each([
    ['hydro', 3, 7, 0],
    ['hydro', 20, 14, 6],
    ['soil', 21, 21, 0],
    [undefined, 40, 30, 10],
  ] as const)('%s with %s days to harvest flushes %s days, starting in %s', (substrate, left, days, start) => {
    const r = flushSchedule({ substrate, currentEc: 1.0, daysUntilHarvest: left });
    expect(r.days).toBe(days);
    expect(r.schedule).toHaveLength(days);
    expect(r.start_in_days).toBe(start);
    expect(r.schedule[0]!.day_from_today).toBe(start + 1);
  });

  it('runs the longest flush of the range without a harvest date', () => {
    const r = flushSchedule({ substrate: 'coco', currentEc: 1.0 });
    expect(r).toMatchObject({ days: 21, start_in_days: null, substrate: 'coco' });
    expect(r.schedule[0]!.day_from_today).toBeNull();
    expect(flushSchedule({ substrate: undefined, currentEc: 1 }).substrate).toBe('unknown');
  });
});

describe('runoff', () => {
  it('names its thresholds', () => {
    expect([RUNOFF_SALT_BUILDUP, RUNOFF_EC_WARNING, RUNOFF_PH_DRIFT]).toEqual([0.5, 0.3, 0.5]);
    expect(RUNOFF_IDEAL_PCT).toEqual({ min: 10, max: 30 });
  });

  it.each([
    [1.8, 2.4, 'salt_buildup', 'poor'],
    [1.8, 2.3, 'warning', 'fair'], // +0.5 exactly is not above 0.5
    [1.8, 2.1, 'ok', 'good'], // +0.3 exactly is not above 0.3
    [1.8, 2.2, 'warning', 'fair'],
    [1.8, 1.5, 'ok', 'good'], // −0.3 exactly
    [1.8, 1.4, 'underfed', 'fair'],
  ] as const)('input %s, runoff %s: %s, %s', (input, runoff, status, overall) => {
    const r = analyseRunoff({ inputEc: input, runoffEc: runoff, inputVolumeL: 10, runoffVolumeL: 2 });
    expect(r.ec_status).toBe(status);
    expect(r.overall).toBe(overall);
  });

  it.each([
    [6.0, 6.5, 'ok'],
    [6.0, 6.6, 'drift'],
    [6.0, 5.4, 'drift'],
  ] as const)('pH %s → %s: %s', (input, runoff, status) => {
    const r = analyseRunoff({
      inputEc: 1.8,
      runoffEc: 1.8,
      inputPh: input,
      runoffPh: runoff,
      inputVolumeL: 10,
      runoffVolumeL: 2,
    });
    expect(r.ph_status).toBe(status);
    expect(r.overall).toBe(status === 'drift' ? 'fair' : 'good');
  });

  it.each([
    [0.9, 'low'],
    [1, 'ok'],
    [3, 'ok'],
    [3.1, 'high'],
  ] as const)('%s L runoff of 10 L: %s', (runoff, status) => {
    const r = analyseRunoff({ inputEc: 1.8, runoffEc: 1.8, inputVolumeL: 10, runoffVolumeL: runoff });
    expect(r.volume_status).toBe(status);
    expect(r.runoff_pct).toBeCloseTo(runoff * 10, 10);
    expect(r.ph_status).toBeNull();
  });
});
