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

/**
 * One reading of each metric for device `index` at `at`, where `localHour` is the farm's hour of day
 * (fractional). Hives: a brood nest held near 35 °C, weight that drops as foragers leave in the
 * morning and rises with nectar in the afternoon; houses: poultry-house climate and a water tank that
 * drains and refills; greenhouses: light, heat and CO₂ following the sun.
 */
export function sample(
  kind: Exclude<SimulatedKind, 'controller'>,
  index: number,
  at: Date,
  localHour: number,
): Record<string, number> {
  const noise = random(index * 7_919 + Math.floor(at.getTime() / 1000));
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
    case 'greenhouse':
      return {
        temperature: round(17 + 10 * sun + jitter(0.6), 2),
        humidity: round(80 - 20 * sun + jitter(3), 1),
        light: Math.max(0, Math.round(42_000 * sun + (sun > 0 ? jitter(2_000) : 0))),
        co2: Math.round(sun > 0.1 ? 420 + jitter(30) : 750 + jitter(60)),
      };
  }
}

/** The device labels the simulator uses: `sim-hive-001` … */
export const simulatedLabel = (kind: SimulatedKind, index: number) =>
  `sim-${kind}-${String(index + 1).padStart(3, '0')}`;

/** The farm's local hour (fractional) at `at`. */
export function localHour(at: Date, timeZone: string): number {
  return localTime(at, timeZone).minuteOfDay / 60;
}
