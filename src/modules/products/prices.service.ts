import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, notFound } from '../../platform/errors.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { priceProblems, priceSku } from './products.engine.js';
import { productsRepository as repo, type PackagingRow, type PriceDetail } from './products.repository.js';
import type { NewPackaging, NewPrice, PackagingPatch, PricePatch } from './products.schemas.js';
import { pageOf, paged, type PageQuery, type Paged } from './products.service.js';
import type { Availability } from './products.tables.js';
import { ProductWriter, noSuch, refuse, taken, type Kind } from './products.writer.js';

export const PACKAGING: Kind<'packaging'> = {
  table: 'packaging',
  event: 'packaging',
  noun: 'Packaging',
  label: (r) => r.sku,
};
export const PRICE: Kind<'prices'> = { table: 'prices', event: 'price', noun: 'Price', label: (r) => r.id };

const trimmed = (text: string | null | undefined) => (typeof text === 'string' ? text.trim() : text);
const given = <T extends object>(patch: T) => Object.keys(patch).filter((k) => patch[k as keyof T] !== undefined);

interface Deps {
  db: Database;
  clock: Clock;
}

/** The packaging catalogue and the price of each (packaging, category), with the price list made of them. */
export class PricesService {
  readonly #writer: ProductWriter;

  constructor(deps: Deps) {
    this.#writer = new ProductWriter(deps);
  }

  // Packaging

  async packagingList(ctx: FarmContext, query: PageQuery): Promise<Paged<PackagingRow>> {
    const page = pageOf(query, ['string']);
    const rows = await this.#writer.farm(ctx, (tx) => repo.listPackaging(tx, ctx.farmId, page));
    return paged(rows, page.limit, (r) => [r.sku.toLowerCase()]);
  }

