/**
 * Counting what the detector could not single out (issue #25 item 5).
 *
 * Band estimation follows DemeterAI's method (see shared/domain/inventory-corrections.md §1c): take the
 * pixels not covered by detections, split the image into 4 horizontal bands, keep the vegetation among those
 * residual pixels (a threshold, a 3×3 opening), and divide each band's vegetation area by a typical plant
 * area. Croft's own choices, where it differs:
 * - the threshold is Otsu's over the **residual pixels only**. DemeterAI computes it over the whole masked
 *   image, whose zeroed pixels dominate the histogram, so the threshold comes out as 0 and bare soil counts as
 *   plants (+56 % on a synthetic tray). The whole-image variant is kept as an option only so that a test can
 *   show the difference;
 * - the channel is excess green (2G − R − B) with a floor, so that a residual of bare soil and pots, which
 *   Otsu would still split in two, yields no vegetation; DemeterAI's LAB lightness with its dark-soil
 *   exclusion is available as an option;
 * - a detection covers a disc of 0.55 × max(w, h) around its centre (its own leaves), not DemeterAI's
 *   0.85 × max(w, h) blurred, which also swallows the neighbours it is meant to estimate;
 * - the typical plant is the median pixel area of the band's detections (at least 5 of them, else of all
 *   detections), not the mean box area w × h with α 0.9 (a round plant covers π/4 of its box, which made
 *   DemeterAI's estimate ≈ 0.87 of the truth).
 *
 * The density fallback (plants per m² × m²) serves when detection finds nothing usable, and
 * `calibrateDensity` learns that density from a counted photo. All pure.
 */
import { downscale, excessGreen, histogram, median, otsuThreshold } from './pixels.js';
import { PointGrid } from './spatial.js';
import type { CountHints, Detection, RgbImage } from './types.js';

export interface BandOptions {
  /** Where Otsu's threshold is computed: Croft's residual pixels (default) or DemeterAI's whole masked image. */
  thresholdOver?: 'residual' | 'whole-image';
  /** The channel thresholded: excess green (default) or LAB lightness with DemeterAI's dark-soil exclusion. */
  channel?: 'excess-green' | 'lab-lightness';
  /** The threshold's floor (default 24 for excess green, 0 for lightness). */
  minThreshold?: number;
  /** Number of horizontal bands (default 4). */
  bands?: number;
  /** Working copy size limit, pixels (default 1.5 MP). */
  maxPixels?: number;
}

export interface BandResult {
  index: number;
  /** Input-image rows [yStart, yEnd). */
  yStart: number;
  yEnd: number;
  threshold: number;
  /** Input-image pixels not covered by detections, and of those the vegetation kept. */
  residualPx: number;
  vegetationPx: number;
  /** Typical plant area used, input pixels (null: no detections to learn it from). */
  plantAreaPx: number | null;
  estimated: number;
}

export interface BandEstimate {
  /** Plants estimated beyond the detections (rounded sum over the bands). */
  estimated: number;
  /** 0–1. */
  confidence: number;
  bands: BandResult[];
}

const DETECTION_RADIUS = 0.55;
const MIN_BAND_DETECTIONS = 5;

