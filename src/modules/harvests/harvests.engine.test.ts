import { describe, expect, it } from 'vitest';
import {
  batchYield,
  DEFECT_PENALTIES,
  defectKey,
  gradeOf,
  harvestDayProblems,
  KNOWN_DEFECTS,
  OTHER_DEFECT_PENALTY,
  penaltyOf,
  runYield,
  scoreQuality,
  type QualityInput,
  type QualityResult,
} from './harvests.engine.js';

const quality = (over: Partial<QualityInput> = {}): QualityInput => ({
  appearance: 80,
  aroma: 80,
  colour: 80,
  defects: [],
  ...over,
});

const scored = (result: QualityResult) => {
  if (!result.ok) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result;
};

describe('harvest day', () => {
  it.each([
    ['2026-06-10', []],
    ['2026-06-09', []],
    ['2025-12-31', []],
    ['2026-06-11', ['harvested_on']],
    ['2026-02-30', ['harvested_on']],
    ['10.06.2026', ['harvested_on']],
  ])('harvested on %s, today 2026-06-10 → problems %j', (day, fields) => {
    expect(harvestDayProblems(day, '2026-06-10').map((p) => p.field)).toEqual(fields);
  });
});

describe('quality score', () => {
  it.each([
    // appearance, aroma, colour → weighted (0.30·a + 0.25·r + 0.20·c + 25)
    [100, 100, 100, 100],
    [0, 0, 0, 25],
    [100, 0, 0, 55],
    [0, 100, 0, 50],
    [0, 0, 100, 45],
    [80, 80, 80, 85],
    [70, 60, 40, 69], // 21 + 15 + 8 + 25
    [33.3, 33.3, 33.3, 49.98], // → 50.0 shown
  ])('%s / %s / %s without defects weighs %s', (appearance, aroma, colour, weighted) => {
    const r = scored(scoreQuality(quality({ appearance, aroma, colour })));
    expect(r.weighted).toBeCloseTo(weighted, 1);
    expect(r.penalty).toBe(0);
    expect(r.score).toBe(Math.round(weighted * 10) / 10);
  });

  it('has the penalties of crops-corrections.md item 19', () => {
    expect(DEFECT_PENALTIES).toEqual({
      mould: 50,
      hermaphrodite: 40,
      pests: 30,
      seeded: 25,
      nutrient_burn: 15,
      light_burn: 15,
      foxtailing: 10,
      discoloration: 10,
      mechanical_damage: 5,
    });
    expect(OTHER_DEFECT_PENALTY).toBe(5);
  });

  it.each([
    ['mould', 50],
    ['Mold', 50],
    ['hermaphrodite', 40],
    ['pests', 30],
    ['pest', 30],
    ['seeded', 25],
    ['Nutrient burn', 15],
    ['light-burn', 15],
    ['foxtailing', 10],
    ['discolouration', 10],
    ['mechanical_damage', 5],
    ['bruising', 5],
    ['hail damage', 5],
  ])('defect %s costs %i', (defect, penalty) => {
    expect(penaltyOf(defect)).toBe(penalty);
    // All 100s weigh 100, so the score shows the penalty alone.
    expect(scored(scoreQuality(quality({ appearance: 100, aroma: 100, colour: 100, defects: [defect] }))).score).toBe(
      100 - penalty,
    );
  });

  it('normalises defect names to keys', () => {
    expect(defectKey('  Nutrient   Burn ')).toBe('nutrient_burn');
    expect(defectKey('mold')).toBe('mould');
    expect(KNOWN_DEFECTS).toHaveLength(9);
  });

  it('counts each defect once, however often or however spelled it is named', () => {
    const r = scored(
      scoreQuality(
        quality({ appearance: 100, aroma: 100, colour: 100, defects: ['mould', 'Mold', 'mould', 'pests', 'bruising'] }),
      ),
    );
    expect(r.defects).toEqual([
      { defect: 'mould', penalty: 50 },
      { defect: 'pests', penalty: 30 },
      { defect: 'bruising', penalty: 5 },
    ]);
    expect(r.penalty).toBe(85);
    expect(r.score).toBe(15);
  });

  it('each different unlisted defect costs 5', () => {
    const r = scored(
      scoreQuality(quality({ appearance: 100, aroma: 100, colour: 100, defects: ['bruising', 'sunscald'] })),
    );
    expect([r.penalty, r.score]).toEqual([10, 90]);
  });

  it.each([
    ['clamps at 0', quality({ appearance: 0, aroma: 0, colour: 0, defects: ['mould'] }), 0],
    ['clamps at 0 with every defect', quality({ defects: [...KNOWN_DEFECTS, 'other'] }), 0],
    ['exactly 0', quality({ appearance: 0, aroma: 0, colour: 0, defects: ['seeded'] }), 0],
    ['never above 100', quality({ appearance: 100, aroma: 100, colour: 100 }), 100],
  ])('%s', (_, input, score) => {
    expect(scored(scoreQuality(input)).score).toBe(score);
  });

  it.each([
    ['appearance', -1],
    ['aroma', 100.1],
    ['colour', Number.NaN],
    ['colour', Number.POSITIVE_INFINITY],
  ] as const)('%s = %s is a problem', (field, value) => {
    const r = scoreQuality(quality({ [field]: value }));
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems.map((p) => p.field)).toEqual([field]);
  });

  it('reports every bad field at once, and an empty defect', () => {
    const r = scoreQuality({ appearance: 101, aroma: -5, colour: 50, defects: ['mould', '  '] });
    expect(r.ok ? [] : r.problems.map((p) => p.field)).toEqual(['appearance', 'aroma', 'defects/1']);
  });

  it.each([0, 100])('accepts %s, the ends of the range', (value) => {
    expect(scoreQuality(quality({ appearance: value, aroma: value, colour: value })).ok).toBe(true);
  });
});

