import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { recordAudit } from '../audit/index.js';
import { deviceReads } from '../devices/index.js';
import { farmReads } from '../farms/index.js';
import { idempotent } from '../../platform/idempotency.js';
import { localTime, startOfLocalDay } from '../../platform/time-zones.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { telemetryReads, type TelemetryService } from '../telemetry/index.js';
import type { AlertsService } from '../alerts/index.js';
import { taskWrites } from '../tasks/index.js';
import {
  beeHourly,
  HIVE_METRICS,
  insightRules,
  insightsFrom,
  markingColour,
  type Insights,
} from './beekeeping.engine.js';
import { beekeepingRepository, type HiveRow } from './beekeeping.repository.js';
import type { HivePatch, HiveTelemetryQuery, NewEvent, NewHive, NewQueen } from './beekeeping.schemas.js';

interface Deps {
  db: Database;
  clock: Clock;
  telemetry: TelemetryService;
  alerts: AlertsService;
}

export type { Insights } from './beekeeping.engine.js';

const today = (at: Date, zone: string) => localTime(at, zone).date;

/** Hive inspections are tasks of this source; a task's key names the hive (or apiary) and the planned day. */
const TASK_SOURCE = 'beekeeping';
const inspectionKey = (target: { hive_id: string } | { apiary_id: string }, day: string) =>
  'hive_id' in target ? `hive:${target.hive_id}:${day}` : `apiary:${target.apiary_id}:${day}`;

/** Apiaries, hives and their scales, queens, and the beekeeper's events and inspections. */
export class BeekeepingService {
  constructor(private readonly deps: Deps) {}

  // Apiaries

