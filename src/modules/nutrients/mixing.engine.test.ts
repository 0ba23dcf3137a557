import { describe, expect, it } from 'vitest';
import {
  BIOLOGICAL_MAX_C,
  calculateMix,
  CHELATED_IRON_MAX_PH,
  mixingFindings,
  mixingOrder,
  PH_ADVICE_THRESHOLD,
  phAdvice,
  WATER_MIN_C,
  WATER_WARM_C,
  type MixInput,
  type MixProduct,
} from './mixing.engine.js';

let seq = 0;
const product = (over: Partial<MixProduct> = {}): MixProduct => {
  seq += 1;
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    product: `Product ${seq}`,
    brand: '',
    type: 'base',
    form: 'liquid',
    ec_per_unit: 0.1,
    ec_uncertain: false,
    max_dose_per_l: 20,
    mixing_priority: 50,
    ph_effect: 'neutral',
    tank_safe: true,
    foliar_only: false,
    contains_calcium: false,
    contains_sulfate: false,
    contains_phosphate: false,
    contains_silicate: false,
    contains_chelated_iron: false,
    ...over,
  };
};

const mix = (over: Partial<MixInput> = {}) =>
  calculateMix({
    volumeL: 10,
    targetEc: 1.5,
    baseWaterEc: 0.3,
    waterTempC: 25,
    substrate: 'coco',
    phase: 'vegetative',
    products: [],
    channel: 'fertigation',
    ...over,
  });

const codes = (r: { findings: Array<{ code: string }> }) => r.findings.map((f) => f.code);
const doseOf = (r: ReturnType<typeof mix>, id: string) => r.doses.find((d) => d.fertilizer_id === id)!;

