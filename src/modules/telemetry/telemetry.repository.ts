import { sql } from 'kysely';
import type { Database, Tx } from '../../platform/db/database.js';
import { isUuid } from '../../platform/ids.js';
import { partitionName, weekStart } from './telemetry.engine.js';
import type { Retention } from './telemetry.schemas.js';

export interface SeriesKey {
  deviceId: string;
  metric: string;
  unit: string | null;
}

export const DEFAULT_RETENTION: Retention = { raw_days: 90, hourly_days: 730, daily_days: 1825 };

export interface RawPoint {
  ts: Date;
  value: number;
  quality: number;
}
export interface RollupPoint {
  ts: Date;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
}

const seriesKey = (deviceId: string, metric: string) => `${deviceId}|${metric}`;

/** A PostgreSQL array literal of finite numbers (callers check finiteness: NaN would read as text). */
const numberArray = (numbers: number[]) => `{${numbers.join(',')}}`;

export const telemetryRepository = {
  async retention(tx: Tx, farmId: string): Promise<Retention> {
    const row = await tx
      .selectFrom('telemetry_settings')
      .select(['raw_days', 'hourly_days', 'daily_days'])
      .where('farm_id', '=', farmId)
      .executeTakeFirst();
    return row ?? DEFAULT_RETENTION;
  },

  /** The farm's devices with these labels, and its raw retention: what ingest checks, in one query. */
  async ingestTargets(
    tx: Tx,
    farmId: string,
    labels: string[],
  ): Promise<{ devices: Map<string, string>; rawDays: number }> {
    const { rows } = await sql<{ id: string | null; device_id: string | null; raw_days: number | null }>`
      select d.id, d.device_id, (select raw_days from telemetry_settings where farm_id = ${farmId}) as raw_days
      from (select ${farmId}::uuid as farm_id) f
      left join devices d on d.farm_id = f.farm_id and d.device_id = any(${labels}::text[])`.execute(tx);
    return {
      devices: new Map(rows.filter((r) => r.id !== null).map((r) => [r.device_id!, r.id!])),
      rawDays: rows[0]?.raw_days ?? DEFAULT_RETENTION.raw_days,
    };
  },

  async setRetention(tx: Tx, farmId: string, days: Retention): Promise<void> {
    await tx
      .insertInto('telemetry_settings')
      .values({ farm_id: farmId, ...days })
      .onConflict((oc) => oc.column('farm_id').doUpdateSet(days))
      .execute();
  },

  /**
   * The series ids for these (device, metric) pairs, made where missing. Inserted in one order
   * (device, metric) whatever the batch's: two writers making overlapping new series then wait for
   * each other in turn instead of each holding a key the other needs (a deadlock, seen as 409).
   */
  async ensureSeries(tx: Tx, farmId: string, keys: SeriesKey[], now: Date): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const devices = keys.map((k) => k.deviceId);
    const metrics = keys.map((k) => k.metric);
    const units = keys.map((k) => k.unit);
    await sql`insert into series (farm_id, device_id, metric, unit, created_at)
      select ${farmId}::uuid, d, m, u, ${now}::timestamptz from unnest(${devices}::uuid[], ${metrics}::text[], ${units}::text[]) as x(d, m, u)
      order by d, m
      on conflict (farm_id, device_id, metric) do nothing`.execute(tx);
    const { rows } = await sql<{ id: number; device_id: string; metric: string }>`
      select s.id, s.device_id, s.metric from series s
      join unnest(${devices}::uuid[], ${metrics}::text[]) as x(d, m) on s.device_id = x.d and s.metric = x.m
      where s.farm_id = ${farmId}`.execute(tx);
    return new Map(rows.map((r) => [seriesKey(r.device_id, r.metric), Number(r.id)]));
  },

  seriesKey,

  /**
   * Inserts readings; a series that already has a value at that millisecond — or one earlier in this
   * batch — keeps it. Returns how many were stored, and — when `returning` — which (series id and
   * epoch ms), for the live hub. Marks the touched hours for the rollup job.
   */
  async insertReadings(
    tx: Tx,
    farmId: string,
    rows: { seriesId: number; ts: Date; value: number; quality: number }[],
    receivedAt: Date,
    returning = false,
  ): Promise<{ count: number; stored: { s: number; t: number }[] | undefined }> {
    if (rows.length === 0) return { count: 0, stored: returning ? [] : undefined };
    // In index order (series, then time): each series' rows go into its part of the primary key one
    // after another instead of jumping between series. The sort is stable, so of two readings for one
    // series and millisecond the first sent still comes first.
    const epochs = rows.map((r) => r.ts.getTime());
    const order = rows
      .map((_, i) => i)
      .sort((a, b) => rows[a]!.seriesId - rows[b]!.seriesId || epochs[a]! - epochs[b]!);
    // Numbers need no quoting: the array literals are joined here, much cheaper than the driver's
    // element-by-element encoding of 20,000 values. Epoch milliseconds are cheaper than timestamp text.
    const ids = numberArray(order.map((i) => rows[i]!.seriesId));
    const stamps = numberArray(order.map((i) => epochs[i]!));
    const values = numberArray(order.map((i) => rows[i]!.value));
    const qualities = numberArray(order.map((i) => rows[i]!.quality));
    // unnest yields the rows in array order and a plain INSERT … SELECT keeps it, so within a batch the
    // first of two readings for one series and millisecond is the one stored.
    const result = await sql<{ s: number; t: number }>`
      insert into readings (series_id, ts, value, quality, received_at, farm_id)
      select s, to_timestamp(t / 1000.0), v, q, ${receivedAt}::timestamptz, ${farmId}::uuid
      from unnest(${ids}::bigint[], ${stamps}::float8[], ${values}::float8[], ${qualities}::int2[]) as x(s, t, v, q)
      on conflict (series_id, ts) do nothing
      ${returning ? sql`returning series_id as s, (extract(epoch from ts) * 1000)::float8 as t` : sql``}`.execute(tx);
    // The hours touched, for the rollup job (computed here: a handful of rows, not one per reading).
    const hours = new Map<string, { seriesId: number; hour: number }>();
    for (const r of rows) {
      const hour = Math.floor(r.ts.getTime() / 3_600_000) * 3_600_000;
      hours.set(`${r.seriesId}|${hour}`, { seriesId: r.seriesId, hour });
    }
    // In key order too, for the same reason as the series.
    const touched = [...hours.values()].sort((a, b) => a.seriesId - b.seriesId || a.hour - b.hour);
    await sql`insert into rollup_dirty (series_id, hour, farm_id)
      select s, to_timestamp(h / 1000.0), ${farmId}::uuid from unnest(${touched.map((t) => t.seriesId)}::bigint[], ${touched.map((t) => t.hour)}::float8[]) as x(s, h)
      on conflict do nothing`.execute(tx);
    return returning
      ? { count: result.rows.length, stored: result.rows }
      : { count: Number(result.numAffectedRows ?? 0), stored: undefined };
  },

  /**
   * The newest `perSeries` readings of each series of the farm, optionally only some devices (ids or
   * labels) and metrics, at most `maxSeries` series; oldest first within a series.
   */
  async recent(
    tx: Tx,
    farmId: string,
    filter: { devices?: string[] | undefined; metrics?: string[] | undefined },
    perSeries: number,
    maxSeries: number,
  ) {
    const devices = filter.devices && filter.devices.length > 0 ? filter.devices : null;
    const metrics = filter.metrics && filter.metrics.length > 0 ? filter.metrics : null;
    const { rows } = await sql<{ device: string; metric: string; ts: Date; value: number; quality: number }>`
      with chosen as (
        select s.id, d.device_id as device, s.metric from series s join devices d on d.id = s.device_id
        where s.farm_id = ${farmId}
          ${devices ? sql`and (d.device_id = any(${devices}::text[]) or d.id::text = any(${devices}::text[]))` : sql``}
          ${metrics ? sql`and s.metric = any(${metrics}::text[])` : sql``}
        order by d.device_id, s.metric limit ${maxSeries})
      select c.device, c.metric, r.ts, r.value, r.quality from chosen c
      cross join lateral (select ts, value, quality from readings where series_id = c.id order by ts desc limit ${perSeries}) r
      order by c.device, c.metric, r.ts`.execute(tx);
    return rows;
  },

  /**
   * Points come back as one JSON text, not a row each: on the embedded database, passing and parsing
   * 1,440 rows cost more than finding them; JSON.parse of one text is cheap on both databases.
   */
  async rawPoints(tx: Tx, seriesId: number, from: Date, to: Date, limit: number): Promise<RawPoint[]> {
    const { rows } = await sql<{ points: string }>`
      select coalesce(json_agg(json_build_array((extract(epoch from ts) * 1000)::float8, value, quality) order by ts), '[]')::text as points
      from (select ts, value, quality from readings where series_id = ${seriesId} and ts >= ${from} and ts < ${to}
        order by ts limit ${limit}) as x`.execute(tx);
    return (JSON.parse(rows[0]!.points) as [number, number, number][]).map(([ts, value, quality]) => ({
      ts: new Date(ts),
      value,
      quality,
    }));
  },

  async countRaw(tx: Tx, seriesId: number, from: Date, to: Date, upTo: number): Promise<number> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from (select 1 from readings
      where series_id = ${seriesId} and ts >= ${from} and ts < ${to} limit ${upTo}) as x`.execute(tx);
    return rows[0]?.n ?? 0;
  },

  async rollupPoints(
    tx: Tx,
    table: 'readings_hourly' | 'readings_daily',
    seriesId: number,
    from: Date,
    to: Date,
  ): Promise<RollupPoint[]> {
    // One JSON text, as rawPoints.
    const { rows } = await sql<{ points: string }>`
      select coalesce(json_agg(json_build_array((extract(epoch from bucket) * 1000)::float8, min, max, sum, count, last) order by bucket), '[]')::text as points
      from ${sql.table(table)} where series_id = ${seriesId} and bucket >= ${from} and bucket < ${to}`.execute(tx);
    return (JSON.parse(rows[0]!.points) as number[][]).map(([ts, min, max, sum, count, last]) => ({
      ts: new Date(ts!),
      min: min!,
      max: max!,
      sum: sum!,
      count: count!,
      last: last!,
    }));
  },

  /** A device (by id or label) and its series of `metric`, in one look-up: undefined when no such device. */
  async deviceSeries(
    tx: Tx,
    farmId: string,
    deviceRef: string,
    metric: string,
  ): Promise<{ seriesId: number | null; unit: string | null } | undefined> {
    const { rows } = await sql<{ series_id: number | null; unit: string | null }>`
      select s.id as series_id, s.unit from devices d
      left join series s on s.farm_id = d.farm_id and s.device_id = d.id and s.metric = ${metric}
      where d.farm_id = ${farmId} and ${isUuid(deviceRef) ? sql`d.id = ${deviceRef}::uuid` : sql`d.device_id = ${deviceRef}`}`.execute(
      tx,
    );
    const row = rows[0];
    return row && { seriesId: row.series_id === null ? null : Number(row.series_id), unit: row.unit };
  },

  findSeries(tx: Tx, farmId: string, deviceId: string, metric: string) {
    return tx
      .selectFrom('series')
      .selectAll()
      .where('farm_id', '=', farmId)
      .where('device_id', '=', deviceId)
      .where('metric', '=', metric)
      .executeTakeFirst();
  },

  /** The newest reading of each metric of a device. */
  async latest(tx: Tx, farmId: string, deviceId: string) {
    const { rows } = await sql<{ metric: string; unit: string | null; ts: Date; value: number; quality: number }>`
      select s.metric, s.unit, r.ts, r.value, r.quality from series s
      cross join lateral (select ts, value, quality from readings where series_id = s.id order by ts desc limit 1) r
      where s.farm_id = ${farmId} and s.device_id = ${deviceId} order by s.metric`.execute(tx);
    return rows;
  },

  /** The series of `metric` of devices standing at these locations (the device's own location). */
  async seriesAtLocations(tx: Tx, farmId: string, locationIds: string[], metric: string) {
    if (locationIds.length === 0) return [];
    const { rows } = await sql<{ series_id: string; device_id: string; device: string; location_id: string }>`
      select s.id as series_id, d.id as device_id, d.device_id as device, d.location_id from devices d
      join series s on s.farm_id = d.farm_id and s.device_id = d.id and s.metric = ${metric}
      where d.farm_id = ${farmId} and d.location_id = any(${locationIds}::uuid[])
      order by d.device_id`.execute(tx);
    return rows.map((r) => ({ ...r, series_id: Number(r.series_id) }));
  },

  /** A device's series of `metric` (the device by id or label); undefined when it has none. */
  async seriesOfDevice(tx: Tx, farmId: string, device: string, metric: string) {
    const { rows } = await sql<{ series_id: string; device_id: string; device: string }>`
      select s.id as series_id, d.id as device_id, d.device_id as device from devices d
      join series s on s.farm_id = d.farm_id and s.device_id = d.id and s.metric = ${metric}
      where d.farm_id = ${farmId} and (d.device_id = ${device} or d.id::text = ${device})`.execute(tx);
    const row = rows[0];
    return row && { ...row, series_id: Number(row.series_id) };
  },

  /** Which device a series belongs to. */
  async seriesById(tx: Tx, farmId: string, seriesIds: number[]) {
    if (seriesIds.length === 0) return [];
    const { rows } = await sql<{ series_id: string; device_id: string; device: string; metric: string }>`
      select s.id as series_id, d.id as device_id, d.device_id as device, s.metric from series s
      join devices d on d.id = s.device_id
      where s.farm_id = ${farmId} and s.id = any(${seriesIds}::bigint[])`.execute(tx);
    return rows.map((r) => ({ ...r, series_id: Number(r.series_id) }));
  },

  /** Daily rollups (farm-local days) of some series from `from` (inclusive) to `to` (exclusive). */
  async dailyOf(tx: Tx, seriesIds: number[], from: Date, to: Date) {
    if (seriesIds.length === 0) return [];
    const { rows } = await sql<{
      series_id: string;
      bucket: Date;
      min: number;
      max: number;
      sum: number;
      count: number;
      hours: number | null;
    }>`
      select series_id, bucket, min, max, sum, count, hours from readings_daily
      where series_id = any(${seriesIds}::bigint[]) and bucket >= ${from} and bucket < ${to}
      order by bucket, series_id`.execute(tx);
    return rows.map((r) => ({ ...r, series_id: Number(r.series_id), count: Number(r.count) }));
  },

  /** The newest reading of each series. */
  async latestOfSeries(tx: Tx, seriesIds: number[]) {
    if (seriesIds.length === 0) return [];
    const { rows } = await sql<{ series_id: string; ts: Date; value: number }>`
      select s.id as series_id, r.ts, r.value from unnest(${seriesIds}::bigint[]) as s(id)
      cross join lateral (select ts, value from readings where series_id = s.id order by ts desc limit 1) r`.execute(
      tx,
    );
    return rows.map((r) => ({ ...r, series_id: Number(r.series_id) }));
  },

  /** Whether hours before `before` of the farm still wait for the rollup job (its days are not final yet). */
  async rollupPending(tx: Tx, farmId: string, before: Date): Promise<boolean> {
    const row = await tx
      .selectFrom('rollup_dirty')
      .select('hour')
      .where('farm_id', '=', farmId)
      .where('hour', '<', before)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  },

  /** Dirty hours to roll up, locked so two workers take different ones. */
  async takeDirty(tx: Tx, limit: number) {
    return tx.selectFrom('rollup_dirty').selectAll().orderBy('hour').limit(limit).forUpdate().skipLocked().execute();
  },

  /**
   * Recomputes one hour of one series from raw readings, and the farm-local day around it.
   * Buckets left with no readings are removed.
   */
  async rollUp(tx: Tx, seriesId: number, hour: Date, farmId: string, timeZone: string): Promise<void> {
    await rebuildBucket(tx, 'readings_hourly', seriesId, farmId, hour, new Date(hour.getTime() + 3_600_000));
    // The local day holding this hour, and the next local midnight (a day is 23 to 25 hours long).
    const { rows } = await sql<{ day: Date; end: Date }>`
      select day, date_trunc('day', day + interval '26 hours', ${timeZone}::text) as end
      from (select date_trunc('day', ${hour}::timestamptz, ${timeZone}::text) as day) as d`.execute(tx);
    const { day, end } = rows[0]!;
    await rebuildBucket(tx, 'readings_daily', seriesId, farmId, day, end);
  },

  async clearDirty(tx: Tx, seriesId: number, hour: Date): Promise<void> {
    await tx.deleteFrom('rollup_dirty').where('series_id', '=', seriesId).where('hour', '=', hour).execute();
  },

  async farmTimeZone(tx: Tx, farmId: string): Promise<string> {
    const row = await tx.selectFrom('farms').select('time_zone').where('id', '=', farmId).executeTakeFirst();
    return row?.time_zone ?? 'UTC';
  },

  /** Deletes up to `limit` rows older than `before` from one farm's table; returns how many. */
  async deleteOlder(
    tx: Tx,
    table: 'readings' | 'readings_hourly' | 'readings_daily',
    farmId: string,
    before: Date,
    limit: number,
  ): Promise<number> {
    const column = table === 'readings' ? 'ts' : 'bucket';
    const { rows } = await sql<{ n: number }>`with gone as (
        delete from ${sql.table(table)} where ctid in (select ctid from ${sql.table(table)}
          where farm_id = ${farmId} and ${sql.ref(column)} < ${before} limit ${limit})
        returning 1) select count(*)::int as n from gone`.execute(tx);
    return rows[0]?.n ?? 0;
  },

  farmsWithRetention(tx: Tx) {
    return tx
      .selectFrom('farms')
      .leftJoin('telemetry_settings', 'telemetry_settings.farm_id', 'farms.id')
      .select([
        'farms.id',
        'telemetry_settings.raw_days',
        'telemetry_settings.hourly_days',
        'telemetry_settings.daily_days',
      ])
      .execute();
  },
};

/** Replaces one rollup bucket [from, to) of a series with the aggregate of its raw readings. */
async function rebuildBucket(
  tx: Tx,
  table: 'readings_hourly' | 'readings_daily',
  seriesId: number,
  farmId: string,
  from: Date,
  to: Date,
): Promise<void> {
  await tx.deleteFrom(table).where('series_id', '=', seriesId).where('bucket', '=', from).execute();
  if (table === 'readings_daily') {
    // A day also says how many of its hours had readings (growing degree days trust only full days).
    await sql`insert into readings_daily (series_id, bucket, farm_id, min, max, sum, count, last, last_ts, hours)
      select ${seriesId}::bigint, ${from}::timestamptz, ${farmId}::uuid, min(value), max(value), sum(value), count(*),
        (array_agg(value order by ts desc))[1], max(ts), count(distinct date_trunc('hour', ts))
      from readings where series_id = ${seriesId} and ts >= ${from} and ts < ${to}
      having count(*) > 0`.execute(tx);
    return;
  }
  await sql`insert into ${sql.table(table)} (series_id, bucket, farm_id, min, max, sum, count, last, last_ts)
    select ${seriesId}::bigint, ${from}::timestamptz, ${farmId}::uuid, min(value), max(value), sum(value), count(*),
      (array_agg(value order by ts desc))[1], max(ts)
    from readings where series_id = ${seriesId} and ts >= ${from} and ts < ${to}
    having count(*) > 0`.execute(tx);
}

/**
 * Weekly partitions of the raw readings table. DDL runs as the owning role (outside any scoped
 * transaction); partitions known to exist are remembered per process.
 */
export class ReadingPartitions {
  readonly #known = new Set<string>();
  readonly #making = new Map<string, Promise<void>>();

  constructor(private readonly db: Database) {}

  /** Whether some of these instants fall in a week whose partition this process has not seen yet. */
  mayMake(instants: Iterable<Date>): boolean {
    const days = new Set<number>();
    for (const instant of instants) days.add(Math.floor(instant.getTime() / 86_400_000));
    for (const day of days) if (!this.#known.has(partitionName(weekStart(new Date(day * 86_400_000))))) return true;
    return false;
  }

  /** Makes sure the partitions holding these instants exist. */
  async ensureFor(instants: Iterable<Date>): Promise<void> {
    // Distinct days first (cheap numbers), then their weeks: a batch holds thousands of instants.
    const days = new Set<number>();
    for (const instant of instants) days.add(Math.floor(instant.getTime() / 86_400_000));
    const weeks = new Map<string, Date>();
    for (const day of days) {
      const week = weekStart(new Date(day * 86_400_000));
      weeks.set(partitionName(week), week);
    }
    const missing = [...weeks].filter(([name]) => !this.#known.has(name));
    if (missing.length > 0) await Promise.all(missing.map(([name, week]) => this.#ensure(name, week)));
  }

  /** One making per partition in this process: concurrent ingests of a new week wait for the same one. */
  #ensure(name: string, week: Date): Promise<void> {
    let making = this.#making.get(name);
    if (!making) {
      making = this.#make(name, week)
        .then(() => void this.#known.add(name))
        .finally(() => this.#making.delete(name));
      this.#making.set(name, making);
    }
    return making;
  }

  async #make(name: string, week: Date): Promise<void> {
    // After a restart the partition is usually there: a catalogue look-up, no DDL.
    const { rows } = await this.db.raw.executeSql(`select to_regclass('${name}') is not null as present`);
    if ((rows[0] as { present: boolean } | undefined)?.present) return;
    const end = new Date(week.getTime() + 7 * 86_400_000);
    try {
      // Processes starting together make the same partition: one at a time, under a lock held to the end
      // of this (implicit) transaction, for two REVOKEs on one table race on its catalogue row ("tuple
      // concurrently updated"). The app role reaches readings only through the parent, where the farm
      // policy applies; a partition read directly would bypass it, so the role gets no rights on it.
      await this.db.raw.executeSql(`select pg_advisory_xact_lock(hashtext('croft.readings.partitions'));
        create table if not exists ${name} partition of readings
          for values from ('${week.toISOString()}') to ('${end.toISOString()}');
        revoke all on ${name} from croft_app`);
    } catch (error) {
      // Made by another process at the same moment, seen before its commit.
      if (!['42P07', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
    }
  }

  /** Partitions wholly older than `before`, oldest first. */
  async listOlderThan(before: Date): Promise<string[]> {
    const { rows } = await this.db.raw.executeSql(`select c.relname as name from pg_inherits i
      join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
      where p.relname = 'readings' and c.relname ~ '^readings_w[0-9]{8}$' order by c.relname`);
    return (rows as { name: string }[])
      .map((r) => r.name)
      .filter((name) => {
        const start = new Date(`${name.slice(10, 14)}-${name.slice(14, 16)}-${name.slice(16, 18)}T00:00:00Z`);
        return start.getTime() + 7 * 86_400_000 <= before.getTime();
      });
  }

  async drop(name: string): Promise<void> {
    if (!/^readings_w[0-9]{8}$/.test(name)) throw new Error(`not a readings partition: ${name}`);
    await this.db.raw.executeSql(`drop table if exists ${name}`);
    this.#known.delete(name);
  }
}
