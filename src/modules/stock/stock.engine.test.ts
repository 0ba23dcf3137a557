import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  applyMovement,
  batchCode,
  batchCodeStem,
  checkSign,
  countMovement,
  health,
  MOVEMENT_TYPES,
  nextSeq,
  readiness,
  soldInMonth,
  type BatchState,
  type MovementType,
} from './stock.engine.js';

const active = (quantity: number, emptyContainers = 0): BatchState => ({ quantity, emptyContainers, status: 'active' });

describe('a movement’s sign', () => {
  it('follows its type; 0 is never a movement', () => {
    expect(checkSign('planting', 20)).toEqual({ ok: true });
    expect(checkSign('death', -5)).toEqual({ ok: true });
    expect(checkSign('adjustment', -3)).toEqual({ ok: true });
    expect(checkSign('adjustment', 3)).toEqual({ ok: true });
    expect(checkSign('death', 5)).toMatchObject({ ok: false, code: 'SIGN_AGAINST_TYPE' });
    expect(checkSign('sowing', -1)).toMatchObject({ ok: false, code: 'SIGN_AGAINST_TYPE' });
    expect(checkSign('sale', 0)).toMatchObject({ ok: false, code: 'ZERO_QUANTITY' });
    expect(checkSign('sale', -1.5)).toMatchObject({ ok: false, code: 'ZERO_QUANTITY' });
  });
});

describe('what a movement does to a batch', () => {
  it('adds and takes, leaves a dead plant’s pot empty, and depletes the batch at 0', () => {
    expect(applyMovement(active(10), { type: 'planting', quantity: 5 })).toEqual({ ok: true, batch: active(15) });
    expect(applyMovement(active(10), { type: 'death', quantity: -3 })).toEqual({ ok: true, batch: active(7, 3) });
    expect(applyMovement(active(10), { type: 'sale', quantity: -10 })).toEqual({
      ok: true,
      batch: { quantity: 0, emptyContainers: 0, status: 'depleted' },
    });
  });

  it('refuses to go below 0, and a depleted or closed batch', () => {
    expect(applyMovement(active(4), { type: 'sale', quantity: -5 })).toMatchObject({
      ok: false,
      code: 'INSUFFICIENT_STOCK',
      status: 'conflict',
    });
    for (const status of ['depleted', 'closed'] as const)
      expect(
        applyMovement({ quantity: 0, emptyContainers: 0, status }, { type: 'planting', quantity: 1 }),
      ).toMatchObject({ ok: false, code: 'BATCH_CLOSED' });
  });

  it('keeps the quantity equal to the sum of the movements it took, never below 0 (any sequence)', () => {
    const movement = fc.record({
      type: fc.constantFrom(...MOVEMENT_TYPES.filter((t) => t !== 'manual_init')),
      size: fc.integer({ min: 1, max: 50 }),
      up: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.array(movement, { maxLength: 60 }), (initial, moves) => {
        let batch = active(initial);
        let sum = initial;
        let deaths = 0;
        for (const m of moves) {
          const type = m.type as MovementType;
          const quantity = type === 'adjustment' || type === 'photo_count' ? (m.up ? m.size : -m.size) : m.size;
          const signed = ['transplant_out', 'death', 'sale'].includes(type) ? -Math.abs(quantity) : quantity;
          const result = applyMovement(batch, { type, quantity: signed });
          if (!result.ok) {
            expect(['INSUFFICIENT_STOCK', 'BATCH_CLOSED']).toContain(result.code);
            continue;
          }
          batch = result.batch;
          sum += signed;
          if (type === 'death') deaths -= signed;
        }
        expect(batch.quantity).toBe(sum);
        expect(batch.quantity).toBeGreaterThanOrEqual(0);
        expect(batch.emptyContainers).toBe(deaths);
        expect(batch.status).toBe(batch.quantity === 0 ? 'depleted' : 'active');
      }),
      { numRuns: 300 },
    );
  });
});

describe('batch codes', () => {
  it('read LOC{location}-PROD{sku}-{YYYYMMDD}-{seq3}, the next free number after the taken ones', () => {
    const stem = batchCodeStem('GH1B2', 'ech-gru/8', '2026-11-30');
    expect(stem).toBe('LOCGH1B2-PRODECHGRU8-20261130-');
    expect(batchCode(stem, 1)).toBe('LOCGH1B2-PRODECHGRU8-20261130-001');
    expect(batchCode(stem, 1234)).toBe('LOCGH1B2-PRODECHGRU8-20261130-1234');
    expect(nextSeq(stem, [])).toBe(1);
    expect(nextSeq(stem, [batchCode(stem, 1), batchCode(stem, 7), 'LOCX-PRODY-20261130-009'])).toBe(8);
  });
});

describe('a count', () => {
  it('records the difference from what the batch held: a shortfall as asked, a surplus as an adjustment', () => {
    expect(countMovement(100, 90, 'sale')).toEqual({ difference: -10, movement: { type: 'sale', quantity: -10 } });
    expect(countMovement(100, 90, 'adjustment')).toEqual({
      difference: -10,
      movement: { type: 'adjustment', quantity: -10 },
    });
    expect(countMovement(100, 104, 'sale')).toEqual({ difference: 4, movement: { type: 'adjustment', quantity: 4 } });
    expect(countMovement(100, 100, 'sale')).toEqual({ difference: 0, movement: null });
  });
});

describe('readiness and health', () => {
  it('is ready from the expected-ready day, almost within 14 days, growing before', () => {
    expect(readiness('2026-12-01', '2026-12-01')).toBe('ready');
    expect(readiness('2026-12-15', '2026-12-01')).toBe('almost');
    expect(readiness('2026-12-16', '2026-12-01')).toBe('growing');
    expect(readiness(null, '2026-12-01')).toBe('growing');
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
  });

  it('tells health by quality', () => {
    expect([health(4), health(2.5), health(2.4), health(null)]).toEqual(['good', 'warning', 'critical', null]);
  });
});

describe('the monthly reconciliation', () => {
  it('sold = baseline + in − out ± adjustments − the month-end stock', () => {
    expect(
      soldInMonth({
        baseline: 1000,
        initialised: 40,
        plantings: 200,
        sowings: 50,
        transplantsIn: 30,
        deaths: 20,
        transplantsOut: 60,
        adjustments: -5,
        monthEnd: 900,
      }),
    ).toBe(335);
  });
});
