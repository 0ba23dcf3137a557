import { sql, type ExpressionBuilder, type Insertable, type Selectable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { DB } from '../../platform/db/schema.js';
import { isUuid } from '../../platform/ids.js';
import type { TreatmentApplicationTable } from './applications.tables.js';

export type ApplicationRow = Selectable<TreatmentApplicationTable>;

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

/** What the resistance rule compares: the same mode-of-action group, or the same active ingredient. */
export interface SameUse {
  scheme: string | null;
  code: string | null;
  ingredientKey: string | null;
}

function sameUse(eb: ExpressionBuilder<DB, 'treatment_applications'>, use: SameUse) {
  const same = [];
  if (use.scheme && use.code)
    same.push(
      eb.and([
        eb('treatment_applications.moa_scheme', '=', use.scheme as never),
        eb('treatment_applications.moa_code', '=', use.code),
      ]),
    );
  if (use.ingredientKey) same.push(eb('treatment_applications.ingredient_key', '=', use.ingredientKey));
  return same.length > 0 ? eb.or(same) : sql<boolean>`false`;
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

  /** Records the plants an application reached (one row each; none for a target without plants). */
  async insertReach(
    tx: Tx,
    farmId: string,
    application: Pick<ApplicationRow, 'id' | 'applied_on' | 'safe_on'>,
    plantIds: readonly string[],
  ): Promise<void> {
    if (plantIds.length === 0) return;
    await sql`insert into treatment_application_plants (farm_id, application_id, plant_id, applied_on, safe_on)
      select ${farmId}, ${application.id}, p, ${application.applied_on}::date, ${application.safe_on}::date
      from unnest(${ids(plantIds)}) as p
      on conflict do nothing`.execute(tx);
  },

  /**
   * Applications of the farm are recorded and harvests gated one at a time: two at once could each miss
   * the other (a 4th use slipping past the resistance rule, a harvest beside a spray of the same day).
   */
  async lockFarm(tx: Tx, farmId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext(${`croft.protection:${farmId}`}))`.execute(tx);
  },

  /**
   * The applications whose pre-harvest interval covers the day — applied on or before it, safe only after
   * it — that reached any of the plants, or were made on any of the runs.
   */
  blockingOn(
    tx: Tx,
    farmId: string,
    on: { plantIds: readonly string[]; runIds: readonly string[] },
    day: string,
  ): Promise<ApplicationRow[]> {
    return tx
      .selectFrom('treatment_applications')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('applied_on', '<=', day)
      .where('safe_on', '>', day)
      .where((eb) => {
        const arms = [];
        if (on.plantIds.length > 0)
          arms.push(
            eb(
              'id',
              'in',
              eb
                .selectFrom('treatment_application_plants as r')
                .select('r.application_id')
                .where('r.farm_id', '=', farmId)
                .where(sql<boolean>`r.plant_id = any(${ids(on.plantIds)})`)
                .where('r.applied_on', '<=', day)
                .where('r.safe_on', '>', day),
            ),
          );
        if (on.runIds.length > 0) arms.push(sql<boolean>`run_id = any(${ids(on.runIds)})`);
        return arms.length > 0 ? eb.or(arms) : sql<boolean>`false`;
      })
      .execute();
  },

  /**
   * Per plant, the applications that reached it between two days (inclusive) and may be uses of the same
   * thing; `except` leaves out one id (a resend's own twin). The resistance engine decides which count.
   */
  async sameUseOnPlants(
    tx: Tx,
    farmId: string,
    plantIds: readonly string[],
    days: { from: string; to: string },
    use: SameUse,
    except: string | undefined,
  ): Promise<Map<string, ApplicationRow[]>> {
    if (plantIds.length === 0) return new Map();
    let q = tx
      .selectFrom('treatment_application_plants as r')
      .innerJoin('treatment_applications', (j) =>
        j
          .onRef('treatment_applications.farm_id', '=', 'r.farm_id')
          .onRef('treatment_applications.id', '=', 'r.application_id'),
      )
      .selectAll('treatment_applications')
      .select('r.plant_id as reached_plant_id')
      .where('r.farm_id', '=', farmId)
      .where(sql<boolean>`r.plant_id = any(${ids(plantIds)})`)
      .where('r.applied_on', '>=', days.from)
      .where('r.applied_on', '<=', days.to)
      .where((eb) => sameUse(eb as unknown as ExpressionBuilder<DB, 'treatment_applications'>, use));
    if (except) q = q.where('treatment_applications.id', '<>', except);
    const byPlant = new Map<string, ApplicationRow[]>();
    for (const { reached_plant_id, ...row } of await q.execute())
      byPlant.set(reached_plant_id, [...(byPlant.get(reached_plant_id) ?? []), row]);
    return byPlant;
  },

  /** The applications made on this run or location itself between two days that may be the same use. */
  sameUseOnTarget(
    tx: Tx,
    farmId: string,
    target: { kind: 'run' | 'location'; id: string },
    days: { from: string; to: string },
    use: SameUse,
    except: string | undefined,
  ): Promise<ApplicationRow[]> {
    let q = tx
      .selectFrom('treatment_applications')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where(target.kind === 'run' ? 'run_id' : 'location_id', '=', target.id)
      .where('applied_on', '>=', days.from)
      .where('applied_on', '<=', days.to)
      .where((eb) => sameUse(eb, use));
    if (except) q = q.where('id', '<>', except);
    return q.execute();
  },

  /** The plants an application reached. */
  async reachedPlants(tx: Tx, farmId: string, applicationId: string): Promise<string[]> {
    const rows = await tx
      .selectFrom('treatment_application_plants')
      .select('plant_id')
      .where('farm_id', '=', farmId)
      .where('application_id', '=', applicationId)
      .execute();
    return rows.map((r) => r.plant_id);
  },
};
