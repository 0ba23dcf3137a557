import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import type { FarmContext } from '../../platform/tenancy/caller.js';
import { localTime } from '../../platform/time-zones.js';
import { productReads } from '../products/index.js';
import { ALMOST_READY_DAYS, type Readiness } from './stock.engine.js';
import { stockRepository } from './stock.repository.js';

interface Deps {
  db: Database;
  clock: Clock;
}

export interface AvailabilityLine {
  product: { id: string; sku: string; name: string };
  size: { id: string; code: string; name: string } | null;
  packaging: { id: string; sku: string; name: string; pot_code: string | null };
  state: { id: string; code: string; name: string } | null;
  readiness: Readiness;
  /** The earliest expected-ready date among the line's batches. */
  ready_on: string | null;
  quantity: number;
  batches: number;
  price: {
    sku: string;
    wholesale_cents: number;
    retail_cents: number;
    discount_pct: number;
    /** The retail price after the discount. */
    net_retail_cents: number;
    availability: string;
  } | null;
}

const ORDER: Record<Readiness, number> = { ready: 0, almost: 1, growing: 2 };

/**
 * The availability list a nursery sends its customers: how many plants of each product, size and pot
 * are ready, almost ready or still growing (by their batches' expected-ready dates), with the price of
 * that pot for the product's category. Plants in a state that is not for sale are left out.
 */
export class StockAvailability {
  constructor(private readonly deps: Deps) {}

  list(ctx: FarmContext): Promise<AvailabilityLine[]> {
    const today = localTime(this.deps.clock.now(), ctx.timeZone).date;
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const rows = await stockRepository.availability(tx, ctx.farmId, today, ALMOST_READY_DAYS);
      const cache = new Map<string, unknown>();
      const once = async <T>(key: string, read: () => Promise<T>): Promise<T> => {
        if (!cache.has(key)) cache.set(key, await read());
        return cache.get(key) as T;
      };
      const lines: Array<AvailabilityLine & { categoryId: string }> = [];
      for (const r of rows) {
        const state = r.state_id
          ? await once(`s:${r.state_id}`, () => productReads.state(tx, ctx.farmId, r.state_id!))
          : null;
        if (state && !state.sellable) continue;
        const product = await once(`p:${r.product_id}`, () => productReads.product(tx, ctx.farmId, r.product_id));
        const packaging = await once(`k:${r.packaging_id}`, () =>
          productReads.packaging(tx, ctx.farmId, r.packaging_id),
        );
        const size = r.size_id
          ? await once(`z:${r.size_id}`, () => productReads.size(tx, ctx.farmId, r.size_id!))
          : null;
        if (!product || !packaging) continue;
        lines.push({
          categoryId: product.categoryId,
          product: { id: product.id, sku: product.sku, name: product.name },
          size: size ? { id: size.id, code: size.code, name: size.name } : null,
          packaging: { id: packaging.id, sku: packaging.sku, name: packaging.name, pot_code: packaging.potCode },
          state: state ? { id: state.id, code: state.code, name: state.name } : null,
          readiness: r.readiness,
          ready_on: r.ready_on,
          quantity: r.quantity,
          batches: r.batches,
          price: null,
        });
      }
      const prices = await productReads.prices(tx, ctx.farmId, [
        ...new Map(
          lines.map((l) => [
            `${l.categoryId}:${l.packaging.id}`,
            { categoryId: l.categoryId, packagingId: l.packaging.id },
          ]),
        ).values(),
      ]);
      return lines
        .map(({ categoryId, ...line }) => {
          const p = prices.get(`${categoryId}:${line.packaging.id}`);
          return {
            ...line,
            price: p
              ? {
                  sku: p.sku,
                  wholesale_cents: p.wholesaleCents,
                  retail_cents: p.retailCents,
                  discount_pct: p.discountPct,
                  net_retail_cents: Math.round((p.retailCents * (100 - p.discountPct)) / 100),
                  availability: p.availability,
                }
              : null,
          };
        })
        .sort(
          (a, b) =>
            a.product.sku.localeCompare(b.product.sku) ||
            (a.size?.code ?? '').localeCompare(b.size?.code ?? '') ||
            a.packaging.sku.localeCompare(b.packaging.sku) ||
            ORDER[a.readiness] - ORDER[b.readiness],
        );
    });
  }
}

/** The list as CSV columns (what a spreadsheet or a customer's system reads). */
export const AVAILABILITY_COLUMNS = [
  'product_sku',
  'product',
  'size',
  'pot_code',
  'packaging_sku',
  'state',
  'readiness',
  'ready_on',
  'quantity',
  'wholesale_cents',
  'retail_cents',
  'discount_pct',
  'net_retail_cents',
] as const;

export function availabilityRows(lines: AvailabilityLine[]): Array<Array<string | number | null>> {
  return lines.map((l) => [
    l.product.sku,
    l.product.name,
    l.size?.code ?? null,
    l.packaging.pot_code,
    l.packaging.sku,
    l.state?.code ?? null,
    l.readiness,
    l.ready_on,
    l.quantity,
    l.price?.wholesale_cents ?? null,
    l.price?.retail_cents ?? null,
    l.price?.discount_pct ?? null,
    l.price?.net_retail_cents ?? null,
  ]);
}