describe('doses', () => {
  const a = product({ product: 'Grow A', ec_per_unit: 0.2, mixing_priority: 10 });
  const b = product({ product: 'Grow B', ec_per_unit: 0.1, mixing_priority: 20 });

  it('scales a recipe: k = available / Σ rᵢ·ecᵢ, dᵢ = k·rᵢ', () => {
    // available 1.2; Σ = 1·0.2 + 2·0.1 = 0.4; k = 3
    const r = mix({
      products: [b, a],
      recipe: [
        { fertilizerId: a.id, ratio: 1 },
        { fertilizerId: b.id, ratio: 2 },
      ],
    });
    expect(r.ec.available).toBeCloseTo(1.2, 10);
    expect(doseOf(r, a.id).per_litre).toBeCloseTo(3, 10);
    expect(doseOf(r, b.id).per_litre).toBeCloseTo(6, 10);
    expect(doseOf(r, a.id).total).toBeCloseTo(30, 10);
    expect(doseOf(r, b.id).total).toBeCloseTo(60, 10);
    expect(r.ec.reached).toBeCloseTo(1.5, 10);
    expect(r.safe).toBe(true);
  });

  it('splits the available EC evenly without a recipe, leaving out products that add no EC', () => {
    const enzyme = product({ product: 'Enzymes', type: 'supplement', ec_per_unit: 0 });
    const r = mix({ products: [a, b, enzyme] });
    expect(doseOf(r, a.id).per_litre).toBeCloseTo(3, 10); // 0.6 / 0.2
    expect(doseOf(r, b.id).per_litre).toBeCloseTo(6, 10); // 0.6 / 0.1
    expect(doseOf(r, enzyme.id)).toMatchObject({ per_litre: 0, total: 0, left_out: 'no_ec' });
    expect(r.ec.reached).toBeCloseTo(1.5, 10);
  });

  it('caps a dose at its max, warns, and reports the EC actually reached', () => {
    const capped = product({ product: 'Strong', ec_per_unit: 0.2, max_dose_per_l: 2, mixing_priority: 10 });
    const r = mix({ products: [capped, b] });
    expect(doseOf(r, capped.id)).toMatchObject({ per_litre: 2, capped: true });
    expect(doseOf(r, capped.id).computed_per_litre).toBeCloseTo(3, 10);
    expect(doseOf(r, b.id).per_litre).toBeCloseTo(6, 10); // the others are not raised to make up
    expect(r.ec.reached).toBeCloseTo(0.3 + 0.4 + 0.6, 10);
    expect(r.findings).toContainEqual(
      expect.objectContaining({ code: 'DOSE_CAPPED', severity: 'warning', fertilizer_ids: [capped.id] }),
    );
    expect(r.safe).toBe(true);
  });

  it('caps exactly at the max without a warning', () => {
    const exact = product({ ec_per_unit: 0.2, max_dose_per_l: 6 });
    const r = mix({ products: [exact] }); // 1.2 / 0.2 = 6
    expect(doseOf(r, exact.id)).toMatchObject({ capped: false });
    expect(codes(r)).not.toContain('DOSE_CAPPED');
  });

  it.each([
    [0.3, 0.3],
    [0.5, 0.2],
  ])('gives no doses and advises RO water when the base water (%s) is at or above the target (%s)', (base, target) => {
    const r = mix({ baseWaterEc: base, targetEc: target, products: [a, b] });
    expect(r.doses.every((d) => d.per_litre === 0 && d.left_out === 'base_water_at_or_above_target')).toBe(true);
    expect(r.ec.available).toBe(0);
    expect(r.findings).toContainEqual(
      expect.objectContaining({ code: 'BASE_WATER_AT_OR_ABOVE_TARGET', severity: 'warning' }),
    );
    expect(r.steps.map((s) => s.action)).toEqual(['fill', 'dilute', 'measure_ec', 'adjust_ph']);
  });

  it('advises the RO share for salty water: (0.5 − 0.2) / 0.5 = 60 %', () => {
    const r = mix({ baseWaterEc: 0.5, targetEc: 0.2, products: [a] });
    expect(r.steps[1]!.text).toContain('60 %');
  });

  it('weighs powders in grams', () => {
    const powder = product({ form: 'powder', ec_per_unit: 1.2 });
    const r = mix({ products: [powder] });
    expect(doseOf(r, powder.id)).toMatchObject({ unit: 'g' });
    expect(doseOf(r, powder.id).per_litre).toBeCloseTo(1, 10);
    expect(r.steps.find((s) => s.action === 'add')).toMatchObject({ unit: 'g', amount: 10 });
  });

  it('reports the EC reached raw and at 25 °C', () => {
    const r = mix({ products: [a], waterTempC: 20 });
    expect(r.ec.reached).toBeCloseTo(1.5, 10);
    expect(r.ec.reached_at_25).toBeCloseTo(1.5 / 0.9, 10);
    expect(r.ec.target_at_25).toBeCloseTo(1.5 / 0.9, 10);
    expect(r.steps.find((st) => st.action === 'measure_ec')!.text).toContain(
      '1.5 mS/cm at 20 °C (1.67 mS/cm at 25 °C)',
    );
    expect(mix({ products: [a] }).steps.find((st) => st.action === 'measure_ec')!.text).toBe(
      'Stir, then measure the EC: about 1.5 mS/cm at 25 °C.',
    );
  });
});

describe('recipes', () => {
  const a = product({ ec_per_unit: 0.2 });
  const b = product({ ec_per_unit: 0.1 });

  it('gives no dose to a listed product the recipe does not name', () => {
    const r = mix({ products: [a, b], recipe: [{ fertilizerId: a.id, ratio: 1 }] });
    expect(doseOf(r, a.id).per_litre).toBeCloseTo(6, 10);
    expect(doseOf(r, b.id)).toMatchObject({ per_litre: 0, left_out: 'not_in_recipe' });
  });

  it('keeps the recipe amount of a product that adds no EC, within its max', () => {
    const bio = product({ type: 'biological', ec_per_unit: 0, max_dose_per_l: 1.5 });
    const organic = product({ type: 'organic', ec_per_unit: 0 });
    const r = mix({
      products: [a, bio, organic],
      recipe: [
        { fertilizerId: a.id, ratio: 1 },
        { fertilizerId: bio.id, ratio: 2 },
        { fertilizerId: organic.id, ratio: 0.5 },
      ],
    });
    expect(doseOf(r, a.id).per_litre).toBeCloseTo(6, 10); // the EC products still reach the target
    expect(doseOf(r, bio.id)).toMatchObject({ per_litre: 1.5, capped: true, computed_per_litre: 2 });
    expect(doseOf(r, organic.id)).toMatchObject({ per_litre: 0.5, capped: false, left_out: null });
    expect(r.ec.reached).toBeCloseTo(1.5, 10);
  });

  it('never doses a pH adjuster by EC, with a recipe or without', () => {
    const down = product({ type: 'ph_adjuster', ph_effect: 'acidic', ec_per_unit: 0.05 });
    for (const recipe of [
      undefined,
      [
        { fertilizerId: a.id, ratio: 1 },
        { fertilizerId: down.id, ratio: 1 },
      ],
    ]) {
      const r = mix({ products: [a, down], recipe });
      expect(doseOf(r, down.id)).toMatchObject({ per_litre: 0, left_out: 'ph_adjuster' });
      expect(doseOf(r, a.id).per_litre).toBeCloseTo(6, 10);
    }
  });
});

