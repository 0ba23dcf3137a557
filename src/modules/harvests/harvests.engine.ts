/**
 * Harvests' rules (crops.md "Plant protection (IPM) and harvest", crops-corrections.md item 19): a batch's
 * date, the quality score and grade of an assessment, and yield per batch and per run (per plant, per m²).
 * Pure: no I/O, no clock; days are farm-local calendar dates (YYYY-MM-DD), today comes in as an argument.
 */

/** A rule a request broke, naming its field (without the `body.` prefix). */
export interface Problem {
  field: string;
  message: string;
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

const isLocalDate = (day: string): boolean => {
  if (!DAY_PATTERN.test(day)) return false;
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === day;
};

/** What is wrong with a batch's farm-local day: not a date, or after today (a harvest is recorded, not planned). */
export function harvestDayProblems(harvestedOn: string, today: string): Problem[] {
  if (!isLocalDate(harvestedOn)) return [{ field: 'harvested_on', message: 'must be a date (YYYY-MM-DD)' }];
  // Both are YYYY-MM-DD, so the strings order as the days do.
  return harvestedOn > today
    ? [{ field: 'harvested_on', message: `lies in the future (today is ${today} on the farm)` }]
    : [];
}

// Quality

/** The weights of the three scores; the rest of 100 is a base every batch starts with. */
export const QUALITY_WEIGHTS = { appearance: 0.3, aroma: 0.25, colour: 0.2 } as const;
/** 100 × (1 − 0.30 − 0.25 − 0.20): a defect-free batch scored 0/0/0 still gets 25, all 100s get 100. */
export const QUALITY_BASE = 25;

/** Points each defect takes off the score (crops-corrections.md item 19). */
export const DEFECT_PENALTIES = {
  mould: 50,
  hermaphrodite: 40,
  pests: 30,
  seeded: 25,
  nutrient_burn: 15,
  light_burn: 15,
  foxtailing: 10,
  discoloration: 10,
  mechanical_damage: 5,
} as const;
export type KnownDefect = keyof typeof DEFECT_PENALTIES;
export const KNOWN_DEFECTS = Object.keys(DEFECT_PENALTIES) as KnownDefect[];
/** What any defect not in the list costs. */
export const OTHER_DEFECT_PENALTY = 5;

/** Spellings that mean a listed defect. */
const DEFECT_ALIASES: Readonly<Record<string, KnownDefect>> = {
  mold: 'mould',
  discolouration: 'discoloration',
  pest: 'pests',
};

/** A defect's key: lower case, spaces and hyphens as underscores, "mold" → "mould" ("Nutrient burn" → nutrient_burn). */
export function defectKey(defect: string): string {
  const key = defect
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return DEFECT_ALIASES[key] ?? key;
}

export const penaltyOf = (defect: string): number =>
  DEFECT_PENALTIES[defectKey(defect) as KnownDefect] ?? OTHER_DEFECT_PENALTY;

export const QUALITY_GRADES = ['A+', 'A', 'B', 'C', 'D'] as const;
export type QualityGrade = (typeof QUALITY_GRADES)[number];
/** The lowest score of each grade, best first; below the last: D. */
export const GRADE_THRESHOLDS: ReadonlyArray<readonly [number, QualityGrade]> = [
  [90, 'A+'],
  [75, 'A'],
  [55, 'B'],
  [35, 'C'],
];

export function gradeOf(score: number): QualityGrade {
  return GRADE_THRESHOLDS.find(([min]) => score >= min)?.[1] ?? 'D';
}

export interface QualityInput {
  /** Each 0–100. */
  appearance: number;
  aroma: number;
  colour: number;
  defects: readonly string[];
}

export interface QualityScore {
  /** 0–100, to one decimal. */
  score: number;
  grade: QualityGrade;
  /** The three scores weighted, plus the base, before defects. */
  weighted: number;
  penalty: number;
  /** Each distinct defect (by its key) with what it cost, in the order first named. */
  defects: Array<{ defect: string; penalty: number }>;
}

export type QualityResult = ({ ok: true } & QualityScore) | { ok: false; problems: Problem[] };

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Scores a quality assessment: 0.30·appearance + 0.25·aroma + 0.20·colour + 25 minus the defect penalties,
 * clamped to 0–100 and rounded to one decimal; the grade is read from that rounded score, so the score and
 * grade shown always agree. A defect counts once however often it is named ("mould" twice costs 50, not 100):
 * it says what the batch has, not how many spots were found. Each different unlisted defect costs 5.
 * A score outside 0–100 (or not a number) is a problem, reported per field.
 */
export function scoreQuality(input: QualityInput): QualityResult {
  const problems: Problem[] = [];
  for (const field of ['appearance', 'aroma', 'colour'] as const) {
    const value = input[field];
    if (!Number.isFinite(value) || value < 0 || value > 100)
      problems.push({ field, message: `must be a score from 0 to 100 (got ${value})` });
  }
  input.defects.forEach((d, i) => {
    if (defectKey(d) === '') problems.push({ field: `defects/${i}`, message: 'must name a defect' });
  });
  if (problems.length > 0) return { ok: false, problems };

  const seen = new Map<string, { defect: string; penalty: number }>();
  for (const d of input.defects) {
    const key = defectKey(d);
    if (!seen.has(key)) seen.set(key, { defect: key, penalty: penaltyOf(key) });
  }
  const defects = [...seen.values()];
  const weighted =
    QUALITY_WEIGHTS.appearance * input.appearance +
    QUALITY_WEIGHTS.aroma * input.aroma +
    QUALITY_WEIGHTS.colour * input.colour +
    QUALITY_BASE;
  const penalty = defects.reduce((sum, d) => sum + d.penalty, 0);
  const score = round1(Math.min(100, Math.max(0, weighted - penalty)));
  return { ok: true, score, grade: gradeOf(score), weighted: round1(weighted), penalty, defects };
}

// Yield

/** A batch as yield reads it. */
export interface BatchYieldInput {
  /** Fresh weight in grams. */
  weightG: number;
  /** Pieces harvested (fruits, heads …); null when not counted. */
  count: number | null;
  /** Plants the batch was taken from; null: the run's plants (a run harvested as a whole). */
  plantsHarvested: number | null;
  /** The run's plants, when the batch is a run's. */
  runPlants: number | null;
  /** The area of the location the batch grew on, m²; null when unknown. */
  areaM2: number | null;
}

export interface YieldFigures {
  weightG: number;
  count: number | null;
  /** The plants the figures are divided by; null when unknown. */
  plants: number | null;
  weightPerPlantG: number | null;
  countPerPlant: number | null;
  areaM2: number | null;
  weightPerM2G: number | null;
  countPerM2: number | null;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const positive = (x: number | null): x is number => x !== null && Number.isFinite(x) && x > 0;
const per = (amount: number | null, by: number | null) =>
  amount === null || !positive(by) ? null : round2(amount / by);

function figures(weightG: number, count: number | null, plants: number | null, areaM2: number | null): YieldFigures {
  const plantsKnown = positive(plants) ? plants : null;
  const areaKnown = positive(areaM2) ? areaM2 : null;
  return {
    weightG: round2(weightG),
    count,
    plants: plantsKnown,
    weightPerPlantG: per(weightG, plantsKnown),
    countPerPlant: per(count, plantsKnown),
    areaM2: areaKnown,
    weightPerM2G: per(weightG, areaKnown),
    countPerM2: per(count, areaKnown),
  };
}

/**
 * One batch's yield: its weight and count, per plant (the plants it was taken from, else the run's plants)
 * and per m² of its location. A figure whose divisor is unknown or zero is null, never a guess.
 */
export function batchYield(batch: BatchYieldInput): YieldFigures {
  return figures(batch.weightG, batch.count, batch.plantsHarvested ?? batch.runPlants, batch.areaM2);
}

/**
 * A run's yield over all its batches: the sums, per plant of the run (repeated pickings from the same plants
 * add up, they are not more plants) and per m² of the run's location. The count is the sum of the batches
 * that were counted, null when none was.
 */
export function runYield(input: {
  batches: ReadonlyArray<Pick<BatchYieldInput, 'weightG' | 'count'>>;
  runPlants: number | null;
  areaM2: number | null;
}): YieldFigures & { batches: number } {
  const weightG = input.batches.reduce((sum, b) => sum + b.weightG, 0);
  const counted = input.batches.filter((b) => b.count !== null);
  const count = counted.length === 0 ? null : counted.reduce((sum, b) => sum + b.count!, 0);
  return { ...figures(weightG, count, input.runPlants, input.areaM2), batches: input.batches.length };
}
