/**
 * Tank rules (crops.md "Tanks", crops-corrections.md item 17): the ranges each tank type keeps its
 * solution in and the alert conditions a state snapshot raises, the solution-age limit (Q10 = 2 around
 * 20 °C), the maintenance sets per tank type and when each item is due, and how sensor readings fold
 * into snapshots. Pure: time and days come in as arguments.
 */

export const TANK_TYPES = ['nutrient', 'irrigation', 'reservoir', 'recirculation', 'stock_solution'] as const;
export type TankType = (typeof TANK_TYPES)[number];

export const SOLUTION_KINDS = ['mineral', 'organic'] as const;
export type SolutionKind = (typeof SOLUTION_KINDS)[number];

/** The measured fields of a snapshot (also what a sensor mapping may feed). */
export const STATE_FIELDS = ['ph', 'ec', 'water_temp_c', 'dissolved_oxygen_mg_l', 'orp_mv', 'fill_percent'] as const;
export type StateField = (typeof STATE_FIELDS)[number];

/** What a field may hold (a sensor's value outside it is left out of its snapshot; by hand it is a 400). */
export const FIELD_BOUNDS: Readonly<Record<StateField, readonly [number, number]>> = {
  ph: [0, 14],
  ec: [0, 500],
  water_temp_c: [-20, 80],
  dissolved_oxygen_mg_l: [0, 50],
  orp_mv: [-2000, 2000],
  fill_percent: [0, 100],
};

export type Measurements = Partial<Record<StateField, number | null>>;

export type Severity = 'warning' | 'critical';

interface TypeLimits {
  ph: readonly [number, number];
  /** mS/cm; null: no limit (a reservoir of plain water). */
  ecMax: number | null;
  /** °C: warm warning, warm critical, cold warning, cold critical. */
  temp: { warm: number; hot: number; cool: number; cold: number };
  /** Dissolved oxygen is watched only where roots sit in the solution. */
  watchesOxygen: boolean;
  /** The largest pH change between consecutive snapshots before it counts as drift. */
  phDrift: number;
}

/** The limits per tank type (item 17; crops.md for nutrient and irrigation). */
export const TANK_LIMITS: Readonly<Record<TankType, TypeLimits>> = {
  nutrient: {
    ph: [5.5, 6.5],
    ecMax: 3.0,
    temp: { warm: 22, hot: 26, cool: 15, cold: 10 },
    watchesOxygen: true,
    phDrift: 0.5,
  },
  irrigation: {
    ph: [5.8, 6.8],
    ecMax: 1.5,
    temp: { warm: 28, hot: 35, cool: 10, cold: 5 },
    watchesOxygen: false,
    phDrift: 0.5,
  },
  recirculation: {
    ph: [5.5, 6.3],
    ecMax: 3.0,
    temp: { warm: 22, hot: 25, cool: 16, cold: 12 },
    watchesOxygen: true,
    phDrift: 0.3,
  },
  reservoir: {
    ph: [5.0, 8.0],
    ecMax: null,
    temp: { warm: 30, hot: 40, cool: 5, cold: 1 },
    watchesOxygen: false,
    phDrift: 0.5,
  },
  stock_solution: {
    ph: [1, 14],
    ecMax: 250,
    temp: { warm: 30, hot: 40, cool: 5, cold: 1 },
    watchesOxygen: false,
    phDrift: 0.5,
  },
};

/** pH further than this outside the range is critical. */
export const PH_CRITICAL_BEYOND = 0.5;
/** Dissolved oxygen (mg/L) below which it is suboptimal, and critical. */
export const OXYGEN_LOW = 6;
export const OXYGEN_CRITICAL = 4;
/** Fill level (%) below which the tank is low. */
export const FILL_LOW = 20;

/** The alert conditions a tank has, each raised once while it holds. */
export const CONDITIONS = ['ph', 'ec', 'water_temp', 'dissolved_oxygen', 'fill', 'ph_drift', 'solution_age'] as const;
export type ConditionKey = (typeof CONDITIONS)[number];

export interface Breach {
  /** The alert's type (tank_ph_high, tank_fill_low …). */
  type: string;
  severity: Severity;
  /** What is wrong, without the tank's name. */
  message: string;
  actual: number;
}

