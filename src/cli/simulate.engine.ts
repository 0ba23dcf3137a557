import { localTime } from '../platform/time-zones.js';

/**
 * Realistic sensor values for the simulator: pure functions of the device, the time and the local
 * hour, with a little noise from a seeded generator (so two runs at one moment agree).
 */
export type SimulatedKind = 'hive' | 'house' | 'greenhouse' | 'controller';

export const SIMULATED_KINDS: readonly SimulatedKind[] = ['hive', 'house', 'greenhouse', 'controller'];

/** What a simulated controller drives: a poultry house's fans stay on in an emergency, the heater goes off. */
export const CONTROLLER_CHANNELS = [
  { name: 'fan-1', kind: 'fan', safe_state: 'on' },
  { name: 'fan-2', kind: 'fan', safe_state: 'on' },
  { name: 'heater', kind: 'heater', safe_state: 'off' },
  { name: 'feeder', kind: 'feeder', safe_state: 'unchanged' },
] as const;

/** A small deterministic PRNG (mulberry32) from a seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;
/** A bell over the day: 0 at night, 1 at `peak` hours. */
const daylight = (hour: number, rise = 6, set = 19) =>
  hour <= rise || hour >= set ? 0 : Math.sin(((hour - rise) / (set - rise)) * Math.PI);

/** Where an instant falls in the farm's day: its local date and hour. */
export interface LocalMoment {
  /** The local calendar day, YYYY-MM-DD. */
  date: string;
  /** The local hour of day, fractional (0 ≤ hour < 24). */
  hour: number;
}

const DAY_MS = 86_400_000;
/** Mixes the run's seed into a generator's seed, so `--seed 0` gives what the simulator always gave. */
const seeded = (seed: number, n: number) => (Math.imul(seed, 0x9e3779b1) ^ n) >>> 0;
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * The weather of a local day, the same for every device of a run (they share the sky): the night's
 * low (12–14.5 °C, reached at dawn) and the afternoon's high (23–28 °C, lower when it is cloudy), and
 * the clouds (0 clear … 1 overcast). An autumn greenhouse, unheated and ventilated by day.
 */
export function greenhouseDay(date: string, seed: number): { low: number; high: number; cloud: number } {
  const next = random(seeded(seed, (Date.parse(`${date}T00:00:00Z`) / DAY_MS) * 40_503 + 17));
  const cloud = next();
  return { low: 12 + 2.5 * next(), high: 28 - 5 * cloud, cloud };
}

const DAWN = 6;
const PEAK = 14;
/**
 * A greenhouse's air temperature over the local day: a half cosine from the dawn low up to the 14:00
 * high, and a slower one down to the next dawn's low, so the curve is continuous across midnight and
 * from one day's weather to the next.
 */
export function greenhouseTemperature(local: LocalMoment, seed: number): number {
  const { hour, date } = local;
  const falling = (since: number) => 0.5 + 0.5 * Math.cos((Math.PI * since) / (24 - PEAK + DAWN));
  if (hour >= DAWN && hour <= PEAK) {
    const { low, high } = greenhouseDay(date, seed);
    return low + (high - low) * (0.5 - 0.5 * Math.cos((Math.PI * (hour - DAWN)) / (PEAK - DAWN)));
  }
  if (hour > PEAK) {
    const { high } = greenhouseDay(date, seed);
    const { low } = greenhouseDay(addDays(date, 1), seed);
    return low + (high - low) * falling(hour - PEAK);
  }
  const { high } = greenhouseDay(addDays(date, -1), seed);
  const { low } = greenhouseDay(date, seed);
  return low + (high - low) * falling(hour + 24 - PEAK);
}

/**
 * One reading of each metric for device `index` at `at`, where `local` is the farm's date and hour
 * there. Hives: a brood nest held near 35 °C, weight that drops as foragers leave in the morning and
 * rises with nectar in the afternoon; houses: poultry-house climate and a water tank that drains and
 * refills; greenhouses: a day/night temperature curve with each day's own weather, humidity falling
 * as it warms, light following the sun through the day's clouds, CO₂ drawn down by day. `seed` makes
 * another run's noise and weather (0: the simulator's usual ones); the same inputs give the same values.
 */
