import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { BeeEventTable, HiveTable, QueenTable } from './beekeeping.tables.js';

export type HiveRow = Selectable<HiveTable>;
export type QueenRow = Selectable<QueenTable>;
export type BeeEventRow = Selectable<BeeEventTable>;

const asJson = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

export const beekeepingRepository = {
  insertHive: (tx: Tx, row: Insertable<HiveTable>) =>
    tx.insertInto('hives').values(row).returningAll().executeTakeFirstOrThrow(),
  updateHive: (tx: Tx, farmId: string, id: string, patch: Updateable<HiveTable>) =>
    tx
      .updateTable('hives')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
  findHive: (tx: Tx, farmId: string, id: string) =>
    tx.selectFrom('hives').selectAll().where('farm_id', '=', farmId).where('id', '=', id).executeTakeFirst(),
  hives: (tx: Tx, farmId: string, apiaryId?: string) => {
    let query = tx.selectFrom('hives').selectAll().where('farm_id', '=', farmId);
    if (apiaryId) query = query.where('apiary_id', '=', apiaryId);
    return query.orderBy('name').execute();
  },
  async removeHive(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx.deleteFrom('hives').where('farm_id', '=', farmId).where('id', '=', id).execute();
  },
  apiary: (tx: Tx, farmId: string, id: string) =>
    tx
      .selectFrom('locations')
      .select(['id', 'name', 'type'])
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst(),
  async apiaries(tx: Tx, farmId: string) {
    const { rows } = await sql<{ id: string; name: string; code: string | null; hives: number; geometry: unknown }>`
      select l.id, l.name, l.code, ST_AsGeoJSON(l.geometry)::jsonb as geometry,
        (select count(*)::int from hives h where h.apiary_id = l.id and h.status = 'active') as hives
      from locations l where l.farm_id = ${farmId} and l.type = 'apiary' and l.status <> 'retired' order by l.name`.execute(
      tx,
    );
    return rows;
  },

  /** The scale history: the current one is closed and the new one opened (or none). */
  async moveScale(tx: Tx, farmId: string, hiveId: string, deviceId: string | null, at: Date): Promise<void> {
    await tx
      .updateTable('hive_scales')
      .set({ to_at: at })
      .where('farm_id', '=', farmId)
      .where('to_at', 'is', null)
      .where((eb) =>
        deviceId ? eb.or([eb('hive_id', '=', hiveId), eb('device_id', '=', deviceId)]) : eb('hive_id', '=', hiveId),
      )
      .execute();
    if (deviceId)
      await tx
        .insertInto('hive_scales')
        .values({ farm_id: farmId, hive_id: hiveId, device_id: deviceId, from_at: at, to_at: null })
        .execute();
  },
  scales: (tx: Tx, farmId: string, hiveId: string) =>
    tx
      .selectFrom('hive_scales')
      .innerJoin('devices', 'devices.id', 'hive_scales.device_id')
      .select(['devices.device_id as device', 'hive_scales.from_at', 'hive_scales.to_at'])
      .where('hive_scales.farm_id', '=', farmId)
      .where('hive_scales.hive_id', '=', hiveId)
      .orderBy('hive_scales.from_at', 'desc')
      .execute(),

  insertQueen: (tx: Tx, row: Insertable<QueenTable>) =>
    tx.insertInto('queens').values(row).returningAll().executeTakeFirstOrThrow(),
  findQueen: (tx: Tx, farmId: string, id: string) =>
    tx.selectFrom('queens').selectAll().where('farm_id', '=', farmId).where('id', '=', id).executeTakeFirst(),
  queens: (tx: Tx, farmId: string, hiveId: string) =>
    tx
      .selectFrom('queens')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('hive_id', '=', hiveId)
      .orderBy('introduced_at', 'desc')
      .orderBy('created_at', 'desc')
      .execute(),
  async retireQueen(tx: Tx, farmId: string, id: string, on: string): Promise<void> {
    await tx
      .updateTable('queens')
      .set({ retired_at: on })
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .where('retired_at', 'is', null)
      .execute();
  },
  async removeQueen(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx.deleteFrom('queens').where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  /** Inserts an event; undefined when the farm already has an event with this id (platform/idempotency.ts). */
  insertEvent: (tx: Tx, row: Insertable<BeeEventTable>) =>
    tx
      .insertInto('bee_events')
      .values({
        ...row,
        inspection: asJson(row.inspection),
        treatment: asJson(row.treatment),
        harvest: asJson(row.harvest),
      } as Insertable<BeeEventTable>)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst(),
  findEvent: (tx: Tx, farmId: string, id: string) =>
    tx.selectFrom('bee_events').selectAll().where('farm_id', '=', farmId).where('id', '=', id).executeTakeFirst(),
  events: (tx: Tx, farmId: string, target: { hive_id: string } | { apiary_id: string }, limit: number) => {
    const query = tx.selectFrom('bee_events').selectAll().where('farm_id', '=', farmId);
    return (
      'hive_id' in target
        ? query.where('hive_id', '=', target.hive_id)
        : query.where('apiary_id', '=', target.apiary_id)
    )
      .orderBy('date', 'desc')
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  },
  /** The last inspection of each hive. */
  async lastInspections(tx: Tx, farmId: string, hiveIds: string[]) {
    if (hiveIds.length === 0) return new Map<string, string>();
    const rows = await tx
      .selectFrom('bee_events')
      .select(['hive_id', sql<string>`max(date)::text`.as('date')])
      .where('farm_id', '=', farmId)
      .where('type', '=', 'inspection')
      .where('hive_id', 'in', hiveIds)
      .groupBy('hive_id')
      .execute();
    return new Map(rows.map((r) => [r.hive_id!, r.date]));
  },

  /** Each local day's last weight of a scale and its change from the day before (daily rollups), oldest first. */
  async dailyWeights(tx: Tx, farmId: string, deviceId: string, zone: string, since: Date) {
    const { rows } = await sql<{ day: string; last: number; change: number | null }>`
      select to_char(d.bucket at time zone ${zone}, 'YYYY-MM-DD') as day, d.last, d.last - lag(d.last) over (order by d.bucket) as change
      from readings_daily d join series s on s.id = d.series_id
      where s.farm_id = ${farmId} and s.device_id = ${deviceId} and s.metric = 'weight' and d.bucket >= ${since}
      order by d.bucket`.execute(tx);
    return rows;
  },

  /** The latest event (by day, then when recorded) of a hive or apiary that was an inspection or planned one. */
  async latestPlanning(tx: Tx, farmId: string, target: { hive_id: string } | { apiary_id: string }) {
    const query = tx
      .selectFrom('bee_events')
      .select('id')
      .where('farm_id', '=', farmId)
      .where((eb) => eb.or([eb('type', '=', 'inspection'), eb('next_inspection', 'is not', null)]));
    const row = await (
      'hive_id' in target
        ? query.where('hive_id', '=', target.hive_id)
        : query.where('apiary_id', '=', target.apiary_id)
    )
      .orderBy('date', 'desc')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.id;
  },
  /** Every day a hive's or apiary's events planned its next inspection for. */
  async plannedInspections(tx: Tx, farmId: string, target: { hive_id: string } | { apiary_id: string }) {
    const query = tx
      .selectFrom('bee_events')
      .select(sql<string>`next_inspection::text`.as('day'))
      .distinct()
      .where('farm_id', '=', farmId)
      .where('next_inspection', 'is not', null);
    const rows = await (
      'hive_id' in target
        ? query.where('hive_id', '=', target.hive_id)
        : query.where('apiary_id', '=', target.apiary_id)
    ).execute();
    return rows.map((r) => r.day);
  },
};