/** A condition decided by a snapshot: breached, or clear (null). Conditions a snapshot says nothing about are absent. */
export type Decided = Partial<Record<ConditionKey, Breach | null>>;

/** Rounds away binary noise (6.3 − 6.0 = 0.2999…): readings carry at most 3 decimals of meaning. */
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const has = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/**
 * The conditions a snapshot decides for a tank of `type`: each measured field, and pH drift against
 * the previous snapshot's pH (when both have one). A field the snapshot lacks decides nothing.
 */
export function assessState(type: TankType, state: Measurements, previousPh?: number | null): Decided {
  const limits = TANK_LIMITS[type];
  const out: Decided = {};
  const { ph, ec, water_temp_c: temp, dissolved_oxygen_mg_l: oxygen, fill_percent: fill } = state;

  if (has(ph)) {
    const [low, high] = limits.ph;
    if (ph < low)
      out.ph = {
        type: 'tank_ph_low',
        severity: r3(low - ph) > PH_CRITICAL_BEYOND ? 'critical' : 'warning',
        message: `pH ${ph} below ${low}`,
        actual: ph,
      };
    else if (ph > high)
      out.ph = {
        type: 'tank_ph_high',
        severity: r3(ph - high) > PH_CRITICAL_BEYOND ? 'critical' : 'warning',
        message: `pH ${ph} above ${high}`,
        actual: ph,
      };
    else out.ph = null;
    if (has(previousPh)) {
      const drift = r3(Math.abs(ph - previousPh));
      out.ph_drift =
        drift > limits.phDrift
          ? {
              type: 'tank_ph_drift',
              severity: 'warning',
              message: `pH moved ${drift} since the last measurement (from ${previousPh} to ${ph}; more than ${limits.phDrift})`,
              actual: drift,
            }
          : null;
    }
  }

  if (has(ec) && limits.ecMax !== null)
    out.ec =
      ec > limits.ecMax
        ? { type: 'tank_ec_high', severity: 'warning', message: `EC ${ec} mS/cm above ${limits.ecMax}`, actual: ec }
        : null;

  if (has(temp)) {
    const t = limits.temp;
    if (temp > t.warm)
      out.water_temp = {
        type: 'tank_water_warm',
        severity: temp > t.hot ? 'critical' : 'warning',
        message: `water ${temp} °C above ${temp > t.hot ? t.hot : t.warm} °C`,
        actual: temp,
      };
    else if (temp < t.cool)
      out.water_temp = {
        type: 'tank_water_cold',
        severity: temp < t.cold ? 'critical' : 'warning',
        message: `water ${temp} °C below ${temp < t.cold ? t.cold : t.cool} °C`,
        actual: temp,
      };
    else out.water_temp = null;
  }

  if (has(oxygen) && limits.watchesOxygen) {
    // Warm water holds less oxygen and roots need more: low oxygen in warm water is critical at once.
    const warm = has(temp) && temp > TANK_LIMITS.nutrient.temp.warm;
    if (oxygen < OXYGEN_CRITICAL || (oxygen < OXYGEN_LOW && warm))
      out.dissolved_oxygen = {
        type: 'tank_oxygen_low',
        severity: 'critical',
        message:
          oxygen < OXYGEN_CRITICAL
            ? `dissolved oxygen ${oxygen} mg/L below ${OXYGEN_CRITICAL}`
            : `dissolved oxygen ${oxygen} mg/L below ${OXYGEN_LOW} in warm water (${temp} °C)`,
        actual: oxygen,
      };
    else if (oxygen < OXYGEN_LOW)
      out.dissolved_oxygen = {
        type: 'tank_oxygen_low',
        severity: 'warning',
        message: `dissolved oxygen ${oxygen} mg/L below ${OXYGEN_LOW}`,
        actual: oxygen,
      };
    else out.dissolved_oxygen = null;
  }

  if (has(fill))
    out.fill =
      fill < FILL_LOW
        ? {
            type: 'tank_fill_low',
            severity: 'warning',
            message: `fill level ${fill} % below ${FILL_LOW} %`,
            actual: fill,
          }
        : null;

  return out;
}

