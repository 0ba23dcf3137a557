import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { invalid, notFound } from '../../platform/errors.js';
import { inSlices } from '../../platform/db/slices.js';
import type { Hooks } from '../../platform/hooks.js';
import type { Logger } from '../../platform/logger.js';
import type { BusReading, LiveEvents } from '../../platform/live/events.js';
import { deviceReads } from '../devices/index.js';
import {
  autoResolution,
  checkReading,
  METRIC_UNITS,
  RAW_CAP,
  AUTO_MAX_POINTS,
  type RawReading,
  type Reading,
} from './telemetry.engine.js';
import {
  DEFAULT_RETENTION,
  ReadingPartitions,
  telemetryRepository,
  type RawPoint,
  type RollupPoint,
} from './telemetry.repository.js';
import type { Retention, SeriesParams } from './telemetry.schemas.js';

export interface Rejection {
  index: number;
  code: string;
  reason: string;
}

export interface IngestResult {
  accepted: number;
  duplicate: number;
  rejected: number;
  rejections: Rejection[];
}

/** Whose readings may be written: a device may write only its own. */
export interface IngestScope {
  farmId: string;
  /** Set when a device posts with its own credentials: its label. */
  onlyDevice?: string | undefined;
}

/** A series query as the querystring has it, with its times as dates and the resolution decided. */
export type SeriesQuery = Omit<SeriesParams, 'from' | 'to' | 'resolution'> & {
  from: Date;
  to: Date;
  resolution: NonNullable<SeriesParams['resolution']>;
};

export type SeriesAnswer =
  | { resolution: 'raw'; unit: string | null; points: RawPoint[] }
  | { resolution: 'hour' | 'day'; unit: string | null; points: RollupPoint[] };

declare module '../../platform/hooks.js' {
  interface HookEvents {
    /** Readings of a farm were committed, with their metrics (condition schedules, alert rules look at them). */
    'telemetry.readings-arrived': { farmId: string; metrics: ReadonlySet<string> };
  }
}

interface Deps {
  db: Database;
  clock: Clock;
  log: Logger;
  live: LiveEvents;
  hooks: Hooks;
}

/** Sensor readings: ingest without loss, rollups, retention and queries. */
export class TelemetryService {
  readonly partitions: ReadingPartitions;
  /**
   * Series ids by device id and metric. A series never changes its id and is deleted only with its
   * device, whose id never comes back, so what is remembered stays true; ingest looks up only the rest.
   */
  readonly #seriesIds = new Map<string, number>();

  #rememberSeries(made: Map<string, number> | undefined): void {
    if (!made) return;
    if (this.#seriesIds.size + made.size > 200_000) this.#seriesIds.clear();
    for (const [key, id] of made) this.#seriesIds.set(key, id);
  }

  constructor(private readonly deps: Deps) {
    this.partitions = new ReadingPartitions(deps.db);
  }

