import { describe, expect, it } from 'vitest';
import {
  assessAge,
  assessState,
  dueItems,
  foreignItems,
  intervalsOf,
  sensorMeasurements,
  sensorStep,
  solutionAge,
  solutionLimitDays,
  type TankType,
} from './tanks.engine.js';

const sev = (d: ReturnType<typeof assessState>, key: keyof ReturnType<typeof assessState>) =>
  d[key] === undefined ? 'undecided' : d[key] === null ? 'ok' : d[key]!.severity;

describe('pH range per tank type, critical when more than 0.5 beyond', () => {
  it.each<[TankType, number, string, string | null]>([
    ['nutrient', 5.5, 'ok', null],
    ['nutrient', 6.5, 'ok', null],
    ['nutrient', 5.49, 'warning', 'tank_ph_low'],
    ['nutrient', 6.51, 'warning', 'tank_ph_high'],
    ['nutrient', 5.0, 'warning', 'tank_ph_low'],
    ['nutrient', 4.99, 'critical', 'tank_ph_low'],
    ['nutrient', 7.0, 'warning', 'tank_ph_high'],
    ['nutrient', 7.01, 'critical', 'tank_ph_high'],
    ['irrigation', 5.8, 'ok', null],
    ['irrigation', 5.79, 'warning', 'tank_ph_low'],
    ['irrigation', 6.8, 'ok', null],
    ['irrigation', 6.81, 'warning', 'tank_ph_high'],
    ['irrigation', 7.3, 'warning', 'tank_ph_high'],
    ['irrigation', 7.31, 'critical', 'tank_ph_high'],
    ['irrigation', 5.29, 'critical', 'tank_ph_low'],
    ['recirculation', 5.5, 'ok', null],
    ['recirculation', 6.3, 'ok', null],
    ['recirculation', 6.31, 'warning', 'tank_ph_high'],
    ['recirculation', 6.8, 'warning', 'tank_ph_high'],
    ['recirculation', 6.81, 'critical', 'tank_ph_high'],
    ['reservoir', 5.0, 'ok', null],
    ['reservoir', 8.0, 'ok', null],
    ['reservoir', 4.99, 'warning', 'tank_ph_low'],
    ['reservoir', 8.5, 'warning', 'tank_ph_high'],
    ['reservoir', 8.51, 'critical', 'tank_ph_high'],
    ['stock_solution', 1, 'ok', null],
    ['stock_solution', 14, 'ok', null],
    ['stock_solution', 0.99, 'warning', 'tank_ph_low'],
    ['stock_solution', 0.49, 'critical', 'tank_ph_low'],
  ])('%s pH %s → %s', (type, ph, severity, alertType) => {
    const d = assessState(type, { ph });
    expect(sev(d, 'ph')).toBe(severity);
    expect(d.ph?.type ?? null).toBe(alertType);
  });
});

describe('EC maximum per tank type', () => {
  it.each<[TankType, number, string]>([
    ['nutrient', 3.0, 'ok'],
    ['nutrient', 3.01, 'warning'],
    ['irrigation', 1.5, 'ok'],
    ['irrigation', 1.51, 'warning'],
    ['recirculation', 3.0, 'ok'],
    ['recirculation', 3.01, 'warning'],
    ['stock_solution', 250, 'ok'],
    ['stock_solution', 250.1, 'warning'],
    ['reservoir', 400, 'undecided'],
  ])('%s EC %s → %s', (type, ec, severity) => {
    expect(sev(assessState(type, { ec }), 'ec')).toBe(severity);
  });
});

describe('water temperature, warm and cold, warning and critical per tank type', () => {
  it.each<[TankType, number, string, string | null]>([
    ['nutrient', 22, 'ok', null],
    ['nutrient', 22.1, 'warning', 'tank_water_warm'],
    ['nutrient', 26, 'warning', 'tank_water_warm'],
    ['nutrient', 26.1, 'critical', 'tank_water_warm'],
    ['nutrient', 15, 'ok', null],
    ['nutrient', 14.9, 'warning', 'tank_water_cold'],
    ['nutrient', 10, 'warning', 'tank_water_cold'],
    ['nutrient', 9.9, 'critical', 'tank_water_cold'],
    ['recirculation', 22, 'ok', null],
    ['recirculation', 22.1, 'warning', 'tank_water_warm'],
    ['recirculation', 25, 'warning', 'tank_water_warm'],
    ['recirculation', 25.1, 'critical', 'tank_water_warm'],
    ['recirculation', 16, 'ok', null],
    ['recirculation', 15.9, 'warning', 'tank_water_cold'],
    ['recirculation', 12, 'warning', 'tank_water_cold'],
    ['recirculation', 11.9, 'critical', 'tank_water_cold'],
    ['irrigation', 28, 'ok', null],
    ['irrigation', 28.1, 'warning', 'tank_water_warm'],
    ['irrigation', 35, 'warning', 'tank_water_warm'],
    ['irrigation', 35.1, 'critical', 'tank_water_warm'],
    ['irrigation', 10, 'ok', null],
    ['irrigation', 9.9, 'warning', 'tank_water_cold'],
    ['irrigation', 5, 'warning', 'tank_water_cold'],
    ['irrigation', 4.9, 'critical', 'tank_water_cold'],
    ['reservoir', 30, 'ok', null],
    ['reservoir', 30.1, 'warning', 'tank_water_warm'],
    ['reservoir', 40.1, 'critical', 'tank_water_warm'],
    ['reservoir', 5, 'ok', null],
    ['reservoir', 4.9, 'warning', 'tank_water_cold'],
    ['reservoir', 1, 'warning', 'tank_water_cold'],
    ['reservoir', 0.9, 'critical', 'tank_water_cold'],
    ['stock_solution', 40, 'warning', 'tank_water_warm'],
    ['stock_solution', 40.1, 'critical', 'tank_water_warm'],
    ['stock_solution', 0.9, 'critical', 'tank_water_cold'],
  ])('%s %s °C → %s', (type, water_temp_c, severity, alertType) => {
    const d = assessState(type, { water_temp_c });
    expect(sev(d, 'water_temp')).toBe(severity);
    expect(d.water_temp?.type ?? null).toBe(alertType);
  });
});

