/**
 * The EC budget: how much salt a substrate takes in a growth phase (a min–max range in mS/cm at 25 °C),
 * the reserves held back from the EC a mix may add, and temperature compensation. Pure: no I/O.
 *
 * Sources: crops.md "Nutrition and water" (the maxima) and crops-corrections.md item 14 (the ranges,
 * living soil, the pH reserve, the uncertain-product reserve, fresh coco). Where the two disagree on
 * rockwool, clay pebbles and perlite (Kamerplanter falls back to the soil rows; crops.md groups rockwool
 * and clay with hydro), Croft feeds these inert media like hydro, capped at their substrate limit.
 */

/** The substrates Croft knows. Anything else is refused (400) with this list. */
export const SUBSTRATES = ['hydro', 'coco', 'soil', 'rockwool', 'clay_pebbles', 'perlite', 'living_soil'] as const;
export type Substrate = (typeof SUBSTRATES)[number];

export const isSubstrate = (s: string): s is Substrate => (SUBSTRATES as readonly string[]).includes(s);

/** The phases the budget has rows for; every catalogue phase maps onto one of these. */
export const BUDGET_PHASES = ['seedling', 'vegetative', 'flowering', 'flushing'] as const;
export type BudgetPhase = (typeof BUDGET_PHASES)[number];

export interface EcRange {
  min: number;
  max: number;
}

/** Flushing: plain or nearly plain water on every substrate. */
export const FLUSHING_RANGE: EcRange = { min: 0, max: 0.3 };

/** The inert media's upper EC limit (Kamerplanter's substrate defaults: rockwool, clay, perlite 0.5–2.5). */
export const INERT_MEDIA_EC_LIMIT = 2.5;

const HYDRO: Record<BudgetPhase, EcRange> = {
  seedling: { min: 0.8, max: 1.2 },
  vegetative: { min: 1.6, max: 2.4 },
  flowering: { min: 1.8, max: 2.8 },
  flushing: FLUSHING_RANGE,
};

const capped = (rows: Record<BudgetPhase, EcRange>, limit: number): Record<BudgetPhase, EcRange> => ({
  seedling: { min: rows.seedling.min, max: Math.min(rows.seedling.max, limit) },
  vegetative: { min: rows.vegetative.min, max: Math.min(rows.vegetative.max, limit) },
  flowering: { min: rows.flowering.min, max: Math.min(rows.flowering.max, limit) },
  flushing: rows.flushing,
});

const INERT = capped(HYDRO, INERT_MEDIA_EC_LIMIT);

/** Substrate × budget phase → EC range (mS/cm at 25 °C). Living soil is not fed by EC: it has no rows. */
export const EC_BUDGET: Record<Exclude<Substrate, 'living_soil'>, Record<BudgetPhase, EcRange>> = {
  hydro: HYDRO,
  coco: {
    seedling: { min: 0.8, max: 1.0 },
    vegetative: { min: 1.6, max: 2.0 },
    flowering: { min: 1.8, max: 2.4 },
    flushing: FLUSHING_RANGE,
  },
  soil: {
    seedling: { min: 0.4, max: 0.6 },
    vegetative: { min: 0.8, max: 1.4 },
    flowering: { min: 1.0, max: 1.6 },
    flushing: FLUSHING_RANGE,
  },
  rockwool: INERT,
  clay_pebbles: INERT,
  perlite: INERT,
};

/** A phase the budget does not know (a farm's own sequence): a middle range. */
export const FALLBACK_RANGE: EcRange = { min: 0.8, max: 2.0 };

/**
 * Every phase name of the shipped catalogue (sequences and species overrides), and the budget row it
 * is fed by. Young and rooting phases feed like seedlings; leafy and storage-organ growth like
 * vegetative; flowers and fruit like flowering; phases that take no feed (harvest, rest, decline) get
 * the flushing row — nearly plain water.
 */
export const PHASE_BUDGET: Readonly<Record<string, BudgetPhase>> = {
  germination: 'seedling',
  propagation: 'seedling',
  sprouting: 'seedling',
  seedling: 'seedling',
  vegetative: 'vegetative',
  bolting: 'vegetative',
  bulking: 'vegetative',
  flowering: 'flowering',
  fruiting: 'flowering',
  ripening: 'flowering',
  flushing: 'flushing',
  harvest: 'flushing',
  senescence: 'flushing',
  dormancy: 'flushing',
};

/** pH reserve by the water's alkalinity (mS/cm held back for the acid that brings the pH down). */
export const PH_RESERVE = { soft: 0.02, medium: 0.03, hard: 0.05 } as const;
export type Alkalinity = keyof typeof PH_RESERVE;
export const ALKALINITIES = Object.keys(PH_RESERVE) as Alkalinity[];

/** Held back per product whose EC contribution the maker does not state for certain (mS/cm). */
export const UNCERTAIN_EC_RESERVE = 0.15;

/** Fresh coco binds calcium and magnesium: CalMag's share of the EC is weighted up by this much. */
export const FRESH_COCO_CALMAG_BOOST = 0.2;

/** EC meters' usual compensation: 2 % per °C away from 25 °C. */
export const EC_TEMP_COEFFICIENT = 0.02;
export const EC_REFERENCE_TEMP_C = 25;

/**
 * An EC read at `tempC` brought to 25 °C: EC25 = EC / (1 + 0.02·(T − 25)). Far below freezing the
 * factor would reach zero; the reading is then returned as it is.
 */
export function ecAt25(ec: number, tempC: number): number {
  const factor = 1 + EC_TEMP_COEFFICIENT * (tempC - EC_REFERENCE_TEMP_C);
  return factor > 0 ? ec / factor : ec;
}

/** The budget row a mix is held to. */
export type BudgetRow =
  | {
      substrate: Substrate;
      phase: string;
      budget_phase: BudgetPhase | null;
      /** False: the phase is not in the catalogue's map and the fallback range is used. */
      phase_known: boolean;
      ec_dosing: true;
      min: number;
      max: number;
    }
  | {
      substrate: 'living_soil';
      phase: string;
      budget_phase: BudgetPhase | null;
      phase_known: boolean;
      /** Living soil is fed with organic amendments and top dressing, not by EC. */
      ec_dosing: false;
      min: null;
      max: null;
    };

/** The budget row for a substrate and a phase name (the catalogue's, or a farm's own). */
export function budgetFor(substrate: Substrate, phase: string): BudgetRow {
  const budgetPhase = PHASE_BUDGET[phase.toLowerCase()] ?? null;
  const phaseKnown = budgetPhase !== null;
  if (substrate === 'living_soil')
    return {
      substrate,
      phase,
      budget_phase: budgetPhase,
      phase_known: phaseKnown,
      ec_dosing: false,
      min: null,
      max: null,
    };
  const range = budgetPhase ? EC_BUDGET[substrate][budgetPhase] : FALLBACK_RANGE;
  return { substrate, phase, budget_phase: budgetPhase, phase_known: phaseKnown, ec_dosing: true, ...range };
}

/** The pH reserve for water of a given alkalinity; none when the alkalinity is not given. */
export const phReserve = (alkalinity: Alkalinity | undefined): number =>
  alkalinity === undefined ? 0 : PH_RESERVE[alkalinity];