  /**
   * Stores a batch of readings for one farm in one transaction. Each reading is accepted, a duplicate
   * (that series already has a value at that millisecond: the first one stays), or rejected with a
   * reason; a bad reading never stops the others. Returns only after the commit.
   */
  async ingest(scope: IngestScope, raws: RawReading[], receivedAt = this.deps.clock.now()): Promise<IngestResult> {
    const { db } = this.deps;
    const rejections: Rejection[] = [];
    // The longest retention any farm may set bounds the pre-check; the farm's own is applied below.
    const checked = raws.map((raw, index) => ({ index, result: checkReading(raw ?? {}, receivedAt, 3650) }));
    const valid: { index: number; reading: Reading }[] = [];
    for (const { index, result } of checked) {
      if (!result.ok) rejections.push({ index, code: result.code, reason: result.reason });
      else if (scope.onlyDevice !== undefined && result.reading.device !== scope.onlyDevice) {
        rejections.push({
          index,
          code: 'NOT_YOUR_DEVICE',
          reason: `a device may only send its own readings (it is ${scope.onlyDevice})`,
        });
      } else valid.push({ index, reading: result.reading });
    }
    if (valid.length > 0) {
      let due = valid.map((v) => v.reading);
      if (this.partitions.mayMake(due.map((r) => r.ts))) {
        // Making a partition locks the readings table: only for readings the farm will keep (its
        // devices, within its retention), checked first; the transaction below checks them again.
        const targets = await db.farm(scope.farmId, (tx) =>
          telemetryRepository.ingestTargets(tx, scope.farmId, [...new Set(due.map((r) => r.device))]),
        );
        const oldest = receivedAt.getTime() - targets.rawDays * 86_400_000;
        due = due.filter((r) => targets.devices.has(r.device) && r.ts.getTime() >= oldest);
      }
      if (due.length > 0) await this.partitions.ensureFor(due.map((r) => r.ts));
    }
    const live = this.deps.live.wantsReadings(scope.farmId);
    let madeSeries: Map<string, number> | undefined;
    const { accepted, published } = await db.farm(scope.farmId, async (tx) => {
      const targets = await telemetryRepository.ingestTargets(tx, scope.farmId, [
        ...new Set(valid.map((v) => v.reading.device)),
      ]);
      const oldest = receivedAt.getTime() - targets.rawDays * 86_400_000;
      const keep: { reading: Reading; key: string; seriesId: number | undefined }[] = [];
      const unknown = new Map<string, { deviceId: string; metric: string; unit: string | null }>();
      for (const { index, reading } of valid) {
        const deviceId = targets.devices.get(reading.device);
        if (!deviceId)
          rejections.push({ index, code: 'UNKNOWN_DEVICE', reason: `no device "${reading.device}" in this farm` });
        else if (reading.ts.getTime() < oldest) {
          rejections.push({
            index,
            code: 'TS_TOO_OLD',
            reason: `ts is older than the raw retention (${targets.rawDays} days)`,
          });
        } else {
          const key = telemetryRepository.seriesKey(deviceId, reading.metric);
          const seriesId = this.#seriesIds.get(key);
          if (seriesId === undefined && !unknown.has(key)) {
            unknown.set(key, {
              deviceId,
              metric: reading.metric,
              unit: reading.unit ?? METRIC_UNITS[reading.metric] ?? null,
            });
          }
          keep.push({ reading, key, seriesId });
        }
      }
      // Remembered only after the commit: a series made by a transaction that rolls back does not exist.
      if (unknown.size > 0)
        madeSeries = await telemetryRepository.ensureSeries(tx, scope.farmId, [...unknown.values()], receivedAt);
      const rows = keep.map(({ reading, key, seriesId }) => ({
        seriesId: seriesId ?? madeSeries!.get(key)!,
        ts: reading.ts,
        value: reading.value,
        quality: reading.quality,
      }));
      const { count, stored } = await telemetryRepository.insertReadings(tx, scope.farmId, rows, receivedAt, live);
      return {
        accepted: count,
        published:
          stored &&
          liveReadings(
            rows,
            stored,
            keep.map((k) => k.reading),
          ),
      };
    });
    this.#rememberSeries(madeSeries);
    // After the commit: a live client never sees a reading that was rolled back.
    if (published) this.deps.live.readings(scope.farmId, published);
    if (accepted > 0 && this.deps.hooks.has('telemetry.readings-arrived')) {
      this.deps.hooks.emit('telemetry.readings-arrived', {
        farmId: scope.farmId,
        metrics: new Set(valid.map((v) => v.reading.metric)),
      });
    }
    rejections.sort((a, b) => a.index - b.index);
    return { accepted, duplicate: raws.length - rejections.length - accepted, rejected: rejections.length, rejections };
  }

