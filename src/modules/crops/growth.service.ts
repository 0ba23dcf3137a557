import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { invalid } from '../../platform/errors.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime, startOfLocalDay } from '../../platform/time-zones.js';
import type { NotificationsService } from '../alerts/index.js';
import { recordAudit } from '../audit/index.js';
import { catalogReads, type GrowthPhase, type SpeciesForGrowth } from '../catalog/index.js';
import { farmReads } from '../farms/index.js';
import { locationReads } from '../locations/index.js';
import { telemetryReads } from '../telemetry/index.js';
import { classify, environmentAgainstTargets, targetRanges, vpdKpa } from './environment.engine.js';
import {
  accumulateGdd,
  addDays,
  autoMove,
  dormancyReached,
  firstFullDayInPhase,
  type DailyTemperature,
} from './growth.engine.js';
import { wholeDaysBetween } from './phases.engine.js';
import { cropsRepository, type PlantRow } from './crops.repository.js';
import { announce, growthOf, locationOr, plantOr, transition, type Moved } from './crops.moves.js';
import type { PhaseReason } from './crops.tables.js';
import type { ClimateInput } from './crops.schemas.js';
import type { CropTargets } from './targets.service.js';

interface Deps {
  db: Database;
  clock: Clock;
  log: Logger;
  live: LiveEvents;
  notifications: NotificationsService;
  cropTargets: CropTargets;
}

/** Where a location's air temperature or humidity comes from. */
export interface Sensor {
  seriesIds: number[];
  devices: string[];
  /** The location (the plant's own or one above it) the sensor belongs to. */
  locationId: string;
  /** Named for that location (location climate), or found up the tree. */
  named: boolean;
}

const DAY_MS = 86_400_000;
/** A day's rollups count as final this long after local midnight (late readings, the rollup job). */
const SETTLE_MINUTES = 30;
/** A day's record is full with readings in this many of its hours. */
const FULL_DAY_HOURS = 20;
const MANAGERS = ['manager', 'admin'] as const;

/**
 * The growth clock: growing degree days from the farm's own temperature sensors, the climate where
 * plants stand against their phase's targets, and the daily job that moves phases by themselves.
 */
export class GrowthService {
  constructor(private readonly deps: Deps) {}