describe('reserves and substrate', () => {
  const a = product({ ec_per_unit: 0.2 });

  it.each([
    ['soft', 0.02],
    ['medium', 0.03],
    ['hard', 0.05],
  ] as const)('holds back the pH reserve for %s water (%s)', (alkalinity, reserve) => {
    const r = mix({ products: [a], alkalinity });
    expect(r.ec.ph_reserve).toBe(reserve);
    expect(r.ec.dosable).toBeCloseTo(1.2 - reserve, 10);
    expect(r.ec.reached).toBeCloseTo(1.5 - reserve, 10);
  });

  it('holds back 0.15 per dosed product of uncertain EC', () => {
    const u1 = product({ ec_per_unit: 0.2, ec_uncertain: true });
    const u2 = product({ ec_per_unit: 0.2, ec_uncertain: true });
    const r = mix({ products: [a, u1, u2] });
    expect(r.ec.uncertain_reserve).toBeCloseTo(0.3, 10);
    expect(r.ec.dosable).toBeCloseTo(0.9, 10);
    expect(r.findings).toContainEqual(
      expect.objectContaining({ code: 'EC_UNCERTAIN', fertilizer_ids: [u1.id, u2.id] }),
    );
  });

  it('warns when the reserves take the whole budget', () => {
    const u = product({ ec_per_unit: 0.2, ec_uncertain: true });
    const r = mix({ targetEc: 0.4, baseWaterEc: 0.3, products: [u], alkalinity: 'hard' });
    expect(r.ec.dosable).toBe(0);
    expect(codes(r)).toContain('RESERVES_EXCEED_BUDGET');
  });

  it('weights CalMag up by 20 % on fresh coco, the total still at the target', () => {
    const calmag = product({ type: 'calmag', contains_calcium: true, ec_per_unit: 0.1, mixing_priority: 10 });
    const base = product({ ec_per_unit: 0.2, mixing_priority: 20 });
    const plain = mix({ products: [calmag, base], targetEc: 1.4 }); // available 1.1, 0.55 each
    expect(doseOf(plain, calmag.id).per_litre).toBeCloseTo(5.5, 10);
    const fresh = mix({ products: [calmag, base], targetEc: 1.4, freshCoco: true }); // 1.1·1.2/2.2 = 0.6
    expect(doseOf(fresh, calmag.id).per_litre).toBeCloseTo(6, 10);
    expect(doseOf(fresh, base.id).per_litre).toBeCloseTo(2.5, 10);
    expect(fresh.ec.reached).toBeCloseTo(1.4, 10);
    expect(codes(fresh)).toContain('FRESH_COCO_CALMAG');
    const soil = mix({ products: [calmag, base], targetEc: 1.4, freshCoco: true, substrate: 'soil' });
    expect(doseOf(soil, calmag.id).per_litre).toBeCloseTo(5.5, 10);
    expect(codes(soil)).toContain('FRESH_COCO_IGNORED');
  });

  it('weights CalMag’s recipe ratio the same way', () => {
    const calmag = product({ type: 'calmag', ec_per_unit: 0.1 });
    const base = product({ ec_per_unit: 0.1 });
    const recipe = [
      { fertilizerId: calmag.id, ratio: 1 },
      { fertilizerId: base.id, ratio: 1 },
    ];
    const r = mix({ products: [calmag, base], recipe, targetEc: 1.4, freshCoco: true }); // k = 1.1 / 0.22 = 5
    expect(doseOf(r, calmag.id).per_litre).toBeCloseTo(6, 10);
    expect(doseOf(r, base.id).per_litre).toBeCloseTo(5, 10);
  });

  it('doses nothing on living soil', () => {
    const r = mix({ products: [a], substrate: 'living_soil' });
    expect(doseOf(r, a.id)).toMatchObject({ per_litre: 0, left_out: 'living_soil' });
    expect(r.budget).toMatchObject({ ec_dosing: false });
    expect(codes(r)).toContain('LIVING_SOIL_NO_EC_DOSING');
  });

  it.each([
    // coco seedling 0.8–1.0, compared at 25 °C
    [1.0, 25, false],
    [1.01, 25, true],
    [1.0, 20, true], // 1.0 / 0.9 = 1.11 at 25 °C
    [1.1, 30, false], // 1.1 / 1.1 = 1.0
  ])('target %s at %s °C above the coco seedling budget: %s (a warning, not a refusal)', (target, t, above) => {
    const r = mix({ products: [a], targetEc: target, waterTempC: t, phase: 'seedling', baseWaterEc: 0.2 });
    expect(codes(r).includes('EC_ABOVE_BUDGET')).toBe(above);
    expect(r.doses[0]!.per_litre).toBeGreaterThan(0);
  });

  it('notes a target below the budget and a phase it does not know', () => {
    const below = mix({ products: [a], targetEc: 0.5, phase: 'flowering', baseWaterEc: 0.1 });
    expect(codes(below)).toContain('EC_BELOW_BUDGET');
    const own = mix({ products: [a], phase: 'hardening' });
    expect(own.budget).toMatchObject({ phase_known: false, min: 0.8, max: 2.0 });
    expect(codes(own)).toContain('PHASE_NOT_IN_BUDGET');
  });
});

