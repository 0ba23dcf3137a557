import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  baseWaterDays,
  CARE_PRESETS,
  dueReminders,
  intervals,
  isWinter,
  learningClamp,
  learnWaterDays,
  PRESETS,
  presetOfFamily,
  presetOfSpecies,
  remindedInPhase,
  urgencyOf,
  waterDaysIn,
  type CareSettings,
} from './care.engine.js';

const settings = (over: Partial<CareSettings> = {}): CareSettings => ({
  preset: 'tropical',
  speciesWaterDays: null,
  waterDays: null,
  winterFactor: null,
  fertilizeDays: null,
  repotMonths: null,
  pestCheckDays: null,
  humidityCheckDays: null,
  locationCheck: false,
  locationCheckMonths: [],
  adaptive: true,
  learnedWaterDays: null,
  hasNutrientPlan: false,
  ...over,
});

const BERLIN = 52.5;
const PHNOM_PENH = 11.56;
const MELBOURNE = -37.8;

describe('presets and families', () => {
  it('holds the ten presets and custom with their values', () => {
    expect(CARE_PRESETS).toHaveLength(11);
    expect(PRESETS.tropical).toMatchObject({ waterDays: 7, winterFactor: 1.5, fertilizeDays: 14, repotMonths: 24 });
    expect(PRESETS.succulent).toMatchObject({ waterDays: 14, winterFactor: 3, fertilizeDays: 30, pestCheckDays: 21 });
    expect(PRESETS.cactus).toMatchObject({ waterDays: 21, winterFactor: 4, repotMonths: 48, pestCheckDays: 30 });
    expect(PRESETS['outdoor-annual-vegetable']).toMatchObject({ waterDays: 3, winterFactor: 1, repotMonths: 12 });
    expect(PRESETS.fern).toMatchObject({ waterDays: 4, repotMonths: 18, pestCheckDays: 14 });
    expect(PRESETS.cactus.fertilizeMonths).toEqual([5, 6, 7, 8]);
    expect(PRESETS.orchid.fertilizeMonths).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it.each([
    ['Araceae', 'tropical'],
    ['Moraceae', 'tropical'],
    ['Marantaceae', 'calathea'],
    ['Cactaceae', 'cactus'],
    ['Crassulaceae', 'succulent'],
    ['Asphodelaceae', 'succulent'],
    ['Polypodiaceae', 'fern'],
    ['Lamiaceae', 'herb'],
    ['Oleaceae', 'mediterranean'],
    ['Orchidaceae', 'orchid'],
    ['Solanaceae', 'tropical'],
    [null, 'tropical'],
  ] as const)('family %s → %s', (family, expected) => {
    expect(presetOfFamily(family)).toBe(expected);
  });

  it("a species' own preset beats its family's; an unknown one falls back to the family", () => {
    expect(presetOfSpecies({ carePreset: 'mediterranean', familyName: 'Lamiaceae' })).toBe('mediterranean');
    expect(presetOfSpecies({ carePreset: null, familyName: 'Orchidaceae' })).toBe('orchid');
    expect(presetOfSpecies({ carePreset: 'no-such', familyName: 'Cactaceae' })).toBe('cactus');
  });
});

describe('winter', () => {
  it('is December–February in the north, June–August in the south', () => {
    expect([1, 2, 3, 6, 11, 12].map((m) => isWinter(BERLIN, m))).toEqual([true, true, false, false, false, true]);
    expect([1, 5, 6, 7, 8, 9].map((m) => isWinter(MELBOURNE, m))).toEqual([false, false, true, true, true, false]);
  });

  it('never comes within the tropics (Phnom Penh’s dry season is hot) nor with an unknown latitude', () => {
    for (let m = 1; m <= 12; m++) {
      expect(isWinter(PHNOM_PENH, m)).toBe(false);
      expect(isWinter(-23.3, m)).toBe(false);
      expect(isWinter(null, m)).toBe(false);
    }
    expect(isWinter(23.5, 1)).toBe(true);
  });

  it('stretches the watering interval by the winter factor, rounded', () => {
    expect(waterDaysIn(settings({ preset: 'succulent' }), BERLIN, 1)).toBe(42);
    expect(waterDaysIn(settings({ preset: 'succulent' }), BERLIN, 7)).toBe(14);
    expect(waterDaysIn(settings({ preset: 'succulent' }), PHNOM_PENH, 1)).toBe(14);
    expect(waterDaysIn(settings({ preset: 'tropical', winterFactor: 1.3 }), MELBOURNE, 7)).toBe(9);
  });
});

describe('effective intervals', () => {
  it("the species' watering guide beats the preset, the profile's own value beats both", () => {
    expect(baseWaterDays(settings({ preset: 'herb' }))).toBe(5);
    expect(baseWaterDays(settings({ preset: 'herb', speciesWaterDays: 3 }))).toBe(3);
    expect(baseWaterDays(settings({ preset: 'herb', speciesWaterDays: 3, waterDays: 9 }))).toBe(9);
  });

  it('uses the learned interval while adaptive, the base when not', () => {
    expect(waterDaysIn(settings({ learnedWaterDays: 8 }), null, 6)).toBe(8);
    expect(waterDaysIn(settings({ learnedWaterDays: 8, adaptive: false }), null, 6)).toBe(7);
  });

  it('repots every months × 30 days; fertilises only with a nutrient plan in an active month', () => {
    const none = intervals(settings({ preset: 'cactus' }), BERLIN, 6);
    expect(none).toMatchObject({ repot: 1440, pest_check: 30, fertilize: null, humidity_check: null });
    expect(intervals(settings({ preset: 'cactus', hasNutrientPlan: true }), BERLIN, 6).fertilize).toBe(30);
    expect(intervals(settings({ preset: 'cactus', hasNutrientPlan: true }), BERLIN, 4).fertilize).toBeNull();
  });

  it('checks humidity for the presets that need it and location monthly, in the named months only', () => {
    expect(intervals(settings({ preset: 'calathea' }), null, 1).humidity_check).toBe(7);
    expect(intervals(settings({ preset: 'tropical', humidityCheckDays: 10 }), null, 1).humidity_check).toBe(10);
    expect(intervals(settings(), null, 1).location_check).toBeNull();
    expect(intervals(settings({ locationCheck: true }), null, 1).location_check).toBe(30);
    const seasonal = settings({ locationCheck: true, locationCheckMonths: [4, 10] });
    expect(intervals(seasonal, null, 4).location_check).toBe(30);
    expect(intervals(seasonal, null, 5).location_check).toBeNull();
  });
});

describe('quiet phases', () => {
  it('leave only pest checks', () => {
    for (const phase of [
      'dormancy',
      'senescence',
      'hardening_off',
      'maintenance',
      'acclimatization',
      'repotting_recovery',
    ]) {
      expect(remindedInPhase('water', phase)).toBe(false);
      expect(remindedInPhase('repot', phase)).toBe(false);
      expect(remindedInPhase('pest_check', phase)).toBe(true);
    }
    expect(remindedInPhase('water', 'vegetative')).toBe(true);
    expect(remindedInPhase('water', null)).toBe(true);
  });
});

describe('adaptive learning', () => {
  const days = (...offsets: number[]) => offsets.map((o) => addDays('2026-05-01', o));

  it('needs three confirmations', () => {
    expect(learnWaterDays({ base: 7, previous: null, confirmations: days(0, 10) })).toEqual({
      days: null,
      target: null,
    });
  });

  it('needs two positive gaps among the last five', () => {
    // Three confirmations, two on the same day: one positive gap only.
    expect(learnWaterDays({ base: 7, previous: null, confirmations: days(0, 0, 9) }).days).toBeNull();
    expect(learnWaterDays({ base: 7, previous: null, confirmations: days(0, 9, 18) })).toEqual({ days: 8, target: 9 });
  });

  it('moves one day a step towards the clamped mean of the last five', () => {
    // Gaps 2, 2, 2, 2 → mean 2, clamped to ⌊0.7·7⌋ = 4; from 7 one step is 6.
    const fast = days(0, 2, 4, 6, 8);
    expect(learnWaterDays({ base: 7, previous: null, confirmations: fast })).toEqual({ days: 6, target: 4 });
    expect(learnWaterDays({ base: 7, previous: 5, confirmations: fast })).toEqual({ days: 4, target: 4 });
    expect(learnWaterDays({ base: 7, previous: 4, confirmations: fast })).toEqual({ days: 4, target: 4 });
    // Only the last five count: the early long gaps are forgotten.
    expect(learnWaterDays({ base: 10, previous: 10, confirmations: days(-100, -50, 0, 11, 22, 33, 44) }).target).toBe(
      11,
    );
  });

  it('clamps to [max(1, ⌊0.7·base⌋), ⌊1.3·base⌋]', () => {
    expect(learningClamp(7)).toEqual({ min: 4, max: 9 });
    expect(learningClamp(1)).toEqual({ min: 1, max: 1 });
    expect(learningClamp(21)).toEqual({ min: 14, max: 27 });
  });

  it('always stays in the clamp and moves at most one day a step (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 90 }),
        fc.option(fc.integer({ min: 1, max: 200 }), { nil: null }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 12 }),
        (base, previous, offsets) => {
          const { min, max } = learningClamp(base);
          const { days: learned } = learnWaterDays({ base, previous, confirmations: days(...offsets) });
          if (learned === null) return previous === null;
          expect(learned).toBeGreaterThanOrEqual(min);
          expect(learned).toBeLessThanOrEqual(max);
          const from = Math.min(max, Math.max(min, previous ?? base));
          expect(Math.abs(learned - from)).toBeLessThanOrEqual(1);
          return true;
        },
      ),
    );
  });

  it('settles on the grower’s rhythm when it lies in the band (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 60 }), fc.integer({ min: 0, max: 100 }), (base, pick) => {
        const { min, max } = learningClamp(base);
        const rhythm = min + (pick % (max - min + 1));
        const confirmations = days(...Array.from({ length: 5 }, (_, i) => i * rhythm));
        let learned: number | null = null;
        for (let step = 0; step < 100; step++)
          learned = learnWaterDays({ base, previous: learned, confirmations }).days;
        expect(learned).toBe(rhythm);
      }),
    );
  });
});

