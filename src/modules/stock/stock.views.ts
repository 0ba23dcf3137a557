import { health, readiness } from './stock.engine.js';
import type { BatchRow, CountRow, MovementRow } from './stock.repository.js';

/** A batch as answered; readiness against the farm's local `today`. */
export const batchView = (b: BatchRow, today: string) => ({
  id: b.id,
  code: b.code,
  location_id: b.location_id,
  bin_id: b.bin_id,
  product_id: b.product_id,
  packaging_id: b.packaging_id,
  state_id: b.state_id,
  size_id: b.size_id,
  initial_quantity: b.initial_quantity,
  quantity: b.quantity,
  empty_containers: b.empty_containers,
  quality: b.quality,
  health: health(b.quality),
  planted_on: b.planted_on,
  germinated_on: b.germinated_on,
  transplanted_on: b.transplanted_on,
  ready_on: b.ready_on,
  readiness: readiness(b.ready_on, today),
  status: b.status,
  closed_at: b.closed_at?.toISOString() ?? null,
  created_at: b.created_at.toISOString(),
  updated_at: b.updated_at.toISOString(),
});

export const movementView = (m: MovementRow) => ({
  id: m.id,
  batch_id: m.batch_id,
  type: m.type,
  source: m.source,
  quantity: m.quantity,
  from_bin_id: m.from_bin_id,
  to_bin_id: m.to_bin_id,
  unit_price_cents: m.unit_price_cents,
  total_price_cents: m.total_price_cents,
  note: m.note,
  pair_id: m.pair_id,
  user_id: m.user_id,
  occurred_at: m.occurred_at.toISOString(),
  recorded_at: m.recorded_at.toISOString(),
});

export const recordedView = (r: { movement: MovementRow; batch: BatchRow }, today: string) => ({
  movement: movementView(r.movement),
  batch: batchView(r.batch, today),
});

export const countView = (r: { count: CountRow; movement: MovementRow | null; batch: BatchRow }, today: string) => ({
  id: r.count.id,
  location_id: r.count.location_id,
  batch: batchView(r.batch, today),
  counted: r.count.counted,
  expected: r.count.expected,
  difference: r.count.difference,
  counted_at: r.count.counted_at.toISOString(),
  recorded_as: r.count.recorded_as,
  movement: r.movement && movementView(r.movement),
});