// Solution age

/** Days a solution keeps at 20 °C. */
export const SOLUTION_DAYS_AT_20: Readonly<Record<SolutionKind, number>> = { organic: 5, mineral: 10 };
/** Ageing doubles with every 10 °C warmer. */
export const Q10 = 2;
/** The temperature assumed when no snapshot since filling measured one. */
export const DEFAULT_WATER_TEMP = 20;

/** How many days a solution of `kind` keeps at mean water temperature `meanTemp` (°C): base · Q10^((20 − T)/10). */
export function solutionLimitDays(kind: SolutionKind, meanTemp: number | null): number {
  const t = meanTemp ?? DEFAULT_WATER_TEMP;
  return SOLUTION_DAYS_AT_20[kind] * Q10 ** ((DEFAULT_WATER_TEMP - t) / 10);
}

export interface SolutionAge {
  /** Days since filled (fractional). */
  ageDays: number;
  /** null: plain water (no solution kind), no limit. */
  limitDays: number | null;
  meanTempC: number | null;
  over: boolean;
}

/** A solution's age at `now` against its limit; null when the tank was never filled. */
export function solutionAge(
  kind: SolutionKind | null,
  filledAt: Date | null,
  meanTemp: number | null,
  now: Date,
): SolutionAge | null {
  if (!filledAt) return null;
  const ageDays = Math.max(0, (now.getTime() - filledAt.getTime()) / 86_400_000);
  const limitDays = kind ? solutionLimitDays(kind, meanTemp) : null;
  return { ageDays, limitDays, meanTempC: meanTemp, over: limitDays !== null && ageDays > limitDays };
}

/** The solution-age condition: breached when the solution is older than its limit. */
export function assessAge(age: SolutionAge | null): Decided {
  if (!age || age.limitDays === null) return {};
  const round1 = (n: number) => Math.round(n * 10) / 10;
  return {
    solution_age: age.over
      ? {
          type: 'tank_solution_old',
          severity: 'warning',
          message: `solution ${round1(age.ageDays)} days old, over its ${round1(age.limitDays)} days: change it`,
          actual: round1(age.ageDays),
        }
      : null,
  };
}

// Maintenance

export const MAINTENANCE_ITEMS = [
  'water_change',
  'calibration',
  'cleaning',
  'pump_inspection',
  'sanitization',
  'filter_change',
] as const;
export type MaintenanceItem = (typeof MAINTENANCE_ITEMS)[number];

/**
 * Each tank type's maintenance items and default intervals (days). Nutrient and recirculation are
 * item 17's; irrigation keeps clean water with pH/EC probes and a filter in front of the emitters;
 * a reservoir of raw water needs cleaning, its pump and a yearly-half sanitisation; a stock
 * concentrate is cleaned between batches and its dosing pump checked.
 */
export const MAINTENANCE_DEFAULTS: Readonly<Record<TankType, Partial<Record<MaintenanceItem, number>>>> = {
  nutrient: { water_change: 7, calibration: 14, cleaning: 30, pump_inspection: 30, sanitization: 90 },
  recirculation: {
    water_change: 7,
    cleaning: 14,
    calibration: 14,
    pump_inspection: 14,
    sanitization: 60,
    filter_change: 30,
  },
  irrigation: { calibration: 30, cleaning: 30, pump_inspection: 30, filter_change: 30, sanitization: 90 },
  reservoir: { cleaning: 90, pump_inspection: 60, sanitization: 180 },
  stock_solution: { cleaning: 30, pump_inspection: 30, sanitization: 90 },
};

/** Items due within this many days are due soon. */
export const DUE_SOON_DAYS = 2;

export type DueStatus = 'overdue' | 'due_soon' | 'ok';

/** The intervals in force: the type's defaults, overridden by the farm's own (items the type lacks are not kept). */
export function intervalsOf(
  type: TankType,
  overrides: Partial<Record<MaintenanceItem, number>>,
): Array<{ item: MaintenanceItem; days: number; overridden: boolean }> {
  const defaults = MAINTENANCE_DEFAULTS[type];
  return MAINTENANCE_ITEMS.filter((item) => defaults[item] !== undefined).map((item) => ({
    item,
    days: overrides[item] ?? defaults[item]!,
    overridden: overrides[item] !== undefined,
  }));
}

