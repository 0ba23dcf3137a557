import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { ScheduleExecutionTable, ScheduleTable } from './schedules.tables.js';

export type ScheduleRow = Selectable<ScheduleTable>;
export type ExecutionRow = Selectable<ScheduleExecutionTable>;

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

export const schedulesRepository = {
  insert(tx: Tx, row: Insertable<ScheduleTable>): Promise<ScheduleRow> {
    return tx.insertInto('schedules').values(row).returningAll().executeTakeFirstOrThrow();
  },

  update(tx: Tx, farmId: string, id: string, patch: Updateable<ScheduleTable>): Promise<ScheduleRow | undefined> {
    return tx
      .updateTable('schedules')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  find(tx: Tx, farmId: string, id: string): Promise<ScheduleRow | undefined> {
    return tx.selectFrom('schedules').selectAll().where('farm_id', '=', farmId).where('id', '=', id).executeTakeFirst();
  },

  list(tx: Tx, farmId: string): Promise<ScheduleRow[]> {
    return tx.selectFrom('schedules').selectAll().where('farm_id', '=', farmId).orderBy('name').orderBy('id').execute();
  },

  async remove(tx: Tx, farmId: string, id: string): Promise<boolean> {
    const result = await tx
      .deleteFrom('schedules')
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  /** Schedules following a location's photoperiod: the one in force first (priority, then the oldest). */
  following(tx: Tx, farmId: string, locationId: string): Promise<ScheduleRow[]> {
    return tx
      .selectFrom('schedules')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('follows_location_id', '=', locationId)
      .orderBy('enabled', 'desc')
      .orderBy('priority', 'desc')
      .orderBy('created_at')
      .execute();
  },

  /** The locations whose photoperiod some schedule follows. */
  async followedLocations(tx: Tx, farmId: string): Promise<string[]> {
    const rows = await tx
      .selectFrom('schedules')
      .select('follows_location_id')
      .distinct()
      .where('farm_id', '=', farmId)
      .where('follows_location_id', 'is not', null)
      .execute();
    return rows.map((r) => r.follows_location_id!);
  },

  /** Enabled schedules driving one device channel (for conflicts and previews). */
  onChannel(tx: Tx, farmId: string, deviceId: string, channel: string | null): Promise<ScheduleRow[]> {
    return tx
      .selectFrom('schedules')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('device_id', '=', deviceId)
      .where((eb) => (channel === null ? eb('channel', 'is', null) : eb('channel', '=', channel)))
      .where('enabled', '=', true)
      .execute();
  },

  /** System scope: schedules due by `now`, locked so one process fires each. */
  takeDue(tx: Tx, now: Date, limit: number): Promise<ScheduleRow[]> {
    return tx
      .selectFrom('schedules')
      .selectAll()
      .where('enabled', '=', true)
      .where('next_fire_at', '<=', now)
      .orderBy('next_fire_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
  },

  /** The farm's enabled condition schedules, locked for evaluation. */
  conditions(tx: Tx, farmId: string): Promise<ScheduleRow[]> {
    return tx
      .selectFrom('schedules')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('enabled', '=', true)
      .where('kind', '=', 'condition')
      .forUpdate()
      .skipLocked()
      .execute();
  },

  /** System scope: farms with enabled condition schedules. */
  async farmsWithConditions(tx: Tx): Promise<string[]> {
    const rows = await tx
      .selectFrom('schedules')
      .select('farm_id')
      .distinct()
      .where('enabled', '=', true)
      .where('kind', '=', 'condition')
      .execute();
    return rows.map((r) => r.farm_id);
  },

  /** The latest reading of each (device label, metric). */
  async latest(tx: Tx, farmId: string, pairs: Array<{ device: string; metric: string }>) {
    if (pairs.length === 0) return [];
    const { rows } = await sql<{ device: string; metric: string; value: number; ts: Date }>`
      select d.device_id as device, s.metric, r.value, r.ts from series s join devices d on d.id = s.device_id
      cross join lateral (select value, ts from readings where series_id = s.id order by ts desc limit 1) r
      where s.farm_id = ${farmId}
        and (d.device_id, s.metric) in (select * from unnest(${pairs.map((p) => p.device)}::text[], ${pairs.map((p) => p.metric)}::text[]))`.execute(
      tx,
    );
    return rows;
  },

  insertExecution(tx: Tx, row: Insertable<ScheduleExecutionTable>): Promise<ExecutionRow> {
    const values = {
      ...row,
      device_response:
        row.device_response === undefined || row.device_response === null ? null : json(row.device_response),
    };
    return tx
      .insertInto('schedule_executions')
      .values(values as Insertable<ScheduleExecutionTable>)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  executionByCommand(tx: Tx, farmId: string, commandId: string): Promise<ExecutionRow | undefined> {
    return tx
      .selectFrom('schedule_executions')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('command_id', '=', commandId)
      .executeTakeFirst();
  },

  updateExecution(
    tx: Tx,
    farmId: string,
    id: string,
    patch: Updateable<ScheduleExecutionTable>,
  ): Promise<ExecutionRow | undefined> {
    const values =
      'device_response' in patch && patch.device_response !== null
        ? { ...patch, device_response: json(patch.device_response) }
        : patch;
    return tx
      .updateTable('schedule_executions')
      .set(values as Updateable<ScheduleExecutionTable>)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  executions(
    tx: Tx,
    farmId: string,
    scheduleId: string,
    before: Date | undefined,
    limit: number,
  ): Promise<ExecutionRow[]> {
    let query = tx
      .selectFrom('schedule_executions')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('schedule_id', '=', scheduleId);
    if (before) query = query.where('scheduled_at', '<', before);
    return query.orderBy('scheduled_at', 'desc').orderBy('actual_at', 'desc').limit(limit).execute();
  },

  /** Share of finished executions that worked, since `since` (skipped and pending ones do not count). */
  async successRate(tx: Tx, farmId: string, scheduleIds: string[], since: Date): Promise<Map<string, number | null>> {
    if (scheduleIds.length === 0) return new Map();
    const rows = await tx
      .selectFrom('schedule_executions')
      .select([
        'schedule_id',
        sql<number>`count(*) filter (where status = 'executed')`.as('ok'),
        sql<number>`count(*) filter (where status in ('executed', 'failed', 'timeout'))`.as('done'),
      ])
      .where('farm_id', '=', farmId)
      .where('schedule_id', 'in', scheduleIds)
      .where('scheduled_at', '>=', since)
      .groupBy('schedule_id')
      .execute();
    const rates = new Map<string, number | null>(scheduleIds.map((id) => [id, null]));
    for (const r of rows) rates.set(r.schedule_id, Number(r.done) > 0 ? Number(r.ok) / Number(r.done) : null);
    return rates;
  },
};
