/**
 * The products module's rules, pure: code and SKU formats, price rules and the figures made from a
 * price (box price, discounted prices), height ranges, growth-stage bands, free attributes, and the
 * cursors of its lists. No I/O; the service and the CSV reader ask these.
 */
import type { Attributes, Availability, StageBands } from './products.tables.js';

/** Something wrong with one field: its name (without `body.` or a CSV line), a stable code and words. */
export interface Problem {
  field: string;
  code: ProblemCode;
  message: string;
}

export type ProblemCode =
  | 'REQUIRED'
  | 'INVALID'
  | 'OUT_OF_RANGE'
  | 'RETAIL_BELOW_WHOLESALE'
  | 'MIN_ABOVE_MAX'
  | 'BANDS_NOT_ASCENDING'
  | 'NOT_FOUND'
  | 'DUPLICATE'
  | 'UNKNOWN_COLUMN'
  | 'MISSING_COLUMN'
  | 'COLUMN_COUNT'
  | 'CSV_SYNTAX'
  | 'TOO_MANY_ROWS';

const problem = (field: string, code: ProblemCode, message: string): Problem => ({ field, code, message });

// Formats

/** A category's code: capitals and digits, the first part of its prices' SKUs. */
export const CATEGORY_CODE = /^[A-Z0-9]{1,20}$/;
/** A product state's or size's code. */
export const STATE_CODE = /^[A-Z0-9][A-Z0-9_-]{0,29}$/;
/**
 * A product's or packaging's SKU: no spaces and no `/`, so it can stand in a path; never shaped like a
 * UUID, so a path's `{id or SKU}` means one thing.
 */
