import { describe, expect, it } from 'vitest';
import {
  countHints,
  learnDensity,
  MAX_DENSITY_SAMPLES,
  MIN_CALIBRATION_DETECTIONS,
  needsCalibration,
  observedDensity,
  type BinTypeFacts,
} from './photos.density.engine.js';

const tray = (over: Partial<BinTypeFacts> = {}): BinTypeFacts => ({
  id: 'tray-60',
  grid: true,
  grid_rows: 6,
  grid_columns: 10,
  length_cm: 53,
  width_cm: 31,
  ...over,
});

describe('countHints: what a storage location’s bins tell the counter', () => {
  it('one grid tray: its grid, its footprint in m², its type for the density', () => {
    const { hints, binTypeId } = countHints([tray()]);
    expect(hints.grid).toEqual({ rows: 6, cols: 10 });
    expect(hints.areaM2).toBeCloseTo(0.1643, 6);
    expect(hints.densityPerM2).toBeNull();
    expect(binTypeId).toBe('tray-60');
  });

  it('two trays of one type: no grid (which tray is which?), the two footprints, the shared type', () => {
    const { hints, binTypeId } = countHints([tray(), tray()]);
    expect(hints.grid).toBeNull();
    expect(hints.areaM2).toBeCloseTo(0.3286, 6);
    expect(binTypeId).toBe('tray-60');
  });

  it('bins of different types: no density key; a bin without a size: no area', () => {
    expect(countHints([tray(), tray({ id: 'box' })]).binTypeId).toBeNull();
    expect(countHints([tray(), tray({ width_cm: null })]).hints.areaM2).toBeNull();
  });

  it('a tray that is not a grid, or states no rows: no grid; no bins at all: nothing', () => {
    expect(countHints([tray({ grid: false })]).hints.grid).toBeNull();
    expect(countHints([tray({ grid_rows: null })]).hints.grid).toBeNull();
    expect(countHints([])).toEqual({ hints: { grid: null, areaM2: null, densityPerM2: null }, binTypeId: null });
  });
});

describe('the density learnt from detections', () => {
  it('a detection count teaches plants per m²; a density count, few detections or no area do not', () => {
    const n = MIN_CALIBRATION_DETECTIONS;
    expect(observedDensity({ method: 'detection+band', detected: n, total: 50 }, 0.25)).toBe(200);
    expect(observedDensity({ method: 'detection', detected: n, total: 50 }, 0.25)).toBe(200);
    expect(observedDensity({ method: 'density', detected: n, total: 50 }, 0.25)).toBeNull();
    expect(observedDensity({ method: 'detection', detected: n - 1, total: 50 }, 0.25)).toBeNull();
    expect(observedDensity({ method: 'detection', detected: n, total: 50 }, null)).toBeNull();
    expect(observedDensity({ method: 'detection', detected: n, total: 0 }, 0.25)).toBeNull();
  });

  it('a running mean: the first photo sets it, the next ones average in', () => {
    let d = learnDensity(undefined, 100);
    expect(d).toEqual({ plantsPerM2: 100, samples: 1 });
    d = learnDensity(d, 200);
    expect(d).toEqual({ plantsPerM2: 150, samples: 2 });
    d = learnDensity(d, 150);
    expect(d.plantsPerM2).toBeCloseTo(150, 9);
    expect(d.samples).toBe(3);
  });

  it('follows a changing crop: past MAX_DENSITY_SAMPLES a new photo weighs 1/MAX, the count stops growing', () => {
    let d = { plantsPerM2: 100, samples: MAX_DENSITY_SAMPLES };
    d = learnDensity(d, 300);
    expect(d.samples).toBe(MAX_DENSITY_SAMPLES);
    expect(d.plantsPerM2).toBeCloseTo(100 + 200 / MAX_DENSITY_SAMPLES, 9);
  });
});

describe('needsCalibration', () => {
  const few = { method: 'detection', detected: 1, empty: 0 };
  it('too few plants singled out and no density to fall back on', () => {
    expect(needsCalibration(few, {}, 3)).toBe(true);
    expect(needsCalibration(few, { densityPerM2: 120, areaM2: null }, 3)).toBe(true);
    expect(needsCalibration(few, { densityPerM2: null, areaM2: 0.2 }, 3)).toBe(true);
  });
  it('not when enough plants were found, the density counted, or a known grid read its cells as empty', () => {
    expect(needsCalibration({ ...few, detected: 3 }, {}, 3)).toBe(false);
    expect(needsCalibration({ ...few, method: 'density' }, {}, 3)).toBe(false);
    expect(needsCalibration({ ...few, empty: 59 }, { grid: { rows: 6, cols: 10 } }, 3)).toBe(false);
    expect(needsCalibration(few, { densityPerM2: 120, areaM2: 0.2 }, 3)).toBe(false);
  });
});
