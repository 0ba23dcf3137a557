import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';

export type PackagingType = 'pot' | 'tray' | 'plug_tray' | 'box' | 'bag' | 'other';
export type Availability = 'available' | 'out_of_stock' | 'discontinued';
/** A product's free attributes: text, numbers and booleans by name. */
export type Attributes = Record<string, string | number | boolean>;
/** Age in days below which a batch is a seedling, growing, mature (ready from the last on). */
export type StageBands = [seedling: number, growing: number, mature: number];

/** What every product table has: the farm's row id, the client-made id's request hash, the times. */
interface Row {
  id: Generated<string>;
  farm_id: string;
  request_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProductCategoryTable extends Row {
  code: string;
  name: string;
  ready_days: number | null;
  stage_bands: ColumnType<StageBands, StageBands | undefined, StageBands>;
}

export interface ProductFamilyTable extends Row {
  category_id: string;
  name: string;
  scientific_name: string | null;
  species_id: string | null;
}

export interface ProductTable extends Row {
  family_id: string;
  sku: string;
  name: string;
  // Written as JSON text: both backends send a parameter object that way (platform/db/types.ts).
  attributes: ColumnType<Attributes, Attributes | undefined, Attributes>;
  ready_days: number | null;
}

export interface ProductStateTable extends Row {
  code: string;
  name: string;
  sellable: Generated<boolean>;
  sort_order: Generated<number>;
}

export interface ProductSizeTable extends Row {
  code: string;
  name: string;
  min_height_cm: number | null;
  max_height_cm: number | null;
  ready_days: number | null;
}

export interface PackagingTable extends Row {
  sku: string;
  name: string;
  type: PackagingType;
  material: string | null;
  colour: string | null;
  volume_l: number | null;
  diameter_cm: number | null;
  height_cm: number | null;
  pot_code: string | null;
}

export interface PriceTable extends Row {
  category_id: string;
  packaging_id: string;
  wholesale_cents: number;
  retail_cents: number;
  units_per_box: Generated<number>;
  /** numeric(5,2), read as a number. */
  discount_pct: Generated<number>;
  availability: Generated<Availability>;
}

/** The products module's tables, by name. */
export interface ProductTables {
  product_categories: ProductCategoryTable;
  product_families: ProductFamilyTable;
  products: ProductTable;
  product_states: ProductStateTable;
  product_sizes: ProductSizeTable;
  packaging: PackagingTable;
  prices: PriceTable;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    product_categories: ProductCategoryTable;
    product_families: ProductFamilyTable;
    products: ProductTable;
    product_states: ProductStateTable;
    product_sizes: ProductSizeTable;
    packaging: PackagingTable;
    prices: PriceTable;
  }
}
