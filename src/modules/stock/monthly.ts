/**
 * The monthly reconciliation, pure: a customer's sales file read into checked lines, and each product in
 * a packaging's month — what came, what went, what stood at the end — against what the file says was sold.
 */
import { LineReader, readTable, type Checked, type LineError } from '../../platform/csv.js';
import { soldInMonth, type MonthFigures } from './stock.engine.js';
import type { MovementType } from './stock.engine.js';

export const SALES_COLUMNS = [
  'product_sku',
  'packaging_sku',
  'quantity_sold',
  'sale_date',
  'notes',
  'customer_name',
  'invoice_number',
] as const;
const SALES_REQUIRED = ['product_sku', 'packaging_sku', 'quantity_sold'];

export interface SaleLine {
  line: number;
  productSku: string;
  packagingSku: string;
  quantity: number;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
export const validMonth = (month: string) => MONTH.test(month);

/** The month after `YYYY-MM`. */
export function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/**
 * A sales file (`product_sku,packaging_sku,quantity_sold[,sale_date][,notes,customer_name,invoice_number]`)
 * for `month`: each line checked — SKUs given, a whole quantity of 0 or more, a sale date in the month.
 * Several lines of one product and packaging add up (one line per invoice is the usual file).
 */
export function readSalesCsv(text: string, month: string): Checked<SaleLine> {
  const table = readTable(text, SALES_COLUMNS, SALES_REQUIRED);
  if (!('rows' in table)) return table;
  const lines: SaleLine[] = [];
  const errors: LineError[] = [];
  for (const row of table.rows) {
    const r = new LineReader(table, row);
    const productSku = r.text('product_sku');
    const packagingSku = r.text('packaging_sku');
    const quantity = r.integer('quantity_sold');
    if (quantity !== null && quantity < 0) r.fail('quantity_sold', 'OUT_OF_RANGE', 'must be 0 or more');
    const date = r.cell('sale_date') ?? '';
    if (date !== '') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
        r.fail('sale_date', 'INVALID', 'must be YYYY-MM-DD');
      else if (!date.startsWith(`${month}-`)) r.fail('sale_date', 'OUT_OF_RANGE', `is not in ${month}`);
    }
    errors.push(...r.errors);
    if (r.errors.length === 0) lines.push({ line: row.line, productSku, packagingSku, quantity: quantity! });
  }
  return { lines, errors };
}

/** A product in a packaging: its movements' sums by type, before the month and within it. */
export interface MovementSums {
  before: number;
  within: Partial<Record<MovementType, number>>;
}

/** The month's figures of a product in a packaging from its movements' sums (outflows as positive numbers). */
export function monthFigures(sums: MovementSums): MonthFigures {
  const w = (type: MovementType) => sums.within[type] ?? 0;
  const within = Object.values(sums.within).reduce((a, b) => a + (b ?? 0), 0);
  return {
    baseline: sums.before,
    initialised: w('manual_init'),
    plantings: w('planting'),
    sowings: w('sowing'),
    transplantsIn: w('transplant_in'),
    deaths: -w('death'),
    transplantsOut: -w('transplant_out'),
    adjustments: w('adjustment') + w('photo_count'),
    monthEnd: sums.before + within,
  };
}

export interface ReconciliationLine extends MonthFigures {
  productSku: string;
  packagingSku: string;
  /**
   * What the stock says was sold: baseline + in − out ± adjustments − month end (the ledger's stock at the
   * month's end, which holds the month-end count's shortfall as a sale).
   */
  soldByStock: number;
  /** What the customer's file says was sold; null when it has no line for it. */
  soldByFile: number | null;
  /** File − stock; null when the file has no line. */
  variance: number | null;
}

export function reconciliationLine(
  productSku: string,
  packagingSku: string,
  sums: MovementSums,
  soldByFile: number | null,
): ReconciliationLine {
  const figures = monthFigures(sums);
  const soldByStock = soldInMonth(figures);
  return {
    productSku,
    packagingSku,
    ...figures,
    soldByStock,
    soldByFile,
    variance: soldByFile === null ? null : soldByFile - soldByStock,
  };
}