  /** The newest readings of each series (the live hub's first answer to a subscription). */
  recent(
    farmId: string,
    filter: { devices?: string[] | undefined; metrics?: string[] | undefined },
    perSeries = 10,
    maxSeries = 500,
  ) {
    return this.deps.db.farm(farmId, (tx) => telemetryRepository.recent(tx, farmId, filter, perSeries, maxSeries));
  }

  /** One series over a range, at the resolution asked for (or the one `auto` picks). */
  async series(farmId: string, query: SeriesQuery): Promise<SeriesAnswer> {
    if (query.to <= query.from)
      throw invalid('`to` must be after `from`', {
        fields: [{ field: 'querystring.to', message: 'must be after from' }],
      });
    return this.deps.db.farm(farmId, async (tx) => {
      const found = await telemetryRepository.deviceSeries(tx, farmId, query.device, query.metric);
      if (!found) throw notFound('Device', { device: query.device });
      const { seriesId } = found;
      const unit = found.unit ?? METRIC_UNITS[query.metric] ?? null;
      const resolution =
        query.resolution !== 'auto'
          ? query.resolution
          : seriesId !== null
            ? autoResolution(
                await telemetryRepository.countRaw(tx, seriesId, query.from, query.to, AUTO_MAX_POINTS + 1),
                query.from,
                query.to,
              )
            : 'raw';
      if (seriesId === null) return { resolution, unit, points: [] };
      if (resolution === 'raw') {
        const points = await telemetryRepository.rawPoints(tx, seriesId, query.from, query.to, RAW_CAP + 1);
        if (points.length > RAW_CAP) {
          throw invalid(
            `More than ${RAW_CAP} raw readings in this range: ask for resolution=hour or day, or a shorter range`,
            { cap: RAW_CAP },
            'TOO_MANY_POINTS',
          );
        }
        return { resolution, unit, points };
      }
      const table = resolution === 'hour' ? 'readings_hourly' : 'readings_daily';
      return {
        resolution,
        unit,
        points: await telemetryRepository.rollupPoints(tx, table, seriesId, query.from, query.to),
      };
    });
  }

  /**
   * A range of raw readings as CSV, produced in pages of `pageSize` (each its own short transaction),
   * so a long export neither holds the database nor the memory.
   */
  async *exportCsv(
    farmId: string,
    deviceRef: string,
    metric: string,
    from: Date,
    to: Date,
    pageSize = 5_000,
  ): AsyncGenerator<string> {
    const found = await this.deps.db.farm(farmId, async (tx) => {
      const device = await deviceReads.find(tx, farmId, deviceRef);
      if (!device) throw notFound('Device', { device: deviceRef });
      return { device, series: await telemetryRepository.findSeries(tx, farmId, device.id, metric) };
    });
    yield 'device,metric,ts,value,quality\n';
    if (!found.series) return;
    let after = new Date(from.getTime() - 1);
    for (;;) {
      const seriesId = found.series.id;
      const points = await this.deps.db.farm(farmId, (tx) =>
        telemetryRepository.rawPoints(tx, seriesId, new Date(after.getTime() + 1), to, pageSize),
      );
      if (points.length === 0) return;
      yield points
        .map((p) => `${found.device.device_id},${metric},${p.ts.toISOString()},${p.value},${p.quality}\n`)
        .join('');
      after = points[points.length - 1]!.ts;
      if (points.length < pageSize) return;
    }
  }

  async latest(farmId: string, deviceRef: string) {
    return this.deps.db.farm(farmId, async (tx) => {
      const device = await deviceReads.find(tx, farmId, deviceRef);
      if (!device) throw notFound('Device', { device: deviceRef });
      return { device: device.device_id, metrics: await telemetryRepository.latest(tx, farmId, device.id) };
    });
  }

  retention(farmId: string): Promise<Retention> {
    return this.deps.db.farm(farmId, (tx) => telemetryRepository.retention(tx, farmId));
  }

