/**
 * Pure telemetry rules: metric units, what a reading must be, where it is stored (weekly partitions),
 * which resolution answers a query. Time is always passed in.
 */

/** The unit each well-known metric is measured in. Other metrics are custom, with the unit they bring. */
export const METRIC_UNITS: Readonly<Record<string, string>> = {
  temperature: '°C',
  humidity: '%',
  weight: 'kg',
  sound_level: 'dB',
  ec: 'mS/cm',
  ph: 'pH',
  co2: 'ppm',
  ammonia: 'ppm',
  light: 'lux',
  ppfd: 'µmol/m²/s',
  volume: 'L',
  voltage: 'V',
  battery: '%',
  water_level: '%',
  flow_rate: 'L/min',
  pressure: 'hPa',
  soil_moisture: '%',
  wind_speed: 'm/s',
  rain: 'mm',
  vpd: 'kPa',
  current: 'A',
  power: 'W',
};

export const MAX_FUTURE_MS = 10 * 60_000;
/** No reading is older than this: a clock that says otherwise is wrong (and no partition is made for it). */
export const EARLIEST_TS = Date.UTC(2000, 0, 1);
/**
 * The largest magnitude a value may have. A double holds more, but rollups add values up (a sum that
 * overflows fails the rollup in the database); no sensor measures anything near this.
 */
export const MAX_ABS_VALUE = 1e15;
export const METRIC_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
export const DEVICE_LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface RawReading {
  /** Set by a parser for a line it could not read: the reading is rejected with this reason. */
  parseError?: string;
  device?: unknown;
  metric?: unknown;
  ts?: unknown;
  value?: unknown;
  quality?: unknown;
  unit?: unknown;
}

export interface Reading {
  device: string;
  metric: string;
  ts: Date;
  value: number;
  quality: 0 | 1 | 2;
  unit: string | undefined;
}

export type Checked = { ok: true; reading: Reading } | { ok: false; code: string; reason: string };

/** ISO 8601 with an offset (or Z), or milliseconds since the epoch. */
export function parseTimestamp(ts: unknown): Date | undefined {
  if (typeof ts === 'number') {
    const date = new Date(ts);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  if (typeof ts !== 'string') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(ts)) return undefined;
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Checks one reading as received at `receivedAt`. A reading without a timestamp takes its received time;
 * one more than 10 minutes in the future, or older than raw retention, is refused with a reason.
 */
export function checkReading(raw: RawReading, receivedAt: Date, rawRetentionDays: number): Checked {
  if (raw.parseError !== undefined) return { ok: false, code: 'UNREADABLE', reason: raw.parseError };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, code: 'UNREADABLE', reason: 'a reading must be an object' };
  if (typeof raw.device !== 'string' || !DEVICE_LABEL_PATTERN.test(raw.device)) {
    return { ok: false, code: 'INVALID_DEVICE', reason: 'device must be a device id such as "house1-temp"' };
  }
  if (typeof raw.metric !== 'string' || !METRIC_PATTERN.test(raw.metric)) {
    return {
      ok: false,
      code: 'INVALID_METRIC',
      reason: 'metric must be lower-case letters, digits and _ (e.g. "temperature")',
    };
  }
  if (typeof raw.value !== 'number' || !Number.isFinite(raw.value)) {
    return { ok: false, code: 'INVALID_VALUE', reason: 'value must be a finite number' };
  }
  if (Math.abs(raw.value) > MAX_ABS_VALUE) {
    return { ok: false, code: 'INVALID_VALUE', reason: `value must be between -${MAX_ABS_VALUE} and ${MAX_ABS_VALUE}` };
  }
  const quality = raw.quality ?? 0;
  if (quality !== 0 && quality !== 1 && quality !== 2) {
    return {
      ok: false,
      code: 'INVALID_QUALITY',
      reason: 'quality must be 0 (good), 1 (estimated) or 2 (interpolated)',
    };
  }
  if (raw.unit !== undefined && (typeof raw.unit !== 'string' || raw.unit.length < 1 || raw.unit.length > 32)) {
    return { ok: false, code: 'INVALID_UNIT', reason: 'unit must be a short text such as "°C"' };
  }
  const ts = raw.ts === undefined || raw.ts === null ? receivedAt : parseTimestamp(raw.ts);
  if (!ts)
    return {
      ok: false,
      code: 'INVALID_TS',
      reason: 'ts must be ISO 8601 with an offset (2026-05-01T10:00:00Z) or epoch milliseconds',
    };
  if (ts.getTime() - receivedAt.getTime() > MAX_FUTURE_MS) {
    return {
      ok: false,
      code: 'TS_IN_FUTURE',
      reason: 'ts is more than 10 minutes in the future: check the device clock',
    };
  }
  if (ts.getTime() < EARLIEST_TS) {
    return { ok: false, code: 'TS_TOO_OLD', reason: 'ts is before 2000: check the device clock' };
  }
  if (receivedAt.getTime() - ts.getTime() > rawRetentionDays * 86_400_000) {
    return { ok: false, code: 'TS_TOO_OLD', reason: `ts is older than the raw retention (${rawRetentionDays} days)` };
  }
  return {
    ok: true,
    reading: {
      device: raw.device,
      metric: raw.metric,
      ts,
      value: raw.value,
      quality,
      unit: raw.unit as string | undefined,
    },
  };
}

