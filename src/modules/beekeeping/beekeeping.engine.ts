/**
 * Beekeeping rules (BeeAPI's, and what beekeepers expect beyond it). Pure.
 */

export type MarkingColour = 'white' | 'yellow' | 'red' | 'green' | 'blue';

/** The international queen marking colour of a birth year: white 1/6, yellow 2/7, red 3/8, green 4/9, blue 5/0. */
export function markingColour(birthYear: number): MarkingColour {
  return (['blue', 'white', 'yellow', 'red', 'green'] as const)[birthYear % 5]!;
}

export const EVENT_TYPES = ['inspection', 'feeding', 'treatment', 'harvest', 'swarm', 'split', 'unite', 'requeen', 'note', 'move'] as const;
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
    if (!found) hours.set(ts.getTime(), (found = { hour: ts.toISOString(), avg_temperature: null, avg_humidity: null, avg_weight: null, avg_sound_level: null,
      min_temperature: null, max_temperature: null, min_humidity: null, max_humidity: null, reading_count: 0 }));
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