describe('order and steps', () => {
  it('mixes by ascending priority, ties by name', () => {
    const c = product({ product: 'C', mixing_priority: 30 });
    const a = product({ product: 'A', mixing_priority: 10 });
    const z = product({ product: 'Z', mixing_priority: 20 });
    const b = product({ product: 'B', mixing_priority: 20 });
    expect(mixingOrder([c, a, z, b]).map((p) => p.product)).toEqual(['A', 'B', 'Z', 'C']);
  });

  it('fills, adds each dosed product in order with its amount, measures the EC, then the pH last', () => {
    const late = product({ product: 'Bloom', brand: 'Acme', ec_per_unit: 0.2, mixing_priority: 60 });
    const early = product({
      product: 'Silica',
      type: 'silicate',
      contains_silicate: true,
      ec_per_unit: 0.1,
      mixing_priority: 5,
    });
    const none = product({ product: 'Enzymes', ec_per_unit: 0, mixing_priority: 1 });
    const r = mix({ products: [late, none, early], targetPh: 5.8, baseWaterPh: 7.0 });
    expect(r.doses.map((d) => d.product)).toEqual(['Enzymes', 'Silica', 'Bloom']);
    expect(r.steps.map((s) => s.action)).toEqual(['fill', 'add', 'add', 'measure_ec', 'adjust_ph']);
    expect(r.steps.map((s) => s.n)).toEqual([1, 2, 3, 4, 5]);
    expect(r.steps[1]).toMatchObject({ fertilizer_id: early.id, amount: 60, unit: 'ml' });
    expect(r.steps[2]).toMatchObject({ fertilizer_id: late.id, amount: 30, unit: 'ml' });
    expect(r.steps[2]!.text).toContain('Bloom (Acme)');
    expect(r.steps[0]!.text).toContain('10 L');
    expect(r.steps[3]!.text).toContain('1.5 mS/cm');
    expect(r.steps[4]!.text).toContain('Lower the pH by about 1.2');
  });
});

