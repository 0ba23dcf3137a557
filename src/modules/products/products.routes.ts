import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { csvText } from './products.csv.js';
import type { ProductCsvService } from './product-csv.service.js';
import type { PricesService } from './prices.service.js';
import {
  CategoryPage,
  CategoryPatchBody,
  CategoryView,
  FamilyPage,
  FamilyPatchBody,
  FamilyQuery,
  FamilyView,
  ImportView,
  NewCategoryBody,
  NewFamilyBody,
  NewPackagingBody,
  NewPriceBody,
  NewProductBody,
  NewSizeBody,
  NewStateBody,
  PackagingPage,
  PackagingPatchBody,
  PackagingView,
  PageQuery,
  PriceCsv,
  PriceList,
  PriceListQuery,
  PricePage,
  PricePatchBody,
  PriceQuery,
  PriceView,
  ProductCsv,
  ProductPage,
  ProductPatchBody,
  ProductQuery,
  ProductView,
  RefParams,
  SizePage,
  SizePatchBody,
  SizeView,
  StatePage,
  StatePatchBody,
  StateView,
} from './products.schemas.js';
import type { Paged, ProductsService } from './products.service.js';
import {
  PRICE_LIST_COLUMNS,
  categoryView,
  familyView,
  packagingView,
  priceListEntry,
  priceView,
  productView,
  sizeView,
  stateView,
} from './products.views.js';

const TAGS = { tags: ['products'] };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };
const WRITE = { ...TAGS, 'x-permission': 'config.write' as const };
const FARM = '/api/v1/farms/:farm';
/** An import's largest file: 10,000 lines of a wide product list fit. */
const CSV_BODY_LIMIT = 5 * 1024 * 1024;

/** One kind of row's five routes: list, one, create (client-made id), change, delete. */
interface Resource<Row, New extends TSchema, Patch extends TSchema, Query extends TSchema> {
  path: string;
  /** "product category", "product categories" */
  noun: string;
  plural: string;
  /** What a path's `{ref}` may be besides the id. */
  ref: string;
  schemas: { New: New; Patch: Patch; Query: Query; View: TSchema; Page: TSchema };
  /** Extra words on the list, the create and the delete (sort order, rules, what blocks a delete). */
  notes: { list: string; create: string; remove: string };
  view: (row: Row) => unknown;
  list: (ctx: FarmContext, query: Static<Query>) => Promise<Paged<Row>>;
  one: (ctx: FarmContext, ref: string) => Promise<Row>;
  create: (ctx: FarmContext, body: Static<New>, meta: RequestMeta) => Promise<{ row: Row; created: boolean }>;
  update: (ctx: FarmContext, ref: string, body: Static<Patch>, meta: RequestMeta) => Promise<Row>;
  remove: (ctx: FarmContext, ref: string, meta: RequestMeta) => Promise<void>;
}

type Req = FastifyRequest<{ Params: { ref: string }; Body: unknown; Querystring: unknown }>;

/**
 * Registers a resource's routes. The handlers are typed by the resource's own functions; Fastify's
 * type provider cannot follow schemas passed in as arguments, hence the plain instance here.
 */
