import type { Clock } from '../../platform/clock.js';
import { PerKeyCoalescer } from '../../platform/coalesce.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import { isUuid } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import { RefreshedSet } from '../../platform/refreshed-set.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime, startOfLocalDay } from '../../platform/time-zones.js';
import type { AlertsService, WatchedCondition } from '../alerts/index.js';
import { recordAudit } from '../audit/index.js';
import { deviceReads } from '../devices/index.js';
import { farmReads } from '../farms/index.js';
import { locationReads } from '../locations/index.js';
import { taskReads, taskWrites } from '../tasks/index.js';
import { telemetryReads } from '../telemetry/index.js';
import {
  assessAge,
  assessState,
  CONDITIONS,
  dueItems,
  foreignItems,
  MAINTENANCE_ITEMS,
  maintenanceKey,
  sensorMeasurements,
  sensorStep,
  solutionAge,
  solutionKey,
  STATE_FIELDS,
  type Decided,
  type DueItem,
  type MaintenanceItem,
  type SolutionAge,
  type StateField,
} from './tanks.engine.js';
import {
  tanksRepository as repo,
  type TankMaintenanceRow,
  type TankSensorRow,
  type TankStateRow,
  type TankWithPlace,
} from './tanks.repository.js';
import type { MaintenanceInput, SensorsInput, StateInput, TankSettings } from './tanks.schemas.js';

interface Deps {
  db: Database;
  clock: Clock;
  log: Logger;
  alerts: AlertsService;
}

/** A tank as answered: its settings and place, newest snapshot, solution age, open alerts and maintenance due. */
export interface TankDetails {
  tank: TankWithPlace;
  state: TankStateRow | null;
  age: SolutionAge | null;
  alerts: Array<{
    key: string;
    alert: { id: string; type: string; severity: 'info' | 'warning' | 'critical'; message: string; triggered_at: Date };
  }>;
  due: DueItem[];
}

/** Tasks the tanks module makes carry this source. */
export const TANKS_SOURCE = 'tanks';
/** How far back the daily job looks for tank tasks ticked off in the task list. */
const TASK_LIST_LOOKBACK_DAYS = 30;

const ITEM_TITLES: Record<MaintenanceItem, string> = {
  water_change: 'Change the water',
  calibration: 'Calibrate the probes',
  cleaning: 'Clean',
  pump_inspection: 'Inspect the pump',
  sanitization: 'Sanitise',
  filter_change: 'Change the filter',
};

/** A recorded time may be at most this far ahead of the server's clock (a phone's clock runs fast). */
const CLOCK_SLACK_MS = 60_000;

/**
 * Tanks (locations of type tank): their settings, state snapshots by hand and from sensor readings,
 * the alerts those raise through the alerts module, the solution's age, and maintenance that becomes
 * tasks.
 */
