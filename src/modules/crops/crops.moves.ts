import type { Tx } from '../../platform/db/database.js';
import { invalid, notFound, ruleViolation } from '../../platform/errors.js';
import type { LiveEvents } from '../../platform/live/events.js';
import { catalogReads, type GrowthPhase, type SpeciesForGrowth } from '../catalog/index.js';
import { locationReads, type LocationRow } from '../locations/index.js';
import { checkTransition, wholeDaysBetween } from './phases.engine.js';
import { cropsRepository, type PhaseHistoryRow, type PlantRow } from './crops.repository.js';
import type { PhaseReason } from './crops.tables.js';

/**
 * What the crops services share: a plant's phase move (the one way a phase changes, by hand or by
 * the daily job), the live event it makes, and look-ups that answer 404 or name the field.
 */

/** A plant with its current phase worked out (for views). */
export interface PlantWithPhase {
  plant: PlantRow;
  phase: (GrowthPhase & { startedAt: Date | null; daysInPhase: number | null }) | null;
}

export interface PhaseMove {
  to: string;
  force: boolean;
  note: string | null;
  at: Date;
  userId: string | null;
  clientId: string | null;
  requestHash: string | null;
  /** An automatic move: why, and the farm-local day it was made for. */
  auto?: { reason: PhaseReason; day: string };
}

export interface Moved {
  plant: PlantRow;
  history: PhaseHistoryRow;
  from: string | null;
}

/**
 * Moves a plant to `move.to` by the phase rules: closes the open history row (whole days), opens the
 * next, and a perennial restart starts a new cycle. Refuses what the rules refuse (422).
 */
export async function transition(
  tx: Tx,
  farmId: string,
  plant: PlantRow,
  species: SpeciesForGrowth,
  move: PhaseMove,
): Promise<Moved> {
  const phases = species.sequence.phases;
  const current = phases.find((p) => p.id === plant.phase_id) ?? null;
  const check = checkTransition({
    sequence: species.sequence,
    current: current && { key: current.key },
    target: move.to,
    force: move.force,
  });
  if (!check.ok)
    throw ruleViolation(check.code, `Plant ${plant.label}: ${check.reason}`, {
      plant: plant.label,
      from: current?.key ?? null,
      to: move.to,
      sequence: species.sequence.key,
    });
  const target = phases.find((p) => p.key === move.to)!;
  const cycle = check.kind === 'restart' ? plant.cycle + 1 : plant.cycle;
  if (plant.phase_started_at)
    await cropsRepository.closeHistory(
      tx,
      farmId,
      plant.id,
      move.at,
      wholeDaysBetween(plant.phase_started_at, move.at),
    );
  const reason: PhaseReason =
    move.auto?.reason ?? (check.kind === 'forced' ? 'forced' : check.kind === 'restart' ? 'restart' : 'manual');
  const history = (await cropsRepository.insertHistory(tx, {
    farm_id: farmId,
    plant_id: plant.id,
    phase_id: target.id,
    cycle,
    entered_at: move.at,
    exited_at: null,
    duration_days: null,
    reason,
    note: move.note,
    auto_day: move.auto?.day ?? null,
    user_id: move.userId,
    client_id: move.clientId,
    request_hash: move.requestHash,
  }))!;
  const updated = (await cropsRepository.updatePlant(tx, farmId, plant.id, {
    phase_id: target.id,
    phase_started_at: move.at,
    cycle,
    updated_at: move.at,
  }))!;
  return { plant: updated, history, from: current?.key ?? null };
}

/** A phase move on the farm's live channel (after the commit). */
export function announce(live: LiveEvents, farmId: string, moved: Moved): void {
  const { plant, history, from } = moved;
  live.farmEvent(farmId, {
    type: 'plant',
    change: 'phase',
    plant: plant.label,
    plant_id: plant.id,
    from,
    phase_id: history.phase_id,
    reason: history.reason,
    at: history.entered_at.toISOString(),
  });
}

/** A species with its sequence and phases; 404 when the farm does not see it. */
export async function growthOf(tx: Tx, speciesId: string): Promise<SpeciesForGrowth> {
  const species = (await catalogReads.speciesForGrowth(tx, [speciesId])).get(speciesId);
  if (!species) throw notFound('species', { id: speciesId });
  return species;
}

/** A location of the farm: 404 when named in the path (`path.…`), 400 naming the field otherwise. */
export async function locationOr(tx: Tx, farmId: string, id: string, field: string): Promise<LocationRow> {
  const location = await locationReads.find(tx, farmId, id);
  if (!location) {
    if (field.startsWith('path.')) throw notFound('location', { id });
    throw invalid('No such location in this farm', { fields: [{ field, message: 'no such location' }] });
  }
  return location;
}

/** A plant by id or label: 404 when named in the path, 400 naming the field when named in a body. */
export async function plantOr(tx: Tx, farmId: string, ref: string, field?: string, lock = false): Promise<PlantRow> {
  const plant = await cropsRepository.findPlant(tx, farmId, ref, lock);
  if (!plant) {
    if (field)
      throw invalid('No such plant in this farm', { fields: [{ field, message: 'no such plant (id or label)' }] });
    throw notFound('plant', { plant: ref });
  }
  return plant;
}

export function withPhase(plant: PlantRow, species: SpeciesForGrowth, now: Date): PlantWithPhase {
  const phase = species.sequence.phases.find((p) => p.id === plant.phase_id);
  if (!phase) return { plant, phase: null };
  const startedAt = plant.phase_started_at;
  return { plant, phase: { ...phase, startedAt, daysInPhase: startedAt ? wholeDaysBetween(startedAt, now) : null } };
}

/** Plants with their phases, species looked up once. */
export async function withPhases(tx: Tx, rows: PlantRow[], now: Date): Promise<PlantWithPhase[]> {
  const species = await catalogReads.speciesForGrowth(tx, [...new Set(rows.map((p) => p.species_id))]);
  return rows.map((p) => {
    const sp = species.get(p.species_id);
    return sp ? withPhase(p, sp, now) : { plant: p, phase: null };
  });
}