describe('pH advice', () => {
  it('names its threshold', () => expect(PH_ADVICE_THRESHOLD).toBe(0.2));

  it.each([
    [6.0, 6.2, 'lower', -0.2],
    [6.0, 6.19, 'none', -0.19],
    [5.8, 5.6, 'raise', 0.2],
    [5.8, 5.61, 'none', 0.19],
    [6.0, 6.0, 'none', 0],
    [5.5, 7.2, 'lower', -1.7],
  ] as const)('target %s, water %s: %s (Δ %s)', (target, water, action, delta) => {
    const advice = phAdvice(target, water, []);
    expect(advice).toMatchObject({ action, delta, target, expected: water });
  });

  it('names the pH adjusters that move the right way', () => {
    const down = product({ type: 'ph_adjuster', ph_effect: 'acidic' });
    const up = product({ type: 'ph_adjuster', ph_effect: 'alkaline' });
    expect(phAdvice(5.8, 6.5, [down, up]).adjuster_ids).toEqual([down.id]);
    expect(phAdvice(6.5, 5.8, [down, up]).adjuster_ids).toEqual([up.id]);
  });

  it('asks to measure with a target but no water pH, and says nothing without a target', () => {
    expect(phAdvice(6.0, undefined, [])).toMatchObject({ action: 'measure', delta: null });
    expect(phAdvice(undefined, 6.5, [])).toMatchObject({ action: null, message: null });
  });
});

