import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { generateSyntheticTray } from '../synthetic/tray.js';
import { estimateBand } from './band.js';
import { decodeForCounting } from './count.js';
import type { Detection } from './types.js';

/** Green discs on brown soil rgb(110,80,50), as in the check recorded in inventory-corrections.md §1c. */
async function discs(seed: number, withPlants: boolean) {
  let a = seed;
  const rnd = (): number => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
  const width = 960;
  const height = 720;
  const plants: { cx: number; cy: number; r: number }[] = [];
  for (let y = 40; y < height - 30; y += 56) {
    for (let x = 40; x < width - 30; x += 56) {
      // Radius grows down the image, as perspective does.
      const r = 12 + (14 * y) / height + rnd() * 4;
      plants.push({ cx: x + (rnd() - 0.5) * 8, cy: y + (rnd() - 0.5) * 8, r });
    }
  }
  const circles = withPlants
    ? plants.map(
        (p) =>
          `<circle cx="${p.cx}" cy="${p.cy}" r="${p.r}" fill="rgb(${60 + Math.round(rnd() * 30)},${140 + Math.round(rnd() * 40)},60)"/>`,
      )
    : [];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="rgb(110,80,50)"/>${circles.join('')}</svg>`;
  const image = await decodeForCounting(await sharp(Buffer.from(svg)).png().toBuffer());
  return { image, plants };
}

/** The first `share` of the plants handed over as detections (as if a detector had found them). */
function given(plants: { cx: number; cy: number; r: number }[], share: number): Detection[] {
  return plants
    .filter((_, i) => i % 10 < share * 10)
    .map((p) => ({
      class: 'plant' as const,
      cx: p.cx,
      cy: p.cy,
      box: { x1: p.cx - p.r, y1: p.cy - p.r, x2: p.cx + p.r, y2: p.cy + p.r },
      area: Math.PI * p.r * p.r,
      confidence: 0.9,
    }));
}

describe('band estimation', () => {
  it('estimates the plants not detected, close to the truth, at 60 % and 30 % detected', async () => {
    const { image, plants } = await discs(5, true);
    for (const share of [0.6, 0.3]) {
      const detections = given(plants, share);
      const missing = plants.length - detections.length;
      const band = estimateBand(image, detections);
      expect(band.bands).toHaveLength(4);
      expect(Math.abs(band.estimated - missing) / missing).toBeLessThanOrEqual(0.1);
      expect(band.confidence).toBeGreaterThan(0);
      expect(band.confidence).toBeLessThanOrEqual(0.7);
    }
  });

  it('counts no bare soil: a tray without plants gives ~0 with the residual threshold', async () => {
    const { jpeg } = await generateSyntheticTray({ seed: 4, emptyShare: 1 });
    const image = await decodeForCounting(jpeg);
    // Detections taken from elsewhere (the typical plant size is what they lend); none lies on this tray.
    const detections = given(
      Array.from({ length: 10 }, (_, i) => ({ cx: -100 - i * 60, cy: -100, r: 30 })),
      1,
    );
    expect(estimateBand(image, detections).estimated).toBeLessThanOrEqual(1);
    const soil = await discs(6, false);
    expect(estimateBand(soil.image, detections).estimated).toBe(0);
  });

  it("regression: DemeterAI's whole-image threshold comes out 0 and counts the soil; the residual one does not", async () => {
    const soil = await discs(6, false);
    const { plants } = await discs(6, true);
    const detections = given(plants, 0.6);
    // As DemeterAI coded it: LAB lightness, Otsu over the whole masked image.
    const asCoded = estimateBand(soil.image, detections, { channel: 'lab-lightness', thresholdOver: 'whole-image' });
    expect(asCoded.bands.map((b) => b.threshold)).toEqual([0, 0, 0, 0]);
    expect(asCoded.estimated).toBeGreaterThan(100);
    // The same image, the same channel, the threshold over the residual pixels only: no over-count from the
    // zeroed pixels (bare soil of one colour is then all on one side of the threshold).
    const residual = estimateBand(soil.image, detections, { channel: 'lab-lightness', thresholdOver: 'residual' });
    expect(residual.estimated).toBe(0);

    // With plants: the whole-image threshold over-counts the undetected plants, the residual one does not.
    const withPlants = await discs(6, true);
    const missing = plants.length - detections.length;
    const wholeImage = estimateBand(withPlants.image, detections, {
      channel: 'lab-lightness',
      thresholdOver: 'whole-image',
    });
    const residualOnly = estimateBand(withPlants.image, detections, {
      channel: 'lab-lightness',
      thresholdOver: 'residual',
    });
    expect(wholeImage.estimated).toBeGreaterThan(missing * 1.3);
    expect(Math.abs(residualOnly.estimated - missing) / missing).toBeLessThanOrEqual(0.15);
  });

  it('estimates nothing without detections to learn a plant size from', async () => {
    const { image } = await discs(7, true);
    const band = estimateBand(image, []);
    expect(band.estimated).toBe(0);
    expect(band.bands.every((b) => b.plantAreaPx === null)).toBe(true);
  });
});
