import { describe, expect, it } from 'vitest';
import { DomainError } from '../../platform/errors.js';
import {
  addDays,
  daysBetween,
  inspectionIntervalDays,
  inspectionTaskKey,
  inspectionUrgency,
  isLocalDate,
  isUnknownGroup,
  karenzGate,
  karenzViolation,
  karenzViolationDetails,
  KARENZ_VIOLATION,
  nextInspection,
  phaseFactor,
  PRESSURE_FACTORS,
  PRESSURE_LEVELS,
  resistanceCheck,
  resistanceDetails,
  resistanceKeyOf,
  resistanceLimit,
  resistanceMessage,
  RESISTANCE_LIMIT,
  safeDateOf,
  type ApplicationTarget,
  type ModeOfAction,
  type PressureLevel,
  type ResistanceVerdict,
  type TreatmentApplication,
} from './protection.engine.js';

const PLANT: ApplicationTarget = { kind: 'plant', id: 'plant-1' };
const RUN: ApplicationTarget = { kind: 'run', id: 'run-1' };
const BED: ApplicationTarget = { kind: 'location', id: 'bed-1' };

const IRAC_3A: ModeOfAction = { scheme: 'IRAC', code: '3A' };
const IRAC_5: ModeOfAction = { scheme: 'IRAC', code: '5' };
const FRAC_11: ModeOfAction = { scheme: 'FRAC', code: '11' };

let nextId = 0;
const app = (over: Partial<TreatmentApplication> = {}): TreatmentApplication => ({
  id: `app-${++nextId}`,
  appliedOn: '2026-06-01',
  treatmentName: 'Spinosad spray',
  activeIngredient: 'spinosad',
  modeOfAction: IRAC_5,
  intervalDays: 7,
  appliedTo: PLANT,
  ...over,
});

describe('calendar days', () => {
  it.each([
    ['2026-06-01', 7, '2026-06-08'],
    ['2026-02-25', 5, '2026-03-02'],
    ['2028-02-25', 5, '2028-03-01'], // leap year: 29 February exists
    ['2026-12-30', 3, '2027-01-02'],
    ['2026-03-27', 3, '2026-03-30'], // over the European spring clock change
    ['2026-10-24', 2, '2026-10-26'], // over the autumn one
    ['2026-06-08', -7, '2026-06-01'],
  ])('%s + %i days = %s', (day, n, expected) => {
    expect(addDays(day, n)).toBe(expected);
    expect(daysBetween(day, expected)).toBe(n);
  });

  it.each(['2026-02-30', '2026-13-01', '2026-6-1', '01.06.2026', '', '2026-06-01T00:00'])('%j is not a date', (day) => {
    expect(isLocalDate(day)).toBe(false);
    expect(() => addDays(day, 1)).toThrow(RangeError);
  });
});

