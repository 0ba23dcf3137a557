/**
 * Products and prices as CSV, pure: reading a file into checked lines (every bad line named, with its
 * number counting the header as line 1) and writing the same columns back, so an export imports
 * unchanged. What needs the database (does the category exist?) is the service's to check.
 */
import { csvText, done, LineReader, readTable, type Checked, type LineError } from '../../platform/csv.js';

export { csvText, MAX_CSV_ROWS, type Checked, type LineError } from '../../platform/csv.js';
import { canonicalJson } from '../../platform/idempotency.js';
import {
  AVAILABILITIES,
  CATEGORY_CODE,
  CATEGORY_CODE_TEXT,
  MAX_READY_DAYS,
  SKU,
  SKU_TEXT,
  attributeProblems,
  priceProblems,
} from './products.engine.js';
import type { Attributes, Availability } from './products.tables.js';

export const PRODUCT_COLUMNS = ['category_code', 'family', 'sku', 'name', 'ready_days', 'attributes'] as const;
const PRODUCT_REQUIRED = ['category_code', 'family', 'sku', 'name'];
export const PRICE_COLUMNS = [
  'category_code',
  'packaging_sku',
  'wholesale_cents',
  'retail_cents',
  'units_per_box',
  'discount_pct',
  'availability',
] as const;
const PRICE_REQUIRED = ['category_code', 'packaging_sku', 'wholesale_cents', 'retail_cents'];

/** A product line. An optional column the file leaves out is undefined: an update keeps what is stored. */
export interface ProductLine {
  line: number;
  categoryCode: string;
  family: string;
  sku: string;
  name: string;
  readyDays?: number | null;
  attributes?: Attributes;
}

/** A price line; an optional column left out is undefined, an empty cell its default (1, 0, available). */
export interface PriceLine {
  line: number;
  categoryCode: string;
  packagingSku: string;
  wholesaleCents: number;
  retailCents: number;
  unitsPerBox?: number;
  discountPct?: number;
  availability?: Availability;
}

/** A line of a products or prices file: the generic reader, and category codes. */
class ProductLineReader extends LineReader {
  /** A category code, matched whatever its case (like a plant's label): capitals. */
  code(column: string): string {
    const value = (this.cell(column) ?? '').toUpperCase();
    if (value === '') this.fail(column, 'REQUIRED', 'is required');
    else if (!CATEGORY_CODE.test(value)) this.fail(column, 'INVALID', `must be ${CATEGORY_CODE_TEXT}`);
    return value;
  }
}

/** Products from CSV (`category_code,family,sku,name[,ready_days][,attributes]`), each line checked. */
export function readProductCsv(text: string): Checked<ProductLine> {
  const table = readTable(text, PRODUCT_COLUMNS, PRODUCT_REQUIRED);
  if ('errors' in table) return table;
  const lines: ProductLine[] = [];
  const errors: LineError[] = [];
  for (const row of table.rows) {
    const r = new ProductLineReader(table, row);
    const line: ProductLine = {
      line: row.line,
      categoryCode: r.code('category_code'),
      family: r.text('family'),
      sku: r.text('sku', SKU, SKU_TEXT, 64),
      name: r.text('name'),
    };
    if (r.has('ready_days')) {
      line.readyDays = r.integer('ready_days', null);
      if (line.readyDays !== null && (line.readyDays < 0 || line.readyDays > MAX_READY_DAYS))
        r.fail('ready_days', 'OUT_OF_RANGE', `must be from 0 to ${MAX_READY_DAYS}`);
    }
    if (r.has('attributes')) line.attributes = attributesCell(r);
    errors.push(...r.errors);
    if (r.errors.length === 0) lines.push(line);
  }
  return done(lines, errors, (l) => l.sku.toLowerCase(), 'sku');
}

/** The attributes cell: empty for none, else a JSON object. */
function attributesCell(r: ProductLineReader): Attributes {
  const text = r.cell('attributes') ?? '';
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    r.fail('attributes', 'INVALID', 'must be a JSON object, like {"colour":"red"}');
    return {};
  }
  r.add(attributeProblems(value));
  return value as Attributes;
}

/** Prices from CSV (`category_code,packaging_sku,wholesale_cents,retail_cents[,units_per_box][,discount_pct][,availability]`). */
export function readPriceCsv(text: string): Checked<PriceLine> {
  const table = readTable(text, PRICE_COLUMNS, PRICE_REQUIRED);
  if ('errors' in table) return table;
  const lines: PriceLine[] = [];
  const errors: LineError[] = [];
  for (const row of table.rows) {
    const r = new ProductLineReader(table, row);
    const categoryCode = r.code('category_code');
    const packagingSku = r.text('packaging_sku', SKU, SKU_TEXT, 64);
    const wholesale = r.integer('wholesale_cents');
    const retail = r.integer('retail_cents');
    const units = r.has('units_per_box') ? r.integer('units_per_box', 1) : undefined;
    const discount = r.has('discount_pct') ? r.decimal('discount_pct', 0) : undefined;
    let availability: Availability | undefined;
    if (r.has('availability')) {
      const cell = (r.cell('availability') ?? '').toLowerCase();
      availability = cell === '' ? 'available' : (cell as Availability);
      if (!AVAILABILITIES.includes(availability))
        r.fail('availability', 'INVALID', `must be one of ${AVAILABILITIES.join(', ')}`);
    }
    if (wholesale !== null && retail !== null && units !== null && discount !== null)
      r.add(
        priceProblems({
          wholesale_cents: wholesale,
          retail_cents: retail,
          units_per_box: units ?? 1,
          discount_pct: discount ?? 0,
        }),
      );
    errors.push(...r.errors);
    if (r.errors.length === 0)
      lines.push({
        line: row.line,
        categoryCode,
        packagingSku,
        wholesaleCents: wholesale!,
        retailCents: retail!,
        ...(units !== undefined ? { unitsPerBox: units! } : {}),
        ...(discount !== undefined ? { discountPct: discount! } : {}),
        ...(availability !== undefined ? { availability } : {}),
      });
  }
  return done(lines, errors, (l) => `${l.categoryCode}:${l.packagingSku.toLowerCase()}`, 'packaging_sku');
}

export interface ProductExportRow {
  category_code: string;
  family: string;
  sku: string;
  name: string;
  ready_days: number | null;
  attributes: Attributes;
}

/** Products as the CSV the import reads. */
export const productCsv = (rows: ProductExportRow[]): string =>
  csvText(
    PRODUCT_COLUMNS,
    rows.map((r) => [
      r.category_code,
      r.family,
      r.sku,
      r.name,
      r.ready_days,
      Object.keys(r.attributes).length === 0 ? '' : canonicalJson(r.attributes),
    ]),
  );

export interface PriceExportRow {
  category_code: string;
  packaging_sku: string;
  wholesale_cents: number;
  retail_cents: number;
  units_per_box: number;
  discount_pct: number;
  availability: Availability;
}

/** Prices as the CSV the import reads. */
export const priceCsv = (rows: PriceExportRow[]): string =>
  csvText(
    PRICE_COLUMNS,
    rows.map((r) => PRICE_COLUMNS.map((c) => r[c])),
  );
