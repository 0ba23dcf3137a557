import { priceList, priceSku, readyDaysOf } from './products.engine.js';
import type {
  CategoryRow,
  FamilyRow,
  PackagingRow,
  PriceDetail,
  ProductDetail,
  SizeRow,
  StateRow,
} from './products.repository.js';

const times = (row: { created_at: Date; updated_at: Date }) => ({
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

export const categoryView = (c: CategoryRow) => ({
  id: c.id,
  code: c.code,
  name: c.name,
  ready_days: c.ready_days,
  stage_bands: c.stage_bands,
  ...times(c),
});

export const familyView = (f: FamilyRow) => ({
  id: f.id,
  category_id: f.category_id,
  name: f.name,
  scientific_name: f.scientific_name,
  species_id: f.species_id,
  ...times(f),
});

export const productView = (p: ProductDetail) => ({
  id: p.id,
  family_id: p.family_id,
  category_id: p.category_id,
  category_code: p.category_code,
  sku: p.sku,
  name: p.name,
  attributes: p.attributes,
  ready_days: p.ready_days,
  effective_ready_days: readyDaysOf(p.ready_days, p.category_ready_days),
  ...times(p),
});

export const stateView = (s: StateRow) => ({
  id: s.id,
  code: s.code,
  name: s.name,
  sellable: s.sellable,
  sort_order: s.sort_order,
  ...times(s),
});

export const sizeView = (s: SizeRow) => ({
  id: s.id,
  code: s.code,
  name: s.name,
  min_height_cm: s.min_height_cm,
  max_height_cm: s.max_height_cm,
  ready_days: s.ready_days,
  ...times(s),
});

export const packagingView = (k: PackagingRow) => ({
  id: k.id,
  sku: k.sku,
  name: k.name,
  type: k.type,
  material: k.material,
  colour: k.colour,
  volume_l: k.volume_l,
  diameter_cm: k.diameter_cm,
  height_cm: k.height_cm,
  pot_code: k.pot_code,
  ...times(k),
});

const priceFields = (r: PriceDetail) => ({
  sku: priceSku(r.category_code, r.packaging_sku),
  category_id: r.category_id,
  category_code: r.category_code,
  packaging_id: r.packaging_id,
  packaging_sku: r.packaging_sku,
  wholesale_cents: r.wholesale_cents,
  retail_cents: r.retail_cents,
  units_per_box: r.units_per_box,
  box_price_cents: priceList(r).box_price_cents,
  discount_pct: r.discount_pct,
  availability: r.availability,
});

export const priceView = (r: PriceDetail) => ({ id: r.id, ...priceFields(r), ...times(r) });

export const priceListEntry = (r: PriceDetail) => {
  const figures = priceList(r);
  return {
    ...priceFields(r),
    category_name: r.category_name,
    packaging_name: r.packaging_name,
    pot_code: r.pot_code,
    discounted_wholesale_cents: figures.discounted_wholesale_cents,
    discounted_retail_cents: figures.discounted_retail_cents,
    discounted_box_price_cents: figures.discounted_box_price_cents,
  };
};

/** The price list's columns as CSV, in the JSON entry's order. */
export const PRICE_LIST_COLUMNS = [
  'sku',
  'category_code',
  'category_name',
  'packaging_sku',
  'packaging_name',
  'pot_code',
  'wholesale_cents',
  'retail_cents',
  'units_per_box',
  'box_price_cents',
  'discount_pct',
  'discounted_wholesale_cents',
  'discounted_retail_cents',
  'discounted_box_price_cents',
  'availability',
] as const;
