import { sql, type Insertable, type Kysely, type RawBuilder, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import { splitPriceSku } from './products.engine.js';
import type { Availability, ProductTables } from './products.tables.js';

export type ProductTable = keyof ProductTables;
/** A row of one of the tables (every one has its id). */
export type RowOf<N extends ProductTable> = Selectable<ProductTables[N]> & { id: string; request_hash: string | null };
export type CategoryRow = RowOf<'product_categories'>;
export type FamilyRow = RowOf<'product_families'>;
export type ProductRow = RowOf<'products'>;
export type StateRow = RowOf<'product_states'>;
export type SizeRow = RowOf<'product_sizes'>;
export type PackagingRow = RowOf<'packaging'>;
export type PriceRow = RowOf<'prices'>;

/** A product with what its family and category say of it. */
export type ProductDetail = ProductRow & {
  family_name: string;
  category_id: string;
  category_code: string;
  category_ready_days: number | null;
  stage_bands: CategoryRow['stage_bands'];
};

/** A price with its SKU's parts and the names a price list shows. */
export type PriceDetail = PriceRow & {
  category_code: string;
  category_name: string;
  packaging_sku: string;
  packaging_name: string;
  pot_code: string | null;
};

/** A page: at most `limit` rows after the sort key `after` (the key of the last row of the page before). */
export interface PageFilter {
  after?: Array<string | number> | undefined;
  limit: number;
}

/** The columns every product table has, which is all the generic helpers below look at. */
interface Shared {
  id: string;
  farm_id: string;
}
// Kysely checks a query against one table it knows by name; the helpers take the table as an argument, so
// they see it as one table of the shared columns (its real name is what runs) and hand back its own row type.
const shared = (tx: Tx) => tx as unknown as Kysely<{ any_table: Shared }>;
const named = (table: ProductTable) => table as unknown as 'any_table';

/** Text sorted the same on every backend (as the catalogue does): byte order, case folded. */
const folded = (column: string) => sql`lower(${sql.ref(column)}) collate "C"`;
const exact = (column: string) => sql`${sql.ref(column)} collate "C"`;
/** Rows after a page's last sort key: `(a, b) > (x, y)`. */
const after = (keys: RawBuilder<unknown>[], values: Array<string | number>) =>
  sql<boolean>`(${sql.join(keys)}) > (${sql.join(values.map((v) => sql`${v}`))})`;

function productDetails(tx: Tx) {
  return tx
    .selectFrom('products as p')
    .innerJoin('product_families as f', (j) => j.onRef('f.farm_id', '=', 'p.farm_id').onRef('f.id', '=', 'p.family_id'))
    .innerJoin('product_categories as c', (j) =>
      j.onRef('c.farm_id', '=', 'f.farm_id').onRef('c.id', '=', 'f.category_id'),
    )
    .selectAll('p')
    .select([
      'f.name as family_name',
      'c.id as category_id',
      'c.code as category_code',
      'c.ready_days as category_ready_days',
      'c.stage_bands',
    ]);
}

function priceDetails(tx: Tx) {
  return tx
    .selectFrom('prices as r')
    .innerJoin('product_categories as c', (j) =>
      j.onRef('c.farm_id', '=', 'r.farm_id').onRef('c.id', '=', 'r.category_id'),
    )
    .innerJoin('packaging as k', (j) => j.onRef('k.farm_id', '=', 'r.farm_id').onRef('k.id', '=', 'r.packaging_id'))
    .selectAll('r')
    .select([
      'c.code as category_code',
      'c.name as category_name',
      'k.sku as packaging_sku',
      'k.name as packaging_name',
      'k.pot_code',
    ]);
}

const count = (tx: Tx, table: 'product_families' | 'products' | 'prices', farmId: string, column: string, id: string) =>
  shared(tx)
    .selectFrom(named(table))
    .select(sql<number>`count(*)::int`.as('n'))
    .where('farm_id', '=', farmId)
    .where(sql.ref(column), '=', id)
    .executeTakeFirstOrThrow()
    .then((r) => r.n);

/** The products module's SQL: categories, families, products, states, sizes, packaging and prices. */
export const productsRepository = {
  // Any of the module's tables

  /** Inserts a row; undefined when its (client-made) id is taken in the farm. */
  async insert<N extends ProductTable>(
    tx: Tx,
    table: N,
    row: Insertable<ProductTables[N]>,
  ): Promise<RowOf<N> | undefined> {
    const made = await shared(tx)
      .insertInto(named(table))
      .values(row as unknown as Shared)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
    return made as RowOf<N> | undefined;
  },

  async byId<N extends ProductTable>(tx: Tx, table: N, farmId: string, id: string): Promise<RowOf<N> | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await shared(tx)
      .selectFrom(named(table))
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row as RowOf<N> | undefined;
  },

  async update<N extends ProductTable>(
    tx: Tx,
    table: N,
    farmId: string,
    id: string,
    patch: Updateable<ProductTables[N]>,
  ): Promise<RowOf<N> | undefined> {
    const row = await shared(tx)
      .updateTable(named(table))
      .set(patch as Updateable<Shared>)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row as RowOf<N> | undefined;
  },

  async remove(tx: Tx, table: ProductTable, farmId: string, id: string): Promise<void> {
    await shared(tx).deleteFrom(named(table)).where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  /** A row by id or, failing that, by its code (capitals) or SKU (any case). */
  async byRef<N extends 'product_categories' | 'product_states' | 'product_sizes' | 'packaging'>(
    tx: Tx,
    table: N,
    farmId: string,
    ref: string,
  ): Promise<RowOf<N> | undefined> {
    if (isUuid(ref)) return this.byId(tx, table, farmId, ref);
    const row = await shared(tx)
      .selectFrom(named(table))
      .selectAll()
      .where('farm_id', '=', farmId)
      .where(
        table === 'packaging'
          ? sql<boolean>`lower(sku) = ${ref.toLowerCase()}`
          : sql<boolean>`code = ${ref.toUpperCase()}`,
      )
      .executeTakeFirst();
    return row as RowOf<N> | undefined;
  },

  // Categories

  listCategories(tx: Tx, farmId: string, page: PageFilter): Promise<CategoryRow[]> {
    let query = tx.selectFrom('product_categories').selectAll().where('farm_id', '=', farmId);
    if (page.after) query = query.where(after([exact('code')], page.after));
    return query.orderBy(exact('code')).limit(page.limit).execute();
  },

  categoriesByCodes(tx: Tx, farmId: string, codes: string[]): Promise<CategoryRow[]> {
    if (codes.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('product_categories')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('code', 'in', codes)
      .execute();
  },

  async categoryReferences(tx: Tx, farmId: string, id: string) {
    return {
      families: await count(tx, 'product_families', farmId, 'category_id', id),
      prices: await count(tx, 'prices', farmId, 'category_id', id),
    };
  },

  // Families

  listFamilies(tx: Tx, farmId: string, filter: PageFilter & { categoryId?: string | undefined }): Promise<FamilyRow[]> {
    let query = tx.selectFrom('product_families').selectAll().where('farm_id', '=', farmId);
    if (filter.categoryId) query = query.where('category_id', '=', filter.categoryId);
    if (filter.after) query = query.where(after([folded('name'), sql`id::text`], filter.after));
    return query
      .orderBy(folded('name'))
      .orderBy(sql`id::text`)
      .limit(filter.limit)
      .execute();
  },

  /** The family of a category with this name (any case). */
  familyNamed(tx: Tx, farmId: string, categoryId: string, name: string): Promise<FamilyRow | undefined> {
    return tx
      .selectFrom('product_families')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('category_id', '=', categoryId)
      .where(sql<boolean>`lower(name) = ${name.toLowerCase()}`)
      .executeTakeFirst();
  },

  familiesOf(tx: Tx, farmId: string, categoryIds: string[]): Promise<FamilyRow[]> {
    if (categoryIds.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('product_families')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('category_id', 'in', categoryIds)
      .execute();
  },

  familyReferences: async (tx: Tx, farmId: string, id: string) => ({
    products: await count(tx, 'products', farmId, 'family_id', id),
  }),

  // Products

  /** A product by id or SKU (any case), with its family's and category's parts. */
  product(tx: Tx, farmId: string, ref: string): Promise<ProductDetail | undefined> {
    const query = productDetails(tx).where('p.farm_id', '=', farmId);
    return (
      isUuid(ref) ? query.where('p.id', '=', ref) : query.where(sql<boolean>`lower(p.sku) = ${ref.toLowerCase()}`)
    ).executeTakeFirst();
  },

  listProducts(
    tx: Tx,
    farmId: string,
    filter: PageFilter & { familyId?: string | undefined; categoryId?: string | undefined },
  ): Promise<ProductDetail[]> {
    let query = productDetails(tx).where('p.farm_id', '=', farmId);
    if (filter.familyId) query = query.where('p.family_id', '=', filter.familyId);
    if (filter.categoryId) query = query.where('c.id', '=', filter.categoryId);
    if (filter.after) query = query.where(after([folded('p.sku')], filter.after));
    return query.orderBy(folded('p.sku')).limit(filter.limit).execute();
  },

  /** Products by SKU (lower case given). */
  productsBySku(tx: Tx, farmId: string, skus: string[]): Promise<ProductRow[]> {
    if (skus.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('products')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where(sql<string>`lower(sku)`, 'in', skus)
      .execute();
  },

  /** Every product, as the CSV export lists them: by category code, family name and SKU. */
  productsForExport(tx: Tx, farmId: string): Promise<ProductDetail[]> {
    return productDetails(tx)
      .where('p.farm_id', '=', farmId)
      .orderBy(exact('c.code'))
      .orderBy(folded('f.name'))
      .orderBy(folded('p.sku'))
      .execute();
  },

  async insertMany<N extends 'product_families' | 'products' | 'prices'>(
    tx: Tx,
    table: N,
    rows: Insertable<ProductTables[N]>[],
  ): Promise<RowOf<N>[]> {
    const made: RowOf<N>[] = [];
    // A few hundred rows a statement keeps it well under PostgreSQL's 65,535 parameters.
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500) as unknown as Shared[];
      made.push(
        ...((await shared(tx)
          .insertInto(named(table))
          .values(chunk)
          .returningAll()
          .execute()) as unknown as RowOf<N>[]),
      );
    }
    return made;
  },

  // States and sizes

  listStates(tx: Tx, farmId: string, page: PageFilter): Promise<StateRow[]> {
    let query = tx.selectFrom('product_states').selectAll().where('farm_id', '=', farmId);
    if (page.after) query = query.where(after([sql`sort_order`, exact('code')], page.after));
    return query.orderBy('sort_order').orderBy(exact('code')).limit(page.limit).execute();
  },

  listSizes(tx: Tx, farmId: string, page: PageFilter): Promise<SizeRow[]> {
    let query = tx.selectFrom('product_sizes').selectAll().where('farm_id', '=', farmId);
    if (page.after) query = query.where(after([exact('code')], page.after));
    return query.orderBy(exact('code')).limit(page.limit).execute();
  },

  // Packaging

  listPackaging(tx: Tx, farmId: string, page: PageFilter): Promise<PackagingRow[]> {
    let query = tx.selectFrom('packaging').selectAll().where('farm_id', '=', farmId);
    if (page.after) query = query.where(after([folded('sku')], page.after));
    return query.orderBy(folded('sku')).limit(page.limit).execute();
  },

  /** Packaging by SKU (lower case given). */
  packagingBySku(tx: Tx, farmId: string, skus: string[]): Promise<PackagingRow[]> {
    if (skus.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('packaging')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where(sql<string>`lower(sku)`, 'in', skus)
      .execute();
  },

  packagingReferences: async (tx: Tx, farmId: string, id: string) => ({
    prices: await count(tx, 'prices', farmId, 'packaging_id', id),
  }),

  // Prices

  /** A price by id or by its SKU ({CATEGORY CODE}-{PACKAGING SKU}). */
  price(tx: Tx, farmId: string, ref: string): Promise<PriceDetail | undefined> {
    const query = priceDetails(tx).where('r.farm_id', '=', farmId);
    if (isUuid(ref)) return query.where('r.id', '=', ref).executeTakeFirst();
    const sku = splitPriceSku(ref);
    if (!sku) return Promise.resolve(undefined);
    return query
      .where('c.code', '=', sku.categoryCode)
      .where(sql<boolean>`lower(k.sku) = ${sku.packagingSku.toLowerCase()}`)
      .executeTakeFirst();
  },

  /** Prices by SKU order (category code, then packaging SKU); without a limit, every one. */
  listPrices(
    tx: Tx,
    farmId: string,
    filter: {
      after?: Array<string | number> | undefined;
      limit?: number | undefined;
      categoryId?: string | undefined;
      packagingId?: string | undefined;
      availability?: Availability | undefined;
    },
  ): Promise<PriceDetail[]> {
    let query = priceDetails(tx).where('r.farm_id', '=', farmId);
    if (filter.categoryId) query = query.where('r.category_id', '=', filter.categoryId);
    if (filter.packagingId) query = query.where('r.packaging_id', '=', filter.packagingId);
    if (filter.availability) query = query.where('r.availability', '=', filter.availability);
    if (filter.after) query = query.where(after([exact('c.code'), folded('k.sku')], filter.after));
    query = query.orderBy(exact('c.code')).orderBy(folded('k.sku'));
    return (filter.limit === undefined ? query : query.limit(filter.limit)).execute();
  },

  /** The prices of these (category, packaging) pairs. */
  pricesOf(tx: Tx, farmId: string, pairs: Array<{ categoryId: string; packagingId: string }>): Promise<PriceDetail[]> {
    const wanted = pairs.filter((p) => isUuid(p.categoryId) && isUuid(p.packagingId));
    if (wanted.length === 0) return Promise.resolve([]);
    return priceDetails(tx)
      .where('r.farm_id', '=', farmId)
      .where(
        sql<boolean>`(r.category_id, r.packaging_id) in (${sql.join(
          wanted.map((p) => sql`(${p.categoryId}::uuid, ${p.packagingId}::uuid)`),
        )})`,
      )
      .execute();
  },
};
