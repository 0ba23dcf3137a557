/**
 * What a photo's place tells the counter (issue #25 item 5), and the density fallback learning from the
 * photos counted there. Pure: the service reads the rows and stores what this answers.
 */
import type { CountHints } from './counting/types.js';

/** The bin type's part that counting uses. */
export interface BinTypeFacts {
  id: string;
  grid: boolean;
  grid_rows: number | null;
  grid_columns: number | null;
  length_cm: number | null;
  width_cm: number | null;
}

/** A learnt density (plants per m²) and how many photos it rests on. */
export interface LearntDensity {
  plantsPerM2: number;
  samples: number;
}

/** The mean follows at most this many photos: a changing crop moves it within a few weeks. */
export const MAX_DENSITY_SAMPLES = 20;
/** A photo teaches the density only when the detector singled out at least this many plants on it. */
export const MIN_CALIBRATION_DETECTIONS = 10;

/**
 * The hints for a photo of a storage location from the bins on it (one entry per bin): the tray grid when it
 * holds one bin and its type is a grid with rows and columns; the area the photo covers, taken as the bins'
 * footprints (length × width) when every bin's type states them; and the bin type whose density applies,
 * when every bin is of one type.
 */
export function countHints(bins: readonly BinTypeFacts[]): { hints: CountHints; binTypeId: string | null } {
  const only = bins.length === 1 ? bins[0]! : undefined;
  const grid =
    only?.grid && only.grid_rows && only.grid_columns && only.grid_rows > 0 && only.grid_columns > 0
      ? { rows: only.grid_rows, cols: only.grid_columns }
      : null;
  const sized = bins.length > 0 && bins.every((b) => b.length_cm && b.width_cm && b.length_cm > 0 && b.width_cm > 0);
  const areaM2 = sized ? bins.reduce((sum, b) => sum + (b.length_cm! * b.width_cm!) / 10_000, 0) : null;
  const binTypeId = bins.length > 0 && bins.every((b) => b.id === bins[0]!.id) ? bins[0]!.id : null;
  return { hints: { grid, areaM2, densityPerM2: null }, binTypeId };
}

/** What a counted photo says about the density; null when it cannot teach it. */
export function observedDensity(
  count: { method: string; detected: number; total: number },
  areaM2: number | null | undefined,
): number | null {
  // A density count only repeats the density; a few detections say little about a whole tray.
  if (count.method === 'density' || count.detected < MIN_CALIBRATION_DETECTIONS) return null;
  if (!areaM2 || areaM2 <= 0 || count.total <= 0) return null;
  return count.total / areaM2;
}

/** The density after one more photo: a running mean over at most MAX_DENSITY_SAMPLES photos. */
export function learnDensity(previous: LearntDensity | undefined, observed: number): LearntDensity {
  if (!previous) return { plantsPerM2: observed, samples: 1 };
  const weight = Math.min(previous.samples, MAX_DENSITY_SAMPLES - 1);
  return {
    plantsPerM2: (previous.plantsPerM2 * weight + observed) / (weight + 1),
    samples: Math.min(previous.samples + 1, MAX_DENSITY_SAMPLES),
  };
}

/**
 * A session needs calibration when the detector found too few plants to count from and the density
 * fallback had nothing to offer (no learnt density, or the bin type states no size): its count is only what
 * was singled out, and the review should know.
 */
export function needsCalibration(
  count: { method: string; detected: number; empty: number },
  hints: CountHints,
  minUsableDetections: number,
): boolean {
  if (count.method === 'density' || count.detected >= minUsableDetections) return false;
  // A known grid whose cells were read as empty containers is a count, not a guess.
  if (hints.grid && count.empty > 0) return false;
  return !(hints.densityPerM2 && hints.areaM2);
}
