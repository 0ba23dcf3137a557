/**
 * The classical detector (issue #25 item 5), Croft's default: deterministic, no model to train.
 *
 * 1. Work on a copy of at most 1.5 MP (plants stay tens of pixels wide; detections are mapped back).
 * 2. Plant pixels: excess green 2G − R − B above Otsu's threshold of the image (never below a floor, so a
 *    tray without plants does not split its soil into "plants"); soil, pots, trays and benches are ≈ 0.
 * 3. Cleaning: a 3×3 opening removes specks; a closing sized from the typical plant fills the gaps between
 *    a rosette's leaves.
 * 4. Splitting touching plants: markers are the local maxima of the distance transform, kept only when a
 *    neck (a lower saddle) separates them from stronger ones; each plant pixel goes to the marker whose disc
 *    it is deepest in (a power diagram, which for touching discs is the watershed line).
 * 5. Each segment: centre, box, area, confidence from its size against the median and how disc-like it is.
 * 6. With the tray grid known (hints.grid), the tray's corners on the image give each cell; a cell with no
 *    plant centre and little green is an empty container.
 */
import { cellGeometry, invert, project, squareToQuad, type Quad } from './homography.js';
import { loadOpenCv, withMats, type OpenCv } from './opencv.js';
import { downscale, excessGreen, histogram, median, otsuThreshold } from './pixels.js';
import { PointGrid } from './spatial.js';
import type { CountHints, Detection, Detector, RgbImage } from './types.js';

export interface ClassicalOptions {
  /** The working copy's size limit, pixels (default 1.5 MP). */
  maxPixels?: number;
  /** Excess-green floor: Otsu's threshold is never taken below it (default 24). */
  minExcessGreen?: number;
}

/** Segments compared with this many nearest ones. */
const NEIGHBOURS = 8;
/** A segment this many times its neighbours' median area, and not disc-like, is several plants. */
const MERGED_RATIO = 1.7;
const MERGED_DISC = 0.75;

interface Peak {
  x: number;
  y: number;
  value: number;
  component: number;
}

