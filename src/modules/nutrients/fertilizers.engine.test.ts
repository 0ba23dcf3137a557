import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fertilizerColumns, fertilizerProblems, stockStep, type FertilizerShape } from './fertilizers.engine.js';
import { checkFertilizerSeed, DEFAULT_FERTILIZER_SEED_DIR, FERTILIZER_SEED_FILE } from './fertilizers.seed.js';

const shape = (over: Partial<FertilizerShape> = {}): FertilizerShape => ({
  npk_n: 0,
  npk_p: 0,
  npk_k: 0,
  tank_safe: true,
  foliar_only: false,
  channels: ['fertigation', 'drench'],
  ...over,
});

describe('fertilizerProblems', () => {
  it.each([
    ['N + P + K of exactly 100', shape({ npk_n: 33.3, npk_p: 33.3, npk_k: 33.4 }), []],
    ['MKP 0-52-34', shape({ npk_p: 52, npk_k: 34 }), []],
    ['N + P + K above 100', shape({ npk_n: 50, npk_p: 30, npk_k: 20.5 }), ['npk']],
    ['not tank-safe for drench', shape({ tank_safe: false, channels: ['drench', 'top_dress'] }), []],
    ['not tank-safe for fertigation', shape({ tank_safe: false, channels: ['fertigation'] }), ['channels']],
    ['foliar-only for foliar', shape({ foliar_only: true, channels: ['foliar'] }), []],
    ['foliar-only for drench', shape({ foliar_only: true, channels: ['foliar', 'drench'] }), ['channels']],
  ])('%s', (_what, f, fields) => {
    expect(fertilizerProblems(f).map((p) => p.field)).toEqual(fields);
  });

  it('fills the defaults: priority 50, neutral, tank-safe for fertigation and drench; trims names', () => {
    expect(fertilizerColumns({ product: ' Tonic ', type: 'base', form: 'liquid', max_dose_per_l: 2 })).toMatchObject({
      product: 'Tonic',
      brand: '',
      mixing_priority: 50,
      ph_effect: 'neutral',
      tank_safe: true,
      channels: ['fertigation', 'drench'],
    });
    expect(
      fertilizerColumns({ product: 'T', type: 'organic', form: 'powder', max_dose_per_l: 2, tank_safe: false })
        .channels,
    ).toEqual(['drench']);
    expect(
      fertilizerColumns({ product: 'T', type: 'supplement', form: 'liquid', max_dose_per_l: 2, foliar_only: true })
        .channels,
    ).toEqual(['foliar']);
  });
});

describe('stockStep', () => {
  it.each([
    ['received', 10, 'received', 5, { ok: true, delta: 5, onHandAfter: 15 }],
    ['used, some left', 10, 'used', 4.5, { ok: true, delta: -4.5, onHandAfter: 5.5 }],
    ['used, all of it', 10, 'used', 10, { ok: true, delta: -10, onHandAfter: 0 }],
    ['counted more', 10, 'counted', 12, { ok: true, delta: 2, onHandAfter: 12 }],
    ['counted none', 10, 'counted', 0, { ok: true, delta: -10, onHandAfter: 0 }],
    ['decimals do not drift', 0.3, 'received', 0.6, { ok: true, delta: 0.6, onHandAfter: 0.9 }],
  ] as const)('%s', (_what, onHand, kind, quantity, expected) => {
    expect(stockStep(onHand, kind, quantity)).toEqual(expected);
  });

  it('refuses using more than is on hand, and moving nothing', () => {
    expect(stockStep(3, 'used', 3.5)).toMatchObject({ ok: false, code: 'INSUFFICIENT_STOCK' });
    expect(stockStep(3, 'used', 0)).toMatchObject({ ok: false, code: 'QUANTITY_ZERO' });
    expect(stockStep(3, 'received', 0)).toMatchObject({ ok: false, code: 'QUANTITY_ZERO' });
  });
});

describe('the shipped fertilizer seed', () => {
  const text = readFileSync(path.join(DEFAULT_FERTILIZER_SEED_DIR, FERTILIZER_SEED_FILE), 'utf8');

  it('passes the rules the API checks, with at least 30 generic products of every type', () => {
    const { rows, problems } = checkFertilizerSeed(text);
    expect(problems).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(30);
    expect(new Set(rows.map((r) => r.columns.type))).toEqual(
      new Set(['base', 'supplement', 'booster', 'calmag', 'silicate', 'ph_adjuster', 'organic', 'biological']),
    );
    expect(rows.every((r) => r.columns.brand === 'Generic')).toBe(true);
    // The mixing order the domain asks for: silicate, then calcium, then the base, sulfates, pH last.
    const priority = (key: string) => rows.find((r) => r.key === key)!.columns.mixing_priority;
    expect(priority('potassium-silicate-liquid')).toBeLessThan(priority('calmag-liquid'));
    expect(priority('calcium-nitrate')).toBeLessThan(priority('base-grow-liquid'));
    expect(priority('base-grow-liquid')).toBeLessThan(priority('epsom-salt'));
    expect(priority('epsom-salt')).toBeLessThan(priority('ph-down-phosphoric'));
  });

  it.each([
    ['N + P + K above 100', 'npk_n: 60\n  npk_p: 50', 'npk'],
    ['a max dose of 0', 'max_dose_per_l: 0', 'max_dose_per_l'],
    ['a priority of 101', 'mixing_priority: 101', 'mixing_priority'],
    ['not tank-safe for fertigation', 'tank_safe: false\n  channels: [fertigation]', 'channels'],
    ['an unknown field', 'colour: green', 'colour'],
  ])('names the key and field of a row with %s', (_what, extra, field) => {
    const bad = `- key: bad-row\n  product: Bad\n  brand: Generic\n  type: base\n  form: liquid\n  max_dose_per_l: 1\n  ${extra}\n`;
    const problems = checkFertilizerSeed(
      bad.replace('max_dose_per_l: 1\n  max_dose_per_l: 0', 'max_dose_per_l: 0'),
    ).problems;
    expect(problems.map((p) => `${p.key}:${p.field}`)).toContain(`bad-row:${field}`);
  });

  it('refuses a key or a product + brand used twice', () => {
    const row = (key: string, product: string) =>
      `- key: ${key}\n  product: ${product}\n  brand: Generic\n  type: base\n  form: liquid\n  max_dose_per_l: 1\n`;
    const { problems } = checkFertilizerSeed(row('a', 'One') + row('a', 'Two') + row('b', 'one'));
    expect(problems.map((p) => `${p.key}:${p.field}`)).toEqual(['a:key', 'b:product']);
  });
});
