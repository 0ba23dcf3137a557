import { sql, type ExpressionBuilder, type Insertable, type Selectable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { DB } from '../../platform/db/schema.js';
import { isUuid } from '../../platform/ids.js';
import type { TreatmentApplicationTable } from './applications.tables.js';

export type ApplicationRow = Selectable<TreatmentApplicationTable>;

/** What an application may reach a plant through: the plant, its run, its place or a place above it. */
export interface Reach {
  plantIds: readonly string[];
  runIds: readonly string[];
  locationIds: readonly string[];
}

export interface ApplicationFilter {
  plant?: string | undefined;
  run?: string | undefined;
  location?: string | undefined;
  treatment?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** The last row of the page before: newest first by day, then id. */
  before?: { day: string; id: string } | undefined;
  limit: number;
}

const ids = (list: readonly string[]) => sql`${[...new Set(list)]}::uuid[]`;

/** Applications on any of the plants, runs or locations of `reach` (each column has its partial index). */
function reaching(eb: ExpressionBuilder<DB, 'treatment_applications'>, reach: Reach) {
  const arms = [];
  if (reach.plantIds.length > 0) arms.push(sql<boolean>`plant_id = any(${ids(reach.plantIds)})`);
  if (reach.runIds.length > 0) arms.push(sql<boolean>`run_id = any(${ids(reach.runIds)})`);
  if (reach.locationIds.length > 0) arms.push(sql<boolean>`location_id = any(${ids(reach.locationIds)})`);
  return arms.length > 0 ? eb.or(arms) : sql<boolean>`false`;
}

/** Treatment applications: the plant-protection module's SQL for them. */
export const applicationsRepository = {
  insert(tx: Tx, row: Insertable<TreatmentApplicationTable>): Promise<ApplicationRow | undefined> {
    return tx
      .insertInto('treatment_applications')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  find(tx: Tx, farmId: string, id: string): Promise<ApplicationRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return tx
      .selectFrom('treatment_applications')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  list(tx: Tx, farmId: string, f: ApplicationFilter): Promise<ApplicationRow[]> {
    let q = tx.selectFrom('treatment_applications').selectAll().where('farm_id', '=', farmId);
    if (f.plant) q = q.where('plant_id', '=', f.plant);
    if (f.run) q = q.where('run_id', '=', f.run);
    if (f.location) q = q.where('location_id', '=', f.location);
    if (f.treatment) q = q.where('treatment_id', '=', f.treatment);
    if (f.from) q = q.where('applied_on', '>=', f.from);
    if (f.to) q = q.where('applied_on', '<=', f.to);
    if (f.before) {
      const { day, id } = f.before;
      q = q.where((eb) => eb.or([eb('applied_on', '<', day), eb.and([eb('applied_on', '=', day), eb('id', '<', id)])]));
    }
    return q.orderBy('applied_on', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  },

  async delete(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx.deleteFrom('treatment_applications').where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  /**
   * The applications reaching `reach` whose pre-harvest interval covers the day: applied on or before it,
   * safe only after it. What the gate reads.
   */
  blockingOn(tx: Tx, farmId: string, reach: Reach, day: string): Promise<ApplicationRow[]> {
    return tx
      .selectFrom('treatment_applications')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('applied_on', '<=', day)
      .where('safe_on', '>', day)
      .where((eb) => reaching(eb, reach))
      .execute();
  },

  /**
   * The applications reaching `reach` between two days (inclusive) that may be uses of the same thing: the
   * same mode-of-action group, or the same active ingredient. The resistance engine decides which count.
   */
  sameUseBetween(
    tx: Tx,
    farmId: string,
    reach: Reach,
    days: { from: string; to: string },
    use: { scheme: string | null; code: string | null; ingredientKey: string | null },
  ): Promise<ApplicationRow[]> {
    const { scheme, code, ingredientKey } = use;
    return tx
      .selectFrom('treatment_applications')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('applied_on', '>=', days.from)
      .where('applied_on', '<=', days.to)
      .where((eb) => {
        const same = [];
        if (scheme && code) same.push(eb.and([eb('moa_scheme', '=', scheme as never), eb('moa_code', '=', code)]));
        if (ingredientKey) same.push(eb('ingredient_key', '=', ingredientKey));
        return same.length > 0 ? eb.or(same) : sql<boolean>`false`;
      })
      .where((eb) => reaching(eb, reach))
      .execute();
  },
};
