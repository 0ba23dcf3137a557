import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import { locationReads } from '../locations/index.js';
import type {
  PlantingRunTable,
  PlantPhaseHistoryTable,
  PlantTable,
  RunStatus,
  LocationClimateTable,
} from './crops.tables.js';

export type RunRow = Selectable<PlantingRunTable>;
export type PlantRow = Selectable<PlantTable>;
export type PhaseHistoryRow = Selectable<PlantPhaseHistoryTable>;
export type ClimateRow = Selectable<LocationClimateTable>;

export interface PlantFilter {
  location?: string | undefined;
  subtree?: boolean | undefined;
  species?: string | undefined;
  run?: string | undefined;
  phase?: string | undefined;
  /** Active plants only (not removed); default true. */
  active?: boolean | undefined;
  /** The label of the last plant of the previous page. */
  after?: string | undefined;
  limit: number;
}

/** Plants, planting runs, their phase history and location climate: the crops module's SQL. */
export const cropsRepository = {
  // Runs

  async insertRun(tx: Tx, row: Insertable<PlantingRunTable>): Promise<RunRow | undefined> {
    return tx
      .insertInto('planting_runs')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  findRun(tx: Tx, farmId: string, id: string): Promise<RunRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return tx
      .selectFrom('planting_runs')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  /** Locks a run for a change of its status or plants (two requests at once take turns). */
  lockRun(tx: Tx, farmId: string, id: string): Promise<RunRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return tx
      .selectFrom('planting_runs')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  },

  listRuns(
    tx: Tx,
    farmId: string,
    filter: { status?: RunStatus | undefined; before?: Date | undefined; limit: number },
  ) {
    let query = tx.selectFrom('planting_runs').selectAll().where('farm_id', '=', farmId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.before) query = query.where('created_at', '<', filter.before);
    return query.orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).execute();
  },

  updateRun(tx: Tx, farmId: string, id: string, patch: Updateable<PlantingRunTable>): Promise<RunRow | undefined> {
    return tx
      .updateTable('planting_runs')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  async deleteRun(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx.deleteFrom('planting_runs').where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  async runPlantCounts(tx: Tx, farmId: string, runIds: string[]): Promise<Map<string, number>> {
    if (runIds.length === 0) return new Map();
    const rows = await tx
      .selectFrom('plants')
      .select(['run_id', sql<number>`count(*)::int`.as('n')])
      .where('farm_id', '=', farmId)
      .where('run_id', 'in', runIds)
      .where('removed_on', 'is', null)
      .groupBy('run_id')
      .execute();
    return new Map(rows.map((r) => [r.run_id!, r.n]));
  },

  // Plants

  async insertPlants(tx: Tx, rows: Insertable<PlantTable>[]): Promise<PlantRow[]> {
    if (rows.length === 0) return [];
    return tx
      .insertInto('plants')
      .values(rows)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .execute();
  },

  /** A plant by id or label. */
  findPlant(tx: Tx, farmId: string, ref: string, lock = false): Promise<PlantRow | undefined> {
    let query = tx.selectFrom('plants').selectAll().where('farm_id', '=', farmId);
    query = isUuid(ref) ? query.where('id', '=', ref) : query.where('label', '=', ref.toUpperCase());
    return (lock ? query.forUpdate() : query).executeTakeFirst();
  },

  plantsByIds(tx: Tx, farmId: string, ids: string[]): Promise<PlantRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return tx.selectFrom('plants').selectAll().where('farm_id', '=', farmId).where('id', 'in', ids).execute();
  },

  listPlants(tx: Tx, farmId: string, filter: PlantFilter): Promise<PlantRow[]> {
    let query = tx.selectFrom('plants').selectAll().where('plants.farm_id', '=', farmId);
    if (filter.location) {
      query = filter.subtree
        ? query.where('location_id', 'in', locationReads.subtreeIds(tx, farmId, filter.location))
        : query.where('location_id', '=', filter.location);
    }
    if (filter.species) query = query.where('species_id', '=', filter.species);
    if (filter.run) query = query.where('run_id', '=', filter.run);
    if (filter.phase) query = query.where('phase_id', '=', filter.phase);
    if (filter.active ?? true) query = query.where('removed_on', 'is', null);
    if (filter.after) query = query.where('label', '>', filter.after);
    return query.orderBy('label').limit(filter.limit).execute();
  },

  /** The active plants of a run, locked for a move of them all. */
  runPlants(tx: Tx, farmId: string, runId: string): Promise<PlantRow[]> {
    return tx
      .selectFrom('plants')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('run_id', '=', runId)
      .where('removed_on', 'is', null)
      .orderBy('label')
      .forUpdate()
      .execute();
  },

  /** Every active plant of the farm with a phase: what the daily growth job looks at. */
  growingPlants(tx: Tx, farmId: string): Promise<PlantRow[]> {
    return tx
      .selectFrom('plants')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('removed_on', 'is', null)
      .where('phase_id', 'is not', null)
      .orderBy('label')
      .execute();
  },

  /** Labels starting with `prefix` in the farm (for the next free numbers). */
  async labelsStartingWith(tx: Tx, farmId: string, prefix: string): Promise<Set<string>> {
    const rows = await tx
      .selectFrom('plants')
      .select('label')
      .where('farm_id', '=', farmId)
      .where('label', 'like', `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
      .execute();
    return new Set(rows.map((r) => r.label));
  },

  updatePlant(tx: Tx, farmId: string, id: string, patch: Updateable<PlantTable>): Promise<PlantRow | undefined> {
    return tx
      .updateTable('plants')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  async deletePlant(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx.deleteFrom('plants').where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  /** Which of these locations hold an active plant. */
  async occupied(tx: Tx, farmId: string, locationIds: string[]): Promise<Set<string>> {
    if (locationIds.length === 0) return new Set();
    const rows = await tx
      .selectFrom('plants')
      .select('location_id')
      .distinct()
      .where('farm_id', '=', farmId)
      .where('location_id', 'in', locationIds)
      .where('removed_on', 'is', null)
      .execute();
    return new Set(rows.map((r) => r.location_id!));
  },

  /** A plant's mothers up the line (nearest first) or its clones down (any depth, breadth first). */
  async lineage(
    tx: Tx,
    farmId: string,
    id: string,
    direction: 'ancestors' | 'descendants',
  ): Promise<Array<PlantRow & { depth: number }>> {
    const step =
      direction === 'ancestors'
        ? sql`join plants p on p.farm_id = l.farm_id and p.id = l.mother_id`
        : sql`join plants p on p.farm_id = l.farm_id and p.mother_id = l.id`;
    // depth < 1000: a cycle cannot be made through the API, and the bound keeps a broken row from looping.
    const { rows } = await sql<PlantRow & { depth: number }>`
      with recursive l as (
        select p.*, 0 as depth from plants p where p.farm_id = ${farmId} and p.id = ${id}
        union all
        select p.*, l.depth + 1 from l ${step} where l.depth < 1000
      )
      select * from l where depth > 0 order by depth, label`.execute(tx);
    return rows;
  },

  // Phase history

  async insertHistory(tx: Tx, row: Insertable<PlantPhaseHistoryTable>): Promise<PhaseHistoryRow | undefined> {
    return tx
      .insertInto('plant_phase_history')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  async insertHistories(tx: Tx, rows: Insertable<PlantPhaseHistoryTable>[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.insertInto('plant_phase_history').values(rows).execute();
  },

  /** Closes a plant's open history row. */
  async closeHistory(tx: Tx, farmId: string, plantId: string, exitedAt: Date, durationDays: number): Promise<void> {
    await tx
      .updateTable('plant_phase_history')
      .set({ exited_at: exitedAt, duration_days: durationDays })
      .where('farm_id', '=', farmId)
      .where('plant_id', '=', plantId)
      .where('exited_at', 'is', null)
      .execute();
  },

  history(tx: Tx, farmId: string, plantId: string): Promise<PhaseHistoryRow[]> {
    return tx
      .selectFrom('plant_phase_history')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('plant_id', '=', plantId)
      .orderBy('entered_at')
      .orderBy('cycle')
      .execute();
  },

  /** The moves made with a client-made id (one row per plant it moved). */
  historyByClientId(tx: Tx, farmId: string, clientId: string): Promise<PhaseHistoryRow[]> {
    return tx
      .selectFrom('plant_phase_history')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('client_id', '=', clientId)
      .orderBy('plant_id')
      .execute();
  },

  // Location climate

  climate(tx: Tx, farmId: string, locationIds: string[]): Promise<ClimateRow[]> {
    if (locationIds.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('location_climate')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('location_id', 'in', locationIds)
      .execute();
  },

  async setClimate(tx: Tx, row: Insertable<LocationClimateTable>): Promise<void> {
    await tx
      .insertInto('location_climate')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['farm_id', 'location_id']).doUpdateSet({
          temperature_series_id: row.temperature_series_id ?? null,
          humidity_series_id: row.humidity_series_id ?? null,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  },

  // Target sources

  async targetSource(tx: Tx, farmId: string, locationId: string): Promise<string | undefined> {
    const row = await tx
      .selectFrom('location_target_sources')
      .select('run_id')
      .where('farm_id', '=', farmId)
      .where('location_id', '=', locationId)
      .executeTakeFirst();
    return row?.run_id;
  },

  async setTargetSource(tx: Tx, farmId: string, locationId: string, runId: string | null, at: Date): Promise<void> {
    if (runId === null) {
      await tx
        .deleteFrom('location_target_sources')
        .where('farm_id', '=', farmId)
        .where('location_id', '=', locationId)
        .execute();
      return;
    }
    await tx
      .insertInto('location_target_sources')
      .values({ farm_id: farmId, location_id: locationId, run_id: runId, updated_at: at })
      .onConflict((oc) => oc.columns(['farm_id', 'location_id']).doUpdateSet({ run_id: runId, updated_at: at }))
      .execute();
  },

  /** Active or harvesting runs with plants growing at the location or under it. */
  runsGrowingAt(tx: Tx, farmId: string, locationId: string): Promise<RunRow[]> {
    return tx
      .selectFrom('planting_runs')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('status', 'in', ['active', 'harvesting'])
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('plants')
            .select('plants.id')
            .whereRef('plants.run_id', '=', 'planting_runs.id')
            .where('plants.farm_id', '=', farmId)
            .where('plants.removed_on', 'is', null)
            .where('plants.location_id', 'in', locationReads.subtreeIds(tx, farmId, locationId)),
        ),
      )
      .orderBy('created_at')
      .orderBy('name')
      .execute();
  },

  /** How many of a run's active plants are in each phase. */
  async runPhases(tx: Tx, farmId: string, runId: string): Promise<Array<{ phase_id: string; n: number }>> {
    const rows = await tx
      .selectFrom('plants')
      .select(['phase_id', sql<number>`count(*)::int`.as('n')])
      .where('farm_id', '=', farmId)
      .where('run_id', '=', runId)
      .where('removed_on', 'is', null)
      .where('phase_id', 'is not', null)
      .groupBy('phase_id')
      .execute();
    return rows.map((r) => ({ phase_id: r.phase_id!, n: r.n }));
  },

  // The daily job

  /** Farms with growing plants (system scope: every farm). */
  async farmsGrowing(tx: Tx): Promise<string[]> {
    const rows = await tx
      .selectFrom('plants')
      .select('farm_id')
      .distinct()
      .where('removed_on', 'is', null)
      .where('phase_id', 'is not', null)
      .execute();
    return rows.map((r) => r.farm_id);
  },

  async dayDone(tx: Tx, farmId: string, day: string): Promise<boolean> {
    const row = await tx
      .selectFrom('growth_days')
      .select('day')
      .where('farm_id', '=', farmId)
      .where('day', '=', day)
      .executeTakeFirst();
    return row !== undefined;
  },

  async finishDay(tx: Tx, farmId: string, day: string, moved: number, at: Date): Promise<void> {
    await tx
      .insertInto('growth_days')
      .values({ farm_id: farmId, day, moved, finished_at: at })
      .onConflict((oc) => oc.columns(['farm_id', 'day']).doNothing())
      .execute();
  },

  /** Whether the plant was already moved automatically for this day. */
  async movedOn(tx: Tx, farmId: string, plantId: string, day: string): Promise<boolean> {
    const row = await tx
      .selectFrom('plant_phase_history')
      .select('id')
      .where('farm_id', '=', farmId)
      .where('plant_id', '=', plantId)
      .where('auto_day', '=', day)
      .executeTakeFirst();
    return row !== undefined;
  },
};