interface Segment {
  area: number;
  sumX: number;
  sumY: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A classical detector with its options (the default one is `classicalDetector`). */
export function createClassicalDetector(options: ClassicalOptions = {}): Detector {
  return {
    name: 'classical',
    async detect(image: RgbImage, hints: CountHints): Promise<Detection[]> {
      const cv = await loadOpenCv();
      return detectClassical(cv, image, hints, options);
    },
  };
}

/** The default detector. */
export const classicalDetector: Detector = createClassicalDetector();

function detectClassical(cv: OpenCv, input: RgbImage, hints: CountHints, options: ClassicalOptions): Detection[] {
  const { image, scale } = downscale(input, options.maxPixels ?? 1_500_000);
  const { width, height } = image;
  const exg = excessGreen(image);
  const threshold = Math.max(otsuThreshold(histogram(exg)), options.minExcessGreen ?? 24);
  const n = width * height;

  return withMats((keep) => {
    const mask = keep(new cv.Mat(height, width, cv.CV_8UC1));
    const maskData = mask.data;
    for (let i = 0; i < n; i++) maskData[i] = exg[i]! > threshold ? 255 : 0;
    const opened = keep(new cv.Mat());
    const k3 = keep(cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(3, 3)));
    cv.morphologyEx(mask, opened, cv.MORPH_OPEN, k3);

    // The typical plant from the blobs as they are (most plants stand alone).
    const labels = keep(new cv.Mat());
    const stats = keep(new cv.Mat());
    const centroids = keep(new cv.Mat());
    let count = cv.connectedComponentsWithStats(opened, labels, stats, centroids, 8, cv.CV_32S);
    const blobAreas: number[] = [];
    for (let l = 1; l < count; l++) {
      const area = stats.intAt(l, cv.CC_STAT_AREA);
      if (area >= 20) blobAreas.push(area);
    }
    const emptyResult = (): Detection[] =>
      hints.grid ? emptyContainers(cv, image, scale, opened.data, [], hints.grid, keep) : [];
    if (blobAreas.length === 0) return emptyResult();
    const typicalArea = median(blobAreas);
    const typicalRadius = Math.sqrt(typicalArea / Math.PI);

    const closed = keep(new cv.Mat());
    const closeSize = 2 * Math.max(1, Math.round(typicalRadius * 0.25)) + 1;
    const kClose = keep(cv.getStructuringElement(cv.MORPH_ELLIPSE, new cv.Size(closeSize, closeSize)));
    cv.morphologyEx(opened, closed, cv.MORPH_CLOSE, kClose);

    count = cv.connectedComponentsWithStats(closed, labels, stats, centroids, 8, cv.CV_32S);
    const label = labels.data32S;
    const dist = keep(new cv.Mat());
    cv.distanceTransform(closed, dist, cv.DIST_L2, 5);
    const dilated = keep(new cv.Mat());
    const peakRadius = Math.max(2, Math.round(typicalRadius * 0.3));
    const kPeak = keep(cv.getStructuringElement(cv.MORPH_ELLIPSE, new cv.Size(2 * peakRadius + 1, 2 * peakRadius + 1)));
    cv.dilate(dist, dilated, kPeak);
    const d = dist.data32F;
    const dd = dilated.data32F;

    // Each component's deepest point; the median over plant-sized components is the typical peak.
    const componentPeak = new Float32Array(count);
    for (let i = 0; i < n; i++) {
      const l = label[i]!;
      if (l > 0 && d[i]! > componentPeak[l]!) componentPeak[l] = d[i]!;
    }
    const singlePeaks: number[] = [];
    for (let l = 1; l < count; l++) {
      const area = stats.intAt(l, cv.CC_STAT_AREA);
      if (area >= typicalArea * 0.5 && area <= typicalArea * 1.6) singlePeaks.push(componentPeak[l]!);
    }
    const typicalPeak = singlePeaks.length > 0 ? median(singlePeaks) : typicalRadius * 0.5;
    const minPeak = Math.max(1.5, typicalPeak * 0.3);

    const candidates: Peak[] = [];
    for (let i = 0; i < n; i++) {
      const v = d[i]!;
      if (v >= minPeak && v >= dd[i]! - 1e-3) {
        candidates.push({ x: i % width, y: (i / width) | 0, value: v, component: label[i]! });
      }
    }
    candidates.sort((a, b) => b.value - a.value || a.y - b.y || a.x - b.x);
    const markers: Peak[] = [];
    const saddleBelow = (p: Peak, q: Peak): boolean => {
      // True when the distance map dips well below the weaker peak somewhere on the segment p–q (a neck).
      const limit = 0.75 * Math.min(p.value, q.value);
      const steps = Math.ceil(Math.hypot(q.x - p.x, q.y - p.y));
      for (let s = 1; s < steps; s++) {
        const x = Math.round(p.x + ((q.x - p.x) * s) / steps);
        const y = Math.round(p.y + ((q.y - p.y) * s) / steps);
        if (d[y * width + x]! < limit) return true;
      }
      return false;
    };
    // Only markers within (m.value + c.value) × 1.6 are compared, so a grid of cells that wide finds them all.
    const deepest = candidates.length > 0 ? candidates[0]!.value : 1;
    const markerGrid = new PointGrid(Math.max(1, deepest * 3.2));
    for (const c of candidates) {
      let distinct = true;
      markerGrid.around(c.x, c.y, (index) => {
        if (!distinct) return;
        const m = markers[index]!;
        if (m.component !== c.component) return;
        const gap = Math.hypot(m.x - c.x, m.y - c.y);
        if (gap > (m.value + c.value) * 1.6) return;
        if (gap < Math.max(m.value, 2) || !saddleBelow(m, c)) distinct = false;
      });
      if (distinct) {
        markers.push(c);
        markerGrid.add(c.x, c.y);
      }
    }

    // Each component's markers; pixels go to the marker maximising v² − d² (deepest in its disc).
    const byComponent = new Map<number, number[]>();
    markers.forEach((m, index) => {
      const list = byComponent.get(m.component);
      if (list) list.push(index);
      else byComponent.set(m.component, [index]);
    });
    const segments: Segment[] = markers.map(() => ({
      area: 0,
      sumX: 0,
      sumY: 0,
      x1: Infinity,
      y1: Infinity,
      x2: -Infinity,
      y2: -Infinity,
    }));
    const plantPixels = opened.data;
    for (let i = 0; i < n; i++) {
      if (plantPixels[i] === 0) continue;
      const own = byComponent.get(label[i]!);
      if (!own) continue;
      const x = i % width;
      const y = (i / width) | 0;
      let best = own[0]!;
      if (own.length > 1) {
        // The markers of its component in the cells around it; a marker outside them is more than
        // markerGrid.cellSize away, so it scores at most deepest² − cellSize² and cannot win when the best
        // found scores more. Otherwise (a pixel far from every marker near it) all of them are compared.
        const component = label[i]!;
        let bestScore = -Infinity;
        const consider = (index: number) => {
          const m = markers[index]!;
          if (m.component !== component) return;
          const score = m.value * m.value - ((x - m.x) ** 2 + (y - m.y) ** 2);
          if (score > bestScore || (score === bestScore && index < best)) {
            bestScore = score;
            best = index;
          }
        };
        markerGrid.around(x, y, consider);
        if (bestScore <= deepest * deepest - markerGrid.cellSize * markerGrid.cellSize) {
          bestScore = -Infinity;
          for (const index of own) consider(index);
        }
      }
      const s = segments[best]!;
      s.area++;
      s.sumX += x;
      s.sumY += y;
      if (x < s.x1) s.x1 = x;
      if (x > s.x2) s.x2 = x;
      if (y < s.y1) s.y1 = y;
      if (y > s.y2) s.y2 = y;
    }

    const kept = segments.filter((s) => s.area > 0);
    const segmentMedian = median(kept.map((s) => s.area));
    // The segments that are plants of their own (not leaves of a neighbour cut off by the split, or
    // specks), in a grid sized so a plant's neighbours are a ring or two away.
    const plantsOnly = kept.filter((s) => s.area >= segmentMedian * 0.2);
    const neighbourGrid = new PointGrid(Math.max(1, 2 * Math.sqrt((width * height) / Math.max(1, plantsOnly.length))));
    for (const s of plantsOnly) neighbourGrid.add(s.sumX / s.area, s.sumY / s.area);
    const detections: Detection[] = [];
    for (const [index, s] of plantsOnly.entries()) {
      const cx = s.sumX / s.area;
      const cy = s.sumY / s.area;
      // Compared with its neighbours (plants near each other are alike, and perspective changes sizes across
      // the photo), a segment much larger is plants the split could not separate: left to band estimation.
      const near = neighbourGrid.nearest(cx, cy, NEIGHBOURS, index).map((o) => plantsOnly[o]!.area);
      const local = near.length >= 3 ? median(near) : segmentMedian;
      const w = s.x2 - s.x1 + 1;
      const h = s.y2 - s.y1 + 1;
      const disc = Math.min(1, s.area / ((Math.PI / 4) * Math.max(w, h) ** 2));
      if (s.area > local * MERGED_RATIO && disc < MERGED_DISC) continue;
      const sizeFit = Math.exp(-Math.abs(Math.log(s.area / local)));
      const confidence = Math.round((0.35 + 0.35 * sizeFit + 0.3 * Math.min(1, disc / 0.6)) * 1000) / 1000;
      detections.push({
        class: 'plant',
        cx: cx / scale,
        cy: cy / scale,
        box: { x1: s.x1 / scale, y1: s.y1 / scale, x2: (s.x2 + 1) / scale, y2: (s.y2 + 1) / scale },
        area: s.area / (scale * scale),
        confidence,
      });
    }
    if (hints.grid) {
      detections.push(...emptyContainers(cv, image, scale, plantPixels, detections, hints.grid, keep));
    }
    return detections;
  });
}

