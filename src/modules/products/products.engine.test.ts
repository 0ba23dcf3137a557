import { describe, expect, it } from 'vitest';
import {
  CATEGORY_CODE,
  SKU,
  STATE_CODE,
  attributeProblems,
  decodeCursor,
  discounted,
  encodeCursor,
  heightProblems,
  priceList,
  priceProblems,
  priceSku,
  readyDaysOf,
  sameAttributes,
  splitPriceSku,
  stageBandProblems,
  stageOf,
} from './products.engine.js';

const price = (overrides: Partial<Parameters<typeof priceProblems>[0]> = {}) => ({
  wholesale_cents: 250,
  retail_cents: 450,
  units_per_box: 12,
  discount_pct: 0,
  ...overrides,
});
const codes = (problems: Array<{ field: string; code: string }>) => problems.map((p) => `${p.field}:${p.code}`);

describe('price rules', () => {
  it('takes whole cents above 0 with retail at least wholesale', () => {
    expect(priceProblems(price())).toEqual([]);
    expect(priceProblems(price({ retail_cents: 250 }))).toEqual([]);
    expect(codes(priceProblems(price({ retail_cents: 249 })))).toEqual(['retail_cents:RETAIL_BELOW_WHOLESALE']);
    expect(codes(priceProblems(price({ wholesale_cents: 0 })))).toEqual(['wholesale_cents:OUT_OF_RANGE']);
    expect(codes(priceProblems(price({ retail_cents: -5 })))).toEqual(['retail_cents:OUT_OF_RANGE']);
    expect(codes(priceProblems(price({ wholesale_cents: 2.5 })))).toEqual(['wholesale_cents:INVALID']);
    expect(codes(priceProblems(price({ wholesale_cents: 100_000_001, retail_cents: 100_000_001 })))).toEqual([
      'wholesale_cents:OUT_OF_RANGE',
      'retail_cents:OUT_OF_RANGE',
    ]);
  });

  it('takes 1 unit a box or more and a discount of 0–100 % with two decimals at most', () => {
    expect(codes(priceProblems(price({ units_per_box: 0 })))).toEqual(['units_per_box:OUT_OF_RANGE']);
    expect(codes(priceProblems(price({ units_per_box: 1.5 })))).toEqual(['units_per_box:OUT_OF_RANGE']);
    for (const ok of [0, 12.5, 33.33, 100]) expect(priceProblems(price({ discount_pct: ok })), String(ok)).toEqual([]);
    expect(codes(priceProblems(price({ discount_pct: 100.01 })))).toEqual(['discount_pct:OUT_OF_RANGE']);
    expect(codes(priceProblems(price({ discount_pct: -1 })))).toEqual(['discount_pct:OUT_OF_RANGE']);
    expect(codes(priceProblems(price({ discount_pct: 12.345 })))).toEqual(['discount_pct:INVALID']);
    expect(codes(priceProblems(price({ discount_pct: Number.NaN })))).toEqual(['discount_pct:OUT_OF_RANGE']);
  });

  it('computes the box price from the wholesale unit price and discounts rounded half up', () => {
    expect(priceList(price({ discount_pct: 10 }))).toEqual({
      box_price_cents: 3000,
      discounted_wholesale_cents: 225,
      discounted_retail_cents: 405,
      discounted_box_price_cents: 2700,
    });
    expect(discounted(999, 0)).toBe(999);
    expect(discounted(999, 100)).toBe(0);
    expect(discounted(5, 50)).toBe(3); // 2.5 → 3
    expect(discounted(199, 33.33)).toBe(133); // 132.67 → 133
    expect(discounted(10, 12.5)).toBe(9); // 8.75 → 9
    // Float percentages do not drift: 0.07 × 100 is 7.000000000000001 in binary.
    expect(discounted(10_000, 0.07)).toBe(9_993);
  });

  it('makes a price SKU from the category code and packaging SKU, and splits it back', () => {
    expect(priceSku('CACT', 'P9-black')).toBe('CACT-P9-black');
    expect(splitPriceSku('CACT-P9-black')).toEqual({ categoryCode: 'CACT', packagingSku: 'P9-black' });
    expect(splitPriceSku('cact-P9')).toEqual({ categoryCode: 'CACT', packagingSku: 'P9' });
    for (const bad of ['CACT', '-P9', 'CACT-', 'CA CT-P9', 'CACT-P 9']) expect(splitPriceSku(bad), bad).toBeUndefined();
  });
});

