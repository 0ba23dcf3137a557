/**
 * Small pure pixel routines shared by the classical detector and band estimation: the excess-green index,
 * Otsu's threshold over a chosen set of pixels, and a down-scaled copy of an image.
 */
import type { RgbImage } from './types.js';

/** Excess green 2G − R − B, clamped to 0–255: plants are high, soil, pots and trays ≈ 0. */
export function excessGreen(image: RgbImage): Uint8Array {
  const { data } = image;
  const out = new Uint8Array(image.width * image.height);
  for (let i = 0, p = 0; i < out.length; i++, p += 3) {
    const v = 2 * data[p + 1]! - data[p]! - data[p + 2]!;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : v;
  }
  return out;
}

/**
 * Otsu's threshold of an 8-bit histogram: the value t that best splits it into ≤ t and > t (maximum
 * between-class variance). An empty or single-valued histogram gives its only value (or 0).
 */
export function otsuThreshold(histogram: ArrayLike<number>): number {
  let total = 0;
  let sum = 0;
  for (let v = 0; v < 256; v++) {
    total += histogram[v]!;
    sum += v * histogram[v]!;
  }
  if (total === 0) return 0;
  let best = 0;
  let bestVariance = -1;
  let below = 0;
  let sumBelow = 0;
  for (let t = 0; t < 255; t++) {
    below += histogram[t]!;
    sumBelow += t * histogram[t]!;
    const above = total - below;
    if (below === 0 || above === 0) continue;
    const meanBelow = sumBelow / below;
    const meanAbove = (sum - sumBelow) / above;
    const variance = below * above * (meanBelow - meanAbove) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = t;
    }
  }
  return bestVariance < 0 ? (sum / total) | 0 : best;
}

/** The histogram of `values` over the pixels where `include` is non-zero (all pixels when it is omitted). */
export function histogram(values: Uint8Array, include?: Uint8Array): Uint32Array {
  const h = new Uint32Array(256);
  for (let i = 0; i < values.length; i++) if (!include || include[i]) h[values[i]!]!++;
  return h;
}

/** A box-filtered copy no larger than `maxPixels` (the image itself when it is small enough) and its scale. */
export function downscale(image: RgbImage, maxPixels: number): { image: RgbImage; scale: number } {
  const pixels = image.width * image.height;
  if (pixels <= maxPixels) return { image, scale: 1 };
  const scale = Math.sqrt(maxPixels / pixels);
  const width = Math.max(1, Math.floor(image.width * scale));
  const height = Math.max(1, Math.floor(image.height * scale));
  const sx = image.width / width;
  const sy = image.height / height;
  const out = new Uint8Array(width * height * 3);
  const src = image.data;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++) {
        let p = (yy * image.width + x0) * 3;
        for (let xx = x0; xx < x1; xx++, p += 3) {
          r += src[p]!;
          g += src[p + 1]!;
          b += src[p + 2]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 3;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
    }
  }
  return { image: { width, height, data: out }, scale: width / image.width };
}

/** The median of a list (0 for an empty one). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
