/**
 * The rules a fertilizer and its stock follow (crops.md "Nutrition and water", crops-corrections.md
 * item 11): N, P and K each at least 0 and together at most 100; a product that is not tank-safe is
 * never meant for fertigation; a foliar-only product is meant for leaves alone; and a farm's stock is a
 * ledger that never goes below zero. Pure: no I/O, no clock.
 */
import type { Channel, Form, StockKind } from './fertilizers.tables.js';

/** A rule a request broke, naming its field (without the `body.` prefix). */
export interface Problem {
  field: string;
  message: string;
}

/** What the fertilizer rules read: a whole row's values, after defaults. */
export interface FertilizerShape {
  npk_n: number;
  npk_p: number;
  npk_k: number;
  tank_safe: boolean;
  foliar_only: boolean;
  channels: readonly Channel[];
}

/** Every rule of a fertilizer the schema cannot say alone. */
export function fertilizerProblems(f: FertilizerShape): Problem[] {
  const problems: Problem[] = [];
  const sum = f.npk_n + f.npk_p + f.npk_k;
  // Rounded so that 33.3 + 33.3 + 33.4 is 100, not 100.00000000000001.
  if (Math.round(sum * 1e6) / 1e6 > 100) {
    problems.push({ field: 'npk', message: `N + P + K must be at most 100 (is ${Math.round(sum * 1e6) / 1e6})` });
  }
  if (!f.tank_safe && f.channels.includes('fertigation')) {
    problems.push({ field: 'channels', message: 'a product that is not tank-safe is never for fertigation' });
  }
  if (f.foliar_only && f.channels.some((c) => c !== 'foliar')) {
    problems.push({ field: 'channels', message: 'a foliar-only product is meant for the foliar channel alone' });
  }
  return problems;
}

/** The unit a product is dosed and stocked in. */
export const unitOf = (form: Form): 'ml' | 'g' => (form === 'liquid' ? 'ml' : 'g');
export const doseUnitOf = (form: Form): 'ml/L' | 'g/L' => (form === 'liquid' ? 'ml/L' : 'g/L');

/** Amounts are kept to a thousandth of a ml or g, so sums of decimals do not drift. */
const round = (n: number) => Math.round(n * 1000) / 1000;

export type StockStep =
  | { ok: true; delta: number; onHandAfter: number }
  | { ok: false; code: 'INSUFFICIENT_STOCK'; message: string }
  | { ok: false; code: 'QUANTITY_ZERO'; message: string };

/**
 * What a movement does to a farm's stock of one product: received adds, used takes away, counted sets
 * what is on hand (storing the difference). A use larger than what is on hand is refused — count the
 * stock first when the ledger is behind — so on hand is never below zero.
 */
export function stockStep(onHand: number, kind: StockKind, quantity: number): StockStep {
  if (kind !== 'counted' && quantity <= 0) {
    return { ok: false, code: 'QUANTITY_ZERO', message: `A ${kind} movement moves more than 0` };
  }
  const delta = kind === 'received' ? quantity : kind === 'used' ? -quantity : quantity - onHand;
  const after = round(onHand + delta);
  if (after < 0) {
    return {
      ok: false,
      code: 'INSUFFICIENT_STOCK',
      message: `Only ${round(onHand)} on hand, ${quantity} cannot be used: record what was received, or count the stock`,
    };
  }
  return { ok: true, delta: round(delta), onHandAfter: after };
}

/** A list's cursor: its sort key, as base64url JSON. */
export const encodeCursor = (key: ReadonlyArray<string | number>): string =>
  Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/** The sort key a cursor holds when it has the shape the list sorts by; undefined when it is not one. */
export function decodeCursor(
  cursor: string,
  shape: ReadonlyArray<'string' | 'number'>,
): Array<string | number> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === shape.length &&
      value.every((v, i) => (shape[i] === 'number' ? Number.isFinite(v) : typeof v === 'string'))
    )
      return value as Array<string | number>;
  } catch {
    // not a cursor of ours
  }
  return undefined;
}

/** A fertilizer as a request or a seed row states it (optional fields left out). */
export interface FertilizerInput {
  product: string;
  brand?: string | undefined;
  type: FertilizerColumns['type'];
  form: Form;
  npk_n?: number | undefined;
  npk_p?: number | undefined;
  npk_k?: number | undefined;
  ec_per_unit?: number | undefined;
  ec_uncertain?: boolean | undefined;
  max_dose_per_l: number;
  mixing_priority?: number | undefined;
  ph_effect?: FertilizerColumns['ph_effect'] | undefined;
  tank_safe?: boolean | undefined;
  foliar_only?: boolean | undefined;
  channels?: readonly Channel[] | undefined;
  contains_calcium?: boolean | undefined;
  contains_sulfate?: boolean | undefined;
  contains_phosphate?: boolean | undefined;
  contains_silicate?: boolean | undefined;
  contains_chelated_iron?: boolean | undefined;
  notes?: string | undefined;
}

/** A fertilizer's stored values. */
export interface FertilizerColumns extends FertilizerShape {
  product: string;
  brand: string;
  type: 'base' | 'supplement' | 'booster' | 'calmag' | 'silicate' | 'ph_adjuster' | 'organic' | 'biological';
  form: Form;
  ec_per_unit: number;
  ec_uncertain: boolean;
  max_dose_per_l: number;
  mixing_priority: number;
  ph_effect: 'acidic' | 'neutral' | 'alkaline';
  channels: Channel[];
  contains_calcium: boolean;
  contains_sulfate: boolean;
  contains_phosphate: boolean;
  contains_silicate: boolean;
  contains_chelated_iron: boolean;
  notes: string;
}

/**
 * The channels a product is meant for when none are named: a foliar-only one the leaves, a tank-safe
 * one fertigation and drench, any other drench alone.
 */
export function defaultChannels(f: { tank_safe: boolean; foliar_only: boolean }): Channel[] {
  if (f.foliar_only) return ['foliar'];
  return f.tank_safe ? ['fertigation', 'drench'] : ['drench'];
}

/** The values stored for a new fertilizer: what it states, trimmed, and the defaults for the rest. */
export function fertilizerColumns(input: FertilizerInput): FertilizerColumns {
  const tankSafe = input.tank_safe ?? true;
  const foliarOnly = input.foliar_only ?? false;
  return {
    product: input.product.trim(),
    brand: (input.brand ?? '').trim(),
    type: input.type,
    form: input.form,
    npk_n: input.npk_n ?? 0,
    npk_p: input.npk_p ?? 0,
    npk_k: input.npk_k ?? 0,
    ec_per_unit: input.ec_per_unit ?? 0,
    ec_uncertain: input.ec_uncertain ?? false,
    max_dose_per_l: input.max_dose_per_l,
    mixing_priority: input.mixing_priority ?? 50,
    ph_effect: input.ph_effect ?? 'neutral',
    tank_safe: tankSafe,
    foliar_only: foliarOnly,
    channels: input.channels ? [...input.channels] : defaultChannels({ tank_safe: tankSafe, foliar_only: foliarOnly }),
    contains_calcium: input.contains_calcium ?? false,
    contains_sulfate: input.contains_sulfate ?? false,
    contains_phosphate: input.contains_phosphate ?? false,
    contains_silicate: input.contains_silicate ?? false,
    contains_chelated_iron: input.contains_chelated_iron ?? false,
    notes: (input.notes ?? '').trim(),
  };
}