export const SKU =
  /^(?![0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const CATEGORY_CODE_TEXT = 'capitals and digits, 1 to 20';
export const STATE_CODE_TEXT = 'capitals, digits, _ and -, 1 to 30, starting with a capital or digit';
export const SKU_TEXT = 'letters, digits, ".", "_" and "-", 1 to 64, starting with a letter or digit (not a UUID)';

export const MAX_READY_DAYS = 3650;
export const MAX_PRICE_CENTS = 100_000_000;
export const MAX_UNITS_PER_BOX = 100_000;
export const MAX_HEIGHT_CM = 10_000;
export const MAX_ATTRIBUTES = 50;
export const MAX_ATTRIBUTE_KEY = 60;
export const MAX_ATTRIBUTE_TEXT = 500;
export const DEFAULT_STAGE_BANDS: StageBands = [30, 90, 180];
export const AVAILABILITIES: readonly Availability[] = ['available', 'out_of_stock', 'discontinued'];

/** A price's SKU: `{CATEGORY_CODE}-{PACKAGING_SKU}`. A code has no "-", so the first one splits it back. */
export const priceSku = (categoryCode: string, packagingSku: string): string => `${categoryCode}-${packagingSku}`;

/** The category code and packaging SKU a price SKU names; undefined when it is not one. */
export function splitPriceSku(sku: string): { categoryCode: string; packagingSku: string } | undefined {
  const dash = sku.indexOf('-');
  if (dash < 1) return undefined;
  const categoryCode = sku.slice(0, dash).toUpperCase();
  const packagingSku = sku.slice(dash + 1);
  return CATEGORY_CODE.test(categoryCode) && SKU.test(packagingSku) ? { categoryCode, packagingSku } : undefined;
}

// Prices

export interface PriceFigures {
  wholesale_cents: number;
  retail_cents: number;
  units_per_box: number;
  discount_pct: number;
}

const wholeCents = (field: string, value: number): Problem[] =>
  !Number.isInteger(value)
    ? [problem(field, 'INVALID', 'must be a whole number of cents')]
    : value <= 0 || value > MAX_PRICE_CENTS
      ? [problem(field, 'OUT_OF_RANGE', `must be above 0 and at most ${MAX_PRICE_CENTS} cents`)]
      : [];

/** At most two decimals (the column is numeric(5,2)): 12.5 and 12.25 are percentages, 12.255 is not. */
const twoDecimals = (value: number) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6;

/**
 * A price's rules: wholesale and retail are whole cents above 0, retail is at least wholesale, at
 * least one unit a box, a discount of 0–100 % (two decimals at most).
 */
export function priceProblems(price: PriceFigures): Problem[] {
  const problems = [
    ...wholeCents('wholesale_cents', price.wholesale_cents),
    ...wholeCents('retail_cents', price.retail_cents),
  ];
  if (problems.length === 0 && price.retail_cents < price.wholesale_cents)
    problems.push(
      problem(
        'retail_cents',
        'RETAIL_BELOW_WHOLESALE',
        `must be at least the wholesale price (${price.wholesale_cents})`,
      ),
    );
  if (!Number.isInteger(price.units_per_box) || price.units_per_box < 1 || price.units_per_box > MAX_UNITS_PER_BOX)
    problems.push(problem('units_per_box', 'OUT_OF_RANGE', `must be a whole number from 1 to ${MAX_UNITS_PER_BOX}`));
  if (!(price.discount_pct >= 0 && price.discount_pct <= 100))
    problems.push(problem('discount_pct', 'OUT_OF_RANGE', 'must be from 0 to 100'));
  else if (!twoDecimals(price.discount_pct))
    problems.push(problem('discount_pct', 'INVALID', 'may have two decimals at most'));
  return problems;
}

/** `cents` less `pct` percent, rounded half up to a whole cent (integer arithmetic: no float drift). */
export function discounted(cents: number, pct: number): number {
  const basisPoints = Math.round(pct * 100);
  return Math.floor((cents * (10_000 - basisPoints) + 5_000) / 10_000);
}

/**
 * What a price list shows besides the price: the box price — the wholesale unit price × units per box,
 * since boxes are sold to the trade — and each price with the discount taken off.
 */
export function priceList(price: PriceFigures) {
  const box = price.wholesale_cents * price.units_per_box;
  return {
    box_price_cents: box,
    discounted_wholesale_cents: discounted(price.wholesale_cents, price.discount_pct),
    discounted_retail_cents: discounted(price.retail_cents, price.discount_pct),
    discounted_box_price_cents: discounted(box, price.discount_pct),
  };
}

// Sizes, stages, attributes

/** A size's height range: either end may be open; when both are set, min ≤ max. */
export function heightProblems(min: number | null, max: number | null): Problem[] {
  return min !== null && max !== null && min > max
    ? [problem('min_height_cm', 'MIN_ABOVE_MAX', `must be at most max_height_cm (${max})`)]
    : [];
}

/** Stage bands: three whole days, each above the one before, from 1 to 3650. */
export function stageBandProblems(bands: readonly number[]): Problem[] {
  const whole = bands.length === 3 && bands.every((d) => Number.isInteger(d) && d >= 1 && d <= MAX_READY_DAYS);
  if (!whole)
    return [problem('stage_bands', 'INVALID', `must be three whole numbers of days from 1 to ${MAX_READY_DAYS}`)];
  return bands[0]! < bands[1]! && bands[1]! < bands[2]!
    ? []
    : [problem('stage_bands', 'BANDS_NOT_ASCENDING', 'each band must end after the one before it')];
}

export type Stage = 'seedling' | 'growing' | 'mature' | 'ready';

/** A batch's growth stage by its age in days: below the first band seedling, … from the last on ready. */
export function stageOf(ageDays: number, bands: StageBands = DEFAULT_STAGE_BANDS): Stage {
  if (ageDays < bands[0]) return 'seedling';
  if (ageDays < bands[1]) return 'growing';
  if (ageDays < bands[2]) return 'mature';
  return 'ready';
}

/** Free attributes: at most 50, each named by 1–60 characters, each a text (≤ 500), a finite number or a boolean. */
export function attributeProblems(value: unknown, field = 'attributes'): Problem[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [problem(field, 'INVALID', 'must be an object of names and values')];
  const entries = Object.entries(value);
  if (entries.length > MAX_ATTRIBUTES)
    return [problem(field, 'OUT_OF_RANGE', `may hold ${MAX_ATTRIBUTES} attributes at most`)];
  for (const [key, v] of entries) {
    if (key.trim() === '' || key.length > MAX_ATTRIBUTE_KEY)
      return [problem(field, 'INVALID', `a name has 1 to ${MAX_ATTRIBUTE_KEY} characters`)];
    const ok =
      typeof v === 'boolean' ||
      (typeof v === 'number' && Number.isFinite(v)) ||
      (typeof v === 'string' && v.length <= MAX_ATTRIBUTE_TEXT);
    if (!ok)
      return [
        problem(
          field,
          'INVALID',
          `${key}: a value is a text (${MAX_ATTRIBUTE_TEXT} characters at most), a number or a boolean`,
        ),
      ];
  }
  return [];
}

/** Whether two attribute sets hold the same names and values (order aside). */
export function sameAttributes(a: Attributes, b: Attributes): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** A product's days to ready: its own, else its category's (null: neither says). */
export const readyDaysOf = (product: number | null, category: number | null): number | null => product ?? category;

// Cursors

/** A list's cursor: the sort key of the last row of a page (base64url JSON). */
export const encodeCursor = (key: ReadonlyArray<string | number>): string =>
  Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/** The sort key a cursor holds when it has the shape the list sorts by; undefined when it is not ours. */
export function decodeCursor(
  cursor: string,
  shape: ReadonlyArray<'string' | 'number'>,
): Array<string | number> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === shape.length &&
      value.every((v, i) =>
        shape[i] === 'number' ? Number.isSafeInteger(v) : typeof v === 'string' && !v.includes('\0'),
      )
    )
      return value as Array<string | number>;
  } catch {
    // not base64url JSON: not ours
  }
  return undefined;
}
