/**
 * Water: mixing reverse-osmosis with tap water to a target EC, the flushing protocol before harvest,
 * and the analysis of a drain-to-waste runoff. Pure: no I/O. Constants from crops.md "Nutrition and
 * water" and crops-corrections.md item 16.
 */
import { ruleViolation } from '../../platform/errors.js';
import type { Substrate } from './ec-budget.engine.js';

export interface WaterMixInput {
  tapEc: number;
  roEc: number;
  targetEc: number;
  tapPh?: number | undefined;
  roPh?: number | undefined;
  volumeL?: number | undefined;
}

export interface WaterMixResult {
  /** Share of RO water r = (EC_tap − EC_target)/(EC_tap − EC_ro), 0–1. */
  ro_share: number;
  tap_share: number;
  ro_l: number | null;
  tap_l: number | null;
  /** EC mixes linearly: r·EC_ro + (1 − r)·EC_tap (equals the target). */
  ec: number;
  /** −log10(r·10^−pH_ro + (1 − r)·10^−pH_tap): an estimate — the tap water's alkalinity buffers it. */
  ph_estimate: number | null;
  ph_note: string | null;
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * The RO share that brings tap water to a target EC. A target outside [EC_ro, EC_tap] cannot be mixed
 * from these two waters, and two waters of the same EC cannot change it: both 422 WATER_MIX_IMPOSSIBLE.
 */
export function waterMix(input: WaterMixInput): WaterMixResult {
  const { tapEc, roEc, targetEc } = input;
  if (tapEc === roEc)
    throw ruleViolation(
      'WATER_MIX_IMPOSSIBLE',
      `Tap and RO water have the same EC (${tapEc}): mixing them cannot change it`,
      {
        tap_ec: tapEc,
        ro_ec: roEc,
        target_ec: targetEc,
      },
    );
  const low = Math.min(tapEc, roEc);
  const high = Math.max(tapEc, roEc);
  if (targetEc < low || targetEc > high)
    throw ruleViolation(
      'WATER_MIX_IMPOSSIBLE',
      `A target EC of ${targetEc} cannot be mixed from RO (${roEc}) and tap water (${tapEc}): it must lie between them`,
      { tap_ec: tapEc, ro_ec: roEc, target_ec: targetEc, range: [low, high] },
    );
  const r = (tapEc - targetEc) / (tapEc - roEc);
  const phEstimate =
    input.tapPh !== undefined && input.roPh !== undefined
      ? -Math.log10(r * 10 ** -input.roPh + (1 - r) * 10 ** -input.tapPh)
      : null;
  return {
    ro_share: r,
    tap_share: 1 - r,
    ro_l: input.volumeL === undefined ? null : r * input.volumeL,
    tap_l: input.volumeL === undefined ? null : (1 - r) * input.volumeL,
    ec: r * roEc + (1 - r) * tapEc,
    ph_estimate: phEstimate,
    ph_note:
      phEstimate === null
        ? null
        : `An estimate (${round(phEstimate, 2)}) from the hydrogen ions alone: the tap water’s alkalinity buffers ` +
          'the mix, so its real pH is usually nearer the tap water’s. Measure it.',
  };
}

/** Flushing days (min–max) by substrate; a substrate not given: soil's range, the longest. */
export const FLUSH_DAYS: Record<Substrate | 'unknown', { min: number; max: number }> = {
  hydro: { min: 7, max: 14 },
  rockwool: { min: 7, max: 14 },
  clay_pebbles: { min: 7, max: 14 },
  perlite: { min: 7, max: 14 },
  coco: { min: 10, max: 21 },
  soil: { min: 14, max: 30 },
  living_soil: { min: 14, max: 30 },
  unknown: { min: 14, max: 30 },
};

/** The schedule's stages: strength (% of the current EC) until a share of the days has passed. */
export const FLUSH_STAGES = [
  { untilShare: 0.3, strengthPct: 50, action: 'reduced_solution' },
  { untilShare: 0.6, strengthPct: 25, action: 'quarter_strength' },
  { untilShare: 1, strengthPct: 0, action: 'plain_water' },
] as const;

export interface FlushDay {
  day: number;
  /** Days from today when days until harvest were given, else null. */
  day_from_today: number | null;
  strength_pct: number;
  target_ec: number;
  action: (typeof FLUSH_STAGES)[number]['action'];
}

export interface FlushResult {
  substrate: Substrate | 'unknown';
  days_range: { min: number; max: number };
  days: number;
  /** When to start, in days from today (days until harvest − flush days, at least 0); null without a harvest date. */
  start_in_days: number | null;
  current_ec: number;
  schedule: FlushDay[];
}

/**
 * A day-by-day flush: the length is the days left until harvest held within the substrate's range (its
 * maximum when not given). Day d of n is in the first stage while d ≤ 30 % of n, the second while
 * d ≤ 60 % of n, then plain water — the share counted in whole days, so 10 days give 3 + 3 + 4.
 */
export function flushSchedule(input: {
  substrate: Substrate | undefined;
  currentEc: number;
  daysUntilHarvest?: number | undefined;
}): FlushResult {
  const substrate = input.substrate ?? 'unknown';
  const range = FLUSH_DAYS[substrate];
  const days =
    input.daysUntilHarvest === undefined
      ? range.max
      : Math.min(range.max, Math.max(range.min, Math.floor(input.daysUntilHarvest)));
  const start = input.daysUntilHarvest === undefined ? null : Math.max(0, Math.floor(input.daysUntilHarvest) - days);
  const schedule: FlushDay[] = [];
  for (let day = 1; day <= days; day++) {
    // Compared in whole hundredths so that 0.3 · 10 is exactly 3.
    const stage = FLUSH_STAGES.find((s) => day * 100 <= Math.round(s.untilShare * 100) * days)!;
    schedule.push({
      day,
      day_from_today: start === null ? null : start + day,
      strength_pct: stage.strengthPct,
      target_ec: round((input.currentEc * stage.strengthPct) / 100, 3),
      action: stage.action,
    });
  }
  return { substrate, days_range: range, days, start_in_days: start, current_ec: input.currentEc, schedule };
}

/** Runoff EC this much above the input: salts build up. */
export const RUNOFF_SALT_BUILDUP = 0.5;
/** Above the input by more than this: watch it. Below by more: the plants take more than they are given. */
export const RUNOFF_EC_WARNING = 0.3;
export const RUNOFF_PH_DRIFT = 0.5;
export const RUNOFF_IDEAL_PCT = { min: 10, max: 30 } as const;

export interface RunoffInput {
  inputEc: number;
  runoffEc: number;
  inputPh?: number | undefined;
  runoffPh?: number | undefined;
  inputVolumeL: number;
  runoffVolumeL: number;
}

export interface RunoffResult {
  ec_delta: number;
  ec_status: 'salt_buildup' | 'warning' | 'underfed' | 'ok';
  ph_delta: number | null;
  ph_status: 'drift' | 'ok' | null;
  runoff_pct: number;
  volume_status: 'low' | 'ok' | 'high';
  overall: 'poor' | 'fair' | 'good';
  messages: string[];
}

/** Runoff against input: EC delta, pH drift, the runoff share; 'poor' on salt build-up, 'fair' on any other flag. */
export function analyseRunoff(input: RunoffInput): RunoffResult {
  // Rounded to 0.001 so that readings like 1.8 and 2.3 give a delta of exactly 0.5.
  const ecDelta = round(input.runoffEc - input.inputEc, 3);
  const messages: string[] = [];
  let ecStatus: RunoffResult['ec_status'] = 'ok';
  if (ecDelta > RUNOFF_SALT_BUILDUP) {
    ecStatus = 'salt_buildup';
    messages.push(
      `Runoff EC is ${ecDelta} mS/cm above the input: salts build up in the root zone — flush or feed weaker.`,
    );
  } else if (ecDelta > RUNOFF_EC_WARNING) {
    ecStatus = 'warning';
    messages.push(`Runoff EC is ${ecDelta} mS/cm above the input: watch it.`);
  } else if (ecDelta < -RUNOFF_EC_WARNING) {
    ecStatus = 'underfed';
    messages.push(
      `Runoff EC is ${Math.abs(ecDelta)} mS/cm below the input: the plants take more than they get — feed more.`,
    );
  }
  let phDelta: number | null = null;
  let phStatus: RunoffResult['ph_status'] = null;
  if (input.inputPh !== undefined && input.runoffPh !== undefined) {
    phDelta = round(input.runoffPh - input.inputPh, 3);
    phStatus = Math.abs(phDelta) > RUNOFF_PH_DRIFT ? 'drift' : 'ok';
    if (phStatus === 'drift')
      messages.push(
        `Runoff pH drifted ${phDelta > 0 ? 'up' : 'down'} by ${Math.abs(phDelta)}: check the substrate’s buffering.`,
      );
  }
  const runoffPct = (input.runoffVolumeL / input.inputVolumeL) * 100;
  const pct = round(runoffPct, 1);
  let volumeStatus: RunoffResult['volume_status'] = 'ok';
  if (pct < RUNOFF_IDEAL_PCT.min) {
    volumeStatus = 'low';
    messages.push(
      `Runoff is ${pct} % of the input: water more per feed (aim for ${RUNOFF_IDEAL_PCT.min}–${RUNOFF_IDEAL_PCT.max} %).`,
    );
  } else if (pct > RUNOFF_IDEAL_PCT.max) {
    volumeStatus = 'high';
    messages.push(
      `Runoff is ${pct} % of the input: water less per feed (aim for ${RUNOFF_IDEAL_PCT.min}–${RUNOFF_IDEAL_PCT.max} %).`,
    );
  }
  const overall: RunoffResult['overall'] =
    ecStatus === 'salt_buildup'
      ? 'poor'
      : ecStatus !== 'ok' || phStatus === 'drift' || volumeStatus !== 'ok'
        ? 'fair'
        : 'good';
  return {
    ec_delta: ecDelta,
    ec_status: ecStatus,
    ph_delta: phDelta,
    ph_status: phStatus,
    runoff_pct: runoffPct,
    volume_status: volumeStatus,
    overall,
    messages,
  };
}