  async setRetention(farmId: string, days: Retention): Promise<Retention> {
    if (days.hourly_days < days.raw_days || days.daily_days < days.hourly_days) {
      throw invalid('Keep rollups at least as long as what they summarise: raw_days ≤ hourly_days ≤ daily_days');
    }
    await this.deps.db.farm(farmId, (tx) => telemetryRepository.setRetention(tx, farmId, days));
    return days;
  }

  /** Rolls up every hour touched since the last run, in slices that leave the server responsive. */
  async rollUpDirty(): Promise<number> {
    const zones = new Map<string, string>();
    return inSlices(
      (size) =>
        this.deps.db.system(async (tx) => {
          const dirty = await telemetryRepository.takeDirty(tx, size);
          for (const d of dirty) {
            let zone = zones.get(d.farm_id);
            if (!zone) {
              zone = await telemetryRepository.farmTimeZone(tx, d.farm_id);
              zones.set(d.farm_id, zone);
            }
            await telemetryRepository.rollUp(tx, d.series_id, d.hour, d.farm_id, zone);
            await telemetryRepository.clearDirty(tx, d.series_id, d.hour);
          }
          return dirty.length;
        }),
      { initialSize: 20, maxSize: 2_000 },
    );
  }

  /**
   * Applies retention: whole weekly partitions older than every farm's raw retention are dropped;
   * farms that keep less lose their older rows in slices; rollups likewise.
   */
  async applyRetention(): Promise<{ droppedPartitions: number; deleted: number }> {
    const now = this.deps.clock.now().getTime();
    const farms = await this.deps.db.system((tx) => telemetryRepository.farmsWithRetention(tx));
    const days = (value: number | null, fallback: number) => value ?? fallback;
    const longestRaw = Math.max(
      DEFAULT_RETENTION.raw_days,
      ...farms.map((f) => days(f.raw_days, DEFAULT_RETENTION.raw_days)),
    );
    const stale = await this.partitions.listOlderThan(new Date(now - longestRaw * 86_400_000));
    for (const name of stale) await this.partitions.drop(name);
    let deleted = 0;
    for (const farm of farms) {
      const limits = [
        ['readings', days(farm.raw_days, DEFAULT_RETENTION.raw_days)],
        ['readings_hourly', days(farm.hourly_days, DEFAULT_RETENTION.hourly_days)],
        ['readings_daily', days(farm.daily_days, DEFAULT_RETENTION.daily_days)],
      ] as const;
      for (const [table, keep] of limits) {
        const before = new Date(now - keep * 86_400_000);
        deleted += await inSlices(
          (size) => this.deps.db.system((tx) => telemetryRepository.deleteOlder(tx, table, farm.id, before, size)),
          { initialSize: 1_000, maxSize: 50_000 },
        );
      }
    }
    if (stale.length > 0 || deleted > 0)
      this.deps.log.info({ droppedPartitions: stale.length, deleted }, 'telemetry retention applied');
    return { droppedPartitions: stale.length, deleted };
  }

  /** Partitions for this week and the next two, so ingest rarely has to make one. */
  async makePartitionsAhead(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    await this.partitions.ensureFor([0, 7, 14].map((d) => new Date(now + d * 86_400_000)));
  }
}

/** The stored readings (as the insert returned them) in the bus's shape, in the order they came. */
function liveReadings(
  rows: { seriesId: number; ts: Date }[],
  stored: { s: number; t: number }[],
  readings: Reading[],
): BusReading[] {
  const inserted = new Set(stored.map((r) => `${r.s}|${r.t}`));
  const out: BusReading[] = [];
  rows.forEach((row, i) => {
    const id = `${row.seriesId}|${row.ts.getTime()}`;
    if (!inserted.delete(id)) return; // a duplicate, or the second of two in one batch
    const reading = readings[i]!;
    out.push({
      device: reading.device,
      metric: reading.metric,
      ts: row.ts.getTime(),
      value: reading.value,
      quality: reading.quality,
    });
  });
  return out;
}
