import { sql, type Insertable, type RawBuilder, type Selectable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import type { HarvestQualityTable, HarvestTable } from './harvests.tables.js';

export type HarvestRow = Selectable<HarvestTable>;
export type QualityRow = Selectable<HarvestQualityTable>;

export interface HarvestFilter {
  run?: string | undefined;
  plant?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** The last row of the page before: newest first by day, then id. */
  before?: { day: string; id: string } | undefined;
  limit: number;
}

/** Harvest batches and their quality assessments: the harvests module's SQL. */
export const harvestsRepository = {
  insert(tx: Tx, row: Insertable<HarvestTable>): Promise<HarvestRow | undefined> {
    return tx
      .insertInto('harvests')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  find(tx: Tx, farmId: string, id: string): Promise<HarvestRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return tx.selectFrom('harvests').selectAll().where('farm_id', '=', farmId).where('id', '=', id).executeTakeFirst();
  },

  list(tx: Tx, farmId: string, f: HarvestFilter): Promise<HarvestRow[]> {
    let q = tx.selectFrom('harvests').selectAll().where('farm_id', '=', farmId);
    if (f.run) q = q.where('run_id', '=', f.run);
    if (f.plant) q = q.where('plant_id', '=', f.plant);
    if (f.from) q = q.where('harvested_on', '>=', f.from);
    if (f.to) q = q.where('harvested_on', '<=', f.to);
    if (f.before) {
      const { day, id } = f.before;
      q = q.where((eb) =>
        eb.or([eb('harvested_on', '<', day), eb.and([eb('harvested_on', '=', day), eb('id', '<', id)])]),
      );
    }
    return q.orderBy('harvested_on', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  },

  /** Every batch of a run (its own and its plants'): what its yield sums. */
  ofRun(tx: Tx, farmId: string, runId: string): Promise<Array<Pick<HarvestRow, 'weight_g' | 'count'>>> {
    return tx
      .selectFrom('harvests')
      .select(['weight_g', 'count'])
      .where('farm_id', '=', farmId)
      .where('run_id', '=', runId)
      .execute();
  },

  /** Batches of these plants, or of these runs as a whole, taken on days from `from` until before `until`. */
  inside(
    tx: Tx,
    farmId: string,
    q: { plantIds: string[]; runIds: string[]; from: string; until: string },
  ): Promise<Array<Pick<HarvestRow, 'id' | 'harvested_on'>>> {
    const arms: Array<RawBuilder<boolean>> = [];
    if (q.plantIds.length > 0) arms.push(sql<boolean>`plant_id = any(${q.plantIds}::uuid[])`);
    if (q.runIds.length > 0) arms.push(sql<boolean>`(plant_id is null and run_id = any(${q.runIds}::uuid[]))`);
    if (arms.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('harvests')
      .select(['id', 'harvested_on'])
      .where('farm_id', '=', farmId)
      .where('harvested_on', '>=', q.from)
      .where('harvested_on', '<', q.until)
      .where((eb) => eb.or(arms))
      .orderBy('harvested_on')
      .orderBy('id')
      .execute();
  },

  async delete(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx.deleteFrom('harvests').where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  insertQuality(tx: Tx, row: Insertable<HarvestQualityTable>): Promise<QualityRow | undefined> {
    return tx
      .insertInto('harvest_quality')
      .values({ ...row, defects: JSON.stringify(row.defects) as unknown as QualityRow['defects'] })
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  findQuality(tx: Tx, farmId: string, id: string): Promise<QualityRow | undefined> {
    return tx
      .selectFrom('harvest_quality')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  /** The newest assessment of each batch named. */
  async latestQuality(tx: Tx, farmId: string, harvestIds: string[]): Promise<Map<string, QualityRow>> {
    if (harvestIds.length === 0) return new Map();
    const rows = await tx
      .selectFrom('harvest_quality')
      .selectAll()
      .distinctOn('harvest_id')
      .where('farm_id', '=', farmId)
      .where('harvest_id', 'in', harvestIds)
      .orderBy('harvest_id')
      .orderBy('seq', 'desc')
      .execute();
    return new Map(rows.map((r) => [r.harvest_id, r]));
  },
};