  packaging(ctx: FarmContext, ref: string): Promise<PackagingRow> {
    return this.#writer.farm(ctx, async (tx) => {
      const row = await repo.byRef(tx, 'packaging', ctx.farmId, ref);
      if (!row) throw notFound('Packaging', { ref });
      return row;
    });
  }

  createPackaging(ctx: FarmContext, input: NewPackaging, meta: RequestMeta) {
    return this.#writer.create(ctx, meta, PACKAGING, {
      clientId: input.id,
      prepare: async () => {
        const values = {
          sku: input.sku,
          name: input.name.trim(),
          type: input.type,
          material: trimmed(input.material) ?? null,
          colour: trimmed(input.colour) ?? null,
          volume_l: input.volume_l ?? null,
          diameter_cm: input.diameter_cm ?? null,
          height_cm: input.height_cm ?? null,
          pot_code: input.pot_code ?? null,
        };
        return { request: input, values };
      },
      unique: (tx) => this.#skuFree(tx, ctx.farmId, input.sku),
      answer: async (_tx, row) => row,
    });
  }

  updatePackaging(ctx: FarmContext, ref: string, patch: PackagingPatch, meta: RequestMeta) {
    return this.#writer.patch(ctx, meta, PACKAGING, {
      find: (tx) => repo.byRef(tx, 'packaging', ctx.farmId, ref),
      apply: async (tx, current) => {
        if (patch.sku !== undefined && patch.sku.toLowerCase() !== current.sku.toLowerCase())
          await this.#skuFree(tx, ctx.farmId, patch.sku);
        return {
          ...patch,
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.material !== undefined ? { material: trimmed(patch.material) } : {}),
          ...(patch.colour !== undefined ? { colour: trimmed(patch.colour) } : {}),
        };
      },
      answer: async (_tx, row) => row,
      changed: given(patch),
    });
  }

  deletePackaging(ctx: FarmContext, ref: string, meta: RequestMeta) {
    return this.#writer.remove(ctx, meta, PACKAGING, {
      find: (tx) => repo.byRef(tx, 'packaging', ctx.farmId, ref),
      references: (tx, row) => repo.packagingReferences(tx, ctx.farmId, row.id),
    });
  }

  async #skuFree(tx: Tx, farmId: string, sku: string): Promise<void> {
    const other = await repo.byRef(tx, 'packaging', farmId, sku);
    if (other) throw taken('packaging', 'body.sku', sku, other.id);
  }

  // Prices

  async prices(
    ctx: FarmContext,
    query: PageQuery & {
      category?: string | undefined;
      packaging?: string | undefined;
      availability?: Availability | undefined;
    },
  ): Promise<Paged<PriceDetail>> {
    const page = pageOf(query, ['string', 'string']);
    const rows = await this.#writer.farm(ctx, async (tx) =>
      repo.listPrices(tx, ctx.farmId, { ...page, ...(await this.#filters(tx, ctx.farmId, query)) }),
    );
    return paged(rows, page.limit, (r) => [r.category_code, r.packaging_sku.toLowerCase()]);
  }

  /** Every price (of one category, or of one availability), by SKU, with the names a price list shows. */
  priceList(
    ctx: FarmContext,
    query: { category?: string | undefined; availability?: Availability | undefined },
  ): Promise<PriceDetail[]> {
    return this.#writer.farm(ctx, async (tx) =>
      repo.listPrices(tx, ctx.farmId, await this.#filters(tx, ctx.farmId, query)),
    );
  }

  price(ctx: FarmContext, ref: string): Promise<PriceDetail> {
    return this.#writer.farm(ctx, (tx) => this.#price(tx, ctx.farmId, ref));
  }

  createPrice(ctx: FarmContext, input: NewPrice, meta: RequestMeta) {
    // Resolved by `prepare`, which runs first; `unique` looks for a price of the pair.
    let pair = { categoryId: '', packagingId: '' };
    return this.#writer.create(ctx, meta, PRICE, {
      clientId: input.id,
      prepare: async (tx) => {
        const figures = {
          wholesale_cents: input.wholesale_cents,
          retail_cents: input.retail_cents,
          units_per_box: input.units_per_box ?? 1,
          discount_pct: input.discount_pct ?? 0,
        };
        refuse(priceProblems(figures));
        const category = await repo.byRef(tx, 'product_categories', ctx.farmId, input.category);
        if (!category) throw noSuch('product category', 'body.category');
        const packaging = await repo.byRef(tx, 'packaging', ctx.farmId, input.packaging);
        if (!packaging) throw noSuch('packaging', 'body.packaging');
        pair = { categoryId: category.id, packagingId: packaging.id };
        const values = {
          category_id: category.id,
          packaging_id: packaging.id,
          ...figures,
          availability: input.availability ?? 'available',
        };
        return { request: { ...input, category: category.id, packaging: packaging.id }, values };
      },
      unique: async (tx) => {
        const [other] = await repo.pricesOf(tx, ctx.farmId, [pair]);
        if (other) {
          const sku = priceSku(other.category_code, other.packaging_sku);
          throw conflict('ALREADY_EXISTS', `${sku} has a price already: one price per packaging and category`, {
            field: 'body.packaging',
            sku,
            id: other.id,
          });
        }
      },
      answer: (tx, row) => this.#price(tx, ctx.farmId, row.id),
    });
  }

  updatePrice(ctx: FarmContext, ref: string, patch: PricePatch, meta: RequestMeta) {
    return this.#writer.patch(ctx, meta, PRICE, {
      find: (tx) => repo.price(tx, ctx.farmId, ref),
      apply: async (_tx, current) => {
        const figures = {
          wholesale_cents: patch.wholesale_cents ?? current.wholesale_cents,
          retail_cents: patch.retail_cents ?? current.retail_cents,
          units_per_box: patch.units_per_box ?? current.units_per_box,
          discount_pct: patch.discount_pct ?? current.discount_pct,
        };
        refuse(priceProblems(figures));
        return { ...figures, availability: patch.availability ?? current.availability };
      },
      answer: (tx, row) => this.#price(tx, ctx.farmId, row.id),
      changed: given(patch),
    });
  }

  deletePrice(ctx: FarmContext, ref: string, meta: RequestMeta) {
    return this.#writer.remove(ctx, meta, PRICE, { find: (tx) => repo.price(tx, ctx.farmId, ref) });
  }

  async #price(tx: Tx, farmId: string, ref: string): Promise<PriceDetail> {
    const row = await repo.price(tx, farmId, ref);
    if (!row) throw notFound('Price', { ref });
    return row;
  }

  /** A list's filters by id or code/SKU; a name the farm does not have is a 400 naming it. */
  async #filters(
    tx: Tx,
    farmId: string,
    query: { category?: string | undefined; packaging?: string | undefined; availability?: Availability | undefined },
  ) {
    let categoryId: string | undefined;
    let packagingId: string | undefined;
    if (query.category) {
      const category = await repo.byRef(tx, 'product_categories', farmId, query.category);
      if (!category) throw noSuch('product category', 'query.category');
      categoryId = category.id;
    }
    if (query.packaging) {
      const packaging = await repo.byRef(tx, 'packaging', farmId, query.packaging);
      if (!packaging) throw noSuch('packaging', 'query.packaging');
      packagingId = packaging.id;
    }
    return { categoryId, packagingId, availability: query.availability };
  }
}
