import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { invalid, notFound } from '../../platform/errors.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { catalogReads } from '../catalog/index.js';
import {
  DEFAULT_STAGE_BANDS,
  attributeProblems,
  decodeCursor,
  encodeCursor,
  heightProblems,
  stageBandProblems,
} from './products.engine.js';
import {
  productsRepository as repo,
  type CategoryRow,
  type FamilyRow,
  type ProductDetail,
  type SizeRow,
  type StateRow,
} from './products.repository.js';
import type {
  CategoryPatch,
  FamilyPatch,
  NewCategory,
  NewFamily,
  NewProduct,
  NewSize,
  NewState,
  ProductPatch,
  SizePatch,
  StatePatch,
} from './products.schemas.js';
import type { StageBands } from './products.tables.js';
import { ProductWriter, noSuch, refuse, taken, type Kind } from './products.writer.js';

export interface Paged<T> {
  rows: T[];
  nextCursor: string | null;
}

export interface PageQuery {
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** The sort key a list's cursor holds (400 naming query.cursor when it is not one of this list's). */
export function pageOf(query: PageQuery, shape: ReadonlyArray<'string' | 'number'>) {
  const limit = query.limit ?? 50;
  if (query.cursor === undefined) return { limit, after: undefined };
  const after = decodeCursor(query.cursor, shape);
  if (!after)
    throw invalid('The request is not valid: query.cursor is not a cursor of this list', {
      fields: [{ field: 'query.cursor', message: 'is not a cursor of this list' }],
    });
  return { limit, after };
}

/** A page of rows and the cursor of the next (null when this one is not full). */
export function paged<T>(rows: T[], limit: number, key: (row: T) => Array<string | number>): Paged<T> {
  const last = rows.at(-1);
  return { rows, nextCursor: last && rows.length === limit ? encodeCursor(key(last)) : null };
}

const trimmed = (text: string | null | undefined) => (typeof text === 'string' ? text.trim() : text);
const given = <T extends object>(patch: T) => Object.keys(patch).filter((k) => patch[k as keyof T] !== undefined);

export const CATEGORY: Kind<'product_categories'> = {
  table: 'product_categories',
  event: 'product_category',
  noun: 'Product category',
  label: (r) => r.code,
};
export const FAMILY: Kind<'product_families'> = {
  table: 'product_families',
  event: 'product_family',
  noun: 'Product family',
  label: (r) => r.name,
};
export const PRODUCT: Kind<'products'> = { table: 'products', event: 'product', noun: 'Product', label: (r) => r.sku };
const STATE: Kind<'product_states'> = {
  table: 'product_states',
  event: 'product_state',
  noun: 'Product state',
  label: (r) => r.code,
};
const SIZE: Kind<'product_sizes'> = {
  table: 'product_sizes',
  event: 'product_size',
  noun: 'Product size',
  label: (r) => r.code,
};

interface Deps {
  db: Database;
  clock: Clock;
}

/**
 * The nursery's sellable catalogue: product categories, families and products, and the states and
 * sizes a stock batch is sorted by. Managers write it; everyone in the farm reads it.
 */
export class ProductsService {
  readonly #writer: ProductWriter;

  constructor(deps: Deps) {
    this.#writer = new ProductWriter(deps);
  }

  // Categories

  async categories(ctx: FarmContext, query: PageQuery): Promise<Paged<CategoryRow>> {
    const page = pageOf(query, ['string']);
    const rows = await this.#writer.farm(ctx, (tx) => repo.listCategories(tx, ctx.farmId, page));
    return paged(rows, page.limit, (r) => [r.code]);
  }

  category(ctx: FarmContext, ref: string): Promise<CategoryRow> {
    return this.#writer.farm(ctx, (tx) => this.#category(tx, ctx.farmId, ref));
  }

