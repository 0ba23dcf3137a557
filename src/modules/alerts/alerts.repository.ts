import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { AlertRuleTable, AlertState, AlertTable, RuleKind } from './alerts.tables.js';

export type RuleRow = Selectable<AlertRuleTable>;
export type AlertRow = Selectable<AlertTable>;

export const alertsRepository = {
  insertRule(tx: Tx, row: Insertable<AlertRuleTable>): Promise<RuleRow> {
    return tx.insertInto('alert_rules').values(row).returningAll().executeTakeFirstOrThrow();
  },
  updateRule(tx: Tx, farmId: string, id: string, patch: Updateable<AlertRuleTable>) {
    return tx
      .updateTable('alert_rules')
      .set(patch)
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },
  findRule(tx: Tx, farmId: string, id: string) {
    return tx
      .selectFrom('alert_rules')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .executeTakeFirst();
  },
  rules(tx: Tx, farmId: string, kinds?: RuleKind[]): Promise<RuleRow[]> {
    let query = tx.selectFrom('alert_rules').selectAll().where('farm_id', '=', farmId);
    if (kinds) query = query.where('kind', 'in', kinds).where('enabled', '=', true);
    return query.orderBy('name').execute();
  },
  async removeRule(tx: Tx, farmId: string, id: string): Promise<boolean> {
    return (
      Number(
        (await tx.deleteFrom('alert_rules').where('farm_id', '=', farmId).where('id', '=', id).executeTakeFirst())
          .numDeletedRows,
      ) > 0
    );
  },
  /** System scope: farms with enabled rules. */
  async farmsWithRules(tx: Tx): Promise<string[]> {
    return (await tx.selectFrom('alert_rules').select('farm_id').distinct().where('enabled', '=', true).execute()).map(
      (r) => r.farm_id,
    );
  },

  /** The devices a rule watches (one, those at a location and below it, or all), with the metric when it has one. */
  async targets(tx: Tx, farmId: string, rule: RuleRow) {
    let query = tx
      .selectFrom('devices')
      .select(['devices.id', 'devices.device_id', 'devices.online', 'devices.last_heartbeat_at', 'devices.created_at'])
      .where('devices.farm_id', '=', farmId)
      .where('devices.active', '=', true);
    if (rule.device_id) query = query.where('devices.id', '=', rule.device_id);
    if (rule.location_id) {
      // At the location or below it, or the scale of a hive standing there.
      query =
        query.where(sql<boolean>`(devices.location_id in (select id from locations where farm_id = ${farmId} and (id = ${rule.location_id} or ${rule.location_id}::uuid = any(path)))
        or exists (select 1 from hives h where h.device_id = devices.id and h.apiary_id = ${rule.location_id}))`);
    }
    if (rule.metric && !rule.device_id) {
      query = query.where(
        sql<boolean>`exists (select 1 from series s where s.device_id = devices.id and s.metric = ${rule.metric})`,
      );
    }
    return query.execute();
  },

  /**
   * Every threshold rule's aggregate over its window, for every device it watches that has readings
   * in it — one query for all the farm's threshold rules (on `metrics` only, when given).
   */
  async thresholdAggregates(
    tx: Tx,
    farmId: string,
    metrics: string[] | null,
    now: Date,
  ): Promise<Array<{ rule_id: string; device_id: string; value: number }>> {
    // Per series, a lateral index range scan over its window: no plan reads readings outside the windows.
    const { rows } = await sql<{ rule_id: string; device_id: string; value: number }>`
      select ru.id as rule_id, s.device_id, w.value
      from alert_rules ru
      join series s on s.farm_id = ru.farm_id and s.metric = ru.metric and (ru.device_id is null or s.device_id = ru.device_id)
      join devices d on d.id = s.device_id and d.active
      cross join lateral (
        select (case ru.aggregate
            when 'min' then min(r.value) when 'max' then max(r.value) when 'avg' then avg(r.value)
            when 'last' then (array_agg(r.value order by r.ts desc))[1]
            else (array_agg(r.value order by r.ts desc))[1] - (array_agg(r.value order by r.ts))[1] end)::float8 as value
        from readings r where r.series_id = s.id and r.ts >= ${now}::timestamptz - make_interval(secs => ru.window_s)) w
      where ru.farm_id = ${farmId} and ru.enabled and ru.kind in ('threshold', 'low_battery') and w.value is not null
        ${metrics ? sql`and ru.metric = any(${metrics}::text[])` : sql``}
        and (ru.location_id is null or d.location_id in (select id from locations l where l.farm_id = ${farmId} and (l.id = ru.location_id or ru.location_id = any(l.path)))
          or exists (select 1 from hives h where h.device_id = d.id and h.apiary_id = ru.location_id))`.execute(tx);
    return rows;
  },

  activeOnDevices(tx: Tx, farmId: string, deviceIds: string[]): Promise<AlertRow[]> {
    if (deviceIds.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('alerts')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('device_id', 'in', deviceIds)
      .where('state', '!=', 'resolved')
      .orderBy('triggered_at', 'desc')
      .execute();
  },

  /** Active alerts of these rules. */
  activeOf(tx: Tx, farmId: string, ruleIds: string[]): Promise<AlertRow[]> {
    if (ruleIds.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('alerts')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('rule_id', 'in', ruleIds)
      .where('state', '!=', 'resolved')
      .execute();
  },

  /**
   * For each hive scale at the rule's apiary (or every hive): the peak and the latest weight in the
   * window, and whether an inspection of the hive was recorded on `day` (lifting frames moves the scale).
   */
  async swarmWindows(tx: Tx, farmId: string, rule: RuleRow, from: Date, day: string) {
    const { rows } = await sql<{ device_id: string; peak: number; last: number; inspected: boolean }>`
      select h.device_id, w.peak, w.last,
        exists (select 1 from bee_events e where e.hive_id = h.id and e.type = 'inspection' and e.date = ${day}::date) as inspected
      from hives h join series s on s.device_id = h.device_id and s.metric = 'weight'
      cross join lateral (select max(r.value)::float8 as peak, (array_agg(r.value order by r.ts desc))[1]::float8 as last
        from readings r where r.series_id = s.id and r.ts >= ${from}) w
      where h.farm_id = ${farmId} and h.status = 'active' and w.peak is not null
        ${rule.location_id ? sql`and h.apiary_id = ${rule.location_id}` : sql``}
        ${rule.device_id ? sql`and h.device_id = ${rule.device_id}` : sql``}`.execute(tx);
    return rows;
  },

  /** The newest reading time of each device (for silence). */
  async lastReadings(tx: Tx, farmId: string, deviceIds: string[]): Promise<Map<string, Date>> {
    if (deviceIds.length === 0) return new Map();
    const { rows } = await sql<{ device_id: string; ts: Date }>`
      select s.device_id, max(r.ts) as ts from series s cross join lateral (select ts from readings where series_id = s.id order by ts desc limit 1) r
      where s.farm_id = ${farmId} and s.device_id = any(${deviceIds}::uuid[]) group by s.device_id`.execute(tx);
    return new Map(rows.map((r) => [r.device_id, r.ts]));
  },

  /** The rule's active alerts, by device. */
  async activeFor(tx: Tx, farmId: string, ruleId: string): Promise<Map<string | null, AlertRow>> {
    const rows = await tx
      .selectFrom('alerts')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('rule_id', '=', ruleId)
      .where('state', '!=', 'resolved')
      .execute();
    return new Map(rows.map((r) => [r.device_id, r]));
  },

  async metricKnown(tx: Tx, farmId: string, metric: string): Promise<boolean> {
    return (
      (await tx
        .selectFrom('series')
        .select('id')
        .where('farm_id', '=', farmId)
        .where('metric', '=', metric)
        .limit(1)
        .executeTakeFirst()) !== undefined
    );
  },

  active(tx: Tx, farmId: string, ruleId: string, deviceId: string | null): Promise<AlertRow | undefined> {
    return tx
      .selectFrom('alerts')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('rule_id', '=', ruleId)
      .where((eb) => (deviceId === null ? eb('device_id', 'is', null) : eb('device_id', '=', deviceId)))
      .where('state', '!=', 'resolved')
      .executeTakeFirst();
  },
  /** Undefined when the rule already has an active alert for the device (another process raised it first). */
  insertAlert(tx: Tx, row: Insertable<AlertTable>): Promise<AlertRow | undefined> {
    return tx
      .insertInto('alerts')
      .values({
        ...row,
        threshold: row.threshold === null ? null : JSON.stringify(row.threshold),
      } as Insertable<AlertTable>)
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
  },
  updateAlert(tx: Tx, farmId: string, id: string, patch: Updateable<AlertTable>, onlyIf?: AlertState[]) {
    let query = tx.updateTable('alerts').set(patch).where('farm_id', '=', farmId).where('id', '=', id);
    if (onlyIf) query = query.where('state', 'in', onlyIf);
    return query.returningAll().executeTakeFirst();
  },
  findAlert(tx: Tx, farmId: string, id: string) {
    return tx.selectFrom('alerts').selectAll().where('farm_id', '=', farmId).where('id', '=', id).executeTakeFirst();
  },
  alerts(
    tx: Tx,
    farmId: string,
    state: 'active' | AlertState | undefined,
    before: Date | undefined,
    limit: number,
  ): Promise<AlertRow[]> {
    let query = tx.selectFrom('alerts').selectAll().where('farm_id', '=', farmId);
    if (state === 'active') query = query.where('state', '!=', 'resolved');
    else if (state) query = query.where('state', '=', state);
    if (before) query = query.where('triggered_at', '<', before);
    return query.orderBy('triggered_at', 'desc').limit(limit).execute();
  },
};