/** Estimates the plants not covered by `detections` (plant detections; others are ignored). */
export function estimateBand(
  image: RgbImage,
  detections: readonly Detection[],
  options: BandOptions = {},
): BandEstimate {
  const plants = detections.filter((d) => d.class === 'plant');
  const grid = plantGrid(plants, image.width, image.height);
  const channel = options.channel ?? 'excess-green';
  const { image: small, scale } = downscale(image, options.maxPixels ?? 1_500_000);
  const { width, height } = small;
  const n = width * height;
  const values = channel === 'excess-green' ? excessGreen(small) : labLightness(small);
  const excluded = channel === 'lab-lightness' ? darkSoil(small) : null;
  const floor = options.minThreshold ?? (channel === 'excess-green' ? 24 : 0);

  // Residual: not inside any detection's disc.
  const residual = new Uint8Array(n).fill(1);
  for (const d of plants) {
    const r = DETECTION_RADIUS * Math.max(d.box.x2 - d.box.x1, d.box.y2 - d.box.y1) * scale;
    const cx = d.cx * scale;
    const cy = d.cy * scale;
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(height - 1, Math.ceil(cy + r));
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(width - 1, Math.ceil(cx + r));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) residual[y * width + x] = 0;
    }
  }

  const bandCount = options.bands ?? 4;
  const bandHeight = Math.floor(height / bandCount);
  const allAreas = plants.map((d) => d.area);
  const results: BandResult[] = [];
  let total = 0;
  let weightedConfidence = 0;
  for (let b = 0; b < bandCount; b++) {
    const yStart = b * bandHeight;
    const yEnd = b === bandCount - 1 ? height : yStart + bandHeight;
    const inBand = new Uint8Array(n);
    for (let i = yStart * width; i < yEnd * width; i++) inBand[i] = residual[i]!;
    let threshold: number;
    if ((options.thresholdOver ?? 'residual') === 'residual') {
      threshold = otsuThreshold(histogram(values, inBand));
    } else {
      // DemeterAI: the image masked by the band's residual (everything else 0), thresholded as a whole.
      const masked = new Uint8Array(n);
      for (let i = 0; i < n; i++) if (inBand[i]) masked[i] = values[i]!;
      threshold = otsuThreshold(histogram(masked));
    }
    threshold = Math.max(threshold, floor);
    const vegetation = new Uint8Array(n);
    let residualPx = 0;
    for (let i = yStart * width; i < yEnd * width; i++) {
      if (!inBand[i]) continue;
      residualPx++;
      if (values[i]! > threshold && !(excluded && excluded[i])) vegetation[i] = 1;
    }
    const vegetationPx = open3x3(vegetation, width, yStart, yEnd);

    // Each patch of residual vegetation against the plants detected nearest to it (sizes change across a
    // photo with perspective and from one batch to the next), else the band's or the photo's median.
    const bandAreas = plants.filter((d) => d.cy * scale >= yStart && d.cy * scale < yEnd).map((d) => d.area);
    const fallbackAreas = bandAreas.length >= MIN_BAND_DETECTIONS ? bandAreas : allAreas;
    const fallbackArea = fallbackAreas.length > 0 ? median(fallbackAreas) : null;
    let estimated = 0;
    const used: number[] = [];
    for (const patch of patches(vegetation, width, yStart, yEnd)) {
      const typical = nearestMedianArea(plants, grid, patch.cx / scale, patch.cy / scale) ?? fallbackArea;
      if (!typical) continue;
      used.push(typical);
      estimated += patch.area / (scale * scale) / typical;
    }
    const plantArea = used.length > 0 ? median(used) : fallbackArea;
    const vegetationInput = vegetationPx / (scale * scale);
    total += estimated;
    // DemeterAI's 0.70, less when the typical plant rests on few detections.
    const confidence = 0.7 * Math.min(1, plants.length / 20);
    weightedConfidence += estimated * confidence;
    results.push({
      index: b + 1,
      yStart: Math.round(yStart / scale),
      yEnd: b === bandCount - 1 ? image.height : Math.round(yEnd / scale),
      threshold,
      residualPx: Math.round(residualPx / (scale * scale)),
      vegetationPx: Math.round(vegetationInput),
      plantAreaPx: plantArea,
      estimated: Math.round(estimated * 100) / 100,
    });
  }
  return {
    estimated: Math.round(total),
    confidence: total > 0 ? Math.round((weightedConfidence / total) * 1000) / 1000 : plants.length > 0 ? 0.7 : 0,
    bands: results,
  };
}

/** Detections a patch is compared with. */
const NEAREST = 8;

function nearestMedianArea(plants: readonly Detection[], grid: PointGrid, x: number, y: number): number | null {
  if (plants.length < MIN_BAND_DETECTIONS) return null;
  return median(grid.nearest(x, y, NEAREST).map((i) => plants[i]!.area));
}

/** The detections' centres in a grid sized so a patch's nearest ones are a ring or two away. */
function plantGrid(plants: readonly Detection[], width: number, height: number): PointGrid {
  const grid = new PointGrid(Math.max(1, 2 * Math.sqrt((width * height) / Math.max(1, plants.length))));
  for (const d of plants) grid.add(d.cx, d.cy);
  return grid;
}