  createCategory(ctx: FarmContext, input: NewCategory, meta: RequestMeta) {
    return this.#writer.create(ctx, meta, CATEGORY, {
      clientId: input.id,
      prepare: async () => {
        const bands: StageBands = input.stage_bands ? [...(input.stage_bands as StageBands)] : DEFAULT_STAGE_BANDS;
        refuse(stageBandProblems(bands));
        const values = {
          code: input.code,
          name: input.name.trim(),
          ready_days: input.ready_days ?? null,
          stage_bands: bands,
        };
        return { request: input, values };
      },
      unique: (tx) => this.#codeFree(tx, ctx.farmId, input.code),
      answer: async (_tx, row) => row,
    });
  }

  updateCategory(ctx: FarmContext, ref: string, patch: CategoryPatch, meta: RequestMeta) {
    return this.#writer.patch(ctx, meta, CATEGORY, {
      find: (tx) => repo.byRef(tx, 'product_categories', ctx.farmId, ref),
      apply: async (tx, current) => {
        if (patch.stage_bands) refuse(stageBandProblems(patch.stage_bands));
        if (patch.code !== undefined && patch.code !== current.code) await this.#codeFree(tx, ctx.farmId, patch.code);
        return {
          ...(patch.code !== undefined ? { code: patch.code } : {}),
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.ready_days !== undefined ? { ready_days: patch.ready_days } : {}),
          ...(patch.stage_bands !== undefined ? { stage_bands: [...patch.stage_bands] as StageBands } : {}),
        };
      },
      answer: async (_tx, row) => row,
      changed: given(patch),
    });
  }

  deleteCategory(ctx: FarmContext, ref: string, meta: RequestMeta) {
    return this.#writer.remove(ctx, meta, CATEGORY, {
      find: (tx) => repo.byRef(tx, 'product_categories', ctx.farmId, ref),
      references: (tx, row) => repo.categoryReferences(tx, ctx.farmId, row.id),
    });
  }

  async #category(tx: Tx, farmId: string, ref: string, field?: string): Promise<CategoryRow> {
    const row = await repo.byRef(tx, 'product_categories', farmId, ref);
    if (row) return row;
    throw field ? noSuch('product category', field) : notFound('Product category', { ref });
  }

  async #codeFree(tx: Tx, farmId: string, code: string): Promise<void> {
    const other = await repo.byRef(tx, 'product_categories', farmId, code);
    if (other) throw taken('product category', 'body.code', code, other.id);
  }

  // Families

  async families(ctx: FarmContext, query: PageQuery & { category?: string | undefined }): Promise<Paged<FamilyRow>> {
    const page = pageOf(query, ['string', 'string']);
    const rows = await this.#writer.farm(ctx, async (tx) => {
      const categoryId = query.category
        ? (await this.#category(tx, ctx.farmId, query.category, 'query.category')).id
        : undefined;
      return repo.listFamilies(tx, ctx.farmId, { ...page, categoryId });
    });
    return paged(rows, page.limit, (r) => [r.name.toLowerCase(), r.id]);
  }

  family(ctx: FarmContext, id: string): Promise<FamilyRow> {
    return this.#writer.farm(ctx, async (tx) => {
      const row = await repo.byId(tx, 'product_families', ctx.farmId, id);
      if (!row) throw notFound('Product family', { id });
      return row;
    });
  }

  createFamily(ctx: FarmContext, input: NewFamily, meta: RequestMeta) {
    const name = input.name.trim();
    // Resolved by `prepare`, which runs first; `unique` checks the name within it.
    let categoryId = '';
    return this.#writer.create(ctx, meta, FAMILY, {
      clientId: input.id,
      prepare: async (tx) => {
        categoryId = (await this.#category(tx, ctx.farmId, input.category, 'body.category')).id;
        const values = {
          category_id: categoryId,
          name,
          scientific_name: trimmed(input.scientific_name) ?? null,
          species_id: await this.#species(tx, ctx.farmId, input.species),
        };
        return { request: { ...input, category: categoryId, species: values.species_id }, values };
      },
      unique: (tx) => this.#familyNameFree(tx, ctx.farmId, categoryId, name),
      answer: async (_tx, row) => row,
    });
  }

  updateFamily(ctx: FarmContext, id: string, patch: FamilyPatch, meta: RequestMeta) {
    return this.#writer.patch(ctx, meta, FAMILY, {
      find: (tx) => repo.byId(tx, 'product_families', ctx.farmId, id),
      apply: async (tx, current) => {
        const categoryId = patch.category
          ? (await this.#category(tx, ctx.farmId, patch.category, 'body.category')).id
          : current.category_id;
        const name = patch.name?.trim() ?? current.name;
        if (categoryId !== current.category_id || name.toLowerCase() !== current.name.toLowerCase())
          await this.#familyNameFree(tx, ctx.farmId, categoryId, name, current.id);
        return {
          category_id: categoryId,
          name,
          ...(patch.scientific_name !== undefined ? { scientific_name: trimmed(patch.scientific_name) } : {}),
          ...(patch.species !== undefined ? { species_id: await this.#species(tx, ctx.farmId, patch.species) } : {}),
        };
      },
      answer: async (_tx, row) => row,
      changed: given(patch),
    });
  }

  deleteFamily(ctx: FarmContext, id: string, meta: RequestMeta) {
    return this.#writer.remove(ctx, meta, FAMILY, {
      find: (tx) => repo.byId(tx, 'product_families', ctx.farmId, id),
      references: (tx, row) => repo.familyReferences(tx, ctx.farmId, row.id),
    });
  }

  /** A species of the plant catalogue by id or key, as its id (null: none named). */
  async #species(tx: Tx, farmId: string, ref: string | null | undefined): Promise<string | null> {
    if (!ref) return null;
    const species = await catalogReads.resolveSpecies(tx, farmId, ref);
    if (!species)
      throw invalid('No such species in the plant catalogue', {
        fields: [{ field: 'body.species', message: 'no such species' }],
      });
    return species.id;
  }

  async #familyNameFree(tx: Tx, farmId: string, categoryId: string, name: string, self?: string): Promise<void> {
    const other = await repo.familyNamed(tx, farmId, categoryId, name);
    if (other && other.id !== self) throw taken('family of this category', 'body.name', name, other.id);
  }

  // Products

  async products(
    ctx: FarmContext,
    query: PageQuery & { family?: string | undefined; category?: string | undefined },
  ): Promise<Paged<ProductDetail>> {
    const page = pageOf(query, ['string']);
    const rows = await this.#writer.farm(ctx, async (tx) => {
      const categoryId = query.category
        ? (await this.#category(tx, ctx.farmId, query.category, 'query.category')).id
        : undefined;
      return repo.listProducts(tx, ctx.farmId, { ...page, familyId: query.family, categoryId });
    });
    return paged(rows, page.limit, (r) => [r.sku.toLowerCase()]);
  }

  product(ctx: FarmContext, ref: string): Promise<ProductDetail> {
    return this.#writer.farm(ctx, (tx) => this.#product(tx, ctx.farmId, ref));
  }

  createProduct(ctx: FarmContext, input: NewProduct, meta: RequestMeta) {
    return this.#writer.create(ctx, meta, PRODUCT, {
      clientId: input.id,
      prepare: async (tx) => {
        const attributes = input.attributes ?? {};
        refuse(attributeProblems(attributes));
        await this.#familyOr(tx, ctx.farmId, input.family);
        const values = {
          family_id: input.family,
          sku: input.sku,
          name: input.name.trim(),
          attributes,
          ready_days: input.ready_days ?? null,
        };
        return { request: input, values };
      },
      unique: (tx) => this.#skuFree(tx, ctx.farmId, input.sku),
      answer: (tx, row) => this.#product(tx, ctx.farmId, row.id),
    });
  }

  updateProduct(ctx: FarmContext, ref: string, patch: ProductPatch, meta: RequestMeta) {
    return this.#writer.patch(ctx, meta, PRODUCT, {
      find: async (tx) => repo.product(tx, ctx.farmId, ref),
      apply: async (tx, current) => {
        if (patch.attributes) refuse(attributeProblems(patch.attributes));
        if (patch.family) await this.#familyOr(tx, ctx.farmId, patch.family);
        if (patch.sku !== undefined && patch.sku.toLowerCase() !== current.sku.toLowerCase())
          await this.#skuFree(tx, ctx.farmId, patch.sku);
        return {
          ...(patch.family !== undefined ? { family_id: patch.family } : {}),
          ...(patch.sku !== undefined ? { sku: patch.sku } : {}),
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.attributes !== undefined ? { attributes: patch.attributes } : {}),
          ...(patch.ready_days !== undefined ? { ready_days: patch.ready_days } : {}),
        };
      },
      answer: (tx, row) => this.#product(tx, ctx.farmId, row.id),
      changed: given(patch),
    });
  }

  deleteProduct(ctx: FarmContext, ref: string, meta: RequestMeta) {
    return this.#writer.remove(ctx, meta, PRODUCT, { find: (tx) => repo.product(tx, ctx.farmId, ref) });
  }

  async #product(tx: Tx, farmId: string, ref: string): Promise<ProductDetail> {
    const row = await repo.product(tx, farmId, ref);
    if (!row) throw notFound('Product', { ref });
    return row;
  }

  async #familyOr(tx: Tx, farmId: string, id: string): Promise<FamilyRow> {
    const family = await repo.byId(tx, 'product_families', farmId, id);
    if (!family) throw noSuch('product family', 'body.family');
    return family;
  }

  async #skuFree(tx: Tx, farmId: string, sku: string): Promise<void> {
    const other = await repo.product(tx, farmId, sku);
    if (other) throw taken('product', 'body.sku', sku, other.id);
  }

  // States

  async states(ctx: FarmContext, query: PageQuery): Promise<Paged<StateRow>> {
    const page = pageOf(query, ['number', 'string']);
    const rows = await this.#writer.farm(ctx, (tx) => repo.listStates(tx, ctx.farmId, page));
    return paged(rows, page.limit, (r) => [r.sort_order, r.code]);
  }

  state(ctx: FarmContext, ref: string): Promise<StateRow> {
    return this.#one(ctx, 'product_states', ref, 'Product state');
  }

  createState(ctx: FarmContext, input: NewState, meta: RequestMeta) {
    return this.#writer.create(ctx, meta, STATE, {
      clientId: input.id,
      prepare: async () => {
        const values = {
          code: input.code,
          name: input.name.trim(),
          sellable: input.sellable ?? false,
          sort_order: input.sort_order ?? 0,
        };
        return { request: input, values };
      },
      unique: (tx) => this.#coded(tx, 'product_states', ctx.farmId, input.code),
      answer: async (_tx, row) => row,
    });
  }

  updateState(ctx: FarmContext, ref: string, patch: StatePatch, meta: RequestMeta) {
    return this.#writer.patch(ctx, meta, STATE, {
      find: (tx) => repo.byRef(tx, 'product_states', ctx.farmId, ref),
      apply: async (tx, current) => {
        if (patch.code !== undefined && patch.code !== current.code)
          await this.#coded(tx, 'product_states', ctx.farmId, patch.code);
        return { ...patch, ...(patch.name !== undefined ? { name: patch.name.trim() } : {}) };
      },
      answer: async (_tx, row) => row,
      changed: given(patch),
    });
  }

  deleteState(ctx: FarmContext, ref: string, meta: RequestMeta) {
    return this.#writer.remove(ctx, meta, STATE, { find: (tx) => repo.byRef(tx, 'product_states', ctx.farmId, ref) });
  }

  // Sizes

  async sizes(ctx: FarmContext, query: PageQuery): Promise<Paged<SizeRow>> {
    const page = pageOf(query, ['string']);
    const rows = await this.#writer.farm(ctx, (tx) => repo.listSizes(tx, ctx.farmId, page));
    return paged(rows, page.limit, (r) => [r.code]);
  }

  size(ctx: FarmContext, ref: string): Promise<SizeRow> {
    return this.#one(ctx, 'product_sizes', ref, 'Product size');
  }

  createSize(ctx: FarmContext, input: NewSize, meta: RequestMeta) {
    return this.#writer.create(ctx, meta, SIZE, {
      clientId: input.id,
      prepare: async () => {
        const values = {
          code: input.code,
          name: input.name.trim(),
          min_height_cm: input.min_height_cm ?? null,
          max_height_cm: input.max_height_cm ?? null,
          ready_days: input.ready_days ?? null,
        };
        refuse(heightProblems(values.min_height_cm, values.max_height_cm));
        return { request: input, values };
      },
      unique: (tx) => this.#coded(tx, 'product_sizes', ctx.farmId, input.code),
      answer: async (_tx, row) => row,
    });
  }

  updateSize(ctx: FarmContext, ref: string, patch: SizePatch, meta: RequestMeta) {
    return this.#writer.patch(ctx, meta, SIZE, {
      find: (tx) => repo.byRef(tx, 'product_sizes', ctx.farmId, ref),
      apply: async (tx, current) => {
        refuse(
          heightProblems(
            patch.min_height_cm !== undefined ? patch.min_height_cm : current.min_height_cm,
            patch.max_height_cm !== undefined ? patch.max_height_cm : current.max_height_cm,
          ),
        );
        if (patch.code !== undefined && patch.code !== current.code)
          await this.#coded(tx, 'product_sizes', ctx.farmId, patch.code);
        return { ...patch, ...(patch.name !== undefined ? { name: patch.name.trim() } : {}) };
      },
      answer: async (_tx, row) => row,
      changed: given(patch),
    });
  }

  deleteSize(ctx: FarmContext, ref: string, meta: RequestMeta) {
    return this.#writer.remove(ctx, meta, SIZE, { find: (tx) => repo.byRef(tx, 'product_sizes', ctx.farmId, ref) });
  }

  async #one<N extends 'product_states' | 'product_sizes'>(ctx: FarmContext, table: N, ref: string, noun: string) {
    return this.#writer.farm(ctx, async (tx) => {
      const row = await repo.byRef(tx, table, ctx.farmId, ref);
      if (!row) throw notFound(noun, { ref });
      return row;
    });
  }

  async #coded(tx: Tx, table: 'product_states' | 'product_sizes', farmId: string, code: string): Promise<void> {
    const other = await repo.byRef(tx, table, farmId, code);
    if (other) throw taken(table === 'product_states' ? 'product state' : 'product size', 'body.code', code, other.id);
  }
}
