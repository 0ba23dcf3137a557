import { describe, expect, it } from 'vitest';
import { generateSyntheticTray } from '../synthetic/tray.js';
import { calibrateDensity, estimateFromDensity } from './band.js';
import { countPlants, decodeForCounting } from './count.js';
import { otsuThreshold } from './pixels.js';
import type { Detector } from './types.js';

// Trays of 1.9 MP (the generator's default): small enough for CI, big enough that plants are tens of pixels.
// Bounds: the target at 60 % detectable is a mean |error| ≤ 10 % and a worst ≤ 20 % over the set
// (scripts/measure-counting.ts measures it over 20 seeds); here three trays per share must each stay within
// the worst-case 20 % and their mean within 10 %.
async function countTray(seed: number, detectableShare: number) {
  const { jpeg, truth } = await generateSyntheticTray({ seed, detectableShare });
  const image = await decodeForCounting(jpeg);
  const result = await countPlants(image, { grid: { rows: truth.rows, cols: truth.cols } });
  return { truth, result, error: Math.abs(result.total - truth.plants) / truth.plants };
}

describe('countPlants with the classical detector', () => {
  for (const share of [0.9, 0.6]) {
    it(`counts synthetic trays at ${share * 100} % detectable within 20 % each, 10 % on average`, async () => {
      const errors: number[] = [];
      for (const seed of [11, 12, 13]) {
        const { truth, result, error } = await countTray(seed, share);
        errors.push(error);
        expect(error).toBeLessThanOrEqual(0.2);
        expect(result.total).toBe(result.detected + result.estimated);
        expect(['detection', 'detection+band']).toContain(result.method);
        expect(result.confidence).toBeGreaterThan(0);
        expect(result.confidence).toBeLessThanOrEqual(1);
        // Empty pots from the grid: the truth's, give or take one.
        expect(Math.abs(result.empty - truth.empty)).toBeLessThanOrEqual(1);
        for (const d of result.detections) {
          expect(d.box.x1).toBeLessThan(d.box.x2);
          expect(d.box.y1).toBeLessThan(d.box.y2);
          expect(d.cx).toBeGreaterThanOrEqual(d.box.x1);
          expect(d.cx).toBeLessThanOrEqual(d.box.x2);
          expect(d.confidence).toBeGreaterThan(0);
          expect(d.confidence).toBeLessThanOrEqual(1);
        }
      }
      expect(errors.reduce((s, e) => s + e, 0) / errors.length).toBeLessThanOrEqual(0.1);
    });
  }

  it('finds the detectable plants themselves (each near a true plant), not just a right total', async () => {
    const { jpeg, truth } = await generateSyntheticTray({ seed: 21, detectableShare: 0.9 });
    const image = await decodeForCounting(jpeg);
    const result = await countPlants(image, {});
    const plants = truth.items.filter((i) => i.class === 'plant' && i.detectable);
    const found = plants.filter((p) =>
      result.detections.some((d) => d.class === 'plant' && Math.hypot(d.cx - p.cx, d.cy - p.cy) < p.r * 0.5),
    );
    expect(found.length / plants.length).toBeGreaterThanOrEqual(0.95);
    // No grid given: no empty containers claimed.
    expect(result.empty).toBe(0);
    expect(result.detections.every((d) => d.class === 'plant')).toBe(true);
  });

  it('falls back to the density when the detector finds nothing usable, and says so', async () => {
    const nothing: Detector = { name: 'none', detect: () => Promise.resolve([]) };
    const image = { width: 4, height: 4, data: new Uint8Array(48) };
    const density = await countPlants(image, { densityPerM2: 120, areaM2: 1.5 }, nothing);
    expect(density).toMatchObject({ method: 'density', detected: 0, estimated: 180, total: 180, confidence: 0.4 });
    const unknown = await countPlants(image, {}, nothing);
    expect(unknown).toMatchObject({ method: 'detection', detected: 0, estimated: 0, total: 0, confidence: 0 });
    expect(unknown.timings.detectMs).toBeGreaterThanOrEqual(0);
  });
});

describe('density', () => {
  it.each([
    [
      { densityPerM2: 100, areaM2: 2 },
      { estimated: 200, confidence: 0.4 },
    ],
    [
      { densityPerM2: 33.3, areaM2: 0.5 },
      { estimated: 17, confidence: 0.4 },
    ],
    [{ densityPerM2: null, areaM2: 2 }, null],
    [{ densityPerM2: 100, areaM2: null }, null],
    [{ densityPerM2: 0, areaM2: 2 }, null],
    [{}, null],
  ])('estimates from %j', (hints, expected) => {
    expect(estimateFromDensity(hints)).toEqual(expected);
  });

  it.each([
    [120, 1.5, 80],
    [0, 1.5, null],
    [120, 0, null],
    [120, null, null],
  ])('calibrates %d plants on %s m² to %s per m²', (count, area, expected) => {
    expect(calibrateDensity(count, area)).toBe(expected);
  });
});

describe("Otsu's threshold", () => {
  const hist = (entries: [number, number][]): Uint32Array => {
    const h = new Uint32Array(256);
    for (const [v, n] of entries) h[v] = n;
    return h;
  };
  it.each([
    [
      'two clear modes',
      hist([
        [20, 500],
        [200, 300],
      ]),
      [20, 199],
    ],
    [
      'three values',
      hist([
        [10, 100],
        [12, 100],
        [100, 100],
      ]),
      [12, 99],
    ],
    ['a single value', hist([[77, 10]]), [77, 77]],
    ['nothing', hist([]), [0, 0]],
  ])('splits %s', (_name, h, [lo, hi]) => {
    const t = otsuThreshold(h);
    expect(t).toBeGreaterThanOrEqual(lo!);
    expect(t).toBeLessThanOrEqual(hi!);
  });
});
