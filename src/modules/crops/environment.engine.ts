/**
 * A plant's (or location's) air against its current phase's targets: temperature, humidity and the
 * vapour-pressure deficit, each low | optimal | high. Pure.
 */

/**
 * The climate targets of a phase's requirement profile. The catalogue's `PhaseProfile` (catalog.reads.ts)
 * fits as it is; spelled out here because a module reaches another only through its index.ts.
 */
export interface ClimateTargets {
  dayTempC: number | null;
  nightTempC: number | null;
  /** Relative humidity, %. */
  dayHumidity: number | null;
  nightHumidity: number | null;
  /** kPa. */
  vpdMin: number | null;
  vpdMax: number | null;
}

/** Saturation vapour pressure of air at `tC` °C, in kPa (the Tetens form FAO-56 uses). */
export function saturationVaporPressureKpa(tC: number): number {
  return 0.6108 * Math.exp((17.27 * tC) / (tC + 237.3));
}

/**
 * Vapour-pressure deficit in kPa: SVP·(1 − RH/100). A humidity reading outside 0–100 % (a sensor at its
 * limits) is taken at the limit, so the deficit is never negative nor above the saturation pressure.
 */
export function vpdKpa(tC: number, rhPct: number): number {
  const rh = Math.min(100, Math.max(0, rhPct));
  return saturationVaporPressureKpa(tC) * (1 - rh / 100);
}

export type Level = 'low' | 'optimal' | 'high';

export interface Range {
  min: number;
  max: number;
}

/** Below `min` low, above `max` high, the bounds themselves optimal. */
export function classify(value: number, range: Range): Level {
  if (value < range.min) return 'low';
  if (value > range.max) return 'high';
  return 'optimal';
}

/**
 * How far the air may stray from a phase's day and night targets and still be optimal. A profile names
 * a set point for day and one for night; the sensor's latest reading may be from either, or from the
 * ramp between them, so the range spans both and allows this much either side.
 */
export const TEMPERATURE_TOLERANCE_C = 2;
export const HUMIDITY_TOLERANCE_PCT = 5;

export interface TargetRanges {
  temperature: Range | null;
  humidity: Range | null;
  vpd: Range | null;
}

/**
 * The optimal ranges of a phase profile:
 * - temperature: from the lower to the higher of the day and night targets, widened by
 *   TEMPERATURE_TOLERANCE_C each side (a night at or above the day's — zero or negative DIF — is fine);
 * - humidity: likewise, widened by HUMIDITY_TOLERANCE_PCT points and kept within 0–100;
 * - VPD: [vpdMin, vpdMax] as given (swapped if given the wrong way round).
 * With only one of day and night, that one target is used; null when the profile has neither (for VPD,
 * when it lacks either bound).
 */
export function targetRanges(profile: ClimateTargets): TargetRanges {
  return {
    temperature: spanOf(profile.dayTempC, profile.nightTempC, TEMPERATURE_TOLERANCE_C, -Infinity, Infinity),
    humidity: spanOf(profile.dayHumidity, profile.nightHumidity, HUMIDITY_TOLERANCE_PCT, 0, 100),
    vpd:
      profile.vpdMin === null || profile.vpdMax === null
        ? null
        : { min: Math.min(profile.vpdMin, profile.vpdMax), max: Math.max(profile.vpdMin, profile.vpdMax) },
  };
}

function spanOf(a: number | null, b: number | null, tolerance: number, floor: number, ceiling: number): Range | null {
  const targets = [a, b].filter((x): x is number => x !== null);
  if (targets.length === 0) return null;
  return {
    min: Math.max(floor, Math.min(...targets) - tolerance),
    max: Math.min(ceiling, Math.max(...targets) + tolerance),
  };
}

export interface Reading {
  value: number;
  ts: Date;
}

export interface Assessed {
  value: number;
  ts: Date;
  target: Range | null;
  /** Null when the phase has no target for it. */
  level: Level | null;
}

export interface EnvironmentAssessment {
  temperature: Assessed | null;
  humidity: Assessed | null;
  /** Only when both temperature and humidity are known; `ts` is the older of the two readings. */
  vpd: Assessed | null;
}

/** VPD is answered to the pascal (0.001 kPa): no air sensor is better than that. */
const VPD_DECIMALS = 3;

/**
 * The latest temperature and humidity against the current phase's targets, and the VPD they give. Without
 * a profile (no phase) every level is null; a missing reading is null.
 */
export function environmentAgainstTargets(input: {
  temperature: Reading | null;
  humidity: Reading | null;
  profile: ClimateTargets | null;
}): EnvironmentAssessment {
  const targets: TargetRanges = input.profile
    ? targetRanges(input.profile)
    : { temperature: null, humidity: null, vpd: null };
  const assess = (reading: Reading | null, target: Range | null): Assessed | null =>
    reading === null
      ? null
      : {
          value: reading.value,
          ts: reading.ts,
          target,
          level: target === null ? null : classify(reading.value, target),
        };
  const { temperature: t, humidity: h } = input;
  const vpd =
    t === null || h === null
      ? null
      : assess(
          {
            value: Number(vpdKpa(t.value, h.value).toFixed(VPD_DECIMALS)),
            ts: t.ts.getTime() <= h.ts.getTime() ? t.ts : h.ts,
          },
          targets.vpd,
        );
  return {
    temperature: assess(t, targets.temperature),
    humidity: assess(h, targets.humidity),
    vpd,
  };
}
