import { sql, type Insertable, type RawBuilder, type Selectable, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { AlertRuleTable, AlertState, AlertTable, RuleKind } from './alerts.tables.js';
import { VPD } from './alerts.engine.js';

export type RuleRow = Selectable<AlertRuleTable>;
export type AlertRow = Selectable<AlertTable>;
/** A rule of the farm's own: any kind but `watched`. */
export type OwnRuleRow = RuleRow & { kind: Exclude<RuleKind, 'watched'> };

/**
 * Device `d` is at the location `location` or below it, or is the scale of a hive standing there: what a
 * rule's location means.
 */
const atLocation = (farmId: string, location: RawBuilder<unknown>) =>
  sql<boolean>`(d.location_id in (select id from locations l where l.farm_id = ${farmId} and (l.id = ${location} or ${location} = any(l.path)))
    or exists (select 1 from hives h where h.device_id = d.id and h.apiary_id = ${location}))`;

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
  /** A rule of the farm's own (watched rules belong to the module that decides them: not found here). */
  findRule(tx: Tx, farmId: string, id: string): Promise<OwnRuleRow | undefined> {
    return tx
      .selectFrom('alert_rules')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .where('kind', '!=', 'watched')
      .executeTakeFirst() as Promise<OwnRuleRow | undefined>;
  },
  rules(tx: Tx, farmId: string, kinds?: RuleKind[]): Promise<RuleRow[]> {
    let query = tx.selectFrom('alert_rules').selectAll().where('farm_id', '=', farmId);
    if (kinds) query = query.where('kind', 'in', kinds).where('enabled', '=', true);
    else query = query.where('kind', '!=', 'watched');
    return query.orderBy('name').execute();
  },
  async removeRule(tx: Tx, farmId: string, id: string): Promise<boolean> {
    return (
      Number(
        (
          await tx
            .deleteFrom('alert_rules')
            .where('farm_id', '=', farmId)
            .where('id', '=', id)
            .where('kind', '!=', 'watched')
            .executeTakeFirst()
        ).numDeletedRows,
      ) > 0
    );
  },
  /** The watched rules at these locations (one per location and condition key, the key in `preset`). */
  watchedRules(tx: Tx, farmId: string, locationIds: string[]): Promise<RuleRow[]> {
    if (locationIds.length === 0) return Promise.resolve([]);
    return tx
      .selectFrom('alert_rules')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('kind', '=', 'watched')
      .where('location_id', 'in', locationIds)
      .execute();
  },
  /** A location's watched rule for a condition key, made on first use. */
  async watchedRule(tx: Tx, row: Insertable<AlertRuleTable>): Promise<RuleRow> {
    await tx
      .insertInto('alert_rules')
      .values(row)
      .onConflict((oc) => oc.columns(['farm_id', 'location_id', 'preset']).where('preset', 'is not', null).doNothing())
      .execute();
    return tx
      .selectFrom('alert_rules')
      .selectAll()
      .where('farm_id', '=', row.farm_id)
      .where('location_id', '=', row.location_id!)
      .where('preset', '=', row.preset!)
      .executeTakeFirstOrThrow();
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
   * in it — one query for all the farm's threshold rules (on `metrics` only, when given). VPD rules are
   * not among them: no device sends it (`vpdAggregates`).
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
        and ru.metric <> ${VPD}
        ${metrics ? sql`and ru.metric = any(${metrics}::text[])` : sql``}
        and (ru.location_id is null or ${atLocation(farmId, sql`ru.location_id`)})`.execute(tx);
    return rows;
  },

  /**
   * Every VPD rule's aggregate over its window, for every device it watches that reports both
   * temperature and humidity: VPD per moment both were read (one payload carries both), then the
   * rule's aggregate over those values.
   */
  async vpdAggregates(
    tx: Tx,
    farmId: string,
    now: Date,
  ): Promise<Array<{ rule_id: string; device_id: string; value: number }>> {
    // Tetens, as the crops module's environment engine computes it: 0.6108·exp(17.27·T/(T+237.3))·(1 − RH/100),
    // RH taken within 0–100 %. Temperatures at or below -100 °C are no air's (a sensor's error value): left out,
    // since exp() in SQL raises on overflow and one such reading would stop every rule of the farm.
    const { rows } = await sql<{ rule_id: string; device_id: string; value: number }>`
      select ru.id as rule_id, st.device_id, w.value
      from alert_rules ru
      join series st on st.farm_id = ru.farm_id and st.metric = 'temperature' and (ru.device_id is null or st.device_id = ru.device_id)
      join series sh on sh.farm_id = ru.farm_id and sh.device_id = st.device_id and sh.metric = 'humidity'
      join devices d on d.id = st.device_id and d.active
      cross join lateral (
        select (case ru.aggregate
            when 'min' then min(v.vpd) when 'max' then max(v.vpd) when 'avg' then avg(v.vpd)
            when 'last' then (array_agg(v.vpd order by v.ts desc))[1]
            else (array_agg(v.vpd order by v.ts desc))[1] - (array_agg(v.vpd order by v.ts))[1] end)::float8 as value
        from (
          select t.ts, 0.6108 * exp(17.27 * t.value / (t.value + 237.3)) * (1 - least(greatest(h.value, 0), 100) / 100) as vpd
          from readings t
          join readings h on h.series_id = sh.id and h.ts = t.ts
            and h.ts >= ${now}::timestamptz - make_interval(secs => ru.window_s)
          where t.series_id = st.id and t.ts >= ${now}::timestamptz - make_interval(secs => ru.window_s)
            and t.value > -100
        ) v) w
      where ru.farm_id = ${farmId} and ru.enabled and ru.kind = 'threshold' and ru.metric = ${VPD} and w.value is not null
        and (ru.location_id is null or ${atLocation(farmId, sql`ru.location_id`)})`.execute(tx);
    return rows;
  },

  /** Whether an active device the rule would watch (the one, or those at the location) reports both temperature and humidity. */
  async vpdSourceExists(tx: Tx, farmId: string, scope: { device_id: string | null; location_id: string | null }) {
    const { rows } = await sql<{ found: boolean }>`
      select exists (
        select 1 from devices d
        where d.farm_id = ${farmId} and d.active
          ${scope.device_id ? sql`and d.id = ${scope.device_id}` : sql``}
          ${scope.location_id ? sql`and ${atLocation(farmId, sql`${scope.location_id}::uuid`)}` : sql``}
          and exists (select 1 from series s where s.farm_id = ${farmId} and s.device_id = d.id and s.metric = 'temperature')
          and exists (select 1 from series s where s.farm_id = ${farmId} and s.device_id = d.id and s.metric = 'humidity')
      ) as found`.execute(tx);
    return rows[0]?.found ?? false;
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
