import type { Insertable } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { csvInvalid } from '../../platform/csv.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import {
  priceCsv,
  productCsv,
  readPriceCsv,
  readProductCsv,
  type LineError,
  type PriceLine,
  type ProductLine,
} from './products.csv.js';
import { sameAttributes } from './products.engine.js';
import {
  productsRepository as repo,
  type CategoryRow,
  type FamilyRow,
  type PriceDetail,
  type ProductRow,
} from './products.repository.js';
import type { ImportResult } from './products.schemas.js';
import type { ProductTables } from './products.tables.js';
import { ProductWriter } from './products.writer.js';

const notFoundAt = (line: number, field: string, what: string): LineError => ({
  line,
  field,
  code: 'NOT_FOUND',
  message: `no such ${what} in this farm`,
});

interface Deps {
  db: Database;
  clock: Clock;
}

/**
 * Products and prices in and out as CSV. An import is all or nothing: every line is checked first —
 * its cells, then what it names in the farm — and when any line is bad nothing is written and the
 * answer names each one. Products are matched by SKU (any case), prices by (category, packaging).
 */
export class ProductCsvService {
  readonly #writer: ProductWriter;

  constructor(private readonly deps: Deps) {
    this.#writer = new ProductWriter(deps);
  }

  /** Products as CSV (`category_code,family,sku,name,ready_days,attributes`), by category, family and SKU. */
  exportProducts(ctx: FarmContext): Promise<string> {
    return this.#writer.farm(ctx, async (tx) =>
      productCsv(
        (await repo.productsForExport(tx, ctx.farmId)).map((p) => ({
          category_code: p.category_code,
          family: p.family_name,
          sku: p.sku,
          name: p.name,
          ready_days: p.ready_days,
          attributes: p.attributes,
        })),
      ),
    );
  }

  /** Prices as CSV (`category_code,packaging_sku,wholesale_cents,…`), by SKU. */
  exportPrices(ctx: FarmContext): Promise<string> {
    return this.#writer.farm(ctx, async (tx) => priceCsv(await repo.listPrices(tx, ctx.farmId, {})));
  }

  /**
   * Creates or updates products by SKU. A family the file names that its category does not have yet
   * is made (a first import of a nursery's list needs no families made by hand); a category must exist.
   */
  importProducts(ctx: FarmContext, text: string, meta: RequestMeta): Promise<ImportResult> {
    const checked = readProductCsv(text);
    const now = this.deps.clock.now();
    return this.#writer.farm(ctx, async (tx) => {
      const errors = [...checked.errors];
      const codes = [...new Set(checked.lines.map((l) => l.categoryCode))];
      const categories = new Map((await repo.categoriesByCodes(tx, ctx.farmId, codes)).map((c) => [c.code, c]));
      const lines: Array<ProductLine & { category: CategoryRow }> = [];
      for (const line of checked.lines) {
        const category = categories.get(line.categoryCode);
        if (category) lines.push({ ...line, category });
        else errors.push(notFoundAt(line.line, 'category_code', 'product category'));
      }
      if (errors.length > 0) throw csvInvalid(errors);

      const familyKey = (categoryId: string, name: string) => `${categoryId}:${name.toLowerCase()}`;
      const families = new Map<string, FamilyRow>();
      for (const f of await repo.familiesOf(
        tx,
        ctx.farmId,
        [...categories.values()].map((c) => c.id),
      ))
        families.set(familyKey(f.category_id, f.name), f);
      const newFamilies = new Map<string, Insertable<ProductTables['product_families']>>();
      for (const l of lines) {
        const key = familyKey(l.category.id, l.family);
        if (!families.has(key) && !newFamilies.has(key))
          newFamilies.set(key, {
            farm_id: ctx.farmId,
            category_id: l.category.id,
            name: l.family,
            scientific_name: null,
            species_id: null,
            request_hash: null,
            created_at: now,
            updated_at: now,
          });
      }
      for (const f of await repo.insertMany(tx, 'product_families', [...newFamilies.values()]))
        families.set(familyKey(f.category_id, f.name), f);

      const existing = new Map<string, ProductRow>(
        (
          await repo.productsBySku(
            tx,
            ctx.farmId,
            lines.map((l) => l.sku.toLowerCase()),
          )
        ).map((p) => [p.sku.toLowerCase(), p]),
      );
      const result = { created: 0, updated: 0, unchanged: 0, families_created: newFamilies.size };
      const inserts: Insertable<ProductTables['products']>[] = [];
      for (const l of lines) {
        const familyId = families.get(familyKey(l.category.id, l.family))!.id;
        const stored = existing.get(l.sku.toLowerCase());
        if (!stored) {
          inserts.push({
            farm_id: ctx.farmId,
            family_id: familyId,
            sku: l.sku,
            name: l.name,
            attributes: l.attributes ?? {},
            ready_days: l.readyDays ?? null,
            request_hash: null,
            created_at: now,
            updated_at: now,
          });
          continue;
        }
        const next = {
          family_id: familyId,
          sku: l.sku,
          name: l.name,
          ready_days: l.readyDays === undefined ? stored.ready_days : l.readyDays,
          attributes: l.attributes ?? stored.attributes,
        };
        const same =
          next.family_id === stored.family_id &&
          next.sku === stored.sku &&
          next.name === stored.name &&
          next.ready_days === stored.ready_days &&
          sameAttributes(next.attributes, stored.attributes);
        if (same) result.unchanged++;
        else {
          await repo.update(tx, 'products', ctx.farmId, stored.id, { ...next, updated_at: now });
          result.updated++;
        }
      }
      result.created = (await repo.insertMany(tx, 'products', inserts)).length;
      await this.#writer.audit(tx, ctx, meta, 'products.imported', this.#summary('Products', result), result);
      return result;
    });
  }

  /** Creates or updates prices by (category, packaging); both must exist. */
  importPrices(ctx: FarmContext, text: string, meta: RequestMeta): Promise<ImportResult> {
    const checked = readPriceCsv(text);
    const now = this.deps.clock.now();
    return this.#writer.farm(ctx, async (tx) => {
      const errors = [...checked.errors];
      const codes = [...new Set(checked.lines.map((l) => l.categoryCode))];
      const categories = new Map((await repo.categoriesByCodes(tx, ctx.farmId, codes)).map((c) => [c.code, c]));
      const skus = [...new Set(checked.lines.map((l) => l.packagingSku.toLowerCase()))];
      const packaging = new Map((await repo.packagingBySku(tx, ctx.farmId, skus)).map((k) => [k.sku.toLowerCase(), k]));
      const lines: Array<PriceLine & { categoryId: string; packagingId: string }> = [];
      for (const line of checked.lines) {
        const category = categories.get(line.categoryCode);
        const pack = packaging.get(line.packagingSku.toLowerCase());
        if (!category) errors.push(notFoundAt(line.line, 'category_code', 'product category'));
        if (!pack) errors.push(notFoundAt(line.line, 'packaging_sku', 'packaging'));
        if (category && pack) lines.push({ ...line, categoryId: category.id, packagingId: pack.id });
      }
      if (errors.length > 0) throw csvInvalid(errors);

      const existing = new Map<string, PriceDetail>(
        (await repo.pricesOf(tx, ctx.farmId, lines)).map((p) => [`${p.category_id}:${p.packaging_id}`, p]),
      );
      const result = { created: 0, updated: 0, unchanged: 0 };
      const inserts: Insertable<ProductTables['prices']>[] = [];
      for (const l of lines) {
        const stored = existing.get(`${l.categoryId}:${l.packagingId}`);
        const next = {
          wholesale_cents: l.wholesaleCents,
          retail_cents: l.retailCents,
          units_per_box: l.unitsPerBox ?? stored?.units_per_box ?? 1,
          discount_pct: l.discountPct ?? stored?.discount_pct ?? 0,
          availability: l.availability ?? stored?.availability ?? 'available',
        };
        if (!stored) {
          inserts.push({
            farm_id: ctx.farmId,
            category_id: l.categoryId,
            packaging_id: l.packagingId,
            ...next,
            request_hash: null,
            created_at: now,
            updated_at: now,
          });
        } else if ((Object.keys(next) as Array<keyof typeof next>).every((k) => next[k] === stored[k])) {
          result.unchanged++;
        } else {
          await repo.update(tx, 'prices', ctx.farmId, stored.id, { ...next, updated_at: now });
          result.updated++;
        }
      }
      result.created = (await repo.insertMany(tx, 'prices', inserts)).length;
      await this.#writer.audit(tx, ctx, meta, 'prices.imported', this.#summary('Prices', result), result);
      return result;
    });
  }

  #summary(what: string, r: ImportResult): string {
    const families = r.families_created ? `, ${r.families_created} families made` : '';
    return `${what} imported: ${r.created} new, ${r.updated} changed, ${r.unchanged} unchanged${families}`;
  }
}
