/**
 * Products and prices as CSV, pure: reading a file into checked lines (every bad line named, with its
 * number counting the header as line 1) and writing the same columns back, so an export imports
 * unchanged. What needs the database (does the category exist?) is the service's to check.
 */
import { parse } from 'csv-parse/sync';
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
  type Problem,
  type ProblemCode,
} from './products.engine.js';
import type { Attributes, Availability } from './products.tables.js';

/** One bad line of a CSV file: the line (the header is line 1), the column, a stable code and words. */
export interface LineError {
  line: number;
  field: string | null;
  code: ProblemCode;
  message: string;
}

export const MAX_CSV_ROWS = 10_000;

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

/** A file's good lines and what is wrong with the others (none wrong: the file may be written). */
export interface Checked<T> {
  lines: T[];
  errors: LineError[];
}

interface Table {
  /** Column name → its index. */
  columns: Map<string, number>;
  rows: Array<{ line: number; cells: string[] }>;
}

/**
 * The header and records of a CSV text (a UTF-8 byte-order mark, CRLF and blank lines allowed; cells
 * trimmed). A record's line is the line it starts on, even when a quoted cell spans several.
 */
function readTable(text: string, known: readonly string[], required: readonly string[]): Checked<never> | Table {
  const failed = (errors: LineError[]): Checked<never> => ({ lines: [], errors });
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // csv-parse counts a CRLF inside quotes as two lines: one kind of line end keeps the numbers true.
    records = parse(text.replace(/\r\n?/g, '\n'), {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // A quote inside an unquoted cell ({"colour":"red"} typed by hand) is taken as it stands.
      relax_quotes: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (error) {
    const line = Number((error as { lines?: unknown }).lines) || 1;
    return failed([{ line, field: null, code: 'CSV_SYNTAX', message: (error as Error).message }]);
  }
  const errors: LineError[] = [];
  const header = records.shift();
  if (!header) return failed([{ line: 1, field: null, code: 'MISSING_COLUMN', message: 'the header is missing' }]);
  const headerLine = header.info.lines;
  const columns = new Map<string, number>();
  header.record.forEach((raw, i) => {
    const name = raw.toLowerCase();
    if (!known.includes(name))
      errors.push({ line: headerLine, field: raw, code: 'UNKNOWN_COLUMN', message: `columns are ${known.join(', ')}` });
    else if (columns.has(name))
      errors.push({ line: headerLine, field: name, code: 'DUPLICATE', message: 'this column is named twice' });
    else columns.set(name, i);
  });
  for (const name of required)
    if (!columns.has(name))
      errors.push({ line: headerLine, field: name, code: 'MISSING_COLUMN', message: 'this column is required' });
  if (records.length > MAX_CSV_ROWS) {
    const over = records[MAX_CSV_ROWS]!;
    errors.push({
      line: startLine(over),
      field: null,
      code: 'TOO_MANY_ROWS',
      message: `a file holds ${MAX_CSV_ROWS} rows at most: split it`,
    });
  }
  if (errors.length > 0) return failed(errors);
  return {
    columns,
    rows: records.map((r) => ({ line: startLine(r), cells: r.record })),
  };
}

/** csv-parse reports the line a record ends on; the line breaks inside its quoted cells say where it began. */
const startLine = (r: { record: string[]; info: { lines: number } }) =>
  r.info.lines - r.record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);

/** Reads one line's cells by column name, collecting its problems. */
class LineReader {
  readonly errors: LineError[] = [];
  constructor(
    private readonly table: Table,
    private readonly row: { line: number; cells: string[] },
  ) {
    // Spreadsheets add empty cells at the end of a line; fewer cells, or more that hold something, are wrong.
    const extra = row.cells.slice(table.columns.size);
    if (row.cells.length < table.columns.size || extra.some((c) => c !== ''))
      this.fail(null, 'COLUMN_COUNT', `has ${row.cells.length} cells; the header names ${table.columns.size} columns`);
  }

  fail(field: string | null, code: ProblemCode, message: string): void {
    this.errors.push({ line: this.row.line, field, code, message });
  }

  add(problems: Problem[]): void {
    for (const p of problems) this.fail(p.field, p.code, p.message);
  }

  has(column: string): boolean {
    return this.table.columns.has(column);
  }

  /** The cell of a column; undefined when the file has no such column. */
  cell(column: string): string | undefined {
    const i = this.table.columns.get(column);
    return i === undefined ? undefined : (this.row.cells[i] ?? '');
  }

  text(column: string, pattern?: RegExp, rule?: string, max = 200): string {
    const value = this.cell(column) ?? '';
    if (value === '') this.fail(column, 'REQUIRED', 'is required');
    else if (value.length > max) this.fail(column, 'OUT_OF_RANGE', `has ${max} characters at most`);
    else if (pattern && !pattern.test(value)) this.fail(column, 'INVALID', `must be ${rule}`);
    return value;
  }

  /** A category code, matched whatever its case (like a plant's label): capitals. */
  code(column: string): string {
    const value = (this.cell(column) ?? '').toUpperCase();
    if (value === '') this.fail(column, 'REQUIRED', 'is required');
    else if (!CATEGORY_CODE.test(value)) this.fail(column, 'INVALID', `must be ${CATEGORY_CODE_TEXT}`);
    return value;
  }

  /** A whole number; `fallback` for an empty cell (a required column has none). */
  integer(column: string, fallback?: number | null): number | null {
    const value = this.cell(column) ?? '';
    if (value === '') {
      if (fallback === undefined) this.fail(column, 'REQUIRED', 'is required');
      return fallback ?? null;
    }
    if (!/^-?\d{1,15}$/.test(value)) {
      this.fail(column, 'INVALID', 'must be a whole number');
      return null;
    }
    return Number(value);
  }

  decimal(column: string, fallback: number): number | null {
    const value = this.cell(column) ?? '';
    if (value === '') return fallback;
    if (!/^-?\d{1,15}(\.\d+)?$/.test(value)) {
      this.fail(column, 'INVALID', 'must be a number, like 12.5');
      return null;
    }
    return Number(value);
  }
}

/** Marks the second and later lines naming the same key (already normalised). */
/** The lines, less the second and later ones naming the same key (already normalised): those are errors. */
function done<T extends { line: number }>(
  lines: T[],
  errors: LineError[],
  key: (line: T) => string,
  field: string,
): Checked<T> {
  const first = new Map<string, number>();
  const kept: T[] = [];
  for (const l of lines) {
    const seen = first.get(key(l));
    if (seen === undefined) {
      first.set(key(l), l.line);
      kept.push(l);
    } else errors.push({ line: l.line, field, code: 'DUPLICATE', message: `line ${seen} names it already` });
  }
  return { lines: kept, errors: errors.sort((a, b) => a.line - b.line) };
}

/** Products from CSV (`category_code,family,sku,name[,ready_days][,attributes]`), each line checked. */
export function readProductCsv(text: string): Checked<ProductLine> {
  const table = readTable(text, PRODUCT_COLUMNS, PRODUCT_REQUIRED);
  if ('errors' in table) return table;
  const lines: ProductLine[] = [];
  const errors: LineError[] = [];
  for (const row of table.rows) {
    const r = new LineReader(table, row);
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
function attributesCell(r: LineReader): Attributes {
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
    const r = new LineReader(table, row);
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

// Writing

type Cell = string | number | null;

/** One CSV cell: quoted when it holds a comma, a quote, a line break or white space at an end. */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV text (RFC 4180: CRLF line ends) with a header. */
export function csvText(header: readonly string[], rows: Cell[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',') + '\r\n').join('');
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