describe('dissolved oxygen: nutrient and recirculation tanks only; warm water makes low oxygen critical', () => {
  it.each<[TankType, number, number | undefined, string]>([
    ['nutrient', 6, undefined, 'ok'],
    ['nutrient', 5.9, undefined, 'warning'],
    ['nutrient', 4, undefined, 'warning'],
    ['nutrient', 3.9, undefined, 'critical'],
    ['nutrient', 5.9, 22, 'warning'],
    ['nutrient', 5.9, 22.1, 'critical'],
    ['nutrient', 6, 24, 'ok'],
    ['recirculation', 5.9, undefined, 'warning'],
    ['recirculation', 3.9, undefined, 'critical'],
    ['recirculation', 5.9, 22.1, 'critical'],
    ['irrigation', 2, undefined, 'undecided'],
    ['reservoir', 2, undefined, 'undecided'],
    ['stock_solution', 2, undefined, 'undecided'],
  ])('%s DO %s mg/L at %s °C → %s', (type, oxygen, temp, severity) => {
    const d = assessState(type, {
      dissolved_oxygen_mg_l: oxygen,
      ...(temp !== undefined ? { water_temp_c: temp } : {}),
    });
    expect(sev(d, 'dissolved_oxygen')).toBe(severity);
  });
});

describe('fill level', () => {
  it.each<[number, string]>([
    [20, 'ok'],
    [19.9, 'warning'],
    [0, 'warning'],
    [100, 'ok'],
  ])('%s %% → %s', (fill_percent, severity) => {
    expect(sev(assessState('reservoir', { fill_percent }), 'fill')).toBe(severity);
  });
});

describe('pH drift between consecutive snapshots', () => {
  it.each<[TankType, number, number | null, string]>([
    ['recirculation', 6.0, 5.7, 'ok'],
    ['recirculation', 6.0, 6.3, 'ok'],
    ['recirculation', 6.0, 5.69, 'warning'],
    ['recirculation', 6.0, 6.31, 'warning'],
    ['nutrient', 6.0, 5.5, 'ok'],
    ['nutrient', 6.0, 6.5, 'ok'],
    ['nutrient', 6.0, 5.49, 'warning'],
    ['irrigation', 6.3, 5.8, 'ok'],
    ['irrigation', 6.31, 5.8, 'warning'],
    ['nutrient', 6.0, null, 'undecided'],
  ])('%s from %s to %s → %s', (type, previous, ph, severity) => {
    const d = ph === null ? assessState(type, { ec: 1 }, previous) : assessState(type, { ph }, previous);
    expect(sev(d, 'ph_drift')).toBe(severity);
  });

  it('decides nothing without a previous pH', () => {
    expect(assessState('nutrient', { ph: 6 }).ph_drift).toBeUndefined();
  });
});

it('a snapshot decides only the conditions it measured', () => {
  expect(Object.keys(assessState('nutrient', { fill_percent: 50 }))).toEqual(['fill']);
  expect(Object.keys(assessState('nutrient', { orp_mv: 300 }))).toEqual([]);
});

