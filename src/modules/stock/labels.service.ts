import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { invalid, notFound } from '../../platform/errors.js';
import type { FarmContext } from '../../platform/tenancy/caller.js';
import { productReads } from '../products/index.js';
import { labelSheetPdf, labelSvg, type LabelData } from './labels.engine.js';
import { storageLocation } from './stock.places.js';
import { stockRepository, type BatchRow } from './stock.repository.js';

interface Deps {
  db: Database;
  clock: Clock;
  config: Config;
}

/** At most this many labels in one PDF (10 pages of 24). */
export const MAX_SHEET_LABELS = 240;

/**
 * Labels to print: a batch's (its code, product, pot, quantity, ready date) and a storage location's (its
 * name and code), each with a QR code opening it in the web app — a location's link is the one the app's
 * scanner already opens (`/farms/{farm}/locations/qr/{qr}`).
 */
export class StockLabels {
  constructor(private readonly deps: Deps) {}

  #base(ctx: FarmContext): string {
    return `${this.deps.config.publicUrl.replace(/\/$/, '')}/farms/${encodeURIComponent(ctx.slug)}`;
  }

  async #batchLabel(tx: Tx, ctx: FarmContext, batch: BatchRow): Promise<LabelData> {
    const product = await productReads.product(tx, ctx.farmId, batch.product_id);
    const packaging = await productReads.packaging(tx, ctx.farmId, batch.packaging_id);
    const size = batch.size_id ? await productReads.size(tx, ctx.farmId, batch.size_id) : undefined;
    return {
      url: `${this.#base(ctx)}/stock/batches/${encodeURIComponent(batch.code)}`,
      title: batch.code,
      lines: [
        product ? `${product.name} (${product.sku})` : '',
        [packaging?.potCode ?? packaging?.name, size?.name].filter(Boolean).join(' · '),
        `${batch.quantity} plants${batch.planted_on ? ` · ${batch.planted_on}` : ''}`,
        batch.ready_on ? `ready ${batch.ready_on}` : '',
      ].filter((l) => l !== ''),
    };
  }

  batchSvg(ctx: FarmContext, ref: string): Promise<string> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const batch = await stockRepository.findBatch(tx, ctx.farmId, ref);
      if (!batch) throw notFound('batch', { batch: ref });
      return labelSvg(await this.#batchLabel(tx, ctx, batch));
    });
  }

  locationSvg(ctx: FarmContext, locationId: string): Promise<string> {
    return this.deps.db.farm(ctx.farmId, async (tx) => labelSvg(await this.#locationLabel(tx, ctx, locationId)));
  }

  async #locationLabel(tx: Tx, ctx: FarmContext, locationId: string): Promise<LabelData> {
    const location = await storageLocation(tx, ctx.farmId, locationId, 'path.id');
    return {
      url: `${this.#base(ctx)}/locations/qr/${encodeURIComponent(location.qr_code)}`,
      title: location.name,
      lines: [location.code ?? '', location.qr_code].filter((l) => l !== ''),
    };
  }

  /** A4 sheets of labels: batches (by id or code) and storage locations, in the order asked. */
  sheet(
    ctx: FarmContext,
    input: { batches?: string[] | undefined; locations?: string[] | undefined },
  ): Promise<Buffer> {
    const count = (input.batches?.length ?? 0) + (input.locations?.length ?? 0);
    if (count === 0)
      throw invalid('Name at least one batch or location to print', {
        fields: [{ field: 'query.batch', message: 'none named' }],
      });
    if (count > MAX_SHEET_LABELS)
      throw invalid(`At most ${MAX_SHEET_LABELS} labels in one PDF`, {
        fields: [{ field: 'query.batch', message: `${count} named` }],
      });
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const labels: LabelData[] = [];
      for (const ref of input.batches ?? []) {
        const batch = await stockRepository.findBatch(tx, ctx.farmId, ref);
        if (!batch)
          throw invalid(`No batch ${ref} in this farm`, {
            fields: [{ field: 'query.batch', message: `no batch ${ref}` }],
          });
        labels.push(await this.#batchLabel(tx, ctx, batch));
      }
      for (const id of input.locations ?? []) labels.push(await this.#locationLabel(tx, ctx, id));
      return labelSheetPdf(labels, { createdAt: this.deps.clock.now() });
    });
  }
}
