import { Type, type Static, type TSchema } from 'typebox';
import { DateTime, FarmParams, Name, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import {
  AVAILABILITIES,
  CATEGORY_CODE,
  MAX_ATTRIBUTE_KEY,
  MAX_ATTRIBUTE_TEXT,
  MAX_ATTRIBUTES,
  MAX_HEIGHT_CM,
  MAX_PRICE_CENTS,
  MAX_READY_DAYS,
  MAX_UNITS_PER_BOX,
  SKU,
  STATE_CODE,
} from './products.engine.js';
import { MAX_CSV_ROWS, PRICE_COLUMNS, PRODUCT_COLUMNS } from './products.csv.js';

const pattern = (re: RegExp) => re.source;

const ClientId = Type.Optional(
  Type.String({ format: 'uuid', description: 'A client-made id: a resend with the same body makes nothing twice' }),
);
const Ref = (what: string) => Type.String({ minLength: 1, maxLength: 100, description: what });
const Cursor = Type.Optional(Type.String({ maxLength: 400, description: 'The next_cursor of the page before' }));
const ReadyDays = Type.Integer({ minimum: 0, maximum: MAX_READY_DAYS, description: 'Days from planting to ready' });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const CategoryCode = Type.String({
  pattern: pattern(CATEGORY_CODE),
  description: 'Capitals and digits (1–20): the first part of its prices’ SKUs',
  examples: ['CACT'],
});
const StateCode = Type.String({ pattern: pattern(STATE_CODE), description: 'Capitals, digits, _ and - (1–30)' });
const Sku = Type.String({
  pattern: pattern(SKU),
  description: 'Letters, digits, ".", "_" and "-" (1–64); unique in the farm whatever the case',
});
const Height = Type.Number({ minimum: 0, maximum: MAX_HEIGHT_CM, description: 'cm' });
const Measure = (unit: string) => Type.Number({ exclusiveMinimum: 0, maximum: 10_000, description: unit });
const Cents = (what: string) =>
  Type.Integer({ minimum: 1, maximum: MAX_PRICE_CENTS, description: `${what}, in whole cents (above 0)` });
const AttributeValue = Type.Union([Type.String({ maxLength: MAX_ATTRIBUTE_TEXT }), Type.Number(), Type.Boolean()]);
const Attributes = Type.Record(Type.String({ minLength: 1, maxLength: MAX_ATTRIBUTE_KEY }), AttributeValue, {
  maxProperties: MAX_ATTRIBUTES,
  description: 'Free attributes by name: text, numbers or booleans',
});
const StageBands = Type.Array(Type.Integer({ minimum: 1, maximum: MAX_READY_DAYS }), {
  minItems: 3,
  maxItems: 3,
  description:
    'Age in days below which a batch is a seedling, growing, mature (ready from the last on); each above the one before',
  examples: [[30, 90, 180]],
});
export const PACKAGING_TYPES = ['pot', 'tray', 'plug_tray', 'box', 'bag', 'other'] as const;
const Availability = OneOf([...AVAILABILITIES]);
const Times = { created_at: DateTime, updated_at: DateTime };

/** A body that changes something: at least one field, nothing unknown. */
const PatchOf = <T extends Record<string, TSchema>>(fields: T) =>
  Type.Object(fields, { additionalProperties: false, minProperties: 1 });
/** A new row's body: the fields, an optional client-made id, nothing unknown. */
const NewOf = <T extends Record<string, TSchema>>(fields: T) =>
  Type.Object({ id: ClientId, ...fields }, { additionalProperties: false });

export const RefParams = Type.Object({
  farm: FarmParams.properties.farm,
  ref: Ref('Its id, or its code (categories, states, sizes) or SKU (products, packaging, prices)'),
});
export const PageQuery = Type.Object({ limit: PageLimit(), cursor: Cursor });

// Categories

const categoryFields = {
  code: CategoryCode,
  name: Name,
  ready_days: Type.Optional(Nullable(ReadyDays)),
  stage_bands: Type.Optional(StageBands),
};
export const NewCategoryBody = NewOf(categoryFields);
export type NewCategory = Static<typeof NewCategoryBody>;
export const CategoryPatchBody = PatchOf({
  code: Type.Optional(CategoryCode),
  name: Type.Optional(Name),
  ready_days: Type.Optional(Nullable(ReadyDays)),
  stage_bands: Type.Optional(StageBands),
});
export type CategoryPatch = Static<typeof CategoryPatchBody>;
export const CategoryView = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  ready_days: Nullable(Type.Integer()),
  stage_bands: Type.Array(Type.Integer()),
  ...Times,
});
export const CategoryPage = Page(CategoryView);