  async apiaries(ctx: FarmContext) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const apiaries = await beekeepingRepository.apiaries(tx, ctx.farmId);
      const hives = await beekeepingRepository.hives(tx, ctx.farmId);
      const latest = new Map<string, Array<{ metric: string; value: number; ts: Date }>>();
      for (const hive of hives)
        if (hive.device_id) latest.set(hive.id, await telemetryReads.latest(tx, ctx.farmId, hive.device_id));
      return apiaries.map((a) => ({
        ...a,
        latest: hives
          .filter((h) => h.apiary_id === a.id && latest.has(h.id))
          .map((h) => ({ hive_id: h.id, hive: h.name, readings: latest.get(h.id)! })),
      }));
    });
  }

  // Hives

  async createHive(ctx: FarmContext, input: NewHive, meta: RequestMeta): Promise<HiveRow> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#apiary(tx, ctx.farmId, input.apiary_id);
      const deviceId = input.device_id ? await this.#scale(tx, ctx.farmId, input.device_id, undefined) : null;
      const hive = await beekeepingRepository.insertHive(tx, {
        farm_id: ctx.farmId,
        name: input.name.trim(),
        apiary_id: input.apiary_id,
        hive_type: input.hive_type ?? 'langstroth',
        layout: { ...(input.layout ?? {}) },
        status: input.status ?? 'active',
        current_queen_id: null,
        device_id: deviceId,
        scale_tare_kg: input.scale_tare_kg ?? null,
        created_at: now,
        updated_at: now,
      });
      if (deviceId) await beekeepingRepository.moveScale(tx, ctx.farmId, hive.id, deviceId, now);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'hive.created',
        category: 'beekeeping',
        message: `Hive ${hive.name} created`,
        data: { hive_id: hive.id },
      });
      return hive;
    });
  }

  /** Changes a hive; a new apiary is recorded as a move event, a new scale in the scale history. */
  async updateHive(ctx: FarmContext, id: string, patch: HivePatch, meta: RequestMeta): Promise<HiveRow> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const hive = await this.#hive(tx, ctx.farmId, id);
      if (patch.apiary_id && patch.apiary_id !== hive.apiary_id) {
        const to = await this.#apiary(tx, ctx.farmId, patch.apiary_id);
        const from = await beekeepingRepository.apiary(tx, ctx.farmId, hive.apiary_id);
        await beekeepingRepository.insertEvent(tx, {
          id: randomUUID(),
          farm_id: ctx.farmId,
          hive_id: id,
          apiary_id: null,
          type: 'move',
          date: today(now, ctx.timeZone),
          description: `Moved from ${from?.name ?? 'an apiary'} to ${to.name}`,
          inspection: null,
          treatment: null,
          harvest: null,
          next_inspection: null,
          recorded_by: ctx.caller.kind === 'user' ? ctx.caller.userId : null,
          created_at: now,
        });
      }
      let deviceId = hive.device_id;
      if (patch.device_id !== undefined) {
        deviceId = patch.device_id === null ? null : await this.#scale(tx, ctx.farmId, patch.device_id, id);
        if (deviceId !== hive.device_id) await beekeepingRepository.moveScale(tx, ctx.farmId, id, deviceId, now);
      }
      const updated = await beekeepingRepository.updateHive(tx, ctx.farmId, id, {
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.apiary_id ? { apiary_id: patch.apiary_id } : {}),
        ...(patch.hive_type !== undefined ? { hive_type: patch.hive_type } : {}),
        ...(patch.layout !== undefined ? { layout: { ...hive.layout, ...patch.layout } } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.scale_tare_kg !== undefined ? { scale_tare_kg: patch.scale_tare_kg } : {}),
        device_id: deviceId,
        updated_at: now,
      });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'hive.updated',
        category: 'beekeeping',
        message: `Hive ${updated!.name} changed`,
        data: { hive_id: id, changed: Object.keys(patch) },
      });
      return updated!;
    });
  }

  /** Deletes a hive with its queens and events; its scale's telemetry stays (it belongs to the device). */
  async removeHive(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const hive = await this.#hive(tx, ctx.farmId, id);
      await beekeepingRepository.removeHive(tx, ctx.farmId, id);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'hive.deleted',
        category: 'beekeeping',
        severity: 'warning',
        message: `Hive ${hive.name} deleted (its telemetry is kept)`,
        data: { hive_id: id },
      });
    });
  }

  async hives(ctx: FarmContext, apiaryId?: string) {
    const hives = await this.deps.db.farm(ctx.farmId, async (tx) =>
      this.#facts(tx, ctx.farmId, await beekeepingRepository.hives(tx, ctx.farmId, apiaryId)),
    );
    return this.#withAlerts(ctx, hives);
  }

  async hive(ctx: FarmContext, id: string) {
    const hives = await this.deps.db.farm(ctx.farmId, async (tx) =>
      this.#facts(tx, ctx.farmId, [await this.#hive(tx, ctx.farmId, id)]),
    );
    return (await this.#withAlerts(ctx, hives))[0]!;
  }

  /** Each hive with the active alerts of the scale under it (insights show on the hive). */
  async #withAlerts<T extends { device_id: string | null }>(ctx: FarmContext, hives: T[]) {
    const alerts = await this.deps.alerts.activeOn(
      ctx,
      hives.flatMap((h) => (h.device_id ? [h.device_id] : [])),
    );
    return hives.map((h) => ({
      ...h,
      active_alerts: alerts
        .filter((a) => a.device_id === h.device_id)
        .map((a) => ({
          id: a.id,
          type: a.type,
          severity: a.severity,
          message: a.message,
          triggered_at: a.triggered_at.toISOString(),
        })),
    }));
  }

  async #facts(tx: Tx, farmId: string, hives: HiveRow[]) {
    const devices = new Map(
      (
        await deviceReads.byIds(
          tx,
          farmId,
          hives.flatMap((h) => (h.device_id ? [h.device_id] : [])),
        )
      ).map((d) => [d.id, d.device_id]),
    );
    const inspected = await beekeepingRepository.lastInspections(
      tx,
      farmId,
      hives.map((h) => h.id),
    );
    const queens = new Map<string, Awaited<ReturnType<typeof beekeepingRepository.findQueen>>>();
    for (const h of hives)
      if (h.current_queen_id) queens.set(h.id, await beekeepingRepository.findQueen(tx, farmId, h.current_queen_id));
    return hives.map((h) => ({
      ...h,
      device: h.device_id ? (devices.get(h.device_id) ?? null) : null,
      last_inspection: inspected.get(h.id) ?? null,
      current_queen: queens.get(h.id) ?? null,
    }));
  }

  scales(ctx: FarmContext, id: string) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#hive(tx, ctx.farmId, id);
      return beekeepingRepository.scales(tx, ctx.farmId, id);
    });
  }

  async #hive(tx: Tx, farmId: string, id: string): Promise<HiveRow> {
    const hive = await beekeepingRepository.findHive(tx, farmId, id);
    if (!hive) throw notFound('Hive', { id });
    return hive;
  }

  async #apiary(tx: Tx, farmId: string, id: string) {
    const apiary = await beekeepingRepository.apiary(tx, farmId, id);
    if (!apiary) throw notFound('Apiary', { id });
    if (apiary.type !== 'apiary')
      throw invalid(`"${apiary.name}" is a ${apiary.type}, not an apiary`, {
        fields: [{ field: 'body.apiary_id', message: 'is not an apiary' }],
      });
    return apiary;
  }

  /** A device label (or id) of this farm that may sit under the hive: not under another hive already. */
  async #scale(tx: Tx, farmId: string, ref: string, hiveId: string | undefined): Promise<string> {
    const device = await deviceReads.find(tx, farmId, ref);
    if (!device) throw notFound('Device', { device: ref });
    const taken = (await beekeepingRepository.hives(tx, farmId)).find(
      (h) => h.device_id === device.id && h.id !== hiveId,
    );
    if (taken)
      throw conflict(
        'SCALE_IN_USE',
        `Device ${device.device_id} sits under hive ${taken.name}: move it from there first`,
        { hive_id: taken.id },
      );
    return device.id;
  }

  // Queens

  /** Adds a queen: the current one is retired and the new one made current, in one transaction. */
  async addQueen(ctx: FarmContext, hiveId: string, input: NewQueen, meta: RequestMeta) {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const hive = await this.#hive(tx, ctx.farmId, hiveId);
      if (input.mother_id && !(await beekeepingRepository.findQueen(tx, ctx.farmId, input.mother_id))) {
        throw invalid('No such mother queen in this farm', {
          fields: [{ field: 'body.mother_id', message: 'not found' }],
        });
      }
      const introduced = input.introduced_at ?? today(now, ctx.timeZone);
      if (hive.current_queen_id)
        await beekeepingRepository.retireQueen(tx, ctx.farmId, hive.current_queen_id, introduced);
      const colour =
        input.marking_colour ?? (input.birth_date ? markingColour(Number(input.birth_date.slice(0, 4))) : null);
      const queen = await beekeepingRepository.insertQueen(tx, {
        farm_id: ctx.farmId,
        hive_id: hiveId,
        name: input.name.trim(),
        breed: input.breed ?? null,
        birth_date: input.birth_date ?? null,
        marking_colour: colour,
        clipped: input.clipped ?? false,
        fertilised: input.fertilised ?? true,
        mother_id: input.mother_id ?? null,
        introduced_at: introduced,
        retired_at: null,
        created_at: now,
      });
      await beekeepingRepository.updateHive(tx, ctx.farmId, hiveId, { current_queen_id: queen.id, updated_at: now });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'queen.introduced',
        category: 'beekeeping',
        message: `Queen ${queen.name} introduced to hive ${hive.name}`,
        data: { hive_id: hiveId, queen_id: queen.id },
      });
      return queen;
    });
  }

  queens(ctx: FarmContext, hiveId: string) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#hive(tx, ctx.farmId, hiveId);
      return beekeepingRepository.queens(tx, ctx.farmId, hiveId);
    });
  }

  /** Deletes a queen; when she is the current one, the hive has none. */
  async removeQueen(ctx: FarmContext, hiveId: string, queenId: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const hive = await this.#hive(tx, ctx.farmId, hiveId);
      const queen = await beekeepingRepository.findQueen(tx, ctx.farmId, queenId);
      if (!queen || queen.hive_id !== hiveId) throw notFound('Queen', { id: queenId });
      if (hive.current_queen_id === queenId)
        await beekeepingRepository.updateHive(tx, ctx.farmId, hiveId, {
          current_queen_id: null,
          updated_at: this.deps.clock.now(),
        });
      await beekeepingRepository.removeQueen(tx, ctx.farmId, queenId);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'queen.deleted',
        category: 'beekeeping',
        severity: 'warning',
        message: `Queen ${queen.name} deleted`,
        data: { hive_id: hiveId, queen_id: queenId },
      });
    });
  }

  // Events

  /**
   * Records an event on a hive or an apiary. An id made by the client (a phone that recorded offline)
   * follows the one idempotency rule (platform/idempotency.ts): sending it again answers the event
   * already stored; the same id with a different event (or on another hive) is IDEMPOTENCY_CONFLICT.
   */
  async addEvent(
    ctx: FarmContext,
    target: { hive_id: string } | { apiary_id: string },
    input: NewEvent,
  ): Promise<{ event: NonNullable<Awaited<ReturnType<typeof beekeepingRepository.findEvent>>>; created: boolean }> {
    if (input.inspection && input.type !== 'inspection')
      throw invalid('A checklist belongs to an inspection', {
        fields: [{ field: 'body.inspection', message: 'only with type inspection' }],
      });
    if (input.treatment && input.type !== 'treatment')
      throw invalid('Treatment details belong to a treatment', {
        fields: [{ field: 'body.treatment', message: 'only with type treatment' }],
      });
    if (input.harvest && input.type !== 'harvest')
      throw invalid('Harvest details belong to a harvest', {
        fields: [{ field: 'body.harvest', message: 'only with type harvest' }],
      });
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      let subject: string;
      if ('hive_id' in target) subject = (await this.#hive(tx, ctx.farmId, target.hive_id)).name;
      else {
        const apiary = await beekeepingRepository.apiary(tx, ctx.farmId, target.apiary_id);
        if (!apiary) throw notFound('Apiary', { id: target.apiary_id });
        subject = `apiary ${apiary.name}`;
      }
      const { id: clientId, ...event } = input;
      const insert = async (id: string, requestHash: string | null) => {
        const inserted = await beekeepingRepository.insertEvent(tx, {
          id,
          farm_id: ctx.farmId,
          hive_id: 'hive_id' in target ? target.hive_id : null,
          apiary_id: 'apiary_id' in target ? target.apiary_id : null,
          type: input.type,
          date: input.date,
          description: input.description ?? null,
          inspection: input.inspection ?? null,
          treatment: input.treatment ?? null,
          harvest: input.harvest ?? null,
          next_inspection: input.next_inspection ?? null,
          recorded_by: ctx.caller.kind === 'user' ? ctx.caller.userId : null,
          created_at: this.deps.clock.now(),
          request_hash: requestHash,
        });
        if (inserted) await this.#planInspection(tx, ctx, target, subject, inserted);
        return inserted;
      };
      if (clientId === undefined) {
        const inserted = await insert(randomUUID(), null);
        if (!inserted) throw new Error('a fresh event id was taken');
        return { event: inserted, created: true };
      }
      const { row, created } = await idempotent({
        request: { ...target, ...event },
        find: () => beekeepingRepository.findEvent(tx, ctx.farmId, clientId),
        create: (requestHash) => insert(clientId, requestHash),
        storedHash: (stored) => stored.request_hash,
        details: { id: clientId },
      });
      return { event: row, created };
    });
  }

  /**
   * Keeps the hive's (or apiary's) inspection task in step with its latest event: a new planned date
   * retires the open task of an earlier one and makes the new one (kind inspect_hive, due at the start
   * of that local day); an inspection completes the open task(s) it answers. A back-dated event,
   * older than the latest that planned or made an inspection, changes nothing.
   */
  async #planInspection(
    tx: Tx,
    ctx: FarmContext,
    target: { hive_id: string } | { apiary_id: string },
    subject: string,
    event: { id: string; type: string; next_inspection: string | null },
  ): Promise<void> {
    if (event.type !== 'inspection' && !event.next_inspection) return;
    const latest = await beekeepingRepository.latestPlanning(tx, ctx.farmId, target);
    if (latest !== event.id) return;
    const now = this.deps.clock.now();
    const next = event.next_inspection ? inspectionKey(target, event.next_inspection) : undefined;
    const earlier = (await beekeepingRepository.plannedInspections(tx, ctx.farmId, target))
      .map((day) => inspectionKey(target, day))
      .filter((key) => key !== next);
    if (event.type === 'inspection') await taskWrites.complete(tx, ctx.farmId, TASK_SOURCE, earlier, now);
    else await taskWrites.retire(tx, ctx.farmId, TASK_SOURCE, earlier, now);
    if (next && event.next_inspection)
      await taskWrites.ensure(
        tx,
        ctx.farmId,
        {
          title: `Inspect ${subject}`,
          kind: 'inspect_hive',
          dueAt: startOfLocalDay(event.next_inspection, ctx.timeZone),
          ...('hive_id' in target ? { hiveId: target.hive_id } : { locationId: target.apiary_id }),
          source: TASK_SOURCE,
          key: next,
        },
        now,
      );
  }

  events(ctx: FarmContext, target: { hive_id: string } | { apiary_id: string }, limit = 100) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      if ('hive_id' in target) await this.#hive(tx, ctx.farmId, target.hive_id);
      return beekeepingRepository.events(tx, ctx.farmId, target, limit);
    });
  }

  // Insights

  async insights(ctx: FarmContext, apiaryId: string): Promise<Insights> {
    await this.deps.db.farm(ctx.farmId, (tx) => this.#apiary(tx, ctx.farmId, apiaryId));
    return insightsFrom(await this.deps.alerts.presets(ctx, apiaryId));
  }

  /**
   * Switches an apiary's insights on or off: swarm suspected (a 1–5 kg drop within 15 minutes, not on
   * an inspection day), brood-nest temperature outside 33–36 °C for an hour in the brood season, a
   * hive silent for N hours, and a daily weight loss. Each is an alert rule on the apiary's hives.
   */
  async setInsights(
    ctx: FarmContext,
    apiaryId: string,
    wanted: Partial<Insights>,
    meta: RequestMeta,
  ): Promise<Insights> {
    const { apiary, latitude } = await this.deps.db.farm(ctx.farmId, async (tx) => ({
      apiary: await this.#apiary(tx, ctx.farmId, apiaryId),
      latitude: (await farmReads.byId(tx, ctx.farmId))?.latitude ?? null,
    }));
    for (const { preset, rule } of insightRules(apiary.name, latitude, wanted)) {
      await this.deps.alerts.applyPreset(ctx, apiaryId, preset, rule, meta);
    }
    return this.insights(ctx, apiaryId);
  }

  /** Each local day's weight gain or loss of the hive's scale (from daily rollups), oldest first. */
  async weightDays(ctx: FarmContext, hiveId: string, days = 30) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const hive = await this.#hive(tx, ctx.farmId, hiveId);
      if (!hive.device_id) return [];
      const rows = await beekeepingRepository.dailyWeights(
        tx,
        ctx.farmId,
        hive.device_id,
        ctx.timeZone,
        new Date(this.deps.clock.now().getTime() - (days + 1) * 86_400_000),
      );
      return rows.map((r) => ({
        day: r.day,
        weight_kg: r.last,
        change_kg: r.change === null ? null : Math.round(r.change * 100) / 100,
      }));
    });
  }

  // Telemetry

  /** The hive scale's series: raw, or hourly with BeeAPI's fields. */
  async telemetry(ctx: FarmContext, hiveId: string, query: HiveTelemetryQuery) {
    const resolution = query.resolution ?? 'hour';
    const [from, to] = [new Date(query.from), new Date(query.to)];
    const hive = await this.deps.db.farm(ctx.farmId, (tx) => this.#hive(tx, ctx.farmId, hiveId));
    if (!hive.device_id) return { device: null, resolution, metrics: {}, hourly: [] };
    const series = Object.fromEntries(
      await Promise.all(
        HIVE_METRICS.map(
          async (metric) =>
            [
              metric,
              await this.deps.telemetry.series(ctx.farmId, { device: hive.device_id!, metric, from, to, resolution }),
            ] as const,
        ),
      ),
    );
    const device =
      (await this.deps.db.farm(ctx.farmId, (tx) => deviceReads.byIds(tx, ctx.farmId, [hive.device_id!])))[0]
        ?.device_id ?? null;
    const hourly =
      resolution === 'hour'
        ? beeHourly(
            Object.fromEntries(
              Object.entries(series).map(([m, s]) => [
                m,
                s.points as Array<{ ts: Date; min: number; max: number; sum: number; count: number }>,
              ]),
            ),
          )
        : [];
    return { device, resolution, metrics: series, hourly };
  }
}