describe('quality grade', () => {
  it.each([
    [100, 'A+'],
    [90, 'A+'],
    [89.9, 'A'],
    [75, 'A'],
    [74.9, 'B'],
    [55, 'B'],
    [54.9, 'C'],
    [35, 'C'],
    [34.9, 'D'],
    [0, 'D'],
  ])('%s → %s', (score, grade) => {
    expect(gradeOf(score)).toBe(grade);
  });

  it.each([
    // weighted 90 exactly: 30 + 25 + 10 + 25
    [{ appearance: 100, aroma: 100, colour: 50 }, 90, 'A+'],
    // 89.925 shows as 89.9: one decimal below A+
    [{ appearance: 99.9, aroma: 99.9, colour: 49.9 }, 89.9, 'A'],
    [{ appearance: 100, aroma: 40, colour: 0 }, 65, 'B'],
    [{ appearance: 50, aroma: 50, colour: 50 }, 62.5, 'B'],
    [{ appearance: 0, aroma: 40, colour: 0 }, 35, 'C'],
    [{ appearance: 0, aroma: 0, colour: 0 }, 25, 'D'],
  ])('%j → %s, %s', (scores, score, grade) => {
    const r = scored(scoreQuality(quality(scores)));
    expect([r.score, r.grade]).toEqual([score, grade]);
  });

  it('grades from the rounded score, so score and grade agree', () => {
    // 0.30·100 + 0.25·100 + 0.20·49.8 + 25 = 89.96 → shown 90.0 (to one decimal) → A+, not A
    const r = scored(scoreQuality(quality({ appearance: 100, aroma: 100, colour: 49.8 })));
    expect([r.score, r.grade]).toEqual([90, 'A+']);
  });

  it('a defect can cost a grade: 100s with hermaphrodite flowers are a B', () => {
    const r = scored(scoreQuality(quality({ appearance: 100, aroma: 100, colour: 100, defects: ['hermaphrodite'] })));
    expect([r.score, r.grade]).toEqual([60, 'B']);
  });
});

describe('yield', () => {
  it.each([
    // weight g, count, plants harvested, run plants, area m² → per plant g, count per plant, per m² g, count per m²
    [1200, 30, 4, 10, 2, 300, 7.5, 600, 15],
    [1200, 30, null, 10, 2, 120, 3, 600, 15], // a run's batch: the run's plants
    [1200, null, 3, null, null, 400, null, null, null], // not counted, area unknown
    [1000, 7, null, null, 1.5, null, null, 666.67, 4.67], // plants unknown
    [1000, 7, 0, 10, 0, null, null, null, null], // zero divides nothing
    [0, 0, 2, null, 4, 0, 0, 0, 0],
  ])(
    '%s g, %s pieces, %s plants (run %s), %s m²',
    (weightG, count, plantsHarvested, runPlants, areaM2, perPlant, countPerPlant, perM2, countPerM2) => {
      const y = batchYield({ weightG, count, plantsHarvested, runPlants, areaM2 });
      expect(y).toMatchObject({ weightG, count });
      expect([y.weightPerPlantG, y.countPerPlant, y.weightPerM2G, y.countPerM2]).toEqual([
        perPlant,
        countPerPlant,
        perM2,
        countPerM2,
      ]);
    },
  );

  it("sums a run's batches and divides by the run's plants, not by pickings", () => {
    const y = runYield({
      batches: [
        { weightG: 800, count: 12 },
        { weightG: 1100.5, count: null },
        { weightG: 650, count: 9 },
      ],
      runPlants: 5,
      areaM2: 2.5,
    });
    expect(y).toEqual({
      batches: 3,
      weightG: 2550.5,
      count: 21,
      plants: 5,
      weightPerPlantG: 510.1,
      countPerPlant: 4.2,
      areaM2: 2.5,
      weightPerM2G: 1020.2,
      countPerM2: 8.4,
    });
  });

  it('a run with no batches yet, or none counted', () => {
    expect(runYield({ batches: [], runPlants: 5, areaM2: null })).toMatchObject({
      batches: 0,
      weightG: 0,
      count: null,
      weightPerPlantG: 0,
      weightPerM2G: null,
    });
    expect(runYield({ batches: [{ weightG: 10, count: null }], runPlants: null, areaM2: 1 }).count).toBeNull();
  });
});
