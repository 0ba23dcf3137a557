/**
 * Beekeeping rules (BeeAPI's, and what beekeepers expect beyond it). Pure.
 */

export type MarkingColour = 'white' | 'yellow' | 'red' | 'green' | 'blue';

/** The international queen marking colour of a birth year: white 1/6, yellow 2/7, red 3/8, green 4/9, blue 5/0. */
export function markingColour(birthYear: number): MarkingColour {
  return (['blue', 'white', 'yellow', 'red', 'green'] as const)[birthYear % 5]!;
}

export const EVENT_TYPES = [
  'inspection',
  'feeding',
  'treatment',
  'harvest',
  'swarm',
  'split',
  'unite',
  'requeen',
  'note',
  'move',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The four BeeAPI metrics of a hive scale. */
export const HIVE_METRICS = ['temperature', 'humidity', 'weight', 'sound_level'] as const;

export interface HourlyRollup {
  ts: Date;
  min: number;
  max: number;
  sum: number;
  count: number;
}

/**
 * BeeAPI's hourly aggregate from Croft's per-metric hourly rollups: averages of the four metrics,
 * min/max of temperature and humidity, and the reading count (of the weight series, the scale's own).
 */
export function beeHourly(byMetric: Partial<Record<(typeof HIVE_METRICS)[number], HourlyRollup[]>>) {
  const hours = new Map<number, Record<string, number | null | string>>();
  const row = (ts: Date) => {
    let found = hours.get(ts.getTime());
    if (!found)
      hours.set(
        ts.getTime(),
        (found = {
          hour: ts.toISOString(),
          avg_temperature: null,
          avg_humidity: null,
          avg_weight: null,
          avg_sound_level: null,
          min_temperature: null,
          max_temperature: null,
          min_humidity: null,
          max_humidity: null,
          reading_count: 0,
        }),
      );
    return found;
  };
  for (const metric of HIVE_METRICS) {
    for (const bucket of byMetric[metric] ?? []) {
      const r = row(bucket.ts);
      r[`avg_${metric}`] = bucket.count > 0 ? bucket.sum / bucket.count : null;
      if (metric === 'temperature' || metric === 'humidity') {
        r[`min_${metric}`] = bucket.min;
        r[`max_${metric}`] = bucket.max;
      }
      r.reading_count = Math.max(r.reading_count as number, bucket.count);
    }
  }
  return [...hours.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

/** The layout of a hive: boxes and what sits on it. */
export interface HiveLayout {
  brood_boxes?: number;
  supers?: number;
  queen_excluder?: boolean;
  feeder?: boolean;
}

// Insights: alert-rule presets a beekeeper switches on per apiary

/** The insights a beekeeper switches on per apiary (each an alert-rule preset). */
export interface Insights {
  swarm: boolean;
  brood_temperature: boolean;
  /** Hive silent for this many hours; null: off. */
  silent_hours: number | null;
  /** A fall of at least this many kg in a day; null: off. */
  daily_loss_kg: number | null;
}

/** The presets, in the order they are applied. */
export const INSIGHT_PRESETS = ['swarm', 'brood_temperature', 'silent', 'daily_loss'] as const;
export type InsightPreset = (typeof INSIGHT_PRESETS)[number];

/** Swarm suspected: the alerts' swarm rule looks at this window (a 1–5 kg drop, not on an inspection day). */
export const SWARM_WINDOW_S = 900;
/** A healthy brood nest keeps between these (°C), averaged over BROOD_WINDOW_S. */
export const BROOD_NEST_C: readonly [number, number] = [33, 36];
export const BROOD_WINDOW_S = 3_600;
/** Weight loss is the change over this window. */
export const DAILY_LOSS_WINDOW_S = 86_400;

/** An alert rule as a preset makes it (the alerts module's rule input). */
export interface InsightRule {
  name: string;
  kind: 'swarm' | 'threshold' | 'silent';
  severity: 'info' | 'warning' | 'critical';
  metric?: string;
  operator?: 'outside' | '<=';
  value?: number | [number, number];
  aggregate?: 'avg' | 'change';
  window_s?: number;
  minutes?: number;
  exclude_months?: number[];
}

/** The brood season's off months: winter in the farm's hemisphere (south of the equator: May–August). */
export function winterMonths(latitude: number | null): number[] {
  return latitude !== null && latitude < 0 ? [5, 6, 7, 8] : [11, 12, 1, 2];
}

/**
 * What switching an apiary's insights asks for: for each insight `wanted` names, in preset order,
 * its alert rule (on) or null (off). Insights it leaves out stay as they are.
 */
export function insightRules(
  apiaryName: string,
  latitude: number | null,
  wanted: Partial<Insights>,
): Array<{ preset: InsightPreset; rule: InsightRule | null }> {
  const changes: Array<{ preset: InsightPreset; rule: InsightRule | null }> = [];
  const set = (preset: InsightPreset, on: boolean | undefined, rule: () => InsightRule) => {
    if (on !== undefined) changes.push({ preset, rule: on ? rule() : null });
  };
  set('swarm', wanted.swarm, () => ({
    name: `Swarm suspected — ${apiaryName}`,
    kind: 'swarm',
    severity: 'critical',
    window_s: SWARM_WINDOW_S,
  }));
  set('brood_temperature', wanted.brood_temperature, () => ({
    name: `Brood nest temperature — ${apiaryName}`,
    kind: 'threshold',
    metric: 'temperature',
    operator: 'outside',
    value: [BROOD_NEST_C[0], BROOD_NEST_C[1]],
    aggregate: 'avg',
    window_s: BROOD_WINDOW_S,
    severity: 'warning',
    exclude_months: winterMonths(latitude),
  }));
  set('silent', wanted.silent_hours === undefined ? undefined : wanted.silent_hours !== null, () => ({
    name: `Hive silent — ${apiaryName}`,
    kind: 'silent',
    minutes: Math.round((wanted.silent_hours ?? 0) * 60),
    severity: 'warning',
  }));
  set('daily_loss', wanted.daily_loss_kg === undefined ? undefined : wanted.daily_loss_kg !== null, () => ({
    name: `Daily weight loss — ${apiaryName}`,
    kind: 'threshold',
    metric: 'weight',
    operator: '<=',
    value: -(wanted.daily_loss_kg ?? 0),
    aggregate: 'change',
    window_s: DAILY_LOSS_WINDOW_S,
    severity: 'info',
  }));
  return changes;
}

/** An apiary's insights, read back from its preset rules (a rule's preset, and the minutes or value it stores). */
export function insightsFrom(
  rules: ReadonlyArray<{ preset: string | null; minutes: number | null; value: number | null }>,
): Insights {
  const presets = new Map(rules.map((r) => [r.preset, r]));
  return {
    swarm: presets.has('swarm'),
    brood_temperature: presets.has('brood_temperature'),
    silent_hours: presets.has('silent') ? presets.get('silent')!.minutes! / 60 : null,
    daily_loss_kg: presets.has('daily_loss') ? -presets.get('daily_loss')!.value! : null,
  };
}
