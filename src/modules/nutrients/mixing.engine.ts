/**
 * The dosing calculator: how much of each fertilizer goes into a volume of water to reach a target EC,
 * in which order, what is unsafe about the mix, and the steps to mix it. Pure: no I/O, no clock.
 *
 * Decisions where the domain files are silent (each is table-tested in mixing.engine.test.ts):
 * - The order is the products' mixing priority (ascending; ties by product name). The engine never
 *   reorders a mix to make it safe: a wrong order is reported (critical) and the steps show the order
 *   the priorities give, so the fix is made where it belongs — on the products' priorities.
 * - "Before" means a strictly lower priority: two products of equal priority have no order between them.
 * - Calcium and phosphate: every product is its own step into the full volume of dilute water, so two
 *   such products at different priorities are a warning (add separately, stir in between, never premix
 *   their concentrates); at the same priority nothing keeps them apart — critical.
 * - pH adjusters are never dosed by EC: they are named at the last step, dosed by measuring. They are
 *   also left out of the acidic-with-alkaline check (bringing an alkaline mix down is their job).
 * - With a recipe, a product that adds no EC (a biological, an organic) keeps its recipe amount per
 *   litre (the recipe's ratios are the maker's amounts per litre), capped at its max dose; a product the
 *   recipe does not name gets no dose. Without a recipe, products adding no EC are left out.
 * - Reserves are held back from the available EC before it is shared: the pH reserve (only when the
 *   water's alkalinity is given) and 0.15 mS/cm per product of uncertain EC that is dosed.
 * - Fresh coco weights CalMag's share (its ratio, or its part of an even split) up by 20 %, so more of
 *   the budget goes to CalMag while the total still aims at the target.
 * - A capped dose is not made up by the others: the EC reached is reported as it is.
 * - `target_ec` and `base_water_ec` are readings at the water's temperature; the budget is stated at
 *   25 °C, so the target is compensated before it is compared with the budget row.
 * - Foliar-only products warn in any channel but foliar; not-tank-safe products warn in fertigation,
 *   and are an error when the substrate is hydro (the solution is the root zone).
 * - Chelated iron is judged at the target pH, else at the base water's pH.
 */
import {
  budgetFor,
  ecAt25,
  EC_REFERENCE_TEMP_C,
  FRESH_COCO_CALMAG_BOOST,
  phReserve,
  UNCERTAIN_EC_RESERVE,
  type Alkalinity,
  type BudgetRow,
  type Substrate,
} from './ec-budget.engine.js';

export const FERTILIZER_TYPES = [
  'base',
  'supplement',
  'booster',
  'calmag',
  'silicate',
  'ph_adjuster',
  'organic',
  'biological',
] as const;
export type FertilizerType = (typeof FERTILIZER_TYPES)[number];

/** The channels a mixed solution goes out by (a top dress is not mixed in water). */
export const MIX_CHANNELS = ['fertigation', 'drench', 'foliar'] as const;
export type MixChannel = (typeof MIX_CHANNELS)[number];

/** What the calculator reads of a fertilizer. */
export interface MixProduct {
  id: string;
  product: string;
  brand: string;
  type: FertilizerType;
  form: 'liquid' | 'powder';
  /** mS/cm added per ml/L (liquid) or g/L (powder). */
  ec_per_unit: number;
  ec_uncertain: boolean;
  max_dose_per_l: number;
  mixing_priority: number;
  ph_effect: 'acidic' | 'neutral' | 'alkaline';
  tank_safe: boolean;
  foliar_only: boolean;
  contains_calcium: boolean;
  contains_sulfate: boolean;
  contains_phosphate: boolean;
  contains_silicate: boolean;
  contains_chelated_iron: boolean;
}