function resource<Row, New extends TSchema, Patch extends TSchema, Query extends TSchema>(
  app: FastifyInstance,
  r: Resource<Row, New, Patch, Query>,
): void {
  const one = `${r.path}/:ref`;
  const { New, Patch, Query, View, Page } = r.schemas;
  app.get(
    r.path,
    {
      schema: {
        ...READ,
        summary: `The farm’s ${r.plural}, ${r.notes.list}`,
        params: FarmParams,
        querystring: Query,
        response: { 200: Page },
      },
    },
    async (request: Req) => {
      const page = await r.list(farmOf(request), request.query as Static<Query>);
      return { data: page.rows.map(r.view), next_cursor: page.nextCursor };
    },
  );
  app.get(
    one,
    { schema: { ...READ, summary: `One ${r.noun}, by id or ${r.ref}`, params: RefParams, response: { 200: View } } },
    async (request: Req) => r.view(await r.one(farmOf(request), request.params.ref)),
  );
  app.post(
    r.path,
    {
      schema: {
        ...WRITE,
        summary: `Add a ${r.noun}${r.notes.create ? ` (${r.notes.create})` : ''}`,
        params: FarmParams,
        body: New,
        response: { 201: View, ...idempotentAnswers(View) },
      },
    },
    async (request: Req, reply: FastifyReply) => {
      const { row, created } = await r.create(farmOf(request), request.body as Static<New>, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(r.view(row));
    },
  );
  app.patch(
    one,
    { schema: { ...WRITE, summary: `Change a ${r.noun}`, params: RefParams, body: Patch, response: { 200: View } } },
    async (request: Req) =>
      r.view(await r.update(farmOf(request), request.params.ref, request.body as Static<Patch>, metaOf(request))),
  );
  app.delete(
    one,
    {
      schema: {
        ...WRITE,
        summary: `Delete a ${r.noun} (409 IN_USE while ${r.notes.remove})`,
        params: RefParams,
        response: { 204: Type.Null() },
      },
    },
    async (request: Req, reply: FastifyReply) => {
      await r.remove(farmOf(request), request.params.ref, metaOf(request));
      return reply.code(204).send(null);
    },
  );
}

/**
 * The nursery's sellable catalogue under `/api/v1/farms/{farm}/`: product categories, families and
 * products, product states and sizes, packaging, prices and the price list; products and prices also
 * as CSV. Everyone in the farm reads; managers write.
 */
export const productsRoutes: FastifyPluginAsyncTypebox<{
  products: ProductsService;
  productPrices: PricesService;
  productCsv: ProductCsvService;
}> = async (app, deps) => {
  const { products, productPrices: prices, productCsv } = deps;
  // CSV bodies arrive as text; the service reads them (this plugin's routes only).
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const plain = app as unknown as FastifyInstance;

  resource(plain, {
    path: `${FARM}/product-categories`,
    noun: 'product category',
    plural: 'product categories',
    ref: 'code',
    schemas: {
      New: NewCategoryBody,
      Patch: CategoryPatchBody,
      Query: PageQuery,
      View: CategoryView,
      Page: CategoryPage,
    },
    notes: {
      list: 'by code',
      create: 'its code capitals and digits, unique in the farm; stage bands ascending, default [30, 90, 180]',
      remove: 'a family or a price is of it',
    },
    view: categoryView,
    list: (ctx, q) => products.categories(ctx, q),
    one: (ctx, ref) => products.category(ctx, ref),
    create: (ctx, body, meta) => products.createCategory(ctx, body, meta),
    update: (ctx, ref, body, meta) => products.updateCategory(ctx, ref, body, meta),
    remove: (ctx, ref, meta) => products.deleteCategory(ctx, ref, meta),
  });

  resource(plain, {
    path: `${FARM}/product-families`,
    noun: 'product family',
    plural: 'product families',
    ref: 'nothing else',
    schemas: { New: NewFamilyBody, Patch: FamilyPatchBody, Query: FamilyQuery, View: FamilyView, Page: FamilyPage },
    notes: {
      list: 'by name; ?category= one category’s',
      create: 'its name unique in its category; species: a plant-catalogue species by id or key',
      remove: 'a product is of it',
    },
    view: familyView,
    list: (ctx, q) => products.families(ctx, q),
    one: (ctx, ref) => products.family(ctx, ref),
    create: (ctx, body, meta) => products.createFamily(ctx, body, meta),
    update: (ctx, ref, body, meta) => products.updateFamily(ctx, ref, body, meta),
    remove: (ctx, ref, meta) => products.deleteFamily(ctx, ref, meta),
  });

  // Static paths win over `products/{ref}`: a product with the SKU export.csv is still reached by its id.
  app.post(
    `${FARM}/products/import`,
    {
      bodyLimit: CSV_BODY_LIMIT,
      schema: {
        ...WRITE,
        summary:
          'Create or update products from CSV, by SKU; a family the file names is made in its category when missing. ' +
          'All or nothing: any bad line → 400 CSV_INVALID with details.errors [{line, field, code, message}] (the header is line 1)',
        consumes: ['text/csv'],
        params: FarmParams,
        body: ProductCsv,
        response: { 200: ImportView },
      },
    },
    async (request) => productCsv.importProducts(farmOf(request), request.body, metaOf(request)),
  );

  app.get(
    `${FARM}/products/export.csv`,
    {
      schema: {
        ...READ,
        summary: 'Every product as the CSV the import reads (an export imports back unchanged)',
        params: FarmParams,
        response: { 200: csvAnswer(ProductCsv) },
      },
    },
    async (request, reply) => csvReply(reply, 'products.csv').send(await productCsv.exportProducts(farmOf(request))),
  );

  resource(plain, {
    path: `${FARM}/products`,
    noun: 'product',
    plural: 'products',
    ref: 'SKU',
    schemas: {
      New: NewProductBody,
      Patch: ProductPatchBody,
      Query: ProductQuery,
      View: ProductView,
      Page: ProductPage,
    },
    notes: {
      list: 'by SKU; ?family=, ?category= (id or code)',
      create: 'its SKU unique in the farm whatever the case; ready_days null: its category’s',
      remove: 'stock refers to it',
    },
    view: productView,
    list: (ctx, q) => products.products(ctx, q),
    one: (ctx, ref) => products.product(ctx, ref),
    create: (ctx, body, meta) => products.createProduct(ctx, body, meta),
    update: (ctx, ref, body, meta) => products.updateProduct(ctx, ref, body, meta),
    remove: (ctx, ref, meta) => products.deleteProduct(ctx, ref, meta),
  });

  resource(plain, {
    path: `${FARM}/product-states`,
    noun: 'product state',
    plural: 'product states',
    ref: 'code',
    schemas: { New: NewStateBody, Patch: StatePatchBody, Query: PageQuery, View: StateView, Page: StatePage },
    notes: { list: 'by sort order, then code', create: 'its code unique in the farm', remove: 'stock refers to it' },
    view: stateView,
    list: (ctx, q) => products.states(ctx, q),
    one: (ctx, ref) => products.state(ctx, ref),
    create: (ctx, body, meta) => products.createState(ctx, body, meta),
    update: (ctx, ref, body, meta) => products.updateState(ctx, ref, body, meta),
    remove: (ctx, ref, meta) => products.deleteState(ctx, ref, meta),
  });

  resource(plain, {
    path: `${FARM}/product-sizes`,
    noun: 'product size',
    plural: 'product sizes',
    ref: 'code',
    schemas: { New: NewSizeBody, Patch: SizePatchBody, Query: PageQuery, View: SizeView, Page: SizePage },
    notes: {
      list: 'by code',
      create: 'its code unique in the farm; min_height_cm ≤ max_height_cm, either may be open',
      remove: 'stock refers to it',
    },
    view: sizeView,
    list: (ctx, q) => products.sizes(ctx, q),
    one: (ctx, ref) => products.size(ctx, ref),
    create: (ctx, body, meta) => products.createSize(ctx, body, meta),
    update: (ctx, ref, body, meta) => products.updateSize(ctx, ref, body, meta),
    remove: (ctx, ref, meta) => products.deleteSize(ctx, ref, meta),
  });

  resource(plain, {
    path: `${FARM}/packaging`,
    noun: 'packaging',
    plural: 'packaging',
    ref: 'SKU',
    schemas: {
      New: NewPackagingBody,
      Patch: PackagingPatchBody,
      Query: PageQuery,
      View: PackagingView,
      Page: PackagingPage,
    },
    notes: {
      list: 'by SKU',
      create: 'its SKU unique in the farm whatever the case; type pot, tray, plug_tray, box, bag or other',
      remove: 'a price or stock refers to it',
    },
    view: packagingView,
    list: (ctx, q) => prices.packagingList(ctx, q),
    one: (ctx, ref) => prices.packaging(ctx, ref),
    create: (ctx, body, meta) => prices.createPackaging(ctx, body, meta),
    update: (ctx, ref, body, meta) => prices.updatePackaging(ctx, ref, body, meta),
    remove: (ctx, ref, meta) => prices.deletePackaging(ctx, ref, meta),
  });

  app.post(
    `${FARM}/prices/import`,
    {
      bodyLimit: CSV_BODY_LIMIT,
      schema: {
        ...WRITE,
        summary:
          'Create or update prices from CSV, by (category, packaging); both must exist. All or nothing: any bad line → ' +
          '400 CSV_INVALID with details.errors [{line, field, code, message}] (the header is line 1)',
        consumes: ['text/csv'],
        params: FarmParams,
        body: PriceCsv,
        response: { 200: ImportView },
      },
    },
    async (request) => productCsv.importPrices(farmOf(request), request.body, metaOf(request)),
  );

  app.get(
    `${FARM}/prices/export.csv`,
    {
      schema: {
        ...READ,
        summary: 'Every price as the CSV the import reads (an export imports back unchanged)',
        params: FarmParams,
        response: { 200: csvAnswer(PriceCsv) },
      },
    },
    async (request, reply) => csvReply(reply, 'prices.csv').send(await productCsv.exportPrices(farmOf(request))),
  );

  resource(plain, {
    path: `${FARM}/prices`,
    noun: 'price',
    plural: 'prices',
    ref: 'SKU ({CATEGORY_CODE}-{PACKAGING_SKU})',
    schemas: { New: NewPriceBody, Patch: PricePatchBody, Query: PriceQuery, View: PriceView, Page: PricePage },
    notes: {
      list: 'by SKU; ?category=, ?packaging=, ?availability=',
      create:
        'one per packaging and category; whole cents above 0, retail ≥ wholesale, discount 0–100 %; ' +
        'box price = wholesale × units per box',
      remove: 'never: nothing refers to a price',
    },
    view: priceView,
    list: (ctx, q) => prices.prices(ctx, q),
    one: (ctx, ref) => prices.price(ctx, ref),
    create: (ctx, body, meta) => prices.createPrice(ctx, body, meta),
    update: (ctx, ref, body, meta) => prices.updatePrice(ctx, ref, body, meta),
    remove: (ctx, ref, meta) => prices.deletePrice(ctx, ref, meta),
  });

  app.get(
    `${FARM}/price-list`,
    {
      schema: {
        ...READ,
        summary:
          'Every price by SKU with its category’s and packaging’s names, pot code, box price (wholesale × units per box) ' +
          'and discounted prices; ?format=csv the same rows as text/csv',
        params: FarmParams,
        querystring: PriceListQuery,
        response: {
          200: {
            description: 'The price list: JSON, or with ?format=csv the same rows as CSV',
            content: {
              'application/json': { schema: PriceList },
              'text/csv': { schema: Type.String({ description: 'A header, then one line a price' }) },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const entries = (await prices.priceList(farmOf(request), request.query)).map(priceListEntry);
      if (request.query.format !== 'csv') return { data: entries };
      const csv = csvText(
        PRICE_LIST_COLUMNS,
        entries.map((e) => PRICE_LIST_COLUMNS.map((c) => e[c])),
      );
      // The schema documents the JSON; a string with a CSV type is sent as it is.
      return csvReply(reply, 'price-list.csv').send(csv as unknown as Static<typeof PriceList>);
    },
  );
};

/** A 200 that is CSV text (errors stay JSON: the 4xx added to every route). */
function csvAnswer(schema: TSchema & { description?: string }) {
  return { description: schema.description ?? 'CSV', content: { 'text/csv': { schema } } };
}

function csvReply(reply: FastifyReply, name: string): FastifyReply {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`);
}
