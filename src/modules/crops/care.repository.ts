import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import type { CareKind } from './care.engine.js';
import type { PlantCareConfirmationTable, PlantCareProfileTable } from './care.tables.js';
import type { PlantRow } from './crops.repository.js';

export type CareProfileRow = Selectable<PlantCareProfileTable>;
export type CareConfirmationRow = Selectable<PlantCareConfirmationTable>;
/** What the care job reads of a plant. */
export type CaredPlant = Pick<PlantRow, 'id' | 'label' | 'species_id' | 'location_id' | 'phase_id'>;

/** Care profiles, confirmed care actions and the care job's days: the SQL of care reminders. */
export const careRepository = {
  profile(tx: Tx, farmId: string, plantId: string, lock = false): Promise<CareProfileRow | undefined> {
    const query = tx
      .selectFrom('plant_care_profiles')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('plant_id', '=', plantId);
    return (lock ? query.forUpdate() : query).executeTakeFirst();
  },

  async insertProfiles(tx: Tx, rows: Insertable<PlantCareProfileTable>[]): Promise<CareProfileRow[]> {
    if (rows.length === 0) return [];
    return tx.insertInto('plant_care_profiles').values(rows).returningAll().execute();
  },

  updateProfile(
    tx: Tx,
    farmId: string,
    plantId: string,
    patch: Updateable<PlantCareProfileTable>,
  ): Promise<CareProfileRow | undefined> {
    return tx
      .updateTable('plant_care_profiles')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('plant_id', '=', plantId)
      .returningAll()
      .executeTakeFirst();
  },

  async insertConfirmation(
    tx: Tx,
    row: Insertable<PlantCareConfirmationTable>,
  ): Promise<CareConfirmationRow | undefined> {
    return tx
      .insertInto('plant_care_confirmations')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  findConfirmation(tx: Tx, farmId: string, id: string): Promise<CareConfirmationRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return tx
      .selectFrom('plant_care_confirmations')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  /** The days a plant's care of one kind was confirmed, latest first. */
  async confirmedDays(tx: Tx, farmId: string, plantId: string, kind: CareKind, limit: number): Promise<string[]> {
    const rows = await tx
      .selectFrom('plant_care_confirmations')
      .select('day')
      .where('farm_id', '=', farmId)
      .where('plant_id', '=', plantId)
      .where('kind', '=', kind)
      .orderBy('at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.day);
  },

  /** The last day each kind was confirmed, per plant (all of the farm's plants, or these). */
  async lastDone(tx: Tx, farmId: string, plantIds?: string[]): Promise<Map<string, Partial<Record<CareKind, string>>>> {
    let query = tx
      .selectFrom('plant_care_confirmations')
      .select(['plant_id', 'kind', sql<string>`max(day)::text`.as('day')])
      .where('farm_id', '=', farmId);
    if (plantIds) {
      if (plantIds.length === 0) return new Map();
      query = query.where('plant_id', 'in', plantIds);
    }
    const rows = await query.groupBy(['plant_id', 'kind']).execute();
    const out = new Map<string, Partial<Record<CareKind, string>>>();
    for (const r of rows) out.set(r.plant_id, { ...out.get(r.plant_id), [r.kind]: r.day });
    return out;
  },

  /** The farm's cared-for plants: enabled profiles of plants not removed. */
  async caredFor(tx: Tx, farmId: string): Promise<Array<{ profile: CareProfileRow; plant: CaredPlant }>> {
    const rows = await tx
      .selectFrom('plant_care_profiles as c')
      .innerJoin('plants as p', (join) => join.onRef('p.farm_id', '=', 'c.farm_id').onRef('p.id', '=', 'c.plant_id'))
      .selectAll('c')
      .select([
        'p.id as p_id',
        'p.label as p_label',
        'p.species_id as p_species_id',
        'p.location_id as p_location_id',
        'p.phase_id as p_phase_id',
      ])
      .where('c.farm_id', '=', farmId)
      .where('c.enabled', '=', true)
      .where('p.removed_on', 'is', null)
      .orderBy('p.label')
      .execute();
    return rows.map(({ p_id, p_label, p_species_id, p_location_id, p_phase_id, ...profile }) => ({
      profile,
      plant: {
        id: p_id,
        label: p_label,
        species_id: p_species_id,
        location_id: p_location_id,
        phase_id: p_phase_id,
      },
    }));
  },

  /** Of these plants (all the farm's when none are named), those whose run follows a nutrient plan. */
  async followingPlan(tx: Tx, farmId: string, plantIds?: string[]): Promise<Set<string>> {
    let query = tx
      .selectFrom('plants as p')
      .innerJoin('planting_runs as r', (join) =>
        join.onRef('r.farm_id', '=', 'p.farm_id').onRef('r.id', '=', 'p.run_id'),
      )
      .select('p.id')
      .where('p.farm_id', '=', farmId)
      .where('r.nutrient_plan_id', 'is not', null);
    if (plantIds) {
      if (plantIds.length === 0) return new Set();
      query = query.where('p.id', 'in', plantIds);
    }
    return new Set((await query.execute()).map((r) => r.id));
  },

  /** Farms with plants cared for (system scope: every farm). */
  async farmsCaring(tx: Tx): Promise<string[]> {
    const rows = await tx
      .selectFrom('plant_care_profiles')
      .select('farm_id')
      .distinct()
      .where('enabled', '=', true)
      .execute();
    return rows.map((r) => r.farm_id);
  },

  async dayDone(tx: Tx, farmId: string, day: string): Promise<boolean> {
    const row = await tx
      .selectFrom('care_days')
      .select('day')
      .where('farm_id', '=', farmId)
      .where('day', '=', day)
      .executeTakeFirst();
    return row !== undefined;
  },

  async finishDay(tx: Tx, farmId: string, day: string, reminders: number, at: Date): Promise<void> {
    await tx
      .insertInto('care_days')
      .values({ farm_id: farmId, day, reminders, finished_at: at })
      .onConflict((oc) => oc.columns(['farm_id', 'day']).doNothing())
      .execute();
  },
};