/** 8-connected patches of a 0/1 mask within rows [yStart, yEnd): pixel count and centroid of each. */
function patches(
  mask: Uint8Array,
  width: number,
  yStart: number,
  yEnd: number,
): { area: number; cx: number; cy: number }[] {
  const seen = new Uint8Array(mask.length);
  const out: { area: number; cx: number; cy: number }[] = [];
  const stack: number[] = [];
  for (let start = yStart * width; start < yEnd * width; start++) {
    if (!mask[start] || seen[start]) continue;
    let area = 0;
    let sx = 0;
    let sy = 0;
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % width;
      const y = (i / width) | 0;
      area++;
      sx += x;
      sy += y;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < yStart || yy >= yEnd) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const j = yy * width + xx;
          if (mask[j] && !seen[j]) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
    }
    out.push({ area, cx: sx / area, cy: sy / area });
  }
  return out;
}

/** A 3×3 opening of the rows [yStart, yEnd) of a 0/1 mask, in place; returns the pixels left. */
function open3x3(mask: Uint8Array, width: number, yStart: number, yEnd: number): number {
  const eroded = new Uint8Array(mask.length);
  for (let y = yStart + 1; y < yEnd - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      let all = 1;
      for (let dy = -1; dy <= 1 && all; dy++) {
        const row = (y + dy) * width;
        for (let dx = -1; dx <= 1; dx++) {
          if (!mask[row + x + dx]) {
            all = 0;
            break;
          }
        }
      }
      eroded[y * width + x] = all;
    }
  }
  let kept = 0;
  for (let y = yStart; y < yEnd; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      let any = 0;
      for (let dy = -1; dy <= 1 && !any; dy++) {
        const yy = y + dy;
        if (yy < yStart || yy >= yEnd) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < width && eroded[yy * width + xx]) {
            any = 1;
            break;
          }
        }
      }
      mask[i] = any;
      kept += any;
    }
  }
  return kept;
}

/** CIE L* scaled to 0–255 as OpenCV's 8-bit LAB does (sRGB, D65). */
function labLightness(image: RgbImage): Uint8Array {
  const lut = new Float64Array(256);
  for (let v = 0; v < 256; v++) {
    const c = v / 255;
    lut[v] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }
  const out = new Uint8Array(image.width * image.height);
  const { data } = image;
  for (let i = 0, p = 0; i < out.length; i++, p += 3) {
    const y = 0.2126 * lut[data[p]!]! + 0.7152 * lut[data[p + 1]!]! + 0.0722 * lut[data[p + 2]!]!;
    const l = y > 0.008856 ? 116 * Math.cbrt(y) - 16 : 903.3 * y;
    out[i] = Math.round((l * 255) / 100);
  }
  return out;
}

/** DemeterAI's soil range, HSV (0,0,0)–(30,40,40) on OpenCV's scales: S ≤ 40 and V ≤ 40 (near black). */
function darkSoil(image: RgbImage): Uint8Array {
  const out = new Uint8Array(image.width * image.height);
  const { data } = image;
  for (let i = 0, p = 0; i < out.length; i++, p += 3) {
    const max = Math.max(data[p]!, data[p + 1]!, data[p + 2]!);
    const min = Math.min(data[p]!, data[p + 1]!, data[p + 2]!);
    const s = max === 0 ? 0 : ((max - min) * 255) / max;
    let h = 0;
    if (max !== min) {
      const r = data[p]!;
      const g = data[p + 1]!;
      const b = data[p + 2]!;
      const deg =
        max === r
          ? (60 * (g - b)) / (max - min)
          : max === g
            ? 120 + (60 * (b - r)) / (max - min)
            : 240 + (60 * (r - g)) / (max - min);
      h = ((deg + 360) % 360) / 2;
    }
    out[i] = h <= 30 && s <= 40 && max <= 40 ? 1 : 0;
  }
  return out;
}

/** The density fallback: plants per m² × the photo's m², when both are known. */
export function estimateFromDensity(hints: CountHints): { estimated: number; confidence: number } | null {
  if (!hints.densityPerM2 || !hints.areaM2 || hints.densityPerM2 <= 0 || hints.areaM2 <= 0) return null;
  // A stored density is only as good as the photos it was learnt from, and this photo showed nothing usable.
  return { estimated: Math.round(hints.densityPerM2 * hints.areaM2), confidence: 0.4 };
}

/** The density a counted photo shows (plants per m²), for the pipeline to store; null when it cannot tell. */
export function calibrateDensity(counted: number, areaM2: number | null | undefined): number | null {
  if (!areaM2 || areaM2 <= 0 || counted <= 0) return null;
  return counted / areaM2;
}