  /** The growing degree days of the plant's current phase so far, day by day, with the days missing. */
  async gdd(ctx: FarmContext, ref: string) {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await plantOr(tx, ctx.farmId, ref);
      const species = await growthOf(tx, plant.species_id);
      const phase = species.sequence.phases.find((p) => p.id === plant.phase_id) ?? null;
      const base = {
        plant: plant.label,
        phase: phase?.key ?? null,
        base_temp_c: species.baseTempC,
        upper_temp_c: species.upperTempC,
        threshold: phase?.gdd ?? null,
        total: 0,
        days: [] as Array<{ day: string; gdd: number; min: number; max: number }>,
        missing: [] as string[],
      };
      if (!phase || !plant.phase_started_at)
        return { ...base, from: null, through: null, sensor: null, problem: 'The plant is in no phase yet' };
      const through = addDays(localTime(now, ctx.timeZone).date, -1);
      const from = firstFullDayInPhase(plant.phase_started_at, ctx.timeZone);
      const sensor = plant.location_id ? await this.#sensor(tx, ctx.farmId, plant.location_id, 'temperature') : null;
      if (!sensor)
        return {
          ...base,
          from,
          through,
          sensor: null,
          problem: plant.location_id
            ? 'No device at the plant’s location or above it sends temperature: name one (PUT …/locations/{id}/climate)'
            : 'The plant has no location, so no temperature to count from',
        };
      const days = await this.#dailyTemperatures(tx, sensor, from, through, ctx.timeZone);
      const result = accumulateGdd({ days, from, through, base: species.baseTempC, upperCap: species.upperTempC });
      return {
        ...base,
        from,
        through,
        total: result.total,
        days: result.counted,
        missing: result.missing,
        sensor,
        problem: null,
      };
    });
  }

  /** The latest temperature and humidity where the plant stands, VPD, and how they compare with its phase's targets. */
  async environment(ctx: FarmContext, ref: string) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await plantOr(tx, ctx.farmId, ref);
      const species = await growthOf(tx, plant.species_id);
      const phase = species.sequence.phases.find((p) => p.id === plant.phase_id) ?? null;
      const measured = plant.location_id ? await this.#measured(tx, ctx.farmId, plant.location_id) : emptyMeasured();
      const env = environmentAgainstTargets({
        temperature: measured.temperature,
        humidity: measured.humidity,
        profile: phase?.profile ?? null,
      });
      return { location_id: plant.location_id, phase: phase?.key ?? null, ...env, sensors: measured.sensors };
    });
  }

  /** A location's latest climate, and each phase its active plants are in against its targets. */
  async locationEnvironment(ctx: FarmContext, locationId: string) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await locationOr(tx, ctx.farmId, locationId, 'path.id');
      const measured = await this.#measured(tx, ctx.farmId, locationId);
      const plants = await cropsRepository.listPlants(tx, ctx.farmId, {
        location: locationId,
        subtree: true,
        active: true,
        limit: 100_000,
      });
      const species = await catalogReads.speciesForGrowth(tx, [...new Set(plants.map((p) => p.species_id))]);
      const groups = new Map<string, { speciesId: string; phase: GrowthPhase; plants: number }>();
      for (const plant of plants) {
        const phase = species.get(plant.species_id)?.sequence.phases.find((p) => p.id === plant.phase_id);
        if (!phase) continue;
        const key = `${plant.species_id}|${phase.id}`;
        const group = groups.get(key) ?? { speciesId: plant.species_id, phase, plants: 0 };
        group.plants += 1;
        groups.set(key, group);
      }
      const t = measured.temperature?.value ?? null;
      const rh = measured.humidity?.value ?? null;
      const vpd = t !== null && rh !== null ? vpdKpa(t, rh) : null;
      const env = environmentAgainstTargets({
        temperature: measured.temperature,
        humidity: measured.humidity,
        profile: null,
      });
      return {
        location_id: locationId,
        phase: null,
        ...env,
        sensors: measured.sensors,
        phases: [...groups.values()].map((g) => {
          const targets = targetRanges(g.phase.profile);
          return {
            species_id: g.speciesId,
            phase: g.phase.key,
            plants: g.plants,
            temperature: t !== null && targets.temperature ? classify(t, targets.temperature) : null,
            humidity: rh !== null && targets.humidity ? classify(rh, targets.humidity) : null,
            vpd: vpd !== null && targets.vpd ? classify(vpd, targets.vpd) : null,
            targets,
          };
        }),
      };
    });
  }

  climate(ctx: FarmContext, locationId: string) {
    return this.deps.db.farm(ctx.farmId, (tx) => this.#climateView(tx, ctx.farmId, locationId));
  }

  /** Names the series a location's air temperature (and humidity) come from; null clears one. */
  async setClimate(ctx: FarmContext, locationId: string, input: ClimateInput, meta: RequestMeta) {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await locationOr(tx, ctx.farmId, locationId, 'path.id');
      const [current] = await cropsRepository.climate(tx, ctx.farmId, [locationId]);
      const seriesFor = async (kind: 'temperature' | 'humidity', ref: ClimateInput['temperature']) => {
        if (ref === undefined) return current?.[`${kind}_series_id`] ?? null;
        if (ref === null) return null;
        const metric = ref.metric ?? kind;
        const series = await telemetryReads.seriesOfDevice(tx, ctx.farmId, ref.device, metric);
        if (!series)
          throw invalid(`Device ${ref.device} has sent no ${metric} readings in this farm`, {
            fields: [{ field: `body.${kind}`, message: `no ${metric} series for device ${ref.device}` }],
          });
        return series.series_id;
      };
      await cropsRepository.setClimate(tx, {
        farm_id: ctx.farmId,
        location_id: locationId,
        temperature_series_id: await seriesFor('temperature', input.temperature),
        humidity_series_id: await seriesFor('humidity', input.humidity),
        updated_at: now,
      });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'location.climate_set',
        category: 'crops',
        message: 'Climate sensors of a location named',
        data: {
          location_id: locationId,
          temperature: input.temperature ?? undefined,
          humidity: input.humidity ?? undefined,
        },
      });
      return this.#climateView(tx, ctx.farmId, locationId);
    });
  }

  // The daily growth job

  /**
   * Moves plants whose phase is done by days, by growing degree days, or into dormancy, for the last
   * closed local day of each farm whose rollups of that day are final. A day is run once per farm; a
   * run cut short is run again and moves no plant twice for one day.
   */
  async runDailyGrowth(): Promise<{ farms: number; moved: number }> {
    const now = this.deps.clock.now();
    const farmIds = await this.deps.db.system((tx) => cropsRepository.farmsGrowing(tx));
    let farms = 0;
    let moved = 0;
    for (const farmId of farmIds) {
      try {
        const result = await this.growFarm(farmId, now);
        if (result) {
          farms += 1;
          moved += result.moved;
        }
      } catch (error) {
        this.deps.log.error({ err: error, farmId }, 'daily growth of a farm failed (tried again next time)');
      }
    }
    return { farms, moved };
  }

  /** One farm's daily growth for the local day before `now`; undefined when not due (done, or not final yet). */
  async growFarm(farmId: string, now: Date): Promise<{ day: string; moved: number } | undefined> {
    const farm = await this.deps.db.system((tx) => farmReads.byId(tx, farmId));
    if (!farm || farm.deleted_at) return undefined;
    const zone = farm.time_zone;
    const local = localTime(now, zone);
    if (local.minuteOfDay < SETTLE_MINUTES) return undefined;
    const day = addDays(local.date, -1);
    const dayEnd = startOfLocalDay(local.date, zone);
    const plan = await this.deps.db.farm(farmId, async (tx) => {
      if (await cropsRepository.dayDone(tx, farmId, day)) return undefined;
      if (await telemetryReads.rollupPending(tx, farmId, dayEnd)) return undefined;
      const plants = await cropsRepository.growingPlants(tx, farmId);
      const species = await catalogReads.speciesForGrowth(tx, [...new Set(plants.map((p) => p.species_id))]);
      const sensors = new Map<string, Sensor | null>();
      const temperatures = new Map<string, DailyTemperature[]>();
      const due: Array<{ plant: PlantRow; moves: PlannedMove[] }> = [];
      for (const plant of plants) {
        const sp = species.get(plant.species_id);
        const phase = sp?.sequence.phases.find((p) => p.id === plant.phase_id);
        if (!sp || !phase || !plant.phase_started_at || plant.phase_started_at >= dayEnd) continue;
        let days: DailyTemperature[] = [];
        const needsClimate = sp.sequence.phases.some((p) => p.gdd !== null) || sp.sequence.dormancyRequired;
        if (needsClimate && plant.location_id) {
          if (!sensors.has(plant.location_id))
            sensors.set(plant.location_id, await this.#sensor(tx, farmId, plant.location_id, 'temperature'));
          const sensor = sensors.get(plant.location_id);
          if (sensor) {
            const key = sensor.seriesIds.join(',');
            if (!temperatures.has(key))
              temperatures.set(key, await this.#dailyTemperatures(tx, sensor, addDays(day, -400), day, zone));
            days = temperatures.get(key)!;
          }
        }
        const moves = planMoves({
          species: sp,
          phase,
          startedAt: plant.phase_started_at,
          days,
          through: day,
          zone,
          latitude: farm.latitude,
        });
        if (moves.length > 0) due.push({ plant, moves });
      }
      return { due, species };
    });
    if (!plan) return undefined;
    // What follows the places' targets (light schedules, alert rules) is brought up to date after the moves.
    const before = await this.deps.db.farm(farmId, (tx) => this.deps.cropTargets.snapshot(tx, farmId));
    const done: Moved[] = [];
    for (const { plant, moves } of plan.due) {
      // A plant's moves (several when it catches up on past days) in one transaction: all or none.
      const made = await this.deps.db.farm(farmId, async (tx) => {
        const current = await cropsRepository.findPlant(tx, farmId, plant.id, true);
        // Moved meanwhile (by hand, or by an earlier run of this day): leave it.
        if (!current || current.phase_id !== plant.phase_id || current.removed_on) return [];
        if (await cropsRepository.movedOn(tx, farmId, plant.id, moves[0]!.day)) return [];
        const sp = plan.species.get(plant.species_id)!;
        const list: Moved[] = [];
        let at = current;
        for (const move of moves) {
          const moved = await transition(tx, farmId, at, sp, {
            to: move.to,
            force: false,
            note: null,
            at: move.at,
            userId: null,
            clientId: null,
            requestHash: null,
            auto: { reason: move.reason, day: move.day },
          });
          await recordAudit(tx, this.deps.clock, {
            farmId,
            eventType: 'plant.phase_changed',
            category: 'crops',
            message: `Plant ${plant.label}: ${moved.from ?? 'no phase'} → ${move.to} (${move.reason}, ${move.day})`,
            data: { plant_id: plant.id, from: moved.from, to: move.to, reason: move.reason, day: move.day },
          });
          list.push(moved);
          at = moved.plant;
        }
        return list;
      });
      done.push(...made);
    }
    const after = await this.deps.db.farm(farmId, async (tx) => {
      await cropsRepository.finishDay(tx, farmId, day, done.length, this.deps.clock.now());
      return this.deps.cropTargets.settle(tx, { farmId, timeZone: zone }, before);
    });
    for (const m of done) announce(this.deps.live, farmId, m);
    await after();
    if (done.length > 0) await this.#tellManagers(farmId, day, done);
    return { day, moved: done.length };
  }

  async #tellManagers(farmId: string, day: string, done: Moved[]) {
    const names = done.slice(0, 5).map((m) => m.plant.label);
    const more = done.length > names.length ? ` and ${done.length - names.length} more` : '';
    try {
      await this.deps.notifications.remind(
        farmId,
        {
          title: `${done.length} plant${done.length === 1 ? '' : 's'} moved to a new phase`,
          message: `On their own clock (${day}): ${names.join(', ')}${more}.`,
          type: 'crops.phase_changed',
          data: { day, plants: done.map((m) => m.plant.id).slice(0, 100), moved: done.length },
        },
        { roles: MANAGERS },
      );
    } catch (error) {
      this.deps.log.error({ err: error, farmId }, 'telling managers of automatic phase moves failed');
    }
  }

  /**
   * Where a location's `metric` comes from: walking up from the location, the first level that names
   * a series for it (location climate) or holds devices sending it (several: averaged).
   */
  async #sensor(
    tx: Tx,
    farmId: string,
    locationId: string,
    metric: 'temperature' | 'humidity',
  ): Promise<Sensor | null> {
    const location = await locationReads.find(tx, farmId, locationId);
    if (!location) return null;
    const chain = [location, ...(await locationReads.ancestors(tx, farmId, location.path)).reverse()];
    const ids = chain.map((l) => l.id);
    const named = new Map(
      (await cropsRepository.climate(tx, farmId, ids)).map((c) => [
        c.location_id,
        metric === 'temperature' ? c.temperature_series_id : c.humidity_series_id,
      ]),
    );
    // Tanks and apiaries hold water and hive sensors, not the air a plant grows in.
    const airLevels = chain.filter((l) => l.type !== 'tank' && l.type !== 'apiary').map((l) => l.id);
    const devices = await telemetryReads.seriesAtLocations(tx, farmId, airLevels, metric);
    for (const level of chain) {
      const seriesId = named.get(level.id);
      if (seriesId != null) {
        const [series] = await telemetryReads.seriesById(tx, farmId, [seriesId]);
        return { seriesIds: [seriesId], devices: series ? [series.device] : [], locationId: level.id, named: true };
      }
      const here = devices.filter((d) => d.location_id === level.id);
      if (here.length > 0)
        return {
          seriesIds: here.map((d) => d.series_id),
          devices: here.map((d) => d.device),
          locationId: level.id,
          named: false,
        };
    }
    return null;
  }

  /** Daily temperatures of a sensor (several series averaged per day) for local days `from` … `through`. */
  async #dailyTemperatures(
    tx: Tx,
    sensor: Sensor,
    from: string,
    through: string,
    timeZone: string,
  ): Promise<DailyTemperature[]> {
    if (from > through) return [];
    // Local midnights lie within ±14 hours of UTC midnight: fetch wide, keep the local days asked for.
    const rows = await telemetryReads.dailyOf(
      tx,
      sensor.seriesIds,
      new Date(Date.parse(`${from}T00:00:00Z`) - 15 * 3_600_000),
      new Date(Date.parse(`${through}T00:00:00Z`) + DAY_MS + 15 * 3_600_000),
    );
    const byDay = new Map<string, typeof rows>();
    for (const row of rows) {
      const day = localTime(new Date(row.bucket.getTime() + 3_600_000), timeZone).date;
      if (day < from || day > through) continue;
      byDay.set(day, [...(byDay.get(day) ?? []), row]);
    }
    const days: DailyTemperature[] = [];
    for (const [day, list] of byDay) {
      const full = list.filter((r) => (r.hours ?? 0) >= FULL_DAY_HOURS);
      const use = full.length > 0 ? full : list;
      const mean = (f: (r: (typeof list)[number]) => number) => use.reduce((s, r) => s + f(r), 0) / use.length;
      days.push({
        day,
        min: mean((r) => r.min),
        max: mean((r) => r.max),
        mean: mean((r) => r.sum / Math.max(1, r.count)),
        hours: Math.max(...use.map((r) => r.hours ?? 0)),
      });
    }
    return days.sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  async #measured(tx: Tx, farmId: string, locationId: string) {
    const temperatureSensor = await this.#sensor(tx, farmId, locationId, 'temperature');
    const humiditySensor = await this.#sensor(tx, farmId, locationId, 'humidity');
    const latest = async (sensor: Sensor | null) => {
      if (!sensor) return null;
      const rows = await telemetryReads.latestOfSeries(tx, sensor.seriesIds);
      if (rows.length === 0) return null;
      return {
        value: rows.reduce((s, r) => s + r.value, 0) / rows.length,
        ts: new Date(Math.max(...rows.map((r) => r.ts.getTime()))),
      };
    };
    return {
      temperature: await latest(temperatureSensor),
      humidity: await latest(humiditySensor),
      sensors: { temperature: temperatureSensor, humidity: humiditySensor },
    };
  }

  async #climateView(tx: Tx, farmId: string, locationId: string) {
    await locationOr(tx, farmId, locationId, 'path.id');
    const [row] = await cropsRepository.climate(tx, farmId, [locationId]);
    const ids = [row?.temperature_series_id, row?.humidity_series_id].filter((id): id is number => id != null);
    const series = new Map((await telemetryReads.seriesById(tx, farmId, ids)).map((s) => [s.series_id, s]));
    const named = (id: number | null | undefined) => {
      const s = id != null ? series.get(id) : undefined;
      return s ? { device: s.device, metric: s.metric } : null;
    };
    return {
      location_id: locationId,
      temperature: named(row?.temperature_series_id),
      humidity: named(row?.humidity_series_id),
      resolved: {
        temperature: await this.#sensor(tx, farmId, locationId, 'temperature'),
        humidity: await this.#sensor(tx, farmId, locationId, 'humidity'),
      },
    };
  }
}