/** Items named in `overrides` that a tank of `type` does not have. */
export const foreignItems = (type: TankType, overrides: Partial<Record<MaintenanceItem, number>>): string[] =>
  Object.keys(overrides).filter((item) => MAINTENANCE_DEFAULTS[type][item as MaintenanceItem] === undefined);

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export interface DueItem {
  item: MaintenanceItem;
  intervalDays: number;
  /** Farm-local day it was last done (or the day counting started). */
  since: string;
  lastDone: string | null;
  /** Farm-local day it is due. */
  due: string;
  status: DueStatus;
}

/**
 * When each item is due: the day it was last done (never: the day the tank was set up; a water change
 * counts from the day the tank was filled when that is later, or when it was never done) plus its interval; overdue before `today`, due soon
 * from today to `DUE_SOON_DAYS` ahead, otherwise ok. Days are farm-local YYYY-MM-DD.
 */
export function dueItems(input: {
  type: TankType;
  overrides: Partial<Record<MaintenanceItem, number>>;
  setUpOn: string;
  filledOn: string | null;
  lastDone: Partial<Record<MaintenanceItem, string>>;
  today: string;
}): DueItem[] {
  return intervalsOf(input.type, input.overrides).map(({ item, days }) => {
    const lastDone = input.lastDone[item] ?? null;
    // A water change is a filling: one never done counts from the filling (not the set-up), and a
    // filling after the last one counts.
    const filled = item === 'water_change' ? input.filledOn : null;
    const starts = filled ? [lastDone ?? filled, filled] : [lastDone ?? input.setUpOn];
    const since = starts.reduce((a, b) => (a > b ? a : b));
    const due = addDays(since, days);
    const status: DueStatus =
      due < input.today ? 'overdue' : due <= addDays(input.today, DUE_SOON_DAYS) ? 'due_soon' : 'ok';
    return { item, intervalDays: days, since, lastDone, due, status };
  });
}

/** The task key of a maintenance item due on a day: one task per tank, item and due day. */
export const maintenanceKey = (tankId: string, item: MaintenanceItem, due: string) => `${tankId}:${item}:${due}`;

/** The task key of a solution to change: one per tank and filling. */
export const solutionKey = (tankId: string, filledOn: string) => `${tankId}:solution:${filledOn}`;

// Sensor snapshots

/** Readings within this many seconds of a sensor snapshot's time fold into it. */
export const FOLD_S = 60;
/** A mapped metric's newest reading counts in a snapshot only when at most this much older than the snapshot's newest. */
export const STALE_S = 900;

/**
 * What the newest mapped readings do to a tank's sensor snapshots: nothing (none newer than the last
 * snapshot holds), fold into the last one (within `FOLD_S` of its time: a burst makes one snapshot),
 * or make a new one.
 */
export function sensorStep(last: { at: Date; through: Date } | undefined, newest: Date): 'none' | 'fold' | 'new' {
  if (!last) return 'new';
  if (newest.getTime() <= last.through.getTime()) return 'none';
  return newest.getTime() - last.at.getTime() < FOLD_S * 1000 ? 'fold' : 'new';
}

/**
 * A sensor snapshot's measurements from the newest reading of each mapped field: readings more than
 * `STALE_S` older than the newest are left out (a dead probe is not carried forward), and so are
 * values outside a field's bounds (a probe's error value).
 */
export function sensorMeasurements(
  readings: Array<{ field: StateField; ts: Date; value: number }>,
): { values: Measurements; newest: Date } | undefined {
  const usable = readings.filter((r) => {
    const [low, high] = FIELD_BOUNDS[r.field];
    return Number.isFinite(r.value) && r.value >= low && r.value <= high;
  });
  if (usable.length === 0) return undefined;
  const newest = new Date(Math.max(...usable.map((r) => r.ts.getTime())));
  const values: Measurements = {};
  for (const r of usable) if (newest.getTime() - r.ts.getTime() <= STALE_S * 1000) values[r.field] = r.value;
  return { values, newest };
}
