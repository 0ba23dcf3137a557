import type { Generated, Selectable } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';

export const FERTILIZER_TYPES = [
  'base',
  'supplement',
  'booster',
  'calmag',
  'silicate',
  'ph_adjuster',
  'organic',
  'biological',
] as const;
export type FertilizerType = (typeof FERTILIZER_TYPES)[number];
export const FORMS = ['liquid', 'powder'] as const;
export type Form = (typeof FORMS)[number];
export const PH_EFFECTS = ['acidic', 'neutral', 'alkaline'] as const;
export type PhEffect = (typeof PH_EFFECTS)[number];
/** How a solution reaches the plant. */
export const CHANNELS = ['fertigation', 'drench', 'foliar', 'top_dress'] as const;
export type Channel = (typeof CHANNELS)[number];
export const STOCK_KINDS = ['received', 'used', 'counted'] as const;
export type StockKind = (typeof STOCK_KINDS)[number];

export interface FertilizerTable {
  id: Generated<string>;
  /** Null for the global rows that ship with Croft. */
  farm_id: string | null;
  key: string | null;
  product: string;
  brand: Generated<string>;
  type: FertilizerType;
  form: Form;
  npk_n: Generated<number>;
  npk_p: Generated<number>;
  npk_k: Generated<number>;
  ec_per_unit: Generated<number>;
  ec_uncertain: Generated<boolean>;
  max_dose_per_l: number;
  mixing_priority: Generated<number>;
  ph_effect: Generated<PhEffect>;
  tank_safe: Generated<boolean>;
  foliar_only: Generated<boolean>;
  channels: Generated<Channel[]>;
  contains_calcium: Generated<boolean>;
  contains_sulfate: Generated<boolean>;
  contains_phosphate: Generated<boolean>;
  contains_silicate: Generated<boolean>;
  contains_chelated_iron: Generated<boolean>;
  notes: Generated<string>;
  request_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  retired_at: Timestamp | null;
}
export type FertilizerRow = Selectable<FertilizerTable>;

export interface FertilizerSeedStateTable {
  id: Generated<boolean>;
  content_hash: string;
  loaded_at: Timestamp;
  counts: Record<string, unknown>;
}

export interface FertilizerStockMovementTable {
  id: Generated<string>;
  farm_id: string;
  fertilizer_id: string;
  kind: StockKind;
  quantity: number;
  delta: number;
  on_hand_after: number;
  at: Timestamp;
  note: Generated<string>;
  user_id: string | null;
  request_hash: string | null;
  created_at: Timestamp;
}
export type StockMovementRow = Selectable<FertilizerStockMovementTable>;

declare module '../../platform/db/schema.js' {
  interface DB {
    fertilizers: FertilizerTable;
    fertilizer_seed_state: FertilizerSeedStateTable;
    fertilizer_stock_movements: FertilizerStockMovementTable;
  }
}