/**
 * Empty containers from the tray grid: the tray is the largest region darker than the bench (or green), its
 * extreme points are the corners, the grid's cells follow by perspective, and a cell holding no detected
 * plant's centre and little green is empty. Assumes one tray in the photo, on a lighter surface or filling
 * the frame.
 */
function emptyContainers(
  cv: OpenCv,
  image: RgbImage,
  scale: number,
  plantPixels: Uint8Array,
  plants: readonly Detection[],
  grid: { rows: number; cols: number },
  keep: <M extends { delete(): void }>(mat: M) => M,
): Detection[] {
  const { width, height, data } = image;
  const n = width * height;
  const value = new Uint8Array(n);
  for (let i = 0, p = 0; i < n; i++, p += 3) value[i] = Math.max(data[p]!, data[p + 1]!, data[p + 2]!);
  const dark = otsuThreshold(histogram(value));
  const tray = keep(new cv.Mat(height, width, cv.CV_8UC1));
  const trayData = tray.data;
  for (let i = 0; i < n; i++) trayData[i] = value[i]! <= dark || plantPixels[i] ? 255 : 0;
  const kernel = keep(cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(5, 5)));
  cv.morphologyEx(tray, tray, cv.MORPH_OPEN, kernel);
  const labels = keep(new cv.Mat());
  const stats = keep(new cv.Mat());
  const centroids = keep(new cv.Mat());
  const count = cv.connectedComponentsWithStats(tray, labels, stats, centroids, 8, cv.CV_32S);
  let largest = 0;
  for (let l = 1; l < count; l++) {
    if (largest === 0 || stats.intAt(l, cv.CC_STAT_AREA) > stats.intAt(largest, cv.CC_STAT_AREA)) largest = l;
  }
  let quad: Quad = [
    { x: 0, y: 0 },
    { x: width, y: 0 },
    { x: width, y: height },
    { x: 0, y: height },
  ];
  if (largest > 0 && stats.intAt(largest, cv.CC_STAT_AREA) > n * 0.2) {
    const label = labels.data32S;
    let tl = { x: 0, y: 0, s: Infinity };
    let tr = { x: 0, y: 0, s: -Infinity };
    let br = { x: 0, y: 0, s: -Infinity };
    let bl = { x: 0, y: 0, s: -Infinity };
    for (let i = 0; i < n; i++) {
      if (label[i] !== largest) continue;
      const x = i % width;
      const y = (i / width) | 0;
      if (x + y < tl.s) tl = { x, y, s: x + y };
      if (x - y > tr.s) tr = { x: x + 1, y, s: x - y };
      if (x + y > br.s) br = { x: x + 1, y: y + 1, s: x + y };
      if (y - x > bl.s) bl = { x, y: y + 1, s: y - x };
    }
    quad = [tl, tr, br, bl];
  }
  const toImage = squareToQuad(quad);
  const toGrid = invert(toImage);
  const occupied = new Set<number>();
  for (const p of plants) {
    const g = project(toGrid, p.cx * scale, p.cy * scale);
    const row = Math.floor(g.y * grid.rows);
    const col = Math.floor(g.x * grid.cols);
    if (row >= 0 && row < grid.rows && col >= 0 && col < grid.cols) occupied.add(row * grid.cols + col);
  }
  const empties: Detection[] = [];
  for (let row = 0; row < grid.rows; row++) {
    for (let col = 0; col < grid.cols; col++) {
      if (occupied.has(row * grid.cols + col)) continue;
      const { centre, pitchX, pitchY } = cellGeometry(toImage, grid.rows, grid.cols, row, col);
      // Green near the cell's centre: a plant the detector did not single out (dense band), not an empty pot.
      const radius = Math.max(1, Math.min(pitchX, pitchY) * 0.3);
      let green = 0;
      let all = 0;
      const x0 = Math.max(0, Math.floor(centre.x - radius));
      const x1 = Math.min(width - 1, Math.ceil(centre.x + radius));
      const y0 = Math.max(0, Math.floor(centre.y - radius));
      const y1 = Math.min(height - 1, Math.ceil(centre.y + radius));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          if ((x - centre.x) ** 2 + (y - centre.y) ** 2 > radius * radius) continue;
          all++;
          if (plantPixels[y * width + x]) green++;
        }
      }
      const coverage = all === 0 ? 1 : green / all;
      if (coverage >= 0.25) continue;
      const hx = pitchX * 0.42;
      const hy = pitchY * 0.42;
      empties.push({
        class: 'empty_container',
        cx: centre.x / scale,
        cy: centre.y / scale,
        box: {
          x1: (centre.x - hx) / scale,
          y1: (centre.y - hy) / scale,
          x2: (centre.x + hx) / scale,
          y2: (centre.y + hy) / scale,
        },
        area: (Math.PI * hx * hy) / (scale * scale),
        confidence: Math.round(Math.max(0.3, 0.9 - 2 * coverage) * 1000) / 1000,
      });
    }
  }
  return empties;
}
