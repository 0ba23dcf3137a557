/**
 * The rules of nursery stock, pure: a movement's sign by its type, what a movement does to a batch,
 * batch codes, what a count records, readiness and health. The ledger's one convention: every
 * movement carries a signed quantity, never 0 — in (planting, sowing, transplant in, the first
 * initialisation) above 0, out (transplant out, death, sale) below, a count or an adjustment either way —
 * and a batch's quantity is always the sum of its movements.
 */

export const MOVEMENT_TYPES = [
  'manual_init',
  'planting',
  'sowing',
  'transplant_in',
  'transplant_out',
  'death',
  'sale',
  'photo_count',
  'adjustment',
] as const;
export type MovementType = (typeof MOVEMENT_TYPES)[number];

/** The movements a person records directly (`POST …/stock/movements`); the others come from their own operations. */
export const DIRECT_TYPES = ['planting', 'sowing', 'death', 'sale', 'adjustment'] as const;
export type DirectType = (typeof DIRECT_TYPES)[number];

export type Direction = 'in' | 'out' | 'either';

const DIRECTION: Record<MovementType, Direction> = {
  manual_init: 'in',
  planting: 'in',
  sowing: 'in',
  transplant_in: 'in',
  transplant_out: 'out',
  death: 'out',
  sale: 'out',
  photo_count: 'either',
  adjustment: 'either',
};

export const directionOf = (type: MovementType): Direction => DIRECTION[type];

export type BatchStatus = 'active' | 'depleted' | 'closed';

export type Refusal =
  | { ok: false; code: 'ZERO_QUANTITY' | 'SIGN_AGAINST_TYPE'; status: 'invalid'; message: string }
  | { ok: false; code: 'INSUFFICIENT_STOCK' | 'BATCH_CLOSED'; status: 'conflict'; message: string };

/** A quantity's sign must follow its type (death −5, planting +20); 0 is never a movement. */
export function checkSign(type: MovementType, quantity: number): Refusal | { ok: true } {
  if (!Number.isInteger(quantity) || quantity === 0)
    return { ok: false, code: 'ZERO_QUANTITY', status: 'invalid', message: 'A movement moves at least one plant' };
  const direction = DIRECTION[type];
  if ((direction === 'in' && quantity < 0) || (direction === 'out' && quantity > 0))
    return {
      ok: false,
      code: 'SIGN_AGAINST_TYPE',
      status: 'invalid',
      message: `A ${type.replace('_', ' ')} ${direction === 'in' ? 'adds plants: its quantity is above 0' : 'takes plants away: its quantity is below 0'}`,
    };
  return { ok: true };
}

export interface BatchState {
  quantity: number;
  emptyContainers: number;
  status: BatchStatus;
}

/**
 * What a movement does to a batch: the new quantity (never below 0: 409 INSUFFICIENT_STOCK), empty
 * containers (a death leaves its pots empty), and the status (depleted at 0). A depleted or closed batch
 * takes no movement (409 BATCH_CLOSED).
 */
export function applyMovement(
  batch: BatchState,
  movement: { type: MovementType; quantity: number },
): Refusal | { ok: true; batch: BatchState } {
  const sign = checkSign(movement.type, movement.quantity);
  if (!sign.ok) return sign;
  if (batch.status !== 'active')
    return {
      ok: false,
      code: 'BATCH_CLOSED',
      status: 'conflict',
      message: `The batch is ${batch.status}: it takes no more movements`,
    };
  const quantity = batch.quantity + movement.quantity;
  if (quantity < 0)
    return {
      ok: false,
      code: 'INSUFFICIENT_STOCK',
      status: 'conflict',
      message: `The batch holds ${batch.quantity}: it cannot give ${-movement.quantity}`,
    };
  return {
    ok: true,
    batch: {
      quantity,
      emptyContainers: batch.emptyContainers + (movement.type === 'death' ? -movement.quantity : 0),
      status: quantity === 0 ? 'depleted' : 'active',
    },
  };
}

/** A batch code's stem: `LOC{location code}-PROD{product SKU}-{YYYYMMDD}-`. */
export function batchCodeStem(locationCode: string, sku: string, day: string): string {
  const product = sku
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '')
    .slice(0, 24);
  return `LOC${locationCode}-PROD${product || 'X'}-${day.replaceAll('-', '')}-`;
}

/** The `seq`-th batch code of a stem: three digits at least (`…-001`), more past 999. */
export const batchCode = (stem: string, seq: number): string => `${stem}${String(seq).padStart(3, '0')}`;

/** The next free sequence number after the codes already taken with this stem. */
export function nextSeq(stem: string, taken: readonly string[]): number {
  let max = 0;
  for (const code of taken) {
    if (!code.startsWith(stem)) continue;
    const n = Number(code.slice(stem.length));
    if (Number.isInteger(n) && n > max) max = n;
  }
  return max + 1;
}

export type ShortfallAs = 'sale' | 'adjustment';

/**
 * What a count records: the difference from what the batch held at the count's moment. Below: a sale or
 * an adjustment (as asked, else the farm's default); above: always an adjustment; equal: nothing.
 */
export function countMovement(
  expected: number,
  counted: number,
  shortfallAs: ShortfallAs,
): { difference: number; movement: { type: 'sale' | 'adjustment'; quantity: number } | null } {
  const difference = counted - expected;
  if (difference === 0) return { difference, movement: null };
  return { difference, movement: { type: difference < 0 ? shortfallAs : 'adjustment', quantity: difference } };
}

export type Readiness = 'ready' | 'almost' | 'growing';

/** Days before its expected-ready date that a batch counts as almost ready. */
export const ALMOST_READY_DAYS = 14;

const DAY_MS = 86_400_000;
const dayNumber = (isoDay: string) => Date.parse(`${isoDay}T00:00:00Z`) / DAY_MS;

/** Ready from its expected-ready date, almost within 14 days of it, growing before (and without one). */
export function readiness(readyOn: string | null, today: string): Readiness {
  if (readyOn === null) return 'growing';
  const days = dayNumber(readyOn) - dayNumber(today);
  return days <= 0 ? 'ready' : days <= ALMOST_READY_DAYS ? 'almost' : 'growing';
}

/** The day `days` after `isoDay`. */
export function addDays(isoDay: string, days: number): string {
  return new Date((dayNumber(isoDay) + days) * DAY_MS).toISOString().slice(0, 10);
}

export type Health = 'good' | 'warning' | 'critical';

/** Quality 0–5: from 4 good, from 2.5 warning, else critical; unknown without a quality. */
export function health(quality: number | null): Health | null {
  if (quality === null) return null;
  return quality >= 4 ? 'good' : quality >= 2.5 ? 'warning' : 'critical';
}

/** One line of the monthly reconciliation of a product in a packaging. */
export interface MonthFigures {
  baseline: number;
  /** Batches started in the month (their first movement). */
  initialised: number;
  plantings: number;
  sowings: number;
  transplantsIn: number;
  deaths: number;
  transplantsOut: number;
  /** Adjustments and counts, signed. */
  adjustments: number;
  monthEnd: number;
}

/**
 * What must have been sold in a month: baseline + batches started + plantings + sowings + transplants in − deaths −
 * transplants out ± adjustments − the month-end stock. (Deaths and transplants out are given as the
 * positive numbers of plants that left.)
 */
export function soldInMonth(f: MonthFigures): number {
  const came = f.initialised + f.plantings + f.sowings + f.transplantsIn;
  return f.baseline + came - f.deaths - f.transplantsOut + f.adjustments - f.monthEnd;
}
