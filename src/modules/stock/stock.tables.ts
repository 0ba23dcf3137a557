import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { BatchStatus, MovementType, ShortfallAs } from './stock.engine.js';

export type BinCategory = 'plug_tray' | 'seedling_tray' | 'box' | 'segment' | 'pot' | 'other';
export type MovementSource = 'manual' | 'ai';

export interface StockBinTypeTable {
  id: Generated<string>;
  farm_id: string;
  code: string;
  name: string;
  category: BinCategory;
  grid_rows: number | null;
  grid_columns: number | null;
  capacity: number | null;
  length_cm: number | null;
  width_cm: number | null;
  height_cm: number | null;
  grid: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StockBinTable {
  farm_id: string;
  location_id: string;
  bin_type_id: string;
  updated_at: Timestamp;
}

export interface StockConfigTable {
  farm_id: string;
  location_id: string;
  product_id: string;
  packaging_id: string;
  state_id: string | null;
  size_id: string | null;
  updated_at: Timestamp;
}

export interface StockSettingsTable {
  farm_id: string;
  count_shortfall_as: Generated<ShortfallAs>;
  updated_at: Timestamp;
}

export interface StockBatchTable {
  id: Generated<string>;
  farm_id: string;
  code: string;
  location_id: string;
  bin_id: string | null;
  product_id: string;
  packaging_id: string;
  state_id: string | null;
  size_id: string | null;
  initial_quantity: number;
  quantity: number;
  empty_containers: Generated<number>;
  quality: number | null;
  /** YYYY-MM-DD */
  planted_on: string | null;
  germinated_on: string | null;
  transplanted_on: string | null;
  ready_on: string | null;
  status: BatchStatus;
  closed_at: Timestamp | null;
  closed_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StockMovementTable {
  id: string;
  farm_id: string;
  batch_id: string;
  type: MovementType;
  source: MovementSource;
  quantity: number;
  from_bin_id: string | null;
  to_bin_id: string | null;
  unit_price_cents: number | null;
  total_price_cents: number | null;
  note: string | null;
  pair_id: string | null;
  user_id: string | null;
  occurred_at: Timestamp;
  recorded_at: Timestamp;
  request_hash: string | null;
}

export interface StockCountTable {
  id: string;
  farm_id: string;
  location_id: string;
  batch_id: string;
  counted: number;
  expected: number;
  difference: number;
  counted_at: Timestamp;
  source: MovementSource;
  recorded_as: ShortfallAs | null;
  user_id: string | null;
  recorded_at: Timestamp;
  request_hash: string;
}

export interface StockReconciliationTable {
  id: Generated<number>;
  farm_id: string;
  ran_at: Timestamp;
  batches: number;
  mismatches: unknown;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    stock_bin_types: StockBinTypeTable;
    stock_bins: StockBinTable;
    stock_configs: StockConfigTable;
    stock_settings: StockSettingsTable;
    stock_batches: StockBatchTable;
    stock_movements: StockMovementTable;
    stock_counts: StockCountTable;
    stock_reconciliations: StockReconciliationTable;
  }
}
