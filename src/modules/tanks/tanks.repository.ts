import { sql, type Insertable, type Selectable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import { STATE_FIELDS, type MaintenanceItem, type Measurements, type StateField } from './tanks.engine.js';
import type { TankMaintenanceTable, TankSensorTable, TankStateTable, TankTable } from './tanks.tables.js';

export type TankRow = Selectable<TankTable>;
export type TankStateRow = Selectable<TankStateTable>;
export type TankSensorRow = Selectable<TankSensorTable>;
export type TankMaintenanceRow = Selectable<TankMaintenanceTable>;

/** A tank with its location's name and status. */
export type TankWithPlace = TankRow & { name: string; status: string };

/** Tanks, their snapshots, sensor mappings and maintenance: the SQL of the tanks module. */
export const tanksRepository = {
  find(tx: Tx, farmId: string, locationId: string, lock = false): Promise<TankRow | undefined> {
    const query = tx
      .selectFrom('tanks')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('location_id', '=', locationId);
    return (lock ? query.forUpdate() : query).executeTakeFirst();
  },

  /** The farm's tanks (or these), by their location's name. */
  list(tx: Tx, farmId: string, locationIds?: string[]): Promise<TankWithPlace[]> {
    let query = tx
      .selectFrom('tanks')
      .innerJoin('locations', (j) =>
        j.onRef('locations.farm_id', '=', 'tanks.farm_id').onRef('locations.id', '=', 'tanks.location_id'),
      )
      .selectAll('tanks')
      .select(['locations.name', 'locations.status'])
      .where('tanks.farm_id', '=', farmId);
    if (locationIds) {
      if (locationIds.length === 0) return Promise.resolve([]);
      query = query.where('tanks.location_id', 'in', locationIds);
    }
    return query.orderBy('locations.name').orderBy('tanks.location_id').execute();
  },

  async upsert(tx: Tx, row: Insertable<TankTable>): Promise<TankRow> {
    const values = {
      ...row,
      maintenance_intervals: JSON.stringify(row.maintenance_intervals),
    } as unknown as Insertable<TankTable>;
    return tx
      .insertInto('tanks')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['farm_id', 'location_id']).doUpdateSet({
          tank_type: row.tank_type,
          volume_l: row.volume_l,
          solution_kind: row.solution_kind,
          filled_at: row.filled_at,
          maintenance_intervals: values.maintenance_intervals,
          updated_at: row.updated_at,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  setFilledAt(tx: Tx, farmId: string, locationId: string, filledAt: Date, now: Date) {
    return tx
      .updateTable('tanks')
      .set({ filled_at: filledAt, updated_at: now })
      .where('farm_id', '=', farmId)
      .where('location_id', '=', locationId)
      .execute();
  },

  /** System scope: farms with tanks. */
  async farmsWithTanks(tx: Tx): Promise<string[]> {
    return (await tx.selectFrom('tanks').select('farm_id').distinct().execute()).map((r) => r.farm_id);
  },

  // Snapshots

  findState(tx: Tx, farmId: string, id: string): Promise<TankStateRow | undefined> {
    return tx
      .selectFrom('tank_states')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  /** Undefined when the id (or, for a sensor snapshot, the time) is taken. */
  insertState(tx: Tx, row: Insertable<TankStateTable>): Promise<TankStateRow | undefined> {
    return tx
      .insertInto('tank_states')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  updateState(tx: Tx, farmId: string, id: string, patch: Partial<Insertable<TankStateTable>>) {
    return tx
      .updateTable('tank_states')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /** A tank's snapshots, newest first, before a (time, id) cursor. */
  states(
    tx: Tx,
    farmId: string,
    locationId: string,
    limit: number,
    before?: { at: Date; id: string },
  ): Promise<TankStateRow[]> {
    let query = tx
      .selectFrom('tank_states')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('location_id', '=', locationId);
    if (before)
      query = query.where((eb) =>
        eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]),
      );
    return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  },

  /** Each tank's newest snapshot. */
  async latestStates(tx: Tx, farmId: string, locationIds: string[]): Promise<Map<string, TankStateRow>> {
    if (locationIds.length === 0) return new Map();
    const rows = await tx
      .selectFrom('tank_states')
      .selectAll()
      .distinctOn('location_id')
      .where('farm_id', '=', farmId)
      .where('location_id', 'in', locationIds)
      .orderBy('location_id')
      .orderBy('at', 'desc')
      // Two at the same moment: the one recorded later is the newer word.
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return new Map(rows.map((r) => [r.location_id, r]));
  },

  /**
   * What is known of a tank now: each field's newest measurement (whichever snapshot had it), and the
   * pH measured before the newest pH (what drift compares with).
   */
  async picture(
    tx: Tx,
    farmId: string,
    locationId: string,
  ): Promise<{ values: Measurements; previousPh: number | null }> {
    const newest = (field: StateField, offset = 0) =>
      sql<number | null>`(select ${sql.ref(field)} from tank_states
        where farm_id = ${farmId} and location_id = ${locationId} and ${sql.ref(field)} is not null
        order by at desc, created_at desc, id desc limit 1 offset ${offset})`;
    const { rows } = await sql<Record<StateField | 'previous_ph', number | null>>`select
      ${sql.join(STATE_FIELDS.map((f) => sql`${newest(f)} as ${sql.ref(f)}`))},
      ${newest('ph', 1)} as previous_ph`.execute(tx);
    const row = rows[0]!;
    return {
      values: Object.fromEntries(STATE_FIELDS.map((f) => [f, row[f]])) as Measurements,
      previousPh: row.previous_ph,
    };
  },

  /** The newest sensor snapshot of a tank. */
  lastSensorState(tx: Tx, farmId: string, locationId: string): Promise<TankStateRow | undefined> {
    return tx
      .selectFrom('tank_states')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('location_id', '=', locationId)
      .where('source', '=', 'sensor')
      .orderBy('at', 'desc')
      .limit(1)
      .executeTakeFirst();
  },

  /** Mean water temperature of each tank's snapshots since it was filled (null: none measured one). */
  async meanTemps(tx: Tx, farmId: string, locationIds: string[]): Promise<Map<string, number>> {
    if (locationIds.length === 0) return new Map();
    const { rows } = await sql<{ location_id: string; mean: number }>`
      select s.location_id, avg(s.water_temp_c)::float8 as mean
      from tank_states s join tanks t on t.farm_id = s.farm_id and t.location_id = s.location_id
      where s.farm_id = ${farmId} and s.location_id = any(${locationIds}::uuid[])
        and s.water_temp_c is not null and t.filled_at is not null and s.at >= t.filled_at
      group by s.location_id`.execute(tx);
    return new Map(rows.map((r) => [r.location_id, r.mean]));
  },

  // Sensors

  sensors(tx: Tx, farmId: string, locationId: string): Promise<TankSensorRow[]> {
    return tx
      .selectFrom('tank_sensors')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('location_id', '=', locationId)
      .orderBy('field')
      .execute();
  },

  async replaceSensors(tx: Tx, farmId: string, locationId: string, rows: Insertable<TankSensorTable>[]) {
    await tx.deleteFrom('tank_sensors').where('farm_id', '=', farmId).where('location_id', '=', locationId).execute();
    if (rows.length > 0) await tx.insertInto('tank_sensors').values(rows).execute();
  },

  /** The tanks fed by any of these metrics, with all their mappings. */
  async sensorsFedBy(tx: Tx, farmId: string, metrics: string[]): Promise<TankSensorRow[]> {
    if (metrics.length === 0) return [];
    return tx
      .selectFrom('tank_sensors')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('location_id', 'in', (eb) =>
        eb
          .selectFrom('tank_sensors as fed')
          .select('fed.location_id')
          .where('fed.farm_id', '=', farmId)
          .where('fed.metric', 'in', metrics),
      )
      .execute();
  },

  /** System scope: farms with sensor mappings. */
  async farmsWithSensors(tx: Tx): Promise<string[]> {
    return (await tx.selectFrom('tank_sensors').select('farm_id').distinct().execute()).map((r) => r.farm_id);
  },

  // Maintenance

  findMaintenance(tx: Tx, farmId: string, id: string): Promise<TankMaintenanceRow | undefined> {
    return tx
      .selectFrom('tank_maintenance')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },

  insertMaintenance(tx: Tx, row: Insertable<TankMaintenanceTable>): Promise<TankMaintenanceRow | undefined> {
    return tx
      .insertInto('tank_maintenance')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  /** When each tank's items were last done. */
  async lastDone(tx: Tx, farmId: string, locationIds: string[]): Promise<Map<string, Map<MaintenanceItem, Date>>> {
    const out = new Map<string, Map<MaintenanceItem, Date>>();
    if (locationIds.length === 0) return out;
    const rows = await tx
      .selectFrom('tank_maintenance')
      .select(['location_id', 'item', (eb) => eb.fn.max('done_at').as('done_at')])
      .where('farm_id', '=', farmId)
      .where('location_id', 'in', locationIds)
      .groupBy(['location_id', 'item'])
      .execute();
    for (const r of rows) {
      const perTank = out.get(r.location_id) ?? new Map<MaintenanceItem, Date>();
      perTank.set(r.item, new Date(r.done_at as unknown as string | Date));
      out.set(r.location_id, perTank);
    }
    return out;
  },
};