describe('pre-harvest interval gate', () => {
  it('safe date = applied day + interval; a broken interval is refused', () => {
    expect(safeDateOf({ appliedOn: '2026-06-01', intervalDays: 7 })).toBe('2026-06-08');
    expect(safeDateOf({ appliedOn: '2026-06-01', intervalDays: 0 })).toBe('2026-06-01');
    expect(() => safeDateOf({ appliedOn: '2026-06-01', intervalDays: -1 })).toThrow(RangeError);
    expect(() => safeDateOf({ appliedOn: '2026-06-01', intervalDays: 1.5 })).toThrow(RangeError);
  });

  it('allows a harvest with no applications', () => {
    expect(karenzGate({ harvestedOn: '2026-06-05', applications: [] })).toEqual({
      allowed: true,
      harvestedOn: '2026-06-05',
    });
  });

  // Applied 2026-06-01 with a 7-day interval: safe from 2026-06-08.
  it.each([
    ['2026-05-31', true, null], // the harvest was taken the day before the spray
    ['2026-06-01', false, 7], // same day: the spray may have come first
    ['2026-06-02', false, 6],
    ['2026-06-07', false, 1],
    ['2026-06-08', true, null], // on the safe date
    ['2026-06-09', true, null],
  ])('harvest on %s: allowed %s, days remaining %s', (harvestedOn, allowed, daysRemaining) => {
    const gate = karenzGate({ harvestedOn, applications: [app({ appliedOn: '2026-06-01', intervalDays: 7 })] });
    expect(gate.allowed).toBe(allowed);
    if (!gate.allowed) {
      expect(gate.blockers).toHaveLength(1);
      expect(gate.blockers[0]).toMatchObject({ activeIngredient: 'spinosad', safeDate: '2026-06-08', daysRemaining });
      expect(gate.allowedFrom).toBe('2026-06-08');
    }
  });

  it.each([
    ['a 0-day interval never blocks, even the same day', '2026-06-01', 0, '2026-06-01', true],
    ['a 1-day interval blocks the day of the spray', '2026-06-01', 1, '2026-06-01', false],
    ['a 1-day interval allows the next day', '2026-06-01', 1, '2026-06-02', true],
    ['an interval crossing the year end blocks the day before its safe date', '2026-12-10', 35, '2027-01-13', false],
    ['… and allows its safe date', '2026-12-10', 35, '2027-01-14', true],
    ['an interval over 29 February 2028', '2028-02-20', 10, '2028-02-29', false],
    ['… safe on 1 March', '2028-02-20', 10, '2028-03-01', true],
  ])('%s', (_, appliedOn, intervalDays, harvestedOn, allowed) => {
    expect(karenzGate({ harvestedOn, applications: [app({ appliedOn, intervalDays })] }).allowed).toBe(allowed);
  });

  it('judges a back-dated harvest against its own date, not against today', () => {
    // Recorded later, harvested on 06-05: the 06-01 spray (safe 06-08) blocks it although 06-08 is long past.
    const gate = karenzGate({
      harvestedOn: '2026-06-05',
      applications: [
        app({ id: 'before', appliedOn: '2026-06-01', intervalDays: 7 }),
        app({ id: 'after', appliedOn: '2026-06-06', intervalDays: 14, activeIngredient: 'pyrethrins' }),
      ],
    });
    expect(gate).toMatchObject({ allowed: false, allowedFrom: '2026-06-08' });
    if (gate.allowed) return;
    expect(gate.blockers.map((b) => [b.activeIngredient, b.safeDate, b.daysRemaining])).toEqual([
      ['spinosad', '2026-06-08', 3],
    ]);
  });

  it('lists every blocking ingredient, latest safe date first, each with the applications behind it', () => {
    const gate = karenzGate({
      harvestedOn: '2026-06-10',
      applications: [
        app({ id: 'a', activeIngredient: 'spinosad', appliedOn: '2026-06-05', intervalDays: 7, appliedTo: PLANT }),
        app({ id: 'b', activeIngredient: 'Spinosad', appliedOn: '2026-06-08', intervalDays: 7, appliedTo: RUN }),
        app({ id: 'c', activeIngredient: 'azoxystrobin', appliedOn: '2026-06-03', intervalDays: 21, appliedTo: BED }),
        app({ id: 'd', activeIngredient: 'copper hydroxide', appliedOn: '2026-06-09', intervalDays: 3 }),
        app({ id: 'e', activeIngredient: 'abamectin', appliedOn: '2026-05-01', intervalDays: 7 }), // long safe
        app({ id: 'f', activeIngredient: 'sulphur', appliedOn: '2026-06-08', intervalDays: 3, appliedTo: BED }),
      ],
    });
    expect(gate.allowed).toBe(false);
    if (gate.allowed) return;
    expect(gate.allowedFrom).toBe('2026-06-24');
    expect(
      gate.blockers.map((b) => [b.activeIngredient, b.safeDate, b.daysRemaining, b.applications.map((a) => a.id)]),
    ).toEqual([
      ['azoxystrobin', '2026-06-24', 14, ['c']],
      ['Spinosad', '2026-06-15', 5, ['b', 'a']], // grouped without case; named as the latest-ending one
      ['copper hydroxide', '2026-06-12', 2, ['d']],
      ['sulphur', '2026-06-11', 1, ['f']],
    ]);
    expect(gate.blockers[0]!.applications[0]!.appliedTo).toEqual(BED);
    expect(gate.blockers[1]!.applications.map((a) => a.safeDate)).toEqual(['2026-06-15', '2026-06-12']);
  });

  it('orders blockers with the same safe date by name', () => {
    const gate = karenzGate({
      harvestedOn: '2026-06-02',
      applications: [app({ activeIngredient: 'spinosad' }), app({ activeIngredient: 'acetamiprid' })],
    });
    expect(gate.allowed ? [] : gate.blockers.map((b) => b.activeIngredient)).toEqual(['acetamiprid', 'spinosad']);
  });

  it('counts an application reaching the plant through two paths once', () => {
    const shared = app({ id: 'bed-spray', appliedTo: BED });
    const gate = karenzGate({ harvestedOn: '2026-06-03', applications: [shared, { ...shared }] });
    expect(gate.allowed ? [] : gate.blockers.flatMap((b) => b.applications.map((a) => a.id))).toEqual(['bed-spray']);
  });

  it('blocks on a treatment with an interval but no named ingredient, under its name', () => {
    const gate = karenzGate({
      harvestedOn: '2026-06-03',
      applications: [app({ activeIngredient: null, modeOfAction: null, treatmentName: 'Neem press cake' })],
    });
    expect(gate.allowed ? null : gate.blockers[0]).toMatchObject({ activeIngredient: null, safeDate: '2026-06-08' });
    expect(gate.allowed ? '' : karenzViolation(gate).message).toContain('Neem press cake until 2026-06-08');
  });

  it('refuses a malformed harvest day rather than letting it pass', () => {
    expect(() => karenzGate({ harvestedOn: '2026-06-31', applications: [app()] })).toThrow(RangeError);
  });

  it('builds the 422 KARENZ_VIOLATION with every blocker in its details', () => {
    const gate = karenzGate({
      harvestedOn: '2026-06-06',
      applications: [
        app({ id: 'x', appliedOn: '2026-06-01', intervalDays: 7, appliedTo: RUN }),
        app({
          id: 'y',
          activeIngredient: 'deltamethrin',
          modeOfAction: IRAC_3A,
          appliedOn: '2026-06-05',
          intervalDays: 1,
        }),
      ],
    });
    if (gate.allowed) throw new Error('expected a blocked harvest');
    expect(karenzViolationDetails(gate)).toEqual({
      harvested_on: '2026-06-06',
      allowed_from: '2026-06-08',
      blockers: [
        {
          active_ingredient: 'spinosad',
          safe_date: '2026-06-08',
          days_remaining: 2,
          applications: [
            {
              id: 'x',
              treatment_name: 'Spinosad spray',
              applied_on: '2026-06-01',
              interval_days: 7,
              safe_date: '2026-06-08',
              applied_to: { kind: 'run', id: 'run-1' },
            },
          ],
        },
      ],
    });
    const error = karenzViolation(gate);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'rule', code: KARENZ_VIOLATION });
    expect(error.message).toBe(
      'A harvest on 2026-06-06 falls inside the pre-harvest interval of spinosad until 2026-06-08 (2 days); harvesting is allowed from 2026-06-08',
    );
  });
});