export interface MixInput {
  volumeL: number;
  targetEc: number;
  baseWaterEc: number;
  waterTempC: number;
  substrate: Substrate;
  phase: string;
  products: MixProduct[];
  /** Ratios per product; absent: the available EC is split evenly. */
  recipe?: Array<{ fertilizerId: string; ratio: number }> | undefined;
  channel: MixChannel;
  targetPh?: number | undefined;
  baseWaterPh?: number | undefined;
  alkalinity?: Alkalinity | undefined;
  freshCoco?: boolean | undefined;
}

export type Severity = 'critical' | 'error' | 'warning' | 'info';

export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  fertilizer_ids: string[];
}

/** Why a product got no dose. */
export type LeftOut =
  | 'ph_adjuster' // dosed by measuring at the pH step
  | 'no_ec' // adds no EC and there is no recipe amount for it
  | 'not_in_recipe'
  | 'living_soil' // living soil is not fed by EC
  | 'base_water_at_or_above_target';

export interface Dose {
  fertilizer_id: string;
  product: string;
  brand: string;
  type: FertilizerType;
  mixing_priority: number;
  /** ml or g. */
  unit: 'ml' | 'g';
  per_litre: number;
  total: number;
  /** The dose before the cap (equal to per_litre when not capped). */
  computed_per_litre: number;
  capped: boolean;
  ec_added: number;
  left_out: LeftOut | null;
}

export interface PhAdvice {
  target: number | null;
  /** The base water's pH: the products shift it by amounts no label states, so it is measured. */
  expected: number | null;
  /** target − expected, to 0.01. */
  delta: number | null;
  /** lower / raise: |Δ| ≥ 0.2; none: closer; measure: a target without the water's pH. */
  action: 'lower' | 'raise' | 'none' | 'measure' | null;
  /** pH adjusters in the mix that move the pH the needed way. */
  adjuster_ids: string[];
  message: string | null;
}

export interface Step {
  n: number;
  action: 'fill' | 'dilute' | 'add' | 'measure_ec' | 'adjust_ph';
  text: string;
  fertilizer_id?: string;
  amount?: number;
  unit?: 'ml' | 'g';
}

export interface EcFigures {
  target: number;
  target_at_25: number;
  base_water: number;
  /** max(0, target − base water). */
  available: number;
  ph_reserve: number;
  uncertain_reserve: number;
  /** What the products share: available − reserves, at least 0. */
  dosable: number;
  added: number;
  reached: number;
  reached_at_25: number;
}

export interface MixResult {
  volume_l: number;
  water_temp_c: number;
  channel: MixChannel;
  budget: BudgetRow;
  ec: EcFigures;
  /** In mixing order. */
  doses: Dose[];
  findings: Finding[];
  ph: PhAdvice;
  steps: Step[];
  /** False when any finding is critical or an error. */
  safe: boolean;
}

/** Below this pH difference no correction is suggested. */
export const PH_ADVICE_THRESHOLD = 0.2;
/** Chelated iron falls apart above this pH. */
export const CHELATED_IRON_MAX_PH = 7;
/** Water colder than this dissolves products poorly (error). */
export const WATER_MIN_C = 5;
/** Warmer than this some products break down faster (warning). */
export const WATER_WARM_C = 30;
/** Warmer than this kills the living organisms of biological products (error). */
export const BIOLOGICAL_MAX_C = 35;
/** The EC of reverse-osmosis water assumed when advising how much to dilute. */
export const RO_WATER_EC = 0;

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const mS = (x: number) => `${round(x, 2)} mS/cm`;
const unitOf = (p: MixProduct): 'ml' | 'g' => (p.form === 'liquid' ? 'ml' : 'g');
const nameOf = (p: MixProduct) => (p.brand ? `${p.product} (${p.brand})` : p.product);

export const isCalcium = (p: MixProduct) => p.contains_calcium || p.type === 'calmag';
export const isSilicate = (p: MixProduct) => p.contains_silicate || p.type === 'silicate';
export const isSulfate = (p: MixProduct) => p.contains_sulfate;
export const isPhosphate = (p: MixProduct) => p.contains_phosphate;