// Families

const ScientificName = Nullable(Text(200));
const Species = Nullable(Ref('A species of the plant catalogue: its id or key'));
export const NewFamilyBody = NewOf({
  category: Ref('The category: its id or code'),
  name: Name,
  scientific_name: Type.Optional(ScientificName),
  species: Type.Optional(Species),
});
export type NewFamily = Static<typeof NewFamilyBody>;
export const FamilyPatchBody = PatchOf({
  category: Type.Optional(Ref('The category: its id or code')),
  name: Type.Optional(Name),
  scientific_name: Type.Optional(ScientificName),
  species: Type.Optional(Species),
});
export type FamilyPatch = Static<typeof FamilyPatchBody>;
export const FamilyQuery = Type.Object({
  category: Type.Optional(Ref('Only this category’s (id or code)')),
  limit: PageLimit(),
  cursor: Cursor,
});
export const FamilyView = Type.Object({
  id: Uuid,
  category_id: Uuid,
  name: Type.String(),
  scientific_name: Nullable(Type.String()),
  species_id: Nullable(Uuid),
  ...Times,
});
export const FamilyPage = Page(FamilyView);

// Products

export const NewProductBody = NewOf({
  family: Uuid,
  sku: Sku,
  name: Name,
  attributes: Type.Optional(Attributes),
  ready_days: Type.Optional(Nullable(ReadyDays)),
});
export type NewProduct = Static<typeof NewProductBody>;
export const ProductPatchBody = PatchOf({
  family: Type.Optional(Uuid),
  sku: Type.Optional(Sku),
  name: Type.Optional(Name),
  attributes: Type.Optional(Attributes),
  ready_days: Type.Optional(Nullable(ReadyDays)),
});
export type ProductPatch = Static<typeof ProductPatchBody>;
export const ProductQuery = Type.Object({
  family: Type.Optional(Uuid),
  category: Type.Optional(Ref('Only this category’s (id or code)')),
  limit: PageLimit(),
  cursor: Cursor,
});
export const ProductView = Type.Object({
  id: Uuid,
  family_id: Uuid,
  category_id: Uuid,
  category_code: Type.String(),
  sku: Type.String(),
  name: Type.String(),
  attributes: Type.Record(Type.String(), AttributeValue),
  ready_days: Nullable(Type.Integer({ description: 'The product’s own (null: its category’s)' })),
  effective_ready_days: Nullable(Type.Integer({ description: 'Its own, else its category’s' })),
  ...Times,
});
export const ProductPage = Page(ProductView);

// States and sizes

export const NewStateBody = NewOf({
  code: StateCode,
  name: Name,
  sellable: Type.Optional(Type.Boolean({ description: 'Plants in this state may be sold (default false)' })),
  sort_order: Type.Optional(Type.Integer({ minimum: -10_000, maximum: 10_000, description: 'Default 0' })),
});
export type NewState = Static<typeof NewStateBody>;
export const StatePatchBody = PatchOf({
  code: Type.Optional(StateCode),
  name: Type.Optional(Name),
  sellable: Type.Optional(Type.Boolean()),
  sort_order: Type.Optional(Type.Integer({ minimum: -10_000, maximum: 10_000 })),
});
export type StatePatch = Static<typeof StatePatchBody>;
export const StateView = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  sellable: Type.Boolean(),
  sort_order: Type.Integer(),
  ...Times,
});
export const StatePage = Page(StateView);

const sizeFields = {
  min_height_cm: Type.Optional(Nullable(Height)),
  max_height_cm: Type.Optional(Nullable(Height)),
  ready_days: Type.Optional(Nullable(ReadyDays)),
};
export const NewSizeBody = NewOf({ code: StateCode, name: Name, ...sizeFields });
export type NewSize = Static<typeof NewSizeBody>;
export const SizePatchBody = PatchOf({ code: Type.Optional(StateCode), name: Type.Optional(Name), ...sizeFields });
export type SizePatch = Static<typeof SizePatchBody>;
export const SizeView = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  min_height_cm: Nullable(Type.Number()),
  max_height_cm: Nullable(Type.Number()),
  ready_days: Nullable(Type.Integer()),
  ...Times,
});
export const SizePage = Page(SizeView);

// Packaging