describe('resistance rule', () => {
  type Treatment = Pick<TreatmentApplication, 'activeIngredient' | 'modeOfAction'>;
  const pyrethroid: Treatment = { activeIngredient: 'deltamethrin', modeOfAction: IRAC_3A };
  const on = (appliedOn: string, over: Partial<TreatmentApplication> = {}) =>
    app({ appliedOn, ...pyrethroid, treatmentName: 'Pyrethroid', ...over });
  const check = (appliedOn: string, priors: TreatmentApplication[], treatment: Treatment = pyrethroid) =>
    resistanceCheck({ appliedOn, treatment, exposures: [{ plantId: 'plant-1', applications: priors }] });

  it.each([
    [0, 'ok', 1],
    [1, 'ok', 2],
    [2, 'warning', 3],
    [3, 'refused', 4],
    [5, 'refused', 6],
  ] as const)('%i earlier uses → %s (use %i)', (earlier, outcome, use) => {
    const priors = Array.from({ length: earlier }, (_, i) => on(addDays('2026-06-01', i * 10)));
    const verdict = check('2026-07-15', priors);
    expect(verdict).toMatchObject({ outcome, use, plantId: 'plant-1' });
    expect(verdict.earlierUses.map((a) => a.id)).toEqual(priors.map((a) => a.id));
  });

  it.each([
    ['the same day', '2026-09-01', 'refused'],
    ['89 days before', '2026-06-04', 'refused'],
    ['exactly 90 days before (inclusive)', '2026-06-03', 'refused'],
    ['91 days before', '2026-06-02', 'warning'],
  ])('a third earlier use %s counts or not', (_, third, outcome) => {
    const verdict = check('2026-09-01', [on('2026-08-01'), on('2026-08-15'), on(third)]);
    expect(verdict.outcome).toBe(outcome);
  });

  it('counts by mode-of-action group: two pyrethroids are the same use, another group is not', () => {
    const priors = [
      on('2026-06-01', { activeIngredient: 'lambda-cyhalothrin' }),
      on('2026-06-10', { activeIngredient: 'cypermethrin', modeOfAction: { scheme: 'IRAC', code: '3a' } }),
      on('2026-06-20', { activeIngredient: 'spinosad', modeOfAction: IRAC_5 }),
      on('2026-06-21', { activeIngredient: 'deltamethrin', modeOfAction: FRAC_11 }), // data error: another group
    ];
    const verdict = check('2026-06-30', priors);
    expect(verdict).toMatchObject({ outcome: 'warning', use: 3, key: { by: 'group', scheme: 'IRAC', code: '3A' } });
    expect(verdict.earlierUses.map((a) => a.activeIngredient)).toEqual(['lambda-cyhalothrin', 'cypermethrin']);
  });

  it('falls back to the active ingredient when either side has no group', () => {
    const noGroup = { activeIngredient: 'Potassium bicarbonate', modeOfAction: null };
    expect(resistanceKeyOf(noGroup)).toEqual({ by: 'ingredient', activeIngredient: 'Potassium bicarbonate' });
    const priors = [
      on('2026-06-01', { activeIngredient: 'potassium bicarbonate', modeOfAction: null }),
      on('2026-06-05', { activeIngredient: 'potassium  bicarbonate', modeOfAction: { scheme: 'FRAC', code: 'NC' } }),
      on('2026-06-09', { activeIngredient: 'sulphur', modeOfAction: null }),
    ];
    expect(check('2026-06-20', priors, noGroup)).toMatchObject({ outcome: 'warning', use: 3 });
    // The new one has a group, an earlier record of the same ingredient has none: still the same use.
    const grouped = check('2026-06-20', [on('2026-06-01', { modeOfAction: null }), on('2026-06-02')]);
    expect(grouped).toMatchObject({ outcome: 'warning', use: 3 });
  });

  it.each([
    [{ scheme: 'IRAC', code: 'UN' }, true],
    [{ scheme: 'IRAC', code: 'UNB' }, true],
    [{ scheme: 'IRAC', code: '3A' }, false],
    [{ scheme: 'FRAC', code: 'NC' }, true],
    [{ scheme: 'FRAC', code: 'M01' }, false],
    // FRAC U groups are chemical classes whose target is unknown: counted by ingredient, as the catalogue says.
    [{ scheme: 'FRAC', code: 'U06' }, true],
    [{ scheme: 'FRAC', code: 'BM02' }, true],
    [{ scheme: 'FRAC', code: 'M 2' }, false],
    [{ scheme: 'HRAC', code: '0' }, true],
    [{ scheme: 'HRAC', code: 'Z' }, true],
    [{ scheme: 'HRAC', code: '9' }, false],
  ] as const)('%j names no shared mode of action: %s', (moa, unknown) => {
    expect(isUnknownGroup(moa)).toBe(unknown);
  });

  it('does not pool different ingredients that share only an "unknown" group', () => {
    const un = { scheme: 'IRAC', code: 'UN' } as const;
    const priors = [
      on('2026-06-01', { activeIngredient: 'azadirachtin', modeOfAction: un }),
      on('2026-06-02', { activeIngredient: 'pyridalyl', modeOfAction: un }),
      on('2026-06-03', { activeIngredient: 'rapeseed oil', modeOfAction: un }),
    ];
    const verdict = check('2026-06-10', priors, { activeIngredient: 'azadirachtin', modeOfAction: un });
    expect(verdict).toMatchObject({
      outcome: 'ok',
      use: 2,
      key: { by: 'ingredient', activeIngredient: 'azadirachtin' },
    });
  });

  it('never counts a treatment without group and ingredient, nor such earlier treatments', () => {
    const mechanical = { activeIngredient: null, modeOfAction: null };
    const priors = [1, 2, 3, 4].map((d) => on(`2026-06-0${d}`, mechanical));
    expect(check('2026-06-05', priors, mechanical)).toEqual({
      outcome: 'not_counted',
      key: null,
      use: 0,
      plantId: null,
      earlierUses: [],
    });
    expect(check('2026-06-05', priors).outcome).toBe('ok');
  });

  it('counts one application seen through the run and the location once', () => {
    const bedSpray = on('2026-06-01', { id: 'bed-spray', appliedTo: BED });
    const verdict = check('2026-06-20', [bedSpray, { ...bedSpray }, on('2026-06-10', { appliedTo: RUN })]);
    expect(verdict).toMatchObject({ outcome: 'warning', use: 3 });
  });

  it('judges a run or location by its worst plant', () => {
    const bed = on('2026-06-01', { appliedTo: BED });
    const verdict = resistanceCheck({
      appliedOn: '2026-06-20',
      treatment: pyrethroid,
      exposures: [
        { plantId: 'p1', applications: [bed] },
        { plantId: 'p2', applications: [bed, on('2026-06-05'), on('2026-06-09')] },
        { plantId: 'p3', applications: [bed, on('2026-06-06')] },
      ],
    });
    expect(verdict).toMatchObject({ outcome: 'refused', use: 4, plantId: 'p2' });
    expect(verdict.earlierUses.map((a) => a.appliedOn)).toEqual(['2026-06-01', '2026-06-05', '2026-06-09']);
  });

  it('a target without plants and without history: first use', () => {
    expect(resistanceCheck({ appliedOn: '2026-06-01', treatment: pyrethroid, exposures: [] })).toMatchObject({
      outcome: 'ok',
      use: 1,
      plantId: null,
    });
  });

  it.each([
    ['three later uses within 90 days', ['2026-06-05', '2026-06-20', '2026-07-10'], 'refused', 4],
    ['uses 80 days before and after: never 3 in one window', ['2026-03-13', '2026-08-20'], 'ok', 2],
    ['two before and one after, all within one window', ['2026-05-01', '2026-05-20', '2026-06-10'], 'refused', 4],
    ['one before, two after, spanning more than 90 days', ['2026-03-10', '2026-06-10', '2026-08-28'], 'warning', 3],
  ])('a back-dated use (2026-06-01) is judged by its worst window: %s', (_, dates, outcome, use) => {
    expect(
      check(
        '2026-06-01',
        dates.map((d) => on(d)),
      ),
    ).toMatchObject({ outcome, use });
  });

  const refused = (): ResistanceVerdict & { key: NonNullable<ResistanceVerdict['key']> } => {
    const v = check('2026-06-20', [
      on('2026-06-01', { id: 'r1', treatmentName: 'Decis', appliedTo: RUN }),
      on('2026-06-08', { id: 'r2', treatmentName: 'Decis' }),
      on('2026-06-15', { id: 'r3', treatmentName: 'Karate', activeIngredient: 'lambda-cyhalothrin', appliedTo: BED }),
    ]);
    if (v.key === null) throw new Error('expected a counted verdict');
    return { ...v, key: v.key };
  };

  it('builds the 422 RESISTANCE_LIMIT listing the earlier uses', () => {
    const v = refused();
    expect(resistanceDetails(v)).toEqual({
      counted_by: 'group',
      counted_as: 'IRAC 3A',
      use: 4,
      max_uses: 3,
      window_days: 90,
      plant_id: 'plant-1',
      earlier_uses: [
        {
          id: 'r1',
          treatment_name: 'Decis',
          active_ingredient: 'deltamethrin',
          applied_on: '2026-06-01',
          applied_to: RUN,
        },
        {
          id: 'r2',
          treatment_name: 'Decis',
          active_ingredient: 'deltamethrin',
          applied_on: '2026-06-08',
          applied_to: PLANT,
        },
        {
          id: 'r3',
          treatment_name: 'Karate',
          active_ingredient: 'lambda-cyhalothrin',
          applied_on: '2026-06-15',
          applied_to: BED,
        },
      ],
    });
    const error = resistanceLimit(v);
    expect(error).toMatchObject({ kind: 'rule', code: RESISTANCE_LIMIT });
    expect(error.message).toBe(
      'This would be the 4th use of IRAC 3A within 90 days; at most 3 are allowed: rotate to another mode of action',
    );
  });

  it('words the warning of a 3rd use', () => {
    const v = check('2026-06-20', [on('2026-06-01'), on('2026-06-10')]);
    if (v.key === null) throw new Error('expected a counted verdict');
    expect(resistanceMessage({ ...v, key: v.key })).toBe(
      'This is the 3rd use of IRAC 3A within 90 days; a further use within the window will be refused: rotate to another mode of action',
    );
  });
});

