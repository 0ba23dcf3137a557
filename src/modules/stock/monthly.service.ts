import type { Database } from '../../platform/db/database.js';
import { csvInvalid, type LineError } from '../../platform/csv.js';
import { invalid } from '../../platform/errors.js';
import type { FarmContext } from '../../platform/tenancy/caller.js';
import { startOfLocalDay } from '../../platform/time-zones.js';
import { productReads } from '../products/index.js';
import {
  nextMonth,
  readSalesCsv,
  reconciliationLine,
  validMonth,
  type MovementSums,
  type ReconciliationLine,
} from './monthly.js';
import type { MovementType } from './stock.engine.js';
import { stockRepository } from './stock.repository.js';

interface Deps {
  db: Database;
}

/**
 * The monthly reconciliation: per product in a packaging, what the stock says was sold in a month —
 * baseline + batches started + plantings + sowings + transplants in − deaths − transplants out ±
 * adjustments − the month-end stock — against the customer's sales file, line by line. It reads; it
 * writes nothing (sales are recorded by counts and by hand).
 */
export class MonthlyReconciliation {
  constructor(private readonly deps: Deps) {}

  async run(ctx: FarmContext, month: string, csv: string): Promise<{ month: string; lines: ReconciliationLine[] }> {
    if (!validMonth(month))
      throw invalid('month must be YYYY-MM', { fields: [{ field: 'query.month', message: 'must be YYYY-MM' }] });
    const read = readSalesCsv(csv, month);
    const from = startOfLocalDay(`${month}-01`, ctx.timeZone);
    const to = startOfLocalDay(`${nextMonth(month)}-01`, ctx.timeZone);
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const errors: LineError[] = [...read.errors];
      // The file's lines by product and packaging (ids), each SKU known in this farm.
      const sold = new Map<string, { productSku: string; packagingSku: string; quantity: number }>();
      for (const line of read.lines) {
        const product = await productReads.product(tx, ctx.farmId, line.productSku);
        const packaging = await productReads.packaging(tx, ctx.farmId, line.packagingSku);
        if (!product)
          errors.push({
            line: line.line,
            field: 'product_sku',
            code: 'NOT_FOUND',
            message: 'no such product in this farm',
          });
        if (!packaging)
          errors.push({
            line: line.line,
            field: 'packaging_sku',
            code: 'NOT_FOUND',
            message: 'no such packaging in this farm',
          });
        if (!product || !packaging) continue;
        const key = `${product.id}:${packaging.id}`;
        const known = sold.get(key);
        sold.set(key, {
          productSku: product.sku,
          packagingSku: packaging.sku,
          quantity: (known?.quantity ?? 0) + line.quantity,
        });
      }
      if (errors.length > 0) throw csvInvalid(errors, 'The sales file was not read');
      const sums = new Map<string, MovementSums>();
      for (const r of await stockRepository.monthSums(tx, ctx.farmId, from, to)) {
        const key = `${r.product_id}:${r.packaging_id}`;
        const entry = sums.get(key) ?? { before: 0, within: {} };
        entry.before += r.before;
        entry.within[r.type as MovementType] = (entry.within[r.type as MovementType] ?? 0) + r.within;
        sums.set(key, entry);
      }
      const lines: ReconciliationLine[] = [];
      for (const key of new Set([...sums.keys(), ...sold.keys()])) {
        const [productId, packagingId] = key.split(':') as [string, string];
        const file = sold.get(key);
        const names = file ?? {
          productSku: (await productReads.product(tx, ctx.farmId, productId))?.sku ?? productId,
          packagingSku: (await productReads.packaging(tx, ctx.farmId, packagingId))?.sku ?? packagingId,
        };
        lines.push(
          reconciliationLine(
            names.productSku,
            names.packagingSku,
            sums.get(key) ?? { before: 0, within: {} },
            file?.quantity ?? null,
          ),
        );
      }
      lines.sort((a, b) => a.productSku.localeCompare(b.productSku) || a.packagingSku.localeCompare(b.packagingSku));
      return { month, lines };
    });
  }
}