const packagingFields = {
  material: Type.Optional(Nullable(Text(100))),
  colour: Type.Optional(Nullable(Text(100))),
  volume_l: Type.Optional(Nullable(Measure('litres'))),
  diameter_cm: Type.Optional(Nullable(Measure('cm'))),
  height_cm: Type.Optional(Nullable(Measure('cm'))),
  pot_code: Type.Optional(
    Nullable(Type.String({ minLength: 1, maxLength: 40, pattern: '^\\S(.*\\S)?$', examples: ['P3.5/18'] })),
  ),
};
const PackagingType = OneOf([...PACKAGING_TYPES]);
export const NewPackagingBody = NewOf({ sku: Sku, name: Name, type: PackagingType, ...packagingFields });
export type NewPackaging = Static<typeof NewPackagingBody>;
export const PackagingPatchBody = PatchOf({
  sku: Type.Optional(Sku),
  name: Type.Optional(Name),
  type: Type.Optional(PackagingType),
  ...packagingFields,
});
export type PackagingPatch = Static<typeof PackagingPatchBody>;
export const PackagingView = Type.Object({
  id: Uuid,
  sku: Type.String(),
  name: Type.String(),
  type: PackagingType,
  material: Nullable(Type.String()),
  colour: Nullable(Type.String()),
  volume_l: Nullable(Type.Number()),
  diameter_cm: Nullable(Type.Number()),
  height_cm: Nullable(Type.Number()),
  pot_code: Nullable(Type.String()),
  ...Times,
});
export const PackagingPage = Page(PackagingView);

// Prices

const priceFields = {
  wholesale_cents: Cents('The unit price to the trade'),
  retail_cents: Cents('The unit price to the public: at least the wholesale price'),
  units_per_box: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_UNITS_PER_BOX, description: 'Default 1' })),
  discount_pct: Type.Optional(
    Type.Number({ minimum: 0, maximum: 100, description: 'Percent off (0–100, two decimals at most); default 0' }),
  ),
  availability: Type.Optional(Availability),
};
export const NewPriceBody = NewOf({
  category: Ref('The category: its id or code'),
  packaging: Ref('The packaging: its id or SKU'),
  ...priceFields,
});
export type NewPrice = Static<typeof NewPriceBody>;
export const PricePatchBody = PatchOf({
  wholesale_cents: Type.Optional(priceFields.wholesale_cents),
  retail_cents: Type.Optional(priceFields.retail_cents),
  units_per_box: priceFields.units_per_box,
  discount_pct: priceFields.discount_pct,
  availability: priceFields.availability,
});
export type PricePatch = Static<typeof PricePatchBody>;
export const PriceQuery = Type.Object({
  category: Type.Optional(Ref('Only this category’s (id or code)')),
  packaging: Type.Optional(Ref('Only this packaging’s (id or SKU)')),
  availability: Type.Optional(Availability),
  limit: PageLimit(),
  cursor: Cursor,
});
const priceViewFields = {
  sku: Type.String({ description: '{CATEGORY_CODE}-{PACKAGING_SKU}' }),
  category_id: Uuid,
  category_code: Type.String(),
  packaging_id: Uuid,
  packaging_sku: Type.String(),
  wholesale_cents: Type.Integer(),
  retail_cents: Type.Integer(),
  units_per_box: Type.Integer(),
  box_price_cents: Type.Integer({ description: 'The wholesale unit price × units per box' }),
  discount_pct: Type.Number(),
  availability: Availability,
};
export const PriceView = Type.Object({ id: Uuid, ...priceViewFields, ...Times });
export const PricePage = Page(PriceView);

export const PriceListQuery = Type.Object({
  category: Type.Optional(Ref('Only this category’s (id or code)')),
  availability: Type.Optional(Availability),
  format: Type.Optional(OneOf(['json', 'csv'], { description: 'csv: the same rows as text/csv' })),
});
export const PriceListEntry = Type.Object({
  ...priceViewFields,
  category_name: Type.String(),
  packaging_name: Type.String(),
  pot_code: Nullable(Type.String()),
  discounted_wholesale_cents: Type.Integer({ description: 'Rounded half up to a whole cent' }),
  discounted_retail_cents: Type.Integer(),
  discounted_box_price_cents: Type.Integer(),
});
export const PriceList = Type.Object({ data: Type.Array(PriceListEntry) });

// CSV

export const ProductCsv = Type.String({
  maxLength: 5 * 1024 * 1024,
  description: `text/csv with a header: ${PRODUCT_COLUMNS.join(',')} (ready_days and attributes optional; attributes a JSON object); at most ${MAX_CSV_ROWS} rows`,
});
export const PriceCsv = Type.String({
  maxLength: 5 * 1024 * 1024,
  description: `text/csv with a header: ${PRICE_COLUMNS.join(',')} (the last three optional); at most ${MAX_CSV_ROWS} rows`,
});
export const ImportView = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  families_created: Type.Optional(Type.Integer({ description: 'Products: families the file named that were made' })),
});
export type ImportResult = Static<typeof ImportView>;