/** Raw readings live in one partition per ISO week, starting Monday 00:00 UTC. */
export function weekStart(date: Date): Date {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = (day.getUTCDay() + 6) % 7; // Monday 0
  return new Date(day.getTime() - weekday * 86_400_000);
}

export function partitionName(week: Date): string {
  return `readings_w${week.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export type Resolution = 'raw' | 'hour' | 'day';

export const AUTO_MAX_POINTS = 2_000;
export const RAW_CAP = 20_000;

/**
 * The resolution `auto` picks: raw while at most {@link AUTO_MAX_POINTS} raw points fall in the range,
 * else hourly while the range spans at most that many hours, else daily.
 */
export function autoResolution(rawPoints: number, from: Date, to: Date): Resolution {
  if (rawPoints <= AUTO_MAX_POINTS) return 'raw';
  return (to.getTime() - from.getTime()) / 3_600_000 <= AUTO_MAX_POINTS ? 'hour' : 'day';
}

/** One NDJSON line (numbered from 1): its reading, or a rejection when it is not JSON. */
export function ndjsonReading(line: string, lineNumber: number): RawReading {
  try {
    return JSON.parse(line) as RawReading;
  } catch {
    return { parseError: `line ${lineNumber} is not JSON` };
  }
}

/** NDJSON: one reading object a line; blank lines skipped; a line that is not JSON becomes a rejection. */
export function parseNdjson(text: string): RawReading[] {
  const readings: RawReading[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() !== '') readings.push(ndjsonReading(line, i + 1));
  }
  return readings;
}

/** A CSV header: the column names, lower-cased; throws when device, metric or value is missing. */
export function csvHeader(line: string): string[] {
  const header = line.split(',').map((h) => h.trim().toLowerCase());
  for (const required of ['device', 'metric', 'value']) {
    if (!header.includes(required))
      throw new Error(`the header must name the columns device, metric, ts, value (missing ${required})`);
  }
  return header;
}

/** One CSV row under its header. */
export function csvReading(header: readonly string[], line: string): RawReading {
  const cells = line.split(',').map((c) => c.trim());
  const row: Record<string, unknown> = {};
  header.forEach((name, i) => {
    const cell = cells[i];
    if (cell === undefined || cell === '') return;
    if (name === 'value' || name === 'quality') row[name] = Number(cell);
    else if (name === 'ts' && /^\d+$/.test(cell)) row[name] = Number(cell);
    else row[name] = cell;
  });
  return row as RawReading;
}

/** CSV with a header naming device, metric, ts, value and optionally quality and unit. */
export function parseCsv(text: string): RawReading[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = csvHeader(lines.shift() ?? '');
  return lines.map((line) => csvReading(header, line));
}