export class TanksService {
  /** Farms with sensor mappings: only their readings are looked at. */
  readonly #sensorFarms = new RefreshedSet<string>(30_000, () =>
    this.deps.db.system((tx) => repo.farmsWithSensors(tx)),
  );
  readonly #fromSensors = new PerKeyCoalescer<ReadonlySet<string>>(
    (farmId, metrics) => this.#snapshotFromSensors(farmId, metrics),
    (a, b) => new Set([...a, ...b]),
    (error, farmId) => this.deps.log.error({ err: error, farmId }, 'tank snapshots from sensors not made'),
  );

  constructor(private readonly deps: Deps) {}

  // Settings

  /** Sets a tank's settings (the location must be of type tank); due dates that moved retire their open tasks. */
  async put(ctx: FarmContext, locationId: string, input: TankSettings, meta: RequestMeta): Promise<TankDetails> {
    const now = this.deps.clock.now();
    const overrides = input.maintenance_intervals ?? {};
    const foreign = foreignItems(input.tank_type, overrides);
    if (foreign.length > 0)
      throw invalid(`A ${input.tank_type} tank has no maintenance item ${foreign.join(', ')}`, {
        fields: foreign.map((item) => ({
          field: `body.maintenance_intervals.${item}`,
          message: 'not an item of this tank type',
        })),
      });
    const filledAt = input.filled_at ? new Date(input.filled_at) : null;
    if (filledAt && filledAt.getTime() > now.getTime() + CLOCK_SLACK_MS)
      throw invalid('filled_at is in the future', { fields: [{ field: 'body.filled_at', message: 'in the future' }] });
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const place = await locationReads.find(tx, ctx.farmId, locationId);
      if (!place) throw notFound('Location', { id: locationId });
      if (place.type !== 'tank')
        throw conflict('NOT_A_TANK', `Location ${place.name} is a ${place.type}, not a tank`, {
          location_id: locationId,
          type: place.type,
        });
      const before = await repo.find(tx, ctx.farmId, locationId, true);
      const beforeDue = before
        ? (await this.#details(tx, ctx.farmId, ctx.timeZone, [before.location_id], now))[0]
        : undefined;
      await repo.upsert(tx, {
        farm_id: ctx.farmId,
        location_id: locationId,
        tank_type: input.tank_type,
        volume_l: input.volume_l,
        solution_kind: input.solution_kind ?? null,
        filled_at: filledAt,
        maintenance_intervals: overrides,
        created_at: before?.created_at ?? now,
        updated_at: now,
      });
      const [after] = await this.#details(tx, ctx.farmId, ctx.timeZone, [locationId], now);
      if (beforeDue) {
        // A due date that moved (another interval, type or filling) leaves its open task behind: retired.
        const keep = new Set(after!.due.map((d) => maintenanceKey(locationId, d.item, d.due)));
        const moved = beforeDue.due.map((d) => maintenanceKey(locationId, d.item, d.due)).filter((k) => !keep.has(k));
        if (before?.filled_at && before.filled_at.getTime() !== filledAt?.getTime())
          moved.push(solutionKey(locationId, localTime(before.filled_at, ctx.timeZone).date));
        if (moved.length > 0) await taskWrites.retire(tx, ctx.farmId, TANKS_SOURCE, moved, now);
      }
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: before ? 'tank.updated' : 'tank.set_up',
        category: 'tanks',
        message: `Tank ${place.name} ${before ? 'changed' : 'set up'} (${input.tank_type}, ${input.volume_l} L)`,
        data: { location_id: locationId, tank_type: input.tank_type },
      });
    });
    // The type's thresholds or the filling may have changed what holds.
    await this.#assess(ctx.farmId, locationId);
    return this.get(ctx, locationId);
  }

  /** One tank, as answered. */
  get(ctx: FarmContext, locationId: string): Promise<TankDetails> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#tankOr(tx, ctx.farmId, locationId);
      return (await this.#details(tx, ctx.farmId, ctx.timeZone, [locationId], now))[0]!;
    });
  }

  /** The farm's tanks, each as answered. */
  list(ctx: FarmContext): Promise<TankDetails[]> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, (tx) => this.#details(tx, ctx.farmId, ctx.timeZone, undefined, now));
  }

  /** Maintenance of the farm's tanks with its due day and status (`today` farm-local). */
  async due(ctx: FarmContext): Promise<{ today: string; tanks: TankDetails[] }> {
    const now = this.deps.clock.now();
    return { today: localTime(now, ctx.timeZone).date, tanks: await this.list(ctx) };
  }

  // Snapshots

  /**
   * Records a snapshot measured by hand (`at` defaults to now, never later). With a client-made `id`, a
   * resend answers the first (200). The tank's alerts then follow its newest measurements.
   */
  async recordState(
    ctx: FarmContext,
    locationId: string,
    input: StateInput,
    meta: RequestMeta,
  ): Promise<{ state: TankStateRow; created: boolean }> {
    const now = this.deps.clock.now();
    const at = input.at ? new Date(input.at) : now;
    if (at.getTime() > now.getTime() + CLOCK_SLACK_MS)
      throw invalid('A snapshot is recorded once measured: at is now or earlier', {
        fields: [{ field: 'body.at', message: 'in the future' }],
      });
    if (!STATE_FIELDS.some((f) => input[f] !== undefined))
      throw invalid(`A snapshot measures at least one of ${STATE_FIELDS.join(', ')}`, {
        fields: [{ field: 'body', message: 'no measurement' }],
      });
    const result = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const tank = await this.#tankOr(tx, ctx.farmId, locationId);
      const create = async (id: string | undefined, requestHash: string | null) => {
        const row = await repo.insertState(tx, {
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          location_id: tank.location_id,
          at,
          source: 'manual',
          ...Object.fromEntries(STATE_FIELDS.map((f) => [f, input[f] ?? null])),
          through: null,
          note: input.note ?? null,
          user_id: ctx.caller.kind === 'user' ? ctx.caller.userId : null,
          request_hash: requestHash,
          created_at: now,
        });
        if (!row) return undefined;
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'tank.state_recorded',
          category: 'tanks',
          message: `Tank state measured by hand`,
          data: { location_id: tank.location_id, state_id: row.id },
        });
        return row;
      };
      if (!input.id) return { row: (await create(undefined, null))!, created: true };
      const clientId = input.id;
      return idempotent({
        request: {
          location_id: tank.location_id,
          at: input.at,
          note: input.note,
          ...Object.fromEntries(STATE_FIELDS.map((f) => [f, input[f]])),
        },
        find: () => repo.findState(tx, ctx.farmId, clientId),
        create: (hash) => create(clientId, hash),
        storedHash: (row) => row.request_hash,
        details: { id: clientId },
      });
    });
    if (result.created) await this.#assess(ctx.farmId, locationId);
    return { state: result.row, created: result.created };
  }

  /** A tank's snapshots, newest first. */
  states(ctx: FarmContext, locationId: string, limit: number, cursor?: string): Promise<TankStateRow[]> {
    let before: { at: Date; id: string } | undefined;
    if (cursor) {
      const [at, id] = cursor.split('|');
      const time = new Date(at ?? '');
      if (!id || !isUuid(id) || Number.isNaN(time.getTime()))
        throw invalid('Not a cursor of this list', { fields: [{ field: 'querystring.cursor', message: 'malformed' }] });
      before = { at: time, id };
    }
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#tankOr(tx, ctx.farmId, locationId);
      return repo.states(tx, ctx.farmId, locationId, limit, before);
    });
  }

  // Sensors

  /** Which device metrics feed which fields of the tank's sensor snapshots (all of them: an empty list clears). */
  async setSensors(
    ctx: FarmContext,
    locationId: string,
    input: SensorsInput,
    meta: RequestMeta,
  ): Promise<Array<TankSensorRow & { device: string }>> {
    const seen = new Set<string>();
    const twice = input.filter((m) => seen.size === seen.add(m.field).size).map((m) => m.field);
    if (twice.length > 0)
      throw invalid(`One source per field: ${[...new Set(twice)].join(', ')} named twice`, {
        fields: [{ field: 'body', message: 'a field named twice' }],
      });
    const now = this.deps.clock.now();
    const rows = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const tank = await this.#tankOr(tx, ctx.farmId, locationId);
      const rows: Array<TankSensorRow & { device: string }> = [];
      for (const m of input) {
        const device = await deviceReads.find(tx, ctx.farmId, m.device_id);
        if (!device) throw notFound('Device', { device_id: m.device_id });
        rows.push({
          farm_id: ctx.farmId,
          location_id: tank.location_id,
          field: m.field,
          device_id: device.id,
          metric: m.metric,
          created_at: now,
          device: device.device_id,
        });
      }
      await repo.replaceSensors(
        tx,
        ctx.farmId,
        tank.location_id,
        rows.map(({ device: _label, ...row }) => row),
      );
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'tank.sensors_set',
        category: 'tanks',
        message: `Tank sensors set: ${rows.map((r) => `${r.field} ← ${r.device}/${r.metric}`).join(', ') || 'none'}`,
        data: { location_id: tank.location_id },
      });
      return rows.sort((a, b) => a.field.localeCompare(b.field));
    });
    if (rows.length > 0) this.#sensorFarms.add(ctx.farmId);
    return rows;
  }

  sensors(ctx: FarmContext, locationId: string): Promise<Array<TankSensorRow & { device: string }>> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#tankOr(tx, ctx.farmId, locationId);
      const rows = await repo.sensors(tx, ctx.farmId, locationId);
      const labels = new Map(
        (await deviceReads.byIds(tx, ctx.farmId, [...new Set(rows.map((r) => r.device_id))])).map((d) => [
          d.id,
          d.device_id,
        ]),
      );
      return rows.map((r) => ({ ...r, device: labels.get(r.device_id) ?? '' }));
    });
  }

  /** Readings arrived for a farm: tanks fed by those metrics get a sensor snapshot (skipped at once for farms without mappings). */
  readingsArrived(farmId: string, metrics: ReadonlySet<string>): void {
    void this.#sensorFarms.current(this.deps.clock.now().getTime()).then(
      (farms) => (farms.has(farmId) ? this.fromSensors(farmId, metrics) : undefined),
      (error: unknown) => this.deps.log.error({ err: error, farmId }, 'tank snapshots from sensors not made'),
    );
  }

  /**
   * Makes sensor snapshots of the farm's tanks fed by `metrics` now (one run per farm at a time; what
   * is asked meanwhile runs once after it). Resolves when done; failures are logged.
   */
  fromSensors(farmId: string, metrics: ReadonlySet<string>): Promise<void> {
    return this.#fromSensors.request(farmId, metrics).catch(() => undefined);
  }

  async #snapshotFromSensors(farmId: string, metrics: ReadonlySet<string>): Promise<void> {
    const now = this.deps.clock.now();
    const touched = await this.deps.db.farm(farmId, async (tx) => {
      const mappings = await repo.sensorsFedBy(tx, farmId, [...metrics]);
      const byTank = new Map<string, TankSensorRow[]>();
      for (const m of mappings) byTank.set(m.location_id, [...(byTank.get(m.location_id) ?? []), m]);
      const latestOf = new Map<string, Map<string, { ts: Date; value: number }>>();
      const out: string[] = [];
      for (const [locationId, fields] of byTank) {
        const readings: Array<{ field: StateField; ts: Date; value: number }> = [];
        for (const m of fields) {
          if (!latestOf.has(m.device_id))
            latestOf.set(
              m.device_id,
              new Map((await telemetryReads.latest(tx, farmId, m.device_id)).map((r) => [r.metric, r])),
            );
          const reading = latestOf.get(m.device_id)!.get(m.metric);
          if (reading) readings.push({ field: m.field, ts: reading.ts, value: reading.value });
        }
        const measured = sensorMeasurements(readings);
        if (!measured) continue;
        const last = await repo.lastSensorState(tx, farmId, locationId);
        const step = sensorStep(last && { at: last.at, through: last.through! }, measured.newest);
        if (step === 'none') continue;
        const values = Object.fromEntries(STATE_FIELDS.map((f) => [f, measured.values[f] ?? null]));
        if (step === 'fold') await repo.updateState(tx, farmId, last!.id, { ...values, through: measured.newest });
        else {
          const made = await repo.insertState(tx, {
            farm_id: farmId,
            location_id: locationId,
            at: measured.newest,
            source: 'sensor',
            ...values,
            through: measured.newest,
            note: null,
            user_id: null,
            request_hash: null,
            created_at: now,
          });
          if (!made) continue; // another instance made this one
        }
        out.push(locationId);
      }
      return out;
    });
    for (const locationId of touched) await this.#assess(farmId, locationId);
  }

  // Maintenance

  /**
   * Records maintenance done (`done_at` defaults to now, never later); its open task is done. A water
   * change is a new solution: the tank counts as filled then. A client-made `id` makes a resend safe.
   */
  async recordMaintenance(
    ctx: FarmContext,
    locationId: string,
    input: MaintenanceInput,
    meta: RequestMeta,
  ): Promise<{ maintenance: TankMaintenanceRow; created: boolean }> {
    const now = this.deps.clock.now();
    const doneAt = input.done_at ? new Date(input.done_at) : now;
    if (doneAt.getTime() > now.getTime() + CLOCK_SLACK_MS)
      throw invalid('Maintenance is recorded once done: done_at is now or earlier', {
        fields: [{ field: 'body.done_at', message: 'in the future' }],
      });
    const result = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const tank = await this.#tankOr(tx, ctx.farmId, locationId, true);
      const create = async (id: string | undefined, requestHash: string | null) => {
        const [before] = await this.#details(tx, ctx.farmId, ctx.timeZone, [tank.location_id], now);
        const item = before!.due.find((d) => d.item === input.item);
        if (!item)
          throw invalid(`A ${tank.tank_type} tank has no maintenance item ${input.item}`, {
            fields: [{ field: 'body.item', message: 'not an item of this tank type' }],
          });
        const row = await repo.insertMaintenance(tx, {
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          location_id: tank.location_id,
          item: input.item,
          done_at: doneAt,
          note: input.note ?? null,
          user_id: ctx.caller.kind === 'user' ? ctx.caller.userId : null,
          request_hash: requestHash,
          created_at: now,
        });
        if (!row) return undefined;
        const done = [maintenanceKey(tank.location_id, item.item, item.due)];
        if (input.item === 'water_change' && (!tank.filled_at || tank.filled_at.getTime() < doneAt.getTime())) {
          if (tank.filled_at) done.push(solutionKey(tank.location_id, localTime(tank.filled_at, ctx.timeZone).date));
          await repo.setFilledAt(tx, ctx.farmId, tank.location_id, doneAt, now);
        }
        await taskWrites.complete(tx, ctx.farmId, TANKS_SOURCE, done, now);
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'tank.maintained',
          category: 'tanks',
          message: `Tank ${before!.tank.name}: ${input.item.replace('_', ' ')} done`,
          data: { location_id: tank.location_id, item: input.item, done_at: doneAt.toISOString() },
        });
        return row;
      };
      if (!input.id) return { row: (await create(undefined, null))!, created: true };
      const clientId = input.id;
      return idempotent({
        request: { location_id: tank.location_id, item: input.item, done_at: input.done_at, note: input.note },
        find: () => repo.findMaintenance(tx, ctx.farmId, clientId),
        create: (hash) => create(clientId, hash),
        storedHash: (row) => row.request_hash,
        details: { id: clientId },
      });
    });
    if (result.created && input.item === 'water_change') await this.#assess(ctx.farmId, locationId);
    return { maintenance: result.row, created: result.created };
  }

  /**
   * The daily tank job (run every quarter hour; idempotent): for each farm with tanks, maintenance due
   * today or within the due-soon days becomes a task (one per tank, item and due day), and a solution
   * over its age limit raises its alert and a "change the solution" task (one per tank and filling).
   */
  async runDaily(): Promise<{ farms: number; tasks: number }> {
    const farmIds = await this.deps.db.system((tx) => repo.farmsWithTanks(tx));
    let farms = 0;
    let tasks = 0;
    for (const farmId of farmIds) {
      try {
        tasks += await this.dailyFarm(farmId);
        farms += 1;
      } catch (error) {
        this.deps.log.error({ err: error, farmId }, 'daily tank work of a farm failed (tried again next time)');
      }
    }
    return { farms, tasks };
  }

  /** One farm's daily tank work; how many tasks it made. */
  async dailyFarm(farmId: string): Promise<number> {
    const now = this.deps.clock.now();
    const farm = await this.deps.db.system((tx) => farmReads.byId(tx, farmId));
    if (!farm || farm.deleted_at) return 0;
    const zone = farm.time_zone;
    const { made, tanks } = await this.deps.db.farm(farmId, async (tx) => {
      await this.#doneInTaskList(tx, farmId, zone, now);
      const tanks = await this.#details(tx, farmId, zone, undefined, now);
      let made = 0;
      for (const t of tanks) {
        for (const d of t.due.filter((d) => d.status !== 'ok')) {
          const { created } = await taskWrites.ensure(
            tx,
            farmId,
            {
              title: `${ITEM_TITLES[d.item]}: tank ${t.tank.name}`,
              kind: 'tank_maintenance',
              dueAt: startOfLocalDay(d.due, zone),
              locationId: t.tank.location_id,
              source: TANKS_SOURCE,
              key: maintenanceKey(t.tank.location_id, d.item, d.due),
              notes: `Every ${d.intervalDays} days. Record it done on the tank (maintenance: ${d.item}).`,
            },
            now,
          );
          if (created) made += 1;
        }
        if (t.age?.over && t.tank.filled_at) {
          const { created } = await taskWrites.ensure(
            tx,
            farmId,
            {
              title: `Change the solution: tank ${t.tank.name}`,
              kind: 'tank_maintenance',
              dueAt: now,
              locationId: t.tank.location_id,
              source: TANKS_SOURCE,
              key: solutionKey(t.tank.location_id, localTime(t.tank.filled_at, zone).date),
              notes: `The solution is older than its ${Math.round(t.age.limitDays! * 10) / 10} days. Record a water change on the tank when done.`,
            },
            now,
          );
          if (created) made += 1;
        }
      }
      return { made, tanks };
    });
    for (const t of tanks) await this.#assess(farmId, t.tank.location_id);
    return made;
  }

  // Inside

  /**
   * Maintenance ticked off in the task list rather than recorded on the tank counts as done when the task
   * was done: recorded once, under the task's id, so the next due day moves either way. A water change —
   * or a "change the solution" task — refills the tank. Tasks the module closed itself are not counted twice.
   */
  async #doneInTaskList(tx: Tx, farmId: string, zone: string, now: Date): Promise<void> {
    const since = new Date(now.getTime() - TASK_LIST_LOOKBACK_DAYS * 86_400_000);
    const done = await taskReads.doneInList(tx, farmId, { source: TANKS_SOURCE, since, limit: 1000 });
    if (done.length === 0) return;
    const tanks = new Map((await repo.list(tx, farmId, undefined)).map((t) => [t.location_id, t]));
    const touched = new Map<string, TankDetails>();
    for (const task of done) {
      const [tankId, part] = task.key.split(':');
      const tank = tanks.get(tankId ?? '');
      const item = part === 'solution' ? 'water_change' : part;
      if (!tank || !(MAINTENANCE_ITEMS as readonly string[]).includes(item ?? '')) continue;
      if (await repo.findMaintenance(tx, farmId, task.id)) continue; // counted before
      if (!touched.has(tank.location_id))
        touched.set(tank.location_id, (await this.#details(tx, farmId, zone, [tank.location_id], now))[0]!);
      await repo.insertMaintenance(tx, {
        id: task.id,
        farm_id: farmId,
        location_id: tank.location_id,
        item: item as MaintenanceItem,
        done_at: task.doneAt,
        note: 'Done in the task list',
        user_id: task.doneBy,
        request_hash: null,
        created_at: now,
      });
      if (item === 'water_change' && (!tank.filled_at || tank.filled_at.getTime() < task.doneAt.getTime())) {
        await repo.setFilledAt(tx, farmId, tank.location_id, task.doneAt, now);
        tank.filled_at = task.doneAt;
      }
      await recordAudit(tx, this.deps.clock, {
        farmId,
        eventType: 'tank.maintained',
        category: 'tanks',
        message: `Tank ${tank.name}: ${item!.replace('_', ' ')} done (ticked off in the task list)`,
        data: { location_id: tank.location_id, item, done_at: task.doneAt.toISOString(), task_id: task.id },
      });
    }
    // What was due before and is no longer (done, or a new solution) leaves no open task behind.
    for (const [locationId, before] of touched) {
      const [after] = await this.#details(tx, farmId, zone, [locationId], now);
      const keep = new Set(after!.due.map((d) => maintenanceKey(locationId, d.item, d.due)));
      const gone = before.due.map((d) => maintenanceKey(locationId, d.item, d.due)).filter((k) => !keep.has(k));
      const filledBefore = before.tank.filled_at;
      if (filledBefore && filledBefore.getTime() !== after!.tank.filled_at?.getTime())
        gone.push(solutionKey(locationId, localTime(filledBefore, zone).date));
      if (gone.length > 0) await taskWrites.complete(tx, farmId, TANKS_SOURCE, gone, now);
    }
  }

  async #tankOr(tx: Tx, farmId: string, locationId: string, lock = false) {
    const tank = isUuid(locationId) ? await repo.find(tx, farmId, locationId, lock) : undefined;
    if (!tank) throw notFound('Tank', { location_id: locationId });
    return tank;
  }

  /** Tanks as answered (these, or all of the farm's). */
  async #details(
    tx: Tx,
    farmId: string,
    zone: string,
    locationIds: string[] | undefined,
    now: Date,
  ): Promise<TankDetails[]> {
    const tanks = await repo.list(tx, farmId, locationIds);
    const ids = tanks.map((t) => t.location_id);
    const latest = await repo.latestStates(tx, farmId, ids);
    const temps = await repo.meanTemps(tx, farmId, ids);
    const lastDone = await repo.lastDone(tx, farmId, ids);
    const alerts = await this.deps.alerts.watchedActive(tx, farmId, ids);
    const today = localTime(now, zone).date;
    const day = (d: Date) => localTime(d, zone).date;
    return tanks.map((tank) => ({
      tank,
      state: latest.get(tank.location_id) ?? null,
      age: solutionAge(tank.solution_kind, tank.filled_at, temps.get(tank.location_id) ?? null, now),
      alerts: alerts
        .filter((a) => a.locationId === tank.location_id)
        .sort((a, b) => CONDITIONS.indexOf(a.key as never) - CONDITIONS.indexOf(b.key as never)),
      due: dueItems({
        type: tank.tank_type,
        overrides: tank.maintenance_intervals,
        setUpOn: day(tank.created_at),
        filledOn: tank.filled_at ? day(tank.filled_at) : null,
        lastDone: Object.fromEntries(
          [...(lastDone.get(tank.location_id) ?? new Map<MaintenanceItem, Date>())].map(([item, at]) => [
            item,
            day(at),
          ]),
        ),
        today,
      }),
    }));
  }

  /**
   * Decides every alert condition of a tank from what is known now — each field's newest measurement,
   * pH drift between its two newest pH measurements, the solution's age — and hands them to the alerts
   * module: what holds is raised (once), what no longer holds or no longer applies is resolved.
   */
  async #assess(farmId: string, locationId: string): Promise<void> {
    const now = this.deps.clock.now();
    const conditions = await this.deps.db.farm(farmId, async (tx): Promise<WatchedCondition[]> => {
      const [tank] = await repo.list(tx, farmId, [locationId]);
      if (!tank) return [];
      const picture = await repo.picture(tx, farmId, locationId);
      const decided: Decided = {
        ...assessState(tank.tank_type, picture.values, picture.previousPh),
        ...assessAge(
          solutionAge(
            tank.solution_kind,
            tank.filled_at,
            (await repo.meanTemps(tx, farmId, [locationId])).get(locationId) ?? null,
            now,
          ),
        ),
      };
      return CONDITIONS.map((key) => ({ key, name: `Tank ${tank.name}`, breach: decided[key] ?? null }));
    });
    await this.deps.alerts.watch(farmId, locationId, conditions);
  }
}