function emptyMeasured() {
  return { temperature: null, humidity: null, sensors: { temperature: null, humidity: null } };
}

interface PlannedMove {
  to: string;
  reason: PhaseReason;
  /** The farm-local day the rule was reached. */
  day: string;
  /** When the move counts as made: the end of that day (the next phase begins at local midnight). */
  at: Date;
}

/** How many phases one plant may move through in one run (catching up on days recorded late). */
const MAX_MOVES_PER_RUN = 20;

/**
 * The automatic moves a plant is due through `through`: normally none or one (reached on that day);
 * a plant recorded after the fact, or data back-filled, may have reached several rules on earlier days
 * — each move is then placed on the day its rule was reached, and the next phase judged from there.
 */
function planMoves(input: {
  species: SpeciesForGrowth;
  phase: GrowthPhase;
  startedAt: Date;
  days: DailyTemperature[];
  through: string;
  zone: string;
  latitude: number | null;
}): PlannedMove[] {
  const { species, through, zone, days } = input;
  const phases = species.sequence.phases;
  const byDay = new Map(days.map((d) => [d.day, d]));
  const judge = (phase: GrowthPhase, startedAt: Date, day: string, gddTotal: number | null) =>
    autoMove({
      phase,
      next: phases[phases.indexOf(phase) + 1] ?? null,
      daysInPhase: wholeDaysBetween(startedAt, startOfLocalDay(addDays(day, 1), zone)),
      gdd: phase.gdd !== null && days.length > 0 ? { total: gddTotal ?? 0 } : null,
      sequence: species.sequence,
      dormancy: species.sequence.dormancyRequired
        ? dormancyReached({
            days: Array.from({ length: 14 }, (_, i) => byDay.get(addDays(day, i - 13))).filter(
              (d): d is DailyTemperature => d !== undefined,
            ),
            through: day,
            baseTempC: species.baseTempC,
            criticalDayLengthH: species.criticalDayLengthH,
            latitude: input.latitude,
          })
        : null,
      currentKey: phase.key,
    });
  const moves: PlannedMove[] = [];
  let phase = input.phase;
  let startedAt = input.startedAt;
  while (moves.length < MAX_MOVES_PER_RUN) {
    const from = firstFullDayInPhase(startedAt, zone);
    const gdd =
      phase.gdd !== null && days.length > 0
        ? accumulateGdd({ days, from, through, base: species.baseTempC, upperCap: species.upperTempC })
        : null;
    // Nothing due on the last day means nothing was due before it (days and GDD only grow).
    if (!judge(phase, startedAt, through, gdd?.total ?? null)) break;
    const perDay = new Map(gdd?.counted.map((c) => [c.day, c.gdd]));
    let total = 0;
    let reached: { day: string; to: string; reason: PhaseReason } | undefined;
    const first = localTime(startedAt, zone).date;
    for (let day = first; day <= through; day = addDays(day, 1)) {
      if (day >= from) total += perDay.get(day) ?? 0;
      const move = judge(phase, startedAt, day, day >= from ? total : 0);
      if (move) {
        reached = { day, to: move.to, reason: move.reason };
        break;
      }
    }
    if (!reached) break;
    const at = startOfLocalDay(addDays(reached.day, 1), zone);
    moves.push({ ...reached, at });
    const next = phases.find((p) => p.key === reached.to);
    if (!next) break;
    phase = next;
    startedAt = at;
    if (startedAt > startOfLocalDay(through, zone)) break;
  }
  return moves;
}
