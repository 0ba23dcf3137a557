import exifr from 'exifr';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeForCounting } from '../counting/count.js';
import { generateSyntheticTray } from './tray.js';

describe('synthetic trays', () => {
  it('draws the same bytes and truth for the same seed, and another tray for another seed', async () => {
    const options = { seed: 7, width: 640, height: 480 };
    const a = await generateSyntheticTray(options);
    const b = await generateSyntheticTray(options);
    const c = await generateSyntheticTray({ ...options, seed: 8 });
    expect(Buffer.compare(a.jpeg, b.jpeg)).toBe(0);
    expect(a.truth).toEqual(b.truth);
    expect(Buffer.compare(a.jpeg, c.jpeg)).not.toBe(0);
    expect(a.truth.items).not.toEqual(c.truth.items);
  });

  it('states a truth that adds up: every pot holds a plant or is empty, shares as asked', async () => {
    const { truth } = await generateSyntheticTray({
      seed: 1,
      width: 640,
      height: 480,
      emptyShare: 0.25,
      detectableShare: 0.6,
    });
    expect(truth.containers).toBe(120);
    expect(truth.plants + truth.empty).toBe(truth.containers);
    expect(truth.empty).toBe(30);
    expect(truth.items).toHaveLength(120);
    // Dense rows are whole rows: 4 of 10 rows dense, so about 60 % of the plants stand apart.
    expect(truth.detectable / truth.plants).toBeGreaterThan(0.5);
    expect(truth.detectable / truth.plants).toBeLessThan(0.7);
    for (const item of truth.items) {
      expect(item.cx).toBeGreaterThan(0);
      expect(item.cx).toBeLessThan(640);
      expect(item.cy).toBeGreaterThan(0);
      expect(item.cy).toBeLessThan(480);
    }
    // Perspective: the far (top) row's plants are drawn smaller than the near (bottom) row's.
    const meanR = (row: number): number => {
      const rs = truth.items.filter((i) => i.row === row).map((i) => i.r);
      return rs.reduce((s, r) => s + r, 0) / rs.length;
    };
    expect(meanR(0)).toBeLessThan(meanR(9));
  });

  it('writes GPS with its horizontal accuracy into EXIF, and exifr reads them back', async () => {
    const { jpeg } = await generateSyntheticTray({
      seed: 2,
      width: 320,
      height: 240,
      gps: { lat: -33.870094, lon: 151.2096, accuracyM: 7.5 },
    });
    const exif = (await exifr.parse(jpeg, { gps: true })) as Record<string, unknown>;
    expect(exif.latitude as number).toBeCloseTo(-33.870094, 5);
    expect(exif.longitude as number).toBeCloseTo(151.2096, 5);
    expect(exif.GPSHPositioningError).toBe(7.5);
    const plain = await generateSyntheticTray({ seed: 2, width: 320, height: 240 });
    expect(await exifr.gps(plain.jpeg)).toBeUndefined();
  });

  it('stores pixels turned for the EXIF orientation, so the oriented image is the truth frame', async () => {
    const upright = await generateSyntheticTray({ seed: 3, width: 320, height: 240 });
    const turned = await generateSyntheticTray({ seed: 3, width: 320, height: 240, orientation: 6 });
    const stored = await sharp(turned.jpeg).metadata();
    expect([stored.width, stored.height, stored.orientation]).toEqual([240, 320, 6]);
    expect(turned.truth).toEqual(upright.truth);
    const a = await decodeForCounting(upright.jpeg);
    const b = await decodeForCounting(turned.jpeg);
    expect([b.width, b.height]).toEqual([320, 240]);
    // Same picture after turning (JPEG noise aside).
    let diff = 0;
    for (let i = 0; i < a.data.length; i++) diff += Math.abs(a.data[i]! - b.data[i]!);
    expect(diff / a.data.length).toBeLessThan(6);
  });
});
