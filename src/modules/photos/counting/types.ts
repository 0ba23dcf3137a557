/**
 * The counting contract between the photo pipeline and its detectors (issue #25): a decoded image in, a list
 * of detections out, then a count that adds what the detections could not see (band estimation, density).
 * Pure data: nothing here touches the database, the disk or the network.
 */

/** Fewer plant detections than this and the typical plant size is not worth learning from them. */
export const MIN_USABLE_DETECTIONS = 3;

/** A decoded image: 8-bit RGB, 3 bytes per pixel, rows top to bottom. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type DetectionClass = 'plant' | 'empty_container';

/** One thing found on the image, in the image's pixels. */
export interface Detection {
  class: DetectionClass;
  /** Centre. */
  cx: number;
  cy: number;
  /** Bounding box, x1 < x2, y1 < y2. */
  box: { x1: number; y1: number; x2: number; y2: number };
  /** Pixels it covers. */
  area: number;
  /** 0–1. */
  confidence: number;
}

/** What the caller knows about the photo's place (from its storage location's stock config). */
export interface CountHints {
  /** The tray grid when the bin type states one (rows × cols containers). */
  grid?: { rows: number; cols: number } | null;
  /** Plants per m² for this bin type, product and packaging, learnt from earlier detections; null: unknown. */
  densityPerM2?: number | null;
  /** The area the photo covers, m²; null: unknown. */
  areaM2?: number | null;
}

/** A detector: the classical one (default) or a farm's ONNX model. */
export interface Detector {
  readonly name: string;
  detect(image: RgbImage, hints: CountHints): Promise<Detection[]>;
}

/** How a count was reached. */
export type CountMethod = 'detection' | 'detection+band' | 'density';

/** A photo's count: what the detector found plus what band estimation or the density fallback added. */
export interface CountResult {
  detections: Detection[];
  /** Plant detections. */
  detected: number;
  /** Plants added by band estimation (or, with method 'density', the whole count). */
  estimated: number;
  /** Empty containers (from the grid, or from the detector). */
  empty: number;
  /** detected + estimated. */
  total: number;
  method: CountMethod;
  /** 0–1. */
  confidence: number;
  /** Milliseconds per step; decodeMs when the count started from the photo's bytes. */
  timings: { decodeMs?: number; detectMs: number; estimateMs: number };
}
