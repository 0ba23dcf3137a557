import type { Static } from 'typebox';
import {
  BUDGET_PHASES,
  EC_BUDGET,
  EC_REFERENCE_TEMP_C,
  EC_TEMP_COEFFICIENT,
  FALLBACK_RANGE,
  FRESH_COCO_CALMAG_BOOST,
  PH_RESERVE,
  PHASE_BUDGET,
  SUBSTRATES,
  UNCERTAIN_EC_RESERVE,
} from './ec-budget.engine.js';
import type { MixResult } from './mixing.engine.js';
import type { EcBudgetView, MixView, RunoffView, WaterMixView } from './calculations.schemas.js';
import type { RunoffResult, WaterMixResult } from './water.engine.js';

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const maybe = (x: number | null, digits: number) => (x === null ? null : round(x, digits));

/** A mix as answered: EC to 0.001 mS/cm, doses to 0.001 per litre and 0.01 ml or g in all. */
export function mixView(r: MixResult): Static<typeof MixView> {
  const e = r.ec;
  const ec = {
    target: round(e.target, 3),
    target_at_25: round(e.target_at_25, 3),
    base_water: round(e.base_water, 3),
    available: round(e.available, 3),
    ph_reserve: round(e.ph_reserve, 3),
    uncertain_reserve: round(e.uncertain_reserve, 3),
    dosable: round(e.dosable, 3),
    added: round(e.added, 3),
    reached: round(e.reached, 3),
    reached_at_25: round(e.reached_at_25, 3),
  };
  return {
    ...r,
    ec,
    doses: r.doses.map((d) => ({
      ...d,
      per_litre: round(d.per_litre, 3),
      total: round(d.total, 2),
      computed_per_litre: round(d.computed_per_litre, 3),
      ec_added: round(d.ec_added, 3),
    })),
  };
}

export function waterMixView(r: WaterMixResult): Static<typeof WaterMixView> {
  return {
    ro_share: round(r.ro_share, 4),
    tap_share: round(r.tap_share, 4),
    ro_l: maybe(r.ro_l, 2),
    tap_l: maybe(r.tap_l, 2),
    ec: round(r.ec, 3),
    ph_estimate: maybe(r.ph_estimate, 2),
    ph_note: r.ph_note,
  };
}

export const runoffView = (r: RunoffResult): Static<typeof RunoffView> => ({
  ...r,
  runoff_pct: round(r.runoff_pct, 1),
});

/** The whole EC budget table, its phase map and its constants. */
export function ecBudgetView(): Static<typeof EcBudgetView> {
  return {
    substrates: [...SUBSTRATES],
    rows: Object.entries(EC_BUDGET).flatMap(([substrate, rows]) =>
      BUDGET_PHASES.map((phase) => ({ substrate, phase, ...rows[phase] })),
    ),
    not_fed_by_ec: ['living_soil'],
    phases: Object.entries(PHASE_BUDGET).map(([phase, budget_phase]) => ({ phase, budget_phase })),
    fallback: FALLBACK_RANGE,
    reserves: {
      ph_by_alkalinity: { ...PH_RESERVE },
      per_uncertain_product: UNCERTAIN_EC_RESERVE,
      fresh_coco_calmag_boost: FRESH_COCO_CALMAG_BOOST,
    },
    temperature: { reference_c: EC_REFERENCE_TEMP_C, coefficient_per_c: EC_TEMP_COEFFICIENT },
  };
}