/** Mixing order: ascending priority, ties by product name then id (so the order never depends on the request's). */
export function mixingOrder<T extends Pick<MixProduct, 'id' | 'product' | 'mixing_priority'>>(products: T[]): T[] {
  return [...products].sort(
    (a, b) =>
      a.mixing_priority - b.mixing_priority ||
      a.product.localeCompare(b.product) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** The mixing-safety findings of a set of products in a channel, at a water temperature and pH. */
export function mixingFindings(input: {
  products: MixProduct[];
  channel: MixChannel;
  substrate: Substrate;
  waterTempC: number;
  ph: number | undefined;
}): Finding[] {
  const { products, channel, substrate, waterTempC, ph } = input;
  const findings: Finding[] = [];
  const pairs = (first: (p: MixProduct) => boolean, second: (p: MixProduct) => boolean) =>
    products.flatMap((a) => (first(a) ? products.filter((b) => b.id !== a.id && second(b)).map((b) => [a, b]) : []));

  for (const [si, ca] of pairs(isSilicate, isCalcium))
    if (si!.mixing_priority >= ca!.mixing_priority)
      findings.push({
        code: 'SILICATE_AFTER_CALCIUM',
        severity: 'critical',
        message:
          `${nameOf(si!)} (silicate, priority ${si!.mixing_priority}) must go in before ${nameOf(ca!)} ` +
          `(calcium, priority ${ca!.mixing_priority}): calcium silicate precipitates. Give the silicate a lower priority.`,
        fertilizer_ids: [si!.id, ca!.id],
      });

  for (const [ca, su] of pairs(isCalcium, isSulfate))
    if (ca!.mixing_priority >= su!.mixing_priority)
      findings.push({
        code: 'SULFATE_BEFORE_CALCIUM',
        severity: 'critical',
        message:
          `${nameOf(ca!)} (calcium, priority ${ca!.mixing_priority}) must go in before ${nameOf(su!)} ` +
          `(sulfate, priority ${su!.mixing_priority}): gypsum precipitates. Give the calcium product a lower priority.`,
        fertilizer_ids: [ca!.id, su!.id],
      });

  // Calcium and phosphate in one step precipitate: critical. In separate steps it is one reminder for the
  // whole mix (add each into the full volume), naming every product it concerns.
  const apart: MixProduct[][] = [];
  for (const [ca, ph4] of pairs(isCalcium, isPhosphate)) {
    if (ca!.mixing_priority !== ph4!.mixing_priority) {
      apart.push([ca!, ph4!]);
      continue;
    }
    findings.push({
      code: 'CALCIUM_PHOSPHATE_SAME_STEP',
      severity: 'critical',
      message:
        `${nameOf(ca!)} (calcium) and ${nameOf(ph4!)} (phosphate) share priority ${ca!.mixing_priority}: ` +
        'nothing keeps them apart, and together they precipitate calcium phosphate. Give them different priorities.',
      fertilizer_ids: [ca!.id, ph4!.id],
    });
  }
  if (apart.length > 0) {
    const calcium = [...new Set(apart.map(([ca]) => ca!))];
    const phosphate = [...new Set(apart.map(([, ph4]) => ph4!))];
    findings.push({
      code: 'CALCIUM_PHOSPHATE_SEPARATE',
      severity: 'warning',
      message:
        `${calcium.map(nameOf).join(', ')} (calcium) and ${phosphate.map(nameOf).join(', ')} (phosphate): add each ` +
        'separately into the full volume of water and stir in between; never premix their concentrates.',
      fertilizer_ids: [...new Set([...calcium, ...phosphate])].map((p) => p.id),
    });
  }

  const nonAdjusters = products.filter((p) => p.type !== 'ph_adjuster');
  const acidic = nonAdjusters.filter((p) => p.ph_effect === 'acidic');
  const alkaline = nonAdjusters.filter((p) => p.ph_effect === 'alkaline');
  if (acidic.length > 0 && alkaline.length > 0)
    findings.push({
      code: 'ACIDIC_WITH_ALKALINE',
      severity: 'warning',
      message:
        `Acidic (${acidic.map(nameOf).join(', ')}) and alkaline (${alkaline.map(nameOf).join(', ')}) products ` +
        'in one mix: the pH may swing; measure it after each.',
      fertilizer_ids: [...acidic, ...alkaline].map((p) => p.id),
    });

  const foliar = products.filter((p) => p.foliar_only);
  if (channel !== 'foliar' && foliar.length > 0)
    findings.push({
      code: 'FOLIAR_ONLY_IN_ROOT_CHANNEL',
      severity: 'warning',
      message: `${foliar.map(nameOf).join(', ')} ${foliar.length > 1 ? 'are' : 'is'} for foliar use only, not for ${channel}.`,
      fertilizer_ids: foliar.map((p) => p.id),
    });

  const notTankSafe = products.filter((p) => !p.tank_safe);
  if (channel === 'fertigation' && notTankSafe.length > 0) {
    const hydro = substrate === 'hydro';
    findings.push({
      code: 'NOT_TANK_SAFE',
      severity: hydro ? 'error' : 'warning',
      message:
        `${notTankSafe.map(nameOf).join(', ')} ${notTankSafe.length > 1 ? 'are' : 'is'} not tank-safe: ` +
        (hydro
          ? 'in a hydro system the tank is the root zone — do not use it there.'
          : 'it may clog drippers or settle in the tank; do not use it for fertigation.'),
      fertilizer_ids: notTankSafe.map((p) => p.id),
    });
  }

  const iron = products.filter((p) => p.contains_chelated_iron);
  if (ph !== undefined && ph > CHELATED_IRON_MAX_PH && iron.length > 0)
    findings.push({
      code: 'CHELATED_IRON_HIGH_PH',
      severity: 'warning',
      message: `Chelated iron in ${iron.map(nameOf).join(', ')} breaks down above pH ${CHELATED_IRON_MAX_PH} (pH here ${ph}).`,
      fertilizer_ids: iron.map((p) => p.id),
    });

  if (waterTempC < WATER_MIN_C)
    findings.push({
      code: 'WATER_TOO_COLD',
      severity: 'error',
      message: `Water at ${waterTempC} °C is below ${WATER_MIN_C} °C: products dissolve poorly. Warm it first.`,
      fertilizer_ids: [],
    });
  if (waterTempC > WATER_WARM_C)
    findings.push({
      code: 'WATER_WARM',
      severity: 'warning',
      message: `Water at ${waterTempC} °C is above ${WATER_WARM_C} °C: some products break down faster.`,
      fertilizer_ids: [],
    });
  const biological = products.filter((p) => p.type === 'biological');
  if (waterTempC > BIOLOGICAL_MAX_C && biological.length > 0)
    findings.push({
      code: 'BIOLOGICAL_TOO_WARM',
      severity: 'error',
      message: `Water at ${waterTempC} °C kills the organisms of ${biological.map(nameOf).join(', ')} (at most ${BIOLOGICAL_MAX_C} °C).`,
      fertilizer_ids: biological.map((p) => p.id),
    });
  return findings;
}

/** pH advice: only when the target and the water's pH differ by 0.2 or more. */
export function phAdvice(
  targetPh: number | undefined,
  baseWaterPh: number | undefined,
  products: MixProduct[],
): PhAdvice {
  const adjusters = (effect: 'acidic' | 'alkaline') =>
    products.filter((p) => p.type === 'ph_adjuster' && p.ph_effect === effect).map((p) => p.id);
  if (targetPh === undefined)
    return { target: null, expected: baseWaterPh ?? null, delta: null, action: null, adjuster_ids: [], message: null };
  if (baseWaterPh === undefined)
    return {
      target: targetPh,
      expected: null,
      delta: null,
      action: 'measure',
      adjuster_ids: [],
      message: `Measure the pH last and bring it to ${targetPh}.`,
    };
  // Rounded so that 6.2 − 6.0 counts as 0.2 (floating point makes it 0.20000000000000018 or 0.1999…).
  const delta = round(targetPh - baseWaterPh, 2);
  if (Math.abs(delta) < PH_ADVICE_THRESHOLD)
    return {
      target: targetPh,
      expected: baseWaterPh,
      delta,
      action: 'none',
      adjuster_ids: [],
      message: `pH ${baseWaterPh} is within ${PH_ADVICE_THRESHOLD} of the target ${targetPh}: no correction needed; check it after mixing.`,
    };
  const lower = delta < 0;
  return {
    target: targetPh,
    expected: baseWaterPh,
    delta,
    action: lower ? 'lower' : 'raise',
    adjuster_ids: adjusters(lower ? 'acidic' : 'alkaline'),
    message:
      `${lower ? 'Lower' : 'Raise'} the pH by about ${Math.abs(delta)} to ${targetPh} with pH ${lower ? 'down' : 'up'}, ` +
      'a little at a time, measuring after each addition (the products move the pH too; the water’s alkalinity buffers it).',
  };
}

/** The whole calculation: doses, EC reached, budget, findings, pH advice and steps. */
export function calculateMix(input: MixInput): MixResult {
  const budget = budgetFor(input.substrate, input.phase);
  const ordered = mixingOrder(input.products);
  const findings: Finding[] = [];
  const recipe = input.recipe ? new Map(input.recipe.map((r) => [r.fertilizerId, r.ratio])) : undefined;
  const available = Math.max(0, input.targetEc - input.baseWaterEc);
  const waterTooSalty = input.targetEc <= input.baseWaterEc;
  const boost = input.freshCoco === true && input.substrate === 'coco' ? 1 + FRESH_COCO_CALMAG_BOOST : 1;
  const weight = (p: MixProduct) => (p.type === 'calmag' ? boost : 1);

  // Who is dosed by EC, who keeps a fixed recipe amount, who is left out and why.
  const leftOut = new Map<string, LeftOut>();
  const byEc: MixProduct[] = [];
  const fixed: MixProduct[] = [];
  for (const p of ordered) {
    if (p.type === 'ph_adjuster') leftOut.set(p.id, 'ph_adjuster');
    else if (!budget.ec_dosing) leftOut.set(p.id, 'living_soil');
    else if (waterTooSalty) leftOut.set(p.id, 'base_water_at_or_above_target');
    else if (recipe && !recipe.has(p.id)) leftOut.set(p.id, 'not_in_recipe');
    else if (p.ec_per_unit > 0) byEc.push(p);
    else if (recipe) fixed.push(p);
    else leftOut.set(p.id, 'no_ec');
  }

  const uncertain = byEc.filter((p) => p.ec_uncertain);
  const phRes = byEc.length > 0 ? phReserve(input.alkalinity) : 0;
  const uncertainRes = UNCERTAIN_EC_RESERVE * uncertain.length;
  const dosable = Math.max(0, available - phRes - uncertainRes);
  if (uncertain.length > 0)
    findings.push({
      code: 'EC_UNCERTAIN',
      severity: 'info',
      message:
        `The maker does not state the EC of ${uncertain.map(nameOf).join(', ')} for certain: ` +
        `${UNCERTAIN_EC_RESERVE} mS/cm held back for each; measure the EC after adding.`,
      fertilizer_ids: uncertain.map((p) => p.id),
    });
  if (available > 0 && byEc.length > 0 && dosable === 0)
    findings.push({
      code: 'RESERVES_EXCEED_BUDGET',
      severity: 'warning',
      message: `The reserves (${mS(phRes + uncertainRes)}) take all of the available ${mS(available)}: nothing is dosed by EC.`,
      fertilizer_ids: byEc.map((p) => p.id),
    });

  // Doses before caps.
  const computed = new Map<string, number>();
  if (recipe) {
    const sum = byEc.reduce((s, p) => s + weight(p) * recipe.get(p.id)! * p.ec_per_unit, 0);
    for (const p of byEc) computed.set(p.id, sum > 0 ? (dosable / sum) * weight(p) * recipe.get(p.id)! : 0);
    for (const p of fixed) computed.set(p.id, recipe.get(p.id)!);
  } else {
    const weights = byEc.reduce((s, p) => s + weight(p), 0);
    for (const p of byEc) computed.set(p.id, (dosable * weight(p)) / weights / p.ec_per_unit);
  }
  if (boost > 1 && byEc.some((p) => p.type === 'calmag'))
    findings.push({
      code: 'FRESH_COCO_CALMAG',
      severity: 'info',
      message: `Fresh coco binds calcium and magnesium: CalMag’s share is weighted up by ${FRESH_COCO_CALMAG_BOOST * 100} %.`,
      fertilizer_ids: byEc.filter((p) => p.type === 'calmag').map((p) => p.id),
    });
  if (input.freshCoco === true && input.substrate !== 'coco')
    findings.push({
      code: 'FRESH_COCO_IGNORED',
      severity: 'info',
      message: `fresh_coco applies to coco only; the substrate here is ${input.substrate}.`,
      fertilizer_ids: [],
    });

  const doses: Dose[] = ordered.map((p) => {
    const wanted = computed.get(p.id) ?? 0;
    const capped = wanted > p.max_dose_per_l;
    const perLitre = capped ? p.max_dose_per_l : wanted;
    if (capped)
      findings.push({
        code: 'DOSE_CAPPED',
        severity: 'warning',
        message:
          `${nameOf(p)}: ${round(wanted, 2)} ${unitOf(p)}/L worked out, capped at its max dose ` +
          `${p.max_dose_per_l} ${unitOf(p)}/L; the EC reached is lower than the target.`,
        fertilizer_ids: [p.id],
      });
    return {
      fertilizer_id: p.id,
      product: p.product,
      brand: p.brand,
      type: p.type,
      mixing_priority: p.mixing_priority,
      unit: unitOf(p),
      per_litre: perLitre,
      total: perLitre * input.volumeL,
      computed_per_litre: wanted,
      capped,
      ec_added: perLitre * p.ec_per_unit,
      left_out: leftOut.get(p.id) ?? null,
    };
  });

  const added = doses.reduce((s, d) => s + d.ec_added, 0);
  const reached = input.baseWaterEc + added;
  const targetAt25 = ecAt25(input.targetEc, input.waterTempC);
  const ec: EcFigures = {
    target: input.targetEc,
    target_at_25: targetAt25,
    base_water: input.baseWaterEc,
    available,
    ph_reserve: phRes,
    uncertain_reserve: uncertainRes,
    dosable,
    added,
    reached,
    reached_at_25: ecAt25(reached, input.waterTempC),
  };

  if (!budget.ec_dosing)
    findings.push({
      code: 'LIVING_SOIL_NO_EC_DOSING',
      severity: 'warning',
      message:
        'Living soil is fed through its soil life (compost, compost tea, top dressing by g/m²), not by EC: no doses are worked out.',
      fertilizer_ids: [],
    });
  else {
    if (!budget.phase_known)
      findings.push({
        code: 'PHASE_NOT_IN_BUDGET',
        severity: 'info',
        message: `The phase "${input.phase}" is not in the EC budget’s map: the general range ${budget.min}–${budget.max} mS/cm is used.`,
        fertilizer_ids: [],
      });
    if (round(targetAt25, 3) > budget.max)
      findings.push({
        code: 'EC_ABOVE_BUDGET',
        severity: 'warning',
        message:
          `Target ${mS(targetAt25)} at 25 °C is above the ${input.substrate} budget for ${input.phase} ` +
          `(${budget.min}–${budget.max} mS/cm): risk of salt stress.`,
        fertilizer_ids: [],
      });
    else if (round(targetAt25, 3) < budget.min)
      findings.push({
        code: 'EC_BELOW_BUDGET',
        severity: 'info',
        message: `Target ${mS(targetAt25)} at 25 °C is below the ${input.substrate} budget for ${input.phase} (${budget.min}–${budget.max} mS/cm).`,
        fertilizer_ids: [],
      });
  }

  let roShare: number | null = null;
  if (waterTooSalty) {
    roShare =
      input.baseWaterEc > RO_WATER_EC ? (input.baseWaterEc - input.targetEc) / (input.baseWaterEc - RO_WATER_EC) : 0;
    findings.push({
      code: 'BASE_WATER_AT_OR_ABOVE_TARGET',
      severity: 'warning',
      message:
        `The water’s EC (${mS(input.baseWaterEc)}) is at or above the target (${mS(input.targetEc)}): ` +
        `no fertilizer is added. Dilute with RO water (about ${Math.round(roShare * 100)} % RO) or lower the target.`,
      fertilizer_ids: [],
    });
  }

  findings.push(
    ...mixingFindings({
      products: ordered,
      channel: input.channel,
      substrate: input.substrate,
      waterTempC: input.waterTempC,
      ph: input.targetPh ?? input.baseWaterPh,
    }),
  );

  const ph = phAdvice(input.targetPh, input.baseWaterPh, ordered);
  const steps = mixSteps(input, doses, ec, ph, roShare);
  return {
    volume_l: input.volumeL,
    water_temp_c: input.waterTempC,
    channel: input.channel,
    budget,
    ec,
    doses,
    findings,
    ph,
    steps,
    safe: !findings.some((f) => f.severity === 'critical' || f.severity === 'error'),
  };
}

/** Fill, (dilute,) each product in mixing order, measure the EC, then the pH last. */
function mixSteps(input: MixInput, doses: Dose[], ec: EcFigures, ph: PhAdvice, roShare: number | null): Step[] {
  const steps: Omit<Step, 'n'>[] = [];
  steps.push({
    action: 'fill',
    text: `Fill the tank with ${input.volumeL} L of water (EC ${mS(input.baseWaterEc)}, ${input.waterTempC} °C).`,
  });
  if (roShare !== null)
    steps.push({
      action: 'dilute',
      text:
        `Replace about ${Math.round(roShare * 100)} % of it with RO water to bring the EC down to ${mS(input.targetEc)} ` +
        '(the water-mix calculation gives the exact share for your RO water).',
    });
  for (const d of doses.filter((x) => x.per_litre > 0)) {
    const amount = round(d.total, 1);
    steps.push({
      action: 'add',
      text:
        `Add ${amount} ${d.unit} of ${d.brand ? `${d.product} (${d.brand})` : d.product} ` +
        `(${round(d.per_litre, 2)} ${d.unit}/L) and stir until it is fully mixed in.`,
      fertilizer_id: d.fertilizer_id,
      amount,
      unit: d.unit,
    });
  }
  steps.push({
    action: 'measure_ec',
    text:
      input.waterTempC === EC_REFERENCE_TEMP_C
        ? `Stir, then measure the EC: about ${mS(ec.reached)} at 25 °C.`
        : `Stir, then measure the EC: about ${mS(ec.reached)} at ${input.waterTempC} °C (${mS(ec.reached_at_25)} at 25 °C).`,
  });
  steps.push({
    action: 'adjust_ph',
    text: `Last, measure the pH. ${ph.message ?? 'No target pH was given.'}`,
  });
  return steps.map((s, i) => ({ n: i + 1, ...s }));
}
