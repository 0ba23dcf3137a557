import type { Tx } from '../../platform/db/database.js';
import { priceSku, readyDaysOf } from './products.engine.js';
import { productsRepository as repo } from './products.repository.js';
import type { Availability, StageBands } from './products.tables.js';

/** A product as other modules see it: its category's code, and its days to ready (its own, else its category's). */
export interface ProductRef {
  id: string;
  sku: string;
  name: string;
  categoryId: string;
  categoryCode: string;
  familyId: string;
  /** The product's own days to ready, else its category's; null when neither says. */
  readyDays: number | null;
  /** Its category's growth-stage bands (see `stageOf`). */
  stageBands: StageBands;
}

export interface PackagingRef {
  id: string;
  sku: string;
  potCode: string | null;
  name: string;
}

export interface StateRef {
  id: string;
  code: string;
  name: string;
  sellable: boolean;
}

export interface SizeRef {
  id: string;
  code: string;
  name: string;
  readyDays: number | null;
}

export interface PriceRef {
  /** `{CATEGORY_CODE}-{PACKAGING_SKU}` */
  sku: string;
  wholesaleCents: number;
  retailCents: number;
  discountPct: number;
  availability: Availability;
}

/**
 * What other modules (stock) read of the products catalogue inside their own farm transaction. A ref is
 * an id or the row's SKU (any case) or code; another farm's rows, like missing ones, are undefined.
 */
export interface ProductReads {
  product(tx: Tx, farmId: string, ref: string): Promise<ProductRef | undefined>;
  packaging(tx: Tx, farmId: string, ref: string): Promise<PackagingRef | undefined>;
  state(tx: Tx, farmId: string, ref: string): Promise<StateRef | undefined>;
  size(tx: Tx, farmId: string, ref: string): Promise<SizeRef | undefined>;
  /** The prices of these (category, packaging) pairs, keyed `${categoryId}:${packagingId}`; pairs without one are absent. */
  prices(
    tx: Tx,
    farmId: string,
    pairs: Array<{ categoryId: string; packagingId: string }>,
  ): Promise<Map<string, PriceRef>>;
}

export const productReads: ProductReads = {
  async product(tx, farmId, ref) {
    const p = await repo.product(tx, farmId, ref);
    return (
      p && {
        id: p.id,
        sku: p.sku,
        name: p.name,
        categoryId: p.category_id,
        categoryCode: p.category_code,
        familyId: p.family_id,
        readyDays: readyDaysOf(p.ready_days, p.category_ready_days),
        stageBands: p.stage_bands,
      }
    );
  },

  async packaging(tx, farmId, ref) {
    const k = await repo.byRef(tx, 'packaging', farmId, ref);
    return k && { id: k.id, sku: k.sku, potCode: k.pot_code, name: k.name };
  },

  async state(tx, farmId, ref) {
    const s = await repo.byRef(tx, 'product_states', farmId, ref);
    return s && { id: s.id, code: s.code, name: s.name, sellable: s.sellable };
  },

  async size(tx, farmId, ref) {
    const s = await repo.byRef(tx, 'product_sizes', farmId, ref);
    return s && { id: s.id, code: s.code, name: s.name, readyDays: s.ready_days };
  },

  async prices(tx, farmId, pairs) {
    const rows = await repo.pricesOf(tx, farmId, pairs);
    return new Map(
      rows.map((r) => [
        `${r.category_id}:${r.packaging_id}`,
        {
          sku: priceSku(r.category_code, r.packaging_sku),
          wholesaleCents: r.wholesale_cents,
          retailCents: r.retail_cents,
          discountPct: r.discount_pct,
          availability: r.availability,
        },
      ]),
    );
  },
};