describe('solution age: 5 d organic, 10 d mineral at 20 °C, Q10 = 2', () => {
  it.each<['mineral' | 'organic', number | null, number]>([
    ['mineral', 20, 10],
    ['organic', 20, 5],
    ['mineral', null, 10],
    ['mineral', 30, 5],
    ['mineral', 10, 20],
    ['organic', 25, 5 / Math.SQRT2],
  ])('%s at %s °C keeps %s days', (kind, temp, days) => {
    expect(solutionLimitDays(kind, temp)).toBeCloseTo(days, 9);
  });

  const filled = new Date('2026-06-01T00:00:00Z');
  const at = (days: number) => new Date(filled.getTime() + days * 86_400_000);

  it.each<[number, boolean]>([
    [10, false],
    [10.01, true],
  ])('mineral at 20 °C, %s days old → over %s', (days, over) => {
    const age = solutionAge('mineral', filled, 20, at(days))!;
    expect(age.over).toBe(over);
    expect(assessAge(age).solution_age === null).toBe(!over);
  });

  it('plain water has an age but no limit; a tank never filled has no age', () => {
    const age = solutionAge(null, filled, null, at(40))!;
    expect(age).toMatchObject({ ageDays: 40, limitDays: null, over: false });
    expect(assessAge(age)).toEqual({});
    expect(solutionAge('organic', null, null, at(1))).toBeNull();
  });

  it('names the age and the limit when over', () => {
    expect(assessAge(solutionAge('organic', filled, 30, at(3))).solution_age).toMatchObject({
      type: 'tank_solution_old',
      actual: 3,
      message: 'solution 3 days old, over its 2.5 days: change it',
    });
  });
});

describe('maintenance', () => {
  it('has the sets per tank type, the farm’s intervals over the defaults', () => {
    expect(intervalsOf('nutrient', {}).map((i) => [i.item, i.days])).toEqual([
      ['water_change', 7],
      ['calibration', 14],
      ['cleaning', 30],
      ['pump_inspection', 30],
      ['sanitization', 90],
    ]);
    expect(Object.fromEntries(intervalsOf('recirculation', { cleaning: 10 }).map((i) => [i.item, i.days]))).toEqual({
      water_change: 7,
      calibration: 14,
      cleaning: 10,
      pump_inspection: 14,
      sanitization: 60,
      filter_change: 30,
    });
    expect(foreignItems('reservoir', { water_change: 7, cleaning: 30 })).toEqual(['water_change']);
  });

  const base = {
    type: 'nutrient' as const,
    overrides: {},
    setUpOn: '2026-06-01',
    filledOn: null,
    lastDone: {},
  };
  it.each<[string, string]>([
    ['2026-06-05', 'ok'],
    ['2026-06-06', 'due_soon'],
    ['2026-06-08', 'due_soon'],
    ['2026-06-09', 'overdue'],
  ])('a weekly water change due 2026-06-08, on %s → %s', (today, status) => {
    const water = dueItems({ ...base, today }).find((d) => d.item === 'water_change')!;
    expect(water).toMatchObject({ due: '2026-06-08', status, since: '2026-06-01', lastDone: null });
  });

  it('counts from the last time done, and a water change also from the filling', () => {
    const items = dueItems({
      ...base,
      filledOn: '2026-06-10',
      lastDone: { water_change: '2026-06-03', calibration: '2026-06-20' },
      today: '2026-06-20',
    });
    expect(items.find((d) => d.item === 'water_change')).toMatchObject({ since: '2026-06-10', due: '2026-06-17' });
    expect(items.find((d) => d.item === 'calibration')).toMatchObject({ due: '2026-07-04', status: 'ok' });
    expect(items.find((d) => d.item === 'cleaning')).toMatchObject({ due: '2026-07-01', status: 'ok' });
  });

  it('counts a water change never done from the filling, even one before the set-up', () => {
    const water = dueItems({ ...base, filledOn: '2026-05-20', today: '2026-06-01' })[0]!;
    expect(water).toMatchObject({ item: 'water_change', since: '2026-05-20', due: '2026-05-27', status: 'overdue' });
  });
});

describe('sensor snapshots', () => {
  const t0 = new Date('2026-06-01T10:00:00Z');
  const plus = (s: number) => new Date(t0.getTime() + s * 1000);

  it.each<[string, { at: Date; through: Date } | undefined, Date, string]>([
    ['no snapshot yet', undefined, t0, 'new'],
    ['nothing newer', { at: t0, through: plus(10) }, plus(10), 'none'],
    ['within the minute', { at: t0, through: t0 }, plus(59), 'fold'],
    ['a minute later', { at: t0, through: t0 }, plus(60), 'new'],
  ])('%s → %s', (_, last, newest, step) => {
    expect(sensorStep(last, newest)).toBe(step);
  });

  it('takes the newest reading of each field, leaving out stale and impossible values', () => {
    const out = sensorMeasurements([
      { field: 'ph', ts: plus(0), value: 6.1 },
      { field: 'ec', ts: plus(-900), value: 1.8 },
      { field: 'water_temp_c', ts: plus(-901), value: 20 },
      { field: 'fill_percent', ts: plus(0), value: 104 },
    ])!;
    expect(out.newest).toEqual(t0);
    expect(out.values).toEqual({ ph: 6.1, ec: 1.8 });
    expect(sensorMeasurements([{ field: 'fill_percent', ts: t0, value: -1 }])).toBeUndefined();
  });
});