describe('mixing safety', () => {
  const judge = (products: MixProduct[], over: Partial<Parameters<typeof mixingFindings>[0]> = {}) =>
    mixingFindings({ products, channel: 'fertigation', substrate: 'coco', waterTempC: 20, ph: undefined, ...over });
  const only = (findings: ReturnType<typeof judge>) => findings.map((f) => `${f.code}:${f.severity}`);

  it.each([
    [10, 20, []],
    [20, 10, ['SILICATE_AFTER_CALCIUM:critical']],
    [20, 20, ['SILICATE_AFTER_CALCIUM:critical']],
  ])('silicate at %s, CalMag at %s: %j', (si, ca, expected) => {
    const silicate = product({ type: 'silicate', contains_silicate: true, mixing_priority: si, ph_effect: 'neutral' });
    const calmag = product({ type: 'calmag', mixing_priority: ca });
    expect(only(judge([calmag, silicate]))).toEqual(expected);
  });

  it('counts a calcium-bearing product that is not a CalMag as calcium', () => {
    const silicate = product({ contains_silicate: true, mixing_priority: 30 });
    const nitrate = product({ contains_calcium: true, mixing_priority: 10 });
    expect(only(judge([silicate, nitrate]))).toEqual(['SILICATE_AFTER_CALCIUM:critical']);
  });

  it.each([
    [10, 20, []],
    [20, 10, ['SULFATE_BEFORE_CALCIUM:critical']],
    [15, 15, ['SULFATE_BEFORE_CALCIUM:critical']],
  ])('calcium at %s, sulfate at %s: %j', (ca, su, expected) => {
    const calcium = product({ contains_calcium: true, mixing_priority: ca });
    const epsom = product({ contains_sulfate: true, mixing_priority: su });
    expect(only(judge([epsom, calcium]))).toEqual(expected);
  });

  it('does not pair a product with itself', () => {
    const gypsumLike = product({
      contains_calcium: true,
      contains_sulfate: true,
      contains_phosphate: true,
      contains_silicate: true,
    });
    expect(judge([gypsumLike])).toEqual([]);
  });

  it.each([
    [10, 20, ['CALCIUM_PHOSPHATE_SEPARATE:warning']],
    [20, 20, ['CALCIUM_PHOSPHATE_SAME_STEP:critical']],
  ])('calcium at %s with phosphate at %s: %j', (ca, p, expected) => {
    const calcium = product({ contains_calcium: true, mixing_priority: ca });
    const phosphate = product({ contains_phosphate: true, mixing_priority: p });
    expect(only(judge([calcium, phosphate]))).toEqual(expected);
  });

  it('reminds once for a whole mix of calcium and phosphate products in separate steps, naming each', () => {
    const calmag = product({ product: 'CalMag', contains_calcium: true, mixing_priority: 15 });
    const micro = product({ product: 'Micro', contains_calcium: true, mixing_priority: 25 });
    const grow = product({ product: 'Grow', contains_phosphate: true, mixing_priority: 30 });
    const bloom = product({ product: 'Bloom', contains_phosphate: true, mixing_priority: 32 });
    const findings = judge([calmag, micro, grow, bloom]);
    expect(only(findings)).toEqual(['CALCIUM_PHOSPHATE_SEPARATE:warning']);
    expect(findings[0]!.fertilizer_ids).toEqual([calmag.id, micro.id, grow.id, bloom.id]);
    expect(findings[0]!.message).toContain('CalMag, Micro (calcium) and Grow, Bloom (phosphate): add each separately');
  });

  it('warns on acidic with alkaline, but not for a pH adjuster', () => {
    const acidic = product({ ph_effect: 'acidic' });
    const alkaline = product({ ph_effect: 'alkaline' });
    const down = product({ type: 'ph_adjuster', ph_effect: 'acidic' });
    expect(only(judge([acidic, alkaline]))).toEqual(['ACIDIC_WITH_ALKALINE:warning']);
    expect(judge([down, alkaline])).toEqual([]);
  });

  it.each([
    ['fertigation', ['FOLIAR_ONLY_IN_ROOT_CHANNEL:warning']],
    ['drench', ['FOLIAR_ONLY_IN_ROOT_CHANNEL:warning']],
    ['foliar', []],
  ] as const)('a foliar-only product in %s: %j', (channel, expected) => {
    expect(only(judge([product({ foliar_only: true })], { channel }))).toEqual(expected);
  });

  it.each([
    ['fertigation', 'coco', ['NOT_TANK_SAFE:warning']],
    ['fertigation', 'hydro', ['NOT_TANK_SAFE:error']],
    ['drench', 'hydro', []],
    ['foliar', 'coco', []],
  ] as const)('a not-tank-safe product in %s on %s: %j', (channel, substrate, expected) => {
    expect(only(judge([product({ tank_safe: false })], { channel, substrate }))).toEqual(expected);
  });

  it.each([
    [7.1, ['CHELATED_IRON_HIGH_PH:warning']],
    [7.0, []],
    [undefined, []],
  ])('chelated iron at pH %s: %j', (ph, expected) => {
    expect(CHELATED_IRON_MAX_PH).toBe(7);
    expect(only(judge([product({ contains_chelated_iron: true })], { ph }))).toEqual(expected);
  });

  it('judges chelated iron at the base water’s pH when no target is given', () => {
    const iron = product({ contains_chelated_iron: true });
    expect(codes(mix({ products: [iron], baseWaterPh: 7.4 }))).toContain('CHELATED_IRON_HIGH_PH');
    expect(codes(mix({ products: [iron], baseWaterPh: 7.4, targetPh: 6.0 }))).not.toContain('CHELATED_IRON_HIGH_PH');
  });

  it.each([
    [4.9, false, ['WATER_TOO_COLD:error']],
    [5, false, []],
    [30, false, []],
    [30.1, false, ['WATER_WARM:warning']],
    [35, true, ['WATER_WARM:warning']],
    [35.1, true, ['WATER_WARM:warning', 'BIOLOGICAL_TOO_WARM:error']],
    [35.1, false, ['WATER_WARM:warning']],
  ])('water at %s °C (biological: %s): %j', (t, biological, expected) => {
    expect([WATER_MIN_C, WATER_WARM_C, BIOLOGICAL_MAX_C]).toEqual([5, 30, 35]);
    const p = product({ type: biological ? 'biological' : 'base' });
    expect(only(judge([p], { waterTempC: t }))).toEqual(expected);
  });

  it('is not safe with a critical finding or an error, and safe with warnings only', () => {
    const calcium = product({ contains_calcium: true, mixing_priority: 20 });
    const sulfate = product({ contains_sulfate: true, mixing_priority: 10 });
    expect(mix({ products: [calcium, sulfate] }).safe).toBe(false);
    expect(mix({ products: [product()], waterTempC: 4 }).safe).toBe(false);
    expect(mix({ products: [product()], waterTempC: 32 }).safe).toBe(true);
  });

  it('reports a wrong order and keeps the order the priorities give', () => {
    const calcium = product({ product: 'Cal', contains_calcium: true, mixing_priority: 20 });
    const sulfate = product({ product: 'Epsom', contains_sulfate: true, mixing_priority: 10 });
    const r = mix({ products: [calcium, sulfate] });
    expect(r.doses.map((d) => d.product)).toEqual(['Epsom', 'Cal']);
    expect(r.findings.find((f) => f.code === 'SULFATE_BEFORE_CALCIUM')!.fertilizer_ids).toEqual([
      calcium.id,
      sulfate.id,
    ]);
  });
});
