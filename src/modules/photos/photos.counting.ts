import type { CountHints, Detection } from './counting/types.js';

/** What counting a photo answers: the detections and the count they, and the estimates, add up to. */
export interface PhotoCount {
  detections: Detection[];
  detected: number;
  estimated: number;
  empty: number;
  total: number;
  /** How the count was made (detection, band estimation, density …). */
  method: string;
  /** 0–1. */
  confidence: number;
}

/** Counts the plants on a photo's original bytes; the processing job calls it. */
export type CountPhoto = (bytes: Buffer, hints: CountHints) => Promise<PhotoCount>;
