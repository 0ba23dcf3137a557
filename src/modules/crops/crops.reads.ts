import type { Tx } from '../../platform/db/database.js';
import { catalogReads } from '../catalog/index.js';
import { locationReads } from '../locations/index.js';
import { sql } from 'kysely';
import { cropsRepository } from './crops.repository.js';
import type { RunStatus } from './crops.tables.js';
import { expectedChanges } from './expected.engine.js';

/** A plant's expected entry into a later phase, by the phases' day rules. */
export interface ExpectedPhaseChange {
  plantId: string;
  label: string;
  run: { id: string; name: string } | null;
  species: { id: string; scientificName: string };
  from: string;
  to: string;
  /** YYYY-MM-DD, farm-local: the first day in `to`. */
  on: string;
}

/** A plant as other modules see it. */
export interface PlantRef {
  id: string;
  label: string;
  runId: string | null;
  locationId: string | null;
  /** YYYY-MM-DD */
  plantedOn: string;
  removedOn: string | null;
}

/** A planting run as other modules see it. */
export interface RunRef {
  id: string;
  name: string;
  status: RunStatus;
  locationId: string | null;
  startedAt: Date | null;
}

/** Where a plant stood on a day, as the plant-protection rules read it. */
export interface PlantPlace {
  id: string;
  runId: string | null;
  locationId: string | null;
}

/** Reads of plants that other modules make inside their own transaction. */
export const cropReads = {
  /** A plant of the farm by id or label (undefined: none, or another farm's). */
  async plant(tx: Tx, farmId: string, ref: string): Promise<PlantRef | undefined> {
    const row = await cropsRepository.findPlant(tx, farmId, ref);
    return row
      ? {
          id: row.id,
          label: row.label,
          runId: row.run_id,
          locationId: row.location_id,
          plantedOn: row.planted_on,
          removedOn: row.removed_on,
        }
      : undefined;
  },

  /** A planting run of the farm (undefined: none, or another farm's). */
  async run(tx: Tx, farmId: string, id: string): Promise<RunRef | undefined> {
    const row = await cropsRepository.findRun(tx, farmId, id);
    return row
      ? { id: row.id, name: row.name, status: row.status, locationId: row.location_id, startedAt: row.started_at }
      : undefined;
  },

  /** How many plants a run ever had, removed ones included (what its harvests came from). */
  async runPlantsEver(tx: Tx, farmId: string, runId: string): Promise<number> {
    const row = await tx
      .selectFrom('plants')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('farm_id', '=', farmId)
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    return row.n;
  },

  /**
   * The phase changes the farm's active plants are expected to make through the farm-local day
   * `through` (expected.engine.ts: day rules only, each plant followed phase by phase), ordered by day
   * and plant label.
   */
  async expectedPhaseChanges(
    tx: Tx,
    farmId: string,
    q: { timeZone: string; through: string },
  ): Promise<ExpectedPhaseChange[]> {
    const plants = await cropsRepository.growingPlants(tx, farmId);
    const species = await catalogReads.speciesForGrowth(tx, [...new Set(plants.map((p) => p.species_id))]);
    const runs = new Map<string, { id: string; name: string } | null>();
    const changes: ExpectedPhaseChange[] = [];
    for (const plant of plants) {
      const sp = species.get(plant.species_id);
      const phase = sp?.sequence.phases.find((p) => p.id === plant.phase_id);
      if (!sp || !phase || !plant.phase_started_at) continue;
      const ahead = expectedChanges({
        sequence: sp.sequence,
        currentKey: phase.key,
        startedAt: plant.phase_started_at,
        timeZone: q.timeZone,
        through: q.through,
      });
      if (ahead.length === 0) continue;
      let run: { id: string; name: string } | null = null;
      if (plant.run_id) {
        if (!runs.has(plant.run_id)) {
          const row = await cropsRepository.findRun(tx, farmId, plant.run_id);
          runs.set(plant.run_id, row ? { id: row.id, name: row.name } : null);
        }
        run = runs.get(plant.run_id) ?? null;
      }
      for (const change of ahead)
        changes.push({
          plantId: plant.id,
          label: plant.label,
          run,
          species: { id: sp.id, scientificName: sp.scientificName },
          ...change,
        });
    }
    return changes.sort((a, b) => (a.on !== b.on ? (a.on < b.on ? -1 : 1) : a.label < b.label ? -1 : 1));
  },

  /**
   * The plants present on the farm-local day `day` (planted on or before it, not removed before it) of a
   * run, or standing anywhere under a location (the location itself included; a plant without a place of its
   * own stands where its run is).
   */
  plantsOn(
    tx: Tx,
    farmId: string,
    scope: { runId: string } | { locationId: string },
    day: string,
  ): Promise<PlantPlace[]> {
    let q = tx
      .selectFrom('plants')
      .select(['id', 'run_id as runId', 'location_id as locationId'])
      .where('farm_id', '=', farmId)
      .where('planted_on', '<=', day)
      .where((eb) => eb.or([eb('removed_on', 'is', null), eb('removed_on', '>=', day)]));
    if ('runId' in scope) q = q.where('run_id', '=', scope.runId);
    else {
      // A plant without a place of its own stands where its run is.
      const under = locationReads.subtreeIds(tx, farmId, scope.locationId);
      q = q.where((eb) =>
        eb.or([
          eb('location_id', 'in', under),
          eb.and([
            eb('location_id', 'is', null),
            eb(
              'run_id',
              'in',
              eb
                .selectFrom('planting_runs')
                .select('planting_runs.id')
                .where('planting_runs.farm_id', '=', farmId)
                .where('planting_runs.location_id', 'in', under),
            ),
          ]),
        ]),
      );
    }
    return q.orderBy('id').execute();
  },

  /**
   * The current phase keys (distinct, sorted) of the growing plants (not removed, in a phase) of one plant,
   * of a planting run, or on a location and every place under it.
   */
  async growingPhaseKeys(
    tx: Tx,
    farmId: string,
    of: { plantId: string } | { runId: string } | { locationId: string },
  ): Promise<string[]> {
    let query = tx
      .selectFrom('plants')
      .select(['species_id', 'phase_id'])
      .distinct()
      .where('farm_id', '=', farmId)
      .where('removed_on', 'is', null)
      .where('phase_id', 'is not', null);
    if ('plantId' in of) query = query.where('id', '=', of.plantId);
    else if ('runId' in of) query = query.where('run_id', '=', of.runId);
    else query = query.where('location_id', 'in', locationReads.subtreeIds(tx, farmId, of.locationId));
    const rows = await query.execute();
    const species = await catalogReads.speciesForGrowth(tx, [...new Set(rows.map((r) => r.species_id))]);
    const keys = new Set<string>();
    for (const row of rows) {
      const key = species.get(row.species_id)?.sequence.phases.find((p) => p.id === row.phase_id)?.key;
      if (key) keys.add(key);
    }
    return [...keys].sort();
  },

  /** The runs these plants belong to (distinct). */
  async runsOf(tx: Tx, farmId: string, plantIds: readonly string[]): Promise<string[]> {
    if (plantIds.length === 0) return [];
    const rows = await tx
      .selectFrom('plants')
      .select('run_id')
      .distinct()
      .where('farm_id', '=', farmId)
      .where(sql<boolean>`id = any(${[...new Set(plantIds)]}::uuid[])`)
      .where('run_id', 'is not', null)
      .execute();
    return rows.map((r) => r.run_id!);
  },
};
