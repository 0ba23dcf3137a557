import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import type { WateringChannel } from './watering.engine.js';
import type { WateringLogTable, WateringScheduleTable } from './watering.tables.js';

export type WateringScheduleRow = Selectable<WateringScheduleTable>;
export type WateringLogRow = Selectable<WateringLogTable>;

/** What the daily watering job reads of an active schedule: the schedule, its run, its last watering. */
export interface ScheduleToWater {
  schedule: WateringScheduleRow;
  run: { id: string; name: string; location_id: string | null };
  /** The last watering logged on its run and channel (farm-local day), or null. */
  last_watered: string | null;
}

const json = (value: unknown) => sql<never>`${JSON.stringify(value)}::jsonb`;

/** Watering schedules and watering/feeding logs: the SQL of watering. */
export const wateringRepository = {
  async insertSchedule(tx: Tx, row: Insertable<WateringScheduleTable>): Promise<WateringScheduleRow | undefined> {
    return tx
      .insertInto('watering_schedules')
      .values({ ...row, pump: row.pump ? json(row.pump) : null })
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  findSchedule(tx: Tx, farmId: string, id: string, lock = false): Promise<WateringScheduleRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    const query = tx.selectFrom('watering_schedules').selectAll().where('farm_id', '=', farmId).where('id', '=', id);
    return (lock ? query.forUpdate() : query).executeTakeFirst();
  },

  /** The run's schedule on a channel (one per run and channel). */
  scheduleOn(
    tx: Tx,
    farmId: string,
    runId: string,
    channel: WateringChannel,
  ): Promise<WateringScheduleRow | undefined> {
    return tx
      .selectFrom('watering_schedules')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('run_id', '=', runId)
      .where('channel', '=', channel)
      .executeTakeFirst();
  },

  schedulesOf(tx: Tx, farmId: string, runId: string): Promise<WateringScheduleRow[]> {
    return tx
      .selectFrom('watering_schedules')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('run_id', '=', runId)
      .orderBy('channel')
      .execute();
  },

  updateSchedule(
    tx: Tx,
    farmId: string,
    id: string,
    patch: Updateable<WateringScheduleTable>,
  ): Promise<WateringScheduleRow | undefined> {
    const { pump, ...rest } = patch;
    return tx
      .updateTable('watering_schedules')
      .set({ ...rest, ...(pump !== undefined ? { pump: pump ? json(pump) : null } : {}) })
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  async removeSchedule(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx.deleteFrom('watering_schedules').where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  /** System scope: the farms with an active watering schedule. */
  async farmsWatering(tx: Tx): Promise<string[]> {
    const rows = await tx
      .selectFrom('watering_schedules')
      .select('farm_id')
      .distinct()
      .where('active', '=', true)
      .execute();
    return rows.map((r) => r.farm_id);
  },

  /**
   * The farm's active schedules of runs still growing (active or harvesting), each with its run and the
   * last watering logged on its run and channel: one query.
   */
  async toWater(tx: Tx, farmId: string): Promise<ScheduleToWater[]> {
    const rows = await tx
      .selectFrom('watering_schedules as w')
      .innerJoin('planting_runs as r', (j) => j.onRef('r.farm_id', '=', 'w.farm_id').onRef('r.id', '=', 'w.run_id'))
      .selectAll('w')
      .select(['r.name as run_name', 'r.location_id as run_location_id'])
      .select((eb) =>
        eb
          .selectFrom('watering_logs as l')
          .select((e) => e.fn.max('l.day').as('day'))
          .whereRef('l.farm_id', '=', 'w.farm_id')
          .whereRef('l.run_id', '=', 'w.run_id')
          .whereRef('l.channel', '=', 'w.channel')
          .as('last_watered'),
      )
      .where('w.farm_id', '=', farmId)
      .where('w.active', '=', true)
      .where('r.status', 'in', ['active', 'harvesting'])
      .orderBy('w.run_id')
      .orderBy('w.channel')
      .execute();
    return rows.map(({ run_name, run_location_id, last_watered, ...schedule }) => ({
      schedule: schedule as WateringScheduleRow,
      run: { id: schedule.run_id, name: run_name, location_id: run_location_id },
      last_watered: (last_watered as string | null) ?? null,
    }));
  },

  /** Marks the days whose tasks were made, per schedule (one statement). */
  async madeThrough(tx: Tx, farmId: string, made: Map<string, string>): Promise<void> {
    if (made.size === 0) return;
    await sql`update watering_schedules w set tasks_through = v.day
      from unnest(${[...made.keys()]}::uuid[], ${[...made.values()]}::date[]) as v(id, day)
      where w.farm_id = ${farmId} and w.id = v.id and (w.tasks_through is null or w.tasks_through < v.day)`.execute(tx);
  },

  /** The plants (of these) whose run has an active watering schedule. */
  async scheduledPlants(tx: Tx, farmId: string, plantIds: string[]): Promise<Set<string>> {
    if (plantIds.length === 0) return new Set();
    const rows = await tx
      .selectFrom('plants as p')
      .select('p.id')
      .where('p.farm_id', '=', farmId)
      .where('p.id', 'in', plantIds)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('watering_schedules as w')
            .select('w.id')
            .whereRef('w.farm_id', '=', 'p.farm_id')
            .whereRef('w.run_id', '=', 'p.run_id')
            .where('w.active', '=', true),
        ),
      )
      .execute();
    return new Set(rows.map((r) => r.id));
  },

  // Logs

  async insertLog(tx: Tx, row: Insertable<WateringLogTable>): Promise<WateringLogRow | undefined> {
    return tx
      .insertInto('watering_logs')
      .values({ ...row, mix: json(row.mix) })
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  findLog(tx: Tx, farmId: string, id: string): Promise<WateringLogRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return tx
      .selectFrom('watering_logs')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  /** A run's logs, newest first, before the cursor (at, id) of the previous page's last. */
  logsOf(
    tx: Tx,
    farmId: string,
    runId: string,
    q: { before?: { at: Date; id: string } | undefined; limit: number },
  ): Promise<WateringLogRow[]> {
    let query = tx.selectFrom('watering_logs').selectAll().where('farm_id', '=', farmId).where('run_id', '=', runId);
    if (q.before) {
      const { at, id } = q.before;
      query = query.where((eb) => eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', id)])]));
    }
    return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
  },

  /** The run's plants still standing: how many, and their containers' volumes (litres) and phases. */
  async standing(
    tx: Tx,
    farmId: string,
    runId: string,
  ): Promise<Array<{ species_id: string; phase_id: string | null; container_volume_l: number | null }>> {
    return tx
      .selectFrom('plants')
      .select(['species_id', 'phase_id', 'container_volume_l'])
      .where('farm_id', '=', farmId)
      .where('run_id', '=', runId)
      .where('removed_on', 'is', null)
      .execute();
  },
};