describe('next inspection', () => {
  it('has the pressure levels and factors of crops-corrections.md item 18', () => {
    expect(PRESSURE_LEVELS).toEqual(['none', 'low', 'medium', 'high', 'critical']);
    expect(PRESSURE_LEVELS.map((p) => PRESSURE_FACTORS[p])).toEqual([1, 0.8, 0.5, 0.33, 0.25]);
  });

  it.each([
    ['germination', 1],
    ['seedling', 0.8],
    ['vegetative', 1],
    ['flowering', 0.5],
    ['harvest', 0.33],
    ['ripening', 1],
    ['dormancy', 1],
    ['constructor', 1], // not a phase, whatever Object.prototype holds
    [null, 1],
  ])('phase %s → factor %s', (phase, factor) => {
    expect(phaseFactor(phase)).toBe(factor);
  });

  // 7 × phase × pressure, rounded down to whole days, at least 1.
  it.each<[string | null, PressureLevel | null, number]>([
    ['vegetative', 'none', 7],
    [null, null, 7],
    ['germination', 'none', 7],
    ['seedling', 'none', 5], // 5.6
    ['vegetative', 'low', 5], // 5.6
    ['seedling', 'low', 4], // 4.48
    ['flowering', 'none', 3], // 3.5
    ['vegetative', 'medium', 3], // 3.5
    ['harvest', 'none', 2], // 2.31
    ['vegetative', 'high', 2], // 2.31
    ['flowering', 'low', 2], // 2.8
    ['vegetative', 'critical', 1], // 1.75
    ['flowering', 'medium', 1], // 1.75
    ['flowering', 'high', 1], // 1.155
    ['flowering', 'critical', 1], // 0.875 → the floor of 1
    ['harvest', 'critical', 1], // 0.5775
  ])('%s under %s pressure: every %i days', (phase, pressure, days) => {
    expect(inspectionIntervalDays(phase, pressure)).toBe(days);
  });

  it.each([
    ['2026-06-09', 'overdue'],
    ['2026-06-10', 'due_today'],
    ['2026-06-11', 'due_soon'],
    ['2026-06-12', 'due_soon'],
    ['2026-06-13', 'scheduled'],
  ])('due %s seen on 2026-06-10: %s', (due, urgency) => {
    expect(inspectionUrgency(due, '2026-06-10')).toBe(urgency);
  });

  it('the first inspection is due at once', () => {
    expect(
      nextInspection({ today: '2026-06-10', lastInspectedOn: null, lastPressure: null, phaseKey: 'flowering' }),
    ).toEqual({ due: '2026-06-10', intervalDays: null, daysUntil: 0, urgency: 'due_today' });
  });

  it.each<[string, PressureLevel, string, string, number, string]>([
    ['2026-06-01', 'none', 'vegetative', '2026-06-08', -2, 'overdue'],
    ['2026-06-07', 'none', 'flowering', '2026-06-10', 0, 'due_today'],
    ['2026-06-09', 'high', 'vegetative', '2026-06-11', 1, 'due_soon'],
    ['2026-06-10', 'none', 'vegetative', '2026-06-17', 7, 'scheduled'],
    ['2026-06-09', 'critical', 'flowering', '2026-06-10', 0, 'due_today'],
  ])('last inspected %s (%s pressure, %s): due %s', (last, pressure, phaseKey, due, daysUntil, urgency) => {
    expect(
      nextInspection({ today: '2026-06-10', lastInspectedOn: last, lastPressure: pressure, phaseKey }),
    ).toMatchObject({ due, daysUntil, urgency });
  });

  it('keys an inspection task by target and due day', () => {
    expect(inspectionTaskKey(BED, '2026-06-10')).toBe('inspect:location:bed-1:2026-06-10');
  });
});
