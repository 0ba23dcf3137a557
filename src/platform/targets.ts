import type { Tx } from './db/database.js';
import { ruleViolation } from './errors.js';

/**
 * The climate a place should have now, as its crop's growth phase sets it: what alert rules and light
 * schedules that follow a crop ask for. The crops module provides it; alerts and schedules ask through
 * this door and never import crops (the module order and the import rules stay one-way).
 */
export interface LocationTargets {
  locationId: string;
  /** The planting run whose phase sets the targets (the location's target source). */
  run: { id: string; name: string };
  /** The phase most of the run's active plants are in. */
  phase: string;
  /** Hours of light a day the phase asks for (the photoperiod), when it says. */
  photoperiodH: number | null;
  day: { temperatureC: number | null; humidityPct: number | null };
  night: { temperatureC: number | null; humidityPct: number | null };
  vpdKpa: { min: number; max: number } | null;
  /**
   * The location's light period: from the light schedule that follows its photoperiod when there is one,
   * else DEFAULT_LIGHTS_ON_MINUTE for the phase's hours (12 when the phase does not say). Decides whether
   * the day or the night targets apply at a moment (`isDay`).
   */
  light: LightPeriod;
  /** The ranges counted as on target (the crop module's tolerances around its day and night values). */
  ranges: {
    day: { temperature: Range | null; humidity: Range | null };
    night: { temperature: Range | null; humidity: Range | null };
  };
}

export interface LightPeriod {
  /** Local minute of the day the lights go on. */
  startMinute: number;
  hours: number;
  /** The schedule that sets it, or null for the default. */
  schedule: { id: string; name: string } | null;
}

export interface Range {
  min: number;
  max: number;
}

/** Where the light day starts when no light schedule says (06:00). */
export const DEFAULT_LIGHTS_ON_MINUTE = 6 * 60;

/**
 * Whether a local minute of the day lies in the light period: `hours` of light from `startMinute`
 * (crossing midnight when it must); 24 h is always day, 0 h always night.
 */
export function inLightPeriod(minuteOfDay: number, hours: number, startMinute = DEFAULT_LIGHTS_ON_MINUTE): boolean {
  if (hours >= 24) return true;
  if (hours <= 0) return false;
  const since = (minuteOfDay - startMinute + 1440) % 1440;
  return since < hours * 60;
}

/** Whether the day targets apply at a local minute of the day under this light period. */
export function isDay(light: LightPeriod, minuteOfDay: number): boolean {
  return inLightPeriod(minuteOfDay, light.hours, light.startMinute);
}

export type TargetsAnswer =
  | { ok: true; targets: LocationTargets }
  | {
      ok: false;
      /** NO_TARGET_SOURCE: no active run there; TARGET_SOURCE_AMBIGUOUS: several, none chosen. */
      code: 'NO_TARGET_SOURCE' | 'TARGET_SOURCE_AMBIGUOUS';
      message: string;
      runs: Array<{ id: string; name: string; phase: string | null }>;
    };

export interface TargetProvider {
  targets(tx: Tx, farmId: string, locationId: string): Promise<TargetsAnswer>;
}

/** Where the targets come from in this process: nothing until the crops module provides them. */
export class Targets {
  #provider: TargetProvider | undefined;

  provide(provider: TargetProvider): void {
    this.#provider = provider;
  }

  async of(tx: Tx, farmId: string, locationId: string): Promise<TargetsAnswer> {
    if (!this.#provider)
      return { ok: false, code: 'NO_TARGET_SOURCE', message: 'No module provides crop targets here', runs: [] };
    return this.#provider.targets(tx, farmId, locationId);
  }

  /** The targets, or a 422 naming why there are none (and the runs to choose from). */
  async require(tx: Tx, farmId: string, locationId: string): Promise<LocationTargets> {
    const answer = await this.of(tx, farmId, locationId);
    if (!answer.ok) throw ruleViolation(answer.code, answer.message, { location_id: locationId, runs: answer.runs });
    return answer.targets;
  }
}