export function sample(
  kind: Exclude<SimulatedKind, 'controller'>,
  index: number,
  at: Date,
  local: LocalMoment,
  seed = 0,
): Record<string, number> {
  const localHour = local.hour;
  const noise = random(seeded(seed, index * 7_919 + Math.floor(at.getTime() / 1000)));
  const jitter = (spread: number) => (noise() - 0.5) * 2 * spread;
  const sun = daylight(localHour);
  switch (kind) {
    case 'hive': {
      const base = 40 + (index % 7) * 1.5; // hives differ in strength
      const foraging = localHour > 8 && localHour < 11 ? -0.6 * Math.sin(((localHour - 8) / 3) * Math.PI) : 0;
      const nectar =
        localHour >= 11 && localHour < 19
          ? 1.2 * ((localHour - 11) / 8)
          : localHour >= 19
            ? 1.2 - 0.3 * ((localHour - 19) / 5)
            : 0.9;
      return {
        temperature: round(34.8 + jitter(0.4), 2),
        humidity: round(60 + jitter(4), 1),
        weight: round(base + foraging + nectar + jitter(0.05), 2),
        sound_level: round(45 + 10 * sun + jitter(3), 1),
      };
    }
    case 'house': {
      const minutes = Math.floor(at.getTime() / 60_000) + index * 37;
      const tank = 100 - ((minutes % 240) / 240) * 35; // drains over four hours, then refills
      return {
        temperature: round(27 + 3 * sun + jitter(0.5), 2),
        humidity: round(68 - 8 * sun + jitter(3), 1),
        water_level: round(tank + jitter(0.5), 1),
      };
    }
    case 'greenhouse': {
      const { cloud } = greenhouseDay(local.date, seed);
      const temperature = greenhouseTemperature(local, seed) + ((index % 5) - 2) * 0.1; // where each sensor hangs
      return {
        temperature: round(temperature + jitter(0.3), 2),
        humidity: round(Math.min(98, 95 - 1.8 * (temperature - 12)) + jitter(2), 1),
        light: Math.max(0, Math.round(42_000 * (1 - 0.6 * cloud) * sun + (sun > 0 ? jitter(2_000) : 0))),
        co2: Math.round(sun > 0.1 ? 420 + jitter(30) : 750 + jitter(60)),
      };
    }
  }
}

/** The device labels the simulator uses: `sim-hive-001` … */
export const simulatedLabel = (kind: SimulatedKind, index: number) =>
  `sim-${kind}-${String(index + 1).padStart(3, '0')}`;

/** The farm's local hour (fractional) at `at`. */
export function localHour(at: Date, timeZone: string): number {
  return localTime(at, timeZone).minuteOfDay / 60;
}

const formats = new Map<string, Intl.DateTimeFormat>();
/** The farm's local date and hour at `at` (to the second; the formatter is made once a zone, for back-fills). */
export function localMoment(at: Date, timeZone: string): LocalMoment {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timeZone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(at)) parts[part.type] = part.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour) + Number(parts.minute) / 60 + Number(parts.second) / 3600,
  };
}

/** The zone's offset from UTC at `at`, in milliseconds (local wall clock − UTC). */
function offsetMs(at: number, timeZone: string): number {
  const whole = Math.floor(at / 1000) * 1000;
  const { date, hour } = localMoment(new Date(whole), timeZone);
  return Math.round(Date.parse(`${date}T00:00:00Z`) + hour * 3_600_000 - whole);
}

/**
 * When `--from` starts: a date (`2026-10-01`) is the farm's local midnight, a date and time without an
 * offset (`2026-10-01T06:00`) the farm's wall clock, and one with an offset or `Z` that instant.
 * Undefined when the text is none of these. (In a spring-forward gap, the wall time an hour on.)
 */
export function parseFrom(text: string, timeZone: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
    text.trim(),
  );
  if (!match) return undefined;
  const [, date, time = '00:00', zone] = match;
  const wall = Date.parse(`${date}T${time}Z`);
  if (Number.isNaN(wall) || new Date(wall).toISOString().slice(0, 10) !== date) return undefined;
  if (zone) {
    const at = Date.parse(`${date}T${time}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`);
    return Number.isNaN(at) ? undefined : new Date(at);
  }
  // Two steps find the instant whose wall clock reads `wall`, also near a daylight-saving change.
  const first = wall - offsetMs(wall, timeZone);
  return new Date(wall - offsetMs(first, timeZone));
}

/** A step such as `10m`, `90s`, `1h` or `600` (seconds), in seconds; undefined when it is not one. */
export function parseStep(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * { s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
  return seconds > 0 ? seconds : undefined;
}

/**
 * The instants of a back-fill: `from`, `from + step`, … while before `to`. The grid is anchored at
 * `from`, so a second run with the same `--from` and step sends the same instants again (stored once)
 * and only the new ones at the end are new.
 */
export function backfillTimeline(from: Date, to: Date, stepMs: number): Date[] {
  const instants: Date[] = [];
  for (let at = from.getTime(); at < to.getTime(); at += stepMs) instants.push(new Date(at));
  return instants;
}

/** A reading as `POST …/telemetry` takes it. */
export interface BackfillReading {
  device: string;
  metric: string;
  ts: string;
  value: number;
}

/**
 * Every reading device `index` would have sent at `instants` (in time order, metric by metric at each
 * instant), in the farm's zone and with the run's seed: the same values live mode sends at those moments.
 */
export function* backfillReadings(input: {
  kind: Exclude<SimulatedKind, 'controller'>;
  index: number;
  instants: readonly Date[];
  timeZone: string;
  seed: number;
}): Generator<BackfillReading> {
  const device = simulatedLabel(input.kind, input.index);
  for (const at of input.instants) {
    const ts = at.toISOString();
    const values = sample(input.kind, input.index, at, localMoment(at, input.timeZone), input.seed);
    for (const [metric, value] of Object.entries(values)) yield { device, metric, ts, value };
  }
}