describe('due reminders', () => {
  it('are due the interval after they were last done; watering the day care starts', () => {
    const due = dueReminders({
      settings: settings({ preset: 'herb' }),
      latitude: PHNOM_PENH,
      today: '2026-06-10',
      startedOn: '2026-06-01',
      lastDone: { water: '2026-06-06' },
      phaseKey: 'vegetative',
    });
    expect(due).toEqual([
      { kind: 'water', due: '2026-06-11', intervalDays: 5, urgency: 'upcoming' },
      { kind: 'repot', due: addDays('2026-06-01', 360), intervalDays: 360, urgency: 'later' },
      { kind: 'pest_check', due: '2026-06-08', intervalDays: 7, urgency: 'overdue' },
    ]);
    const fresh = dueReminders({
      settings: settings({ preset: 'herb' }),
      latitude: null,
      today: '2026-06-01',
      startedOn: '2026-06-01',
      lastDone: {},
      phaseKey: null,
    });
    expect(fresh[0]).toEqual({ kind: 'water', due: '2026-06-01', intervalDays: 5, urgency: 'due_today' });
  });

  it('are quiet but for pest checks in a dormancy-like phase, and stretch watering in a northern winter', () => {
    const resting = dueReminders({
      settings: settings({ preset: 'succulent' }),
      latitude: BERLIN,
      today: '2026-01-10',
      startedOn: '2025-12-01',
      lastDone: {},
      phaseKey: 'dormancy',
    });
    expect(resting.map((r) => r.kind)).toEqual(['pest_check']);
    const winter = dueReminders({
      settings: settings({ preset: 'succulent' }),
      latitude: BERLIN,
      today: '2026-01-10',
      startedOn: '2025-12-01',
      lastDone: { water: '2026-01-01' },
      phaseKey: null,
    });
    expect(winter[0]).toMatchObject({ kind: 'water', due: '2026-02-12', intervalDays: 42 });
  });

  it('tell overdue, due today, upcoming and later apart', () => {
    expect(['2026-06-09', '2026-06-10', '2026-06-12', '2026-06-13'].map((d) => urgencyOf(d, '2026-06-10'))).toEqual([
      'overdue',
      'due_today',
      'upcoming',
      'later',
    ]);
  });
});
