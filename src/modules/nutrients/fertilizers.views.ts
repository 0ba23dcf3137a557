import { doseUnitOf, unitOf } from './fertilizers.engine.js';
import type { FertilizerRow, StockMovementRow } from './fertilizers.tables.js';

/** A fertilizer as the API answers it, with the farm's amount on hand. */
export const fertilizerView = (row: FertilizerRow, onHand: number) => ({
  id: row.id,
  origin: row.farm_id === null ? ('global' as const) : ('farm' as const),
  key: row.key,
  product: row.product,
  brand: row.brand,
  type: row.type,
  form: row.form,
  dose_unit: doseUnitOf(row.form),
  npk: { n: row.npk_n, p: row.npk_p, k: row.npk_k },
  ec_per_unit: row.ec_per_unit,
  ec_uncertain: row.ec_uncertain,
  max_dose_per_l: row.max_dose_per_l,
  mixing_priority: row.mixing_priority,
  ph_effect: row.ph_effect,
  tank_safe: row.tank_safe,
  foliar_only: row.foliar_only,
  channels: row.channels,
  contains: {
    calcium: row.contains_calcium,
    sulfate: row.contains_sulfate,
    phosphate: row.contains_phosphate,
    silicate: row.contains_silicate,
    chelated_iron: row.contains_chelated_iron,
  },
  notes: row.notes,
  stock: { on_hand: onHand, unit: unitOf(row.form) },
  retired: row.retired_at !== null,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

export const stockMovementView = (row: StockMovementRow, form: FertilizerRow['form']) => ({
  id: row.id,
  fertilizer_id: row.fertilizer_id,
  kind: row.kind,
  quantity: row.quantity,
  delta: row.delta,
  on_hand_after: row.on_hand_after,
  unit: unitOf(form),
  at: row.at.toISOString(),
  note: row.note,
  user_id: row.user_id,
  created_at: row.created_at.toISOString(),
});