describe('formats', () => {
  it('knows codes and SKUs', () => {
    expect(['CACT', 'S2', '0'].every((c) => CATEGORY_CODE.test(c))).toBe(true);
    expect(['cact', 'CA-CT', 'C_T', '', 'A'.repeat(21)].some((c) => CATEGORY_CODE.test(c))).toBe(false);
    expect(['SEEDLING', 'READY_2', 'XL-1'].every((c) => STATE_CODE.test(c))).toBe(true);
    expect(['_X', 'x', 'A B'].some((c) => STATE_CODE.test(c))).toBe(false);
    expect(['ECH-001', 'p9.black_2', 'A'].every((s) => SKU.test(s))).toBe(true);
    // No spaces, no "/" (a SKU stands in a path), and never a UUID (the path's {id or SKU} means one thing).
    expect(
      ['A B', 'P3.5/18', '-x', '', 'A'.repeat(65), '0e8a3b1c-1d2e-4f50-8a6b-7c8d9e0f1a2b'].some((s) => SKU.test(s)),
    ).toBe(false);
  });
});

describe('sizes, stages and attributes', () => {
  it('takes a height range with either end open, min at most max', () => {
    expect(heightProblems(5, 10)).toEqual([]);
    expect(heightProblems(10, 10)).toEqual([]);
    expect(heightProblems(null, 10)).toEqual([]);
    expect(heightProblems(5, null)).toEqual([]);
    expect(codes(heightProblems(11, 10))).toEqual(['min_height_cm:MIN_ABOVE_MAX']);
  });

  it('takes three ascending stage bands and tells a batch’s stage by its age', () => {
    expect(stageBandProblems([30, 90, 180])).toEqual([]);
    expect(codes(stageBandProblems([30, 30, 180]))).toEqual(['stage_bands:BANDS_NOT_ASCENDING']);
    expect(codes(stageBandProblems([90, 30, 180]))).toEqual(['stage_bands:BANDS_NOT_ASCENDING']);
    expect(codes(stageBandProblems([0, 30, 180]))).toEqual(['stage_bands:INVALID']);
    expect(codes(stageBandProblems([30, 90]))).toEqual(['stage_bands:INVALID']);
    expect([0, 29, 30, 89, 90, 179, 180, 1000].map((d) => stageOf(d))).toEqual([
      'seedling',
      'seedling',
      'growing',
      'growing',
      'mature',
      'mature',
      'ready',
      'ready',
    ]);
    expect(stageOf(20, [10, 20, 40])).toBe('mature');
  });

  it('takes free attributes of text, numbers and booleans', () => {
    expect(attributeProblems({ colour: 'red', spines: true, heads: 3 })).toEqual([]);
    expect(attributeProblems({})).toEqual([]);
    for (const bad of [[], null, 'red', { colour: { r: 1 } }, { ' ': 'x' }, { tags: ['a'] }, { x: 'y'.repeat(501) }])
      expect(codes(attributeProblems(bad)), JSON.stringify(bad)).toEqual(['attributes:INVALID']);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    expect(codes(attributeProblems(many))).toEqual(['attributes:OUT_OF_RANGE']);
    expect(sameAttributes({ a: 1, b: 'x' }, { b: 'x', a: 1 })).toBe(true);
    expect(sameAttributes({ a: 1 }, { a: '1' })).toBe(false);
    expect(sameAttributes({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });

  it('takes a product’s days to ready, else its category’s', () => {
    expect(readyDaysOf(120, 365)).toBe(120);
    expect(readyDaysOf(null, 365)).toBe(365);
    expect(readyDaysOf(0, 365)).toBe(0);
    expect(readyDaysOf(null, null)).toBeNull();
  });
});

describe('cursors', () => {
  it('hold a sort key of the list’s shape, and nothing else', () => {
    expect(decodeCursor(encodeCursor(['cact', 'p9']), ['string', 'string'])).toEqual(['cact', 'p9']);
    expect(decodeCursor(encodeCursor([5, 'SEED']), ['number', 'string'])).toEqual([5, 'SEED']);
    expect(decodeCursor(encodeCursor(['x']), ['string', 'string'])).toBeUndefined();
    expect(decodeCursor(encodeCursor(['x']), ['number'])).toBeUndefined();
    expect(decodeCursor('not a cursor', ['string'])).toBeUndefined();
    expect(decodeCursor(encodeCursor(['a\0']), ['string'])).toBeUndefined();
  });
});
