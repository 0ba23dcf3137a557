import type { LocationSource } from './photos.tables.js';

/**
 * Which storage location a photo shows. A phone's GPS is off by 5–10 m and a bench is 1–2 m wide, so a
 * point alone rarely names one bench: a scanned label or a location sent with the photo wins, and GPS
 * names a place only when exactly one storage location lies within the fix's horizontal accuracy.
 * Pure: the candidates come from the repository (PostGIS), the decision from here.
 */

/** The accuracy assumed when the photo's EXIF states none (GPSHPositioningError). */
export const DEFAULT_GPS_ACCURACY_M = 10;

/** A storage location near the photo's point, as the repository found it. */
export interface PlaceCandidate {
  id: string;
  /** Metres from the point to the location's shape (0 when the shape contains it). */
  distanceM: number;
}

export interface PlaceInput {
  /** A location the request named (by label or id), already resolved in the farm. */
  chosen?: { id: string; source: Extract<LocationSource, 'label' | 'given'> } | undefined;
  /** The photo's GPS fix, when it has one. */
  gps?: { accuracyM: number | null } | undefined;
  /** Storage locations within the fix's accuracy of the point (ignored without a fix). */
  candidates: PlaceCandidate[];
}

export type PlaceReason = 'chosen' | 'gps' | 'no_gps' | 'none_within_accuracy' | 'several_within_accuracy';

export interface PlaceDecision {
  locationId: string | null;
  source: LocationSource | null;
  /** `needs_location` when no one place could be chosen. */
  warnings: Array<'needs_location'>;
  reason: PlaceReason;
}

/** The accuracy a fix is judged by: its own when stated (and sane), else {@link DEFAULT_GPS_ACCURACY_M}. */
export function accuracyOf(stated: number | null | undefined): number {
  return stated !== null && stated !== undefined && Number.isFinite(stated) && stated > 0
    ? stated
    : DEFAULT_GPS_ACCURACY_M;
}

/** Decides the photo's place: the request's choice, else the one candidate within the fix's accuracy. */
export function choosePlace(input: PlaceInput): PlaceDecision {
  if (input.chosen) return { locationId: input.chosen.id, source: input.chosen.source, warnings: [], reason: 'chosen' };
  const unknown = (reason: PlaceReason): PlaceDecision => ({
    locationId: null,
    source: null,
    warnings: ['needs_location'],
    reason,
  });
  if (!input.gps) return unknown('no_gps');
  const accuracy = accuracyOf(input.gps.accuracyM);
  const within = input.candidates.filter((c) => c.distanceM <= accuracy);
  if (within.length === 0) return unknown('none_within_accuracy');
  if (within.length > 1) return unknown('several_within_accuracy');
  return { locationId: within[0]!.id, source: 'gps', warnings: [], reason: 'gps' };
}
