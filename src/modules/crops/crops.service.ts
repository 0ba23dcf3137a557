import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, forbidden, invalid, notFound, ruleViolation } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import { can } from '../../platform/tenancy/access.js';
import type { Caller, FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime } from '../../platform/time-zones.js';
import type { NotificationsService } from '../alerts/index.js';
import { recordAudit } from '../audit/index.js';
import { catalogReads, type GrowthPhase, type SpeciesForGrowth } from '../catalog/index.js';
import { farmReads } from '../farms/index.js';
import { locationReads, type LocationRow } from '../locations/index.js';
import { telemetryReads } from '../telemetry/index.js';
import { environmentAgainstTargets, targetRanges, classify, vpdKpa } from './environment.engine.js';
import {
  accumulateGdd,
  autoMove,
  dormancyReached,
  firstFullDayInPhase,
  type DailyTemperature,
} from './growth.engine.js';
import { checkTransition, wholeDaysBetween } from './phases.engine.js';
import { locationCode, nextPlantLabels } from './plant-ids.engine.js';
import { checkRunStatus, runEditable } from './runs.engine.js';
import { cropsRepository, type PhaseHistoryRow, type PlantRow, type RunRow } from './crops.repository.js';
import type { PhaseReason, RunStatus } from './crops.tables.js';
import type { ClimateInput, NewPlant, NewRun, PlantPatch, RunPatch, Transition } from './crops.schemas.js';

declare module '../../platform/live/events.js' {
  interface FarmEventTypes {
    plant: true;
  }
}

interface Deps {
  db: Database;
  clock: Clock;
  log: Logger;
  live: LiveEvents;
  notifications: NotificationsService;
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

/** A plant with its current phase worked out (for views). */
export interface PlantWithPhase {
  plant: PlantRow;
  phase: (GrowthPhase & { startedAt: Date | null; daysInPhase: number | null }) | null;
}

const DAY_MS = 86_400_000;
/** A day holds its rollups as final this long after local midnight (late readings, the rollup job). */
const SETTLE_MINUTES = 30;
const MANAGERS = ['manager', 'admin'] as const;

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const userOf = (caller: Caller) => (caller.kind === 'user' ? caller.userId : null);

/** Planting runs, plants and their growth phases: moved by hand and, every day, by their own clock. */
export class CropsService {
  constructor(private readonly deps: Deps) {}

  // Planting runs

  async createRun(ctx: FarmContext, input: NewRun, meta: RequestMeta): Promise<{ run: RunRow; created: boolean }> {
    const now = this.deps.clock.now();
    const entry = input.entries[0]!;
    if (input.type === 'clone' && !input.source_plant)
      throw invalid('A clone run names its source plant', { fields: [{ field: 'body.source_plant', message: 'required for a clone run' }] });
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const { speciesId, cultivarId } = await this.#speciesAndCultivar(tx, ctx.farmId, entry.species, entry.cultivar, 'body.entries[0]');
      if (input.location) await this.#location(tx, ctx.farmId, input.location, 'body.location');
      let sourceId: string | null = null;
      if (input.type === 'clone') {
        const source = await this.#plant(tx, ctx.farmId, input.source_plant!, 'body.source_plant');
        if (source.species_id !== speciesId)
          throw invalid('A clone is of its source plant’s species', {
            fields: [{ field: 'body.entries[0].species', message: 'must be the source plant’s species' }],
          });
        sourceId = source.id;
      }
      const request = { ...input, id: undefined, species: speciesId, cultivar: cultivarId, source: sourceId };
      const insert = (id: string | undefined, requestHash: string | null) =>
        cropsRepository.insertRun(tx, {
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          name: input.name.trim(),
          type: input.type,
          location_id: input.location ?? null,
          source_plant_id: sourceId,
          species_id: speciesId,
          cultivar_id: cultivarId,
          quantity: entry.quantity,
          id_prefix: entry.id_prefix,
          planned_on: input.planned_on ?? null,
          started_at: null,
          ended_at: null,
          notes: input.notes ?? '',
          request_hash: requestHash,
          created_at: now,
          updated_at: now,
        });
      const audit = (run: RunRow) =>
        recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'planting_run.created',
          category: 'crops',
          message: `Planting run ${run.name} planned`,
          data: { run_id: run.id, quantity: run.quantity },
        });
      if (!input.id) {
        const run = (await insert(undefined, null))!;
        await audit(run);
        return { run, created: true };
      }
      const clientId = input.id;
      return idempotent({
        request,
        find: () => cropsRepository.findRun(tx, ctx.farmId, clientId),
        create: async (hash) => {
          const run = await insert(clientId, hash);
          if (run) await audit(run);
          return run;
        },
        storedHash: (row) => row.request_hash,
        details: { id: clientId },
      }).then(({ row, created }) => ({ run: row, created }));
    });
  }

  runs(ctx: FarmContext, query: { status?: RunStatus | undefined; cursor?: string | undefined; limit: number }) {
    const before = query.cursor ? new Date(query.cursor) : undefined;
    if (before && Number.isNaN(before.getTime())) throw invalid('Not a cursor of this list', { cursor: query.cursor });
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const rows = await cropsRepository.listRuns(tx, ctx.farmId, { status: query.status, before, limit: query.limit });
      return { rows, counts: await cropsRepository.runPlantCounts(tx, ctx.farmId, rows.map((r) => r.id)) };
    });
  }

  run(ctx: FarmContext, id: string) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const run = await this.#run(tx, ctx.farmId, id);
      return { run, plants: (await cropsRepository.runPlantCounts(tx, ctx.farmId, [id])).get(id) ?? 0 };
    });
  }

  async updateRun(ctx: FarmContext, id: string, patch: RunPatch, meta: RequestMeta): Promise<RunRow> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const run = await this.#run(tx, ctx.farmId, id, true);
      const changesPlan = patch.entries !== undefined || patch.location !== undefined;
      if (changesPlan && !runEditable(run.status))
        throw conflict('INVALID_RUN_STATE', `The run is ${run.status}: its entries and place change only while planned`, {
          status: run.status,
        });
      let entry = {};
      if (patch.entries) {
        const next = patch.entries[0]!;
        const { speciesId, cultivarId } = await this.#speciesAndCultivar(tx, ctx.farmId, next.species, next.cultivar, 'body.entries[0]');
        if (run.type === 'clone' && run.source_plant_id) {
          const source = await cropsRepository.findPlant(tx, ctx.farmId, run.source_plant_id);
          if (source && source.species_id !== speciesId)
            throw invalid('A clone is of its source plant’s species', {
              fields: [{ field: 'body.entries[0].species', message: 'must be the source plant’s species' }],
            });
        }
        entry = { species_id: speciesId, cultivar_id: cultivarId, quantity: next.quantity, id_prefix: next.id_prefix };
      }
      if (patch.location) await this.#location(tx, ctx.farmId, patch.location, 'body.location');
      const updated = (await cropsRepository.updateRun(tx, ctx.farmId, id, {
        ...entry,
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.location !== undefined ? { location_id: patch.location } : {}),
        ...(patch.planned_on !== undefined ? { planned_on: patch.planned_on } : {}),
        ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
        updated_at: now,
      }))!;
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'planting_run.updated',
        category: 'crops',
        message: `Planting run ${updated.name} changed`,
        data: { run_id: id, changed: Object.keys(patch) },
      });
      return updated;
    });
  }

  async deleteRun(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const run = await this.#run(tx, ctx.farmId, id, true);
      if (!runEditable(run.status))
        throw conflict('INVALID_RUN_STATE', `The run is ${run.status}: only a planned run can be deleted`, {
          status: run.status,
        });
      await cropsRepository.deleteRun(tx, ctx.farmId, id);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'planting_run.deleted',
        category: 'crops',
        message: `Planting run ${run.name} deleted`,
        data: { run_id: id },
      });
    });
  }

  async setRunStatus(ctx: FarmContext, id: string, to: RunStatus, meta: RequestMeta): Promise<RunRow> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const run = await this.#run(tx, ctx.farmId, id, true);
      const check = checkRunStatus(run.status, to);
      if (!check.ok) throw conflict(check.code, check.reason, { from: run.status, to });
      const updated = (await cropsRepository.updateRun(tx, ctx.farmId, id, {
        status: to,
        ...(to === 'active' && !run.started_at ? { started_at: now } : {}),
        ...(to === 'completed' || to === 'cancelled' ? { ended_at: now } : {}),
        updated_at: now,
      }))!;
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'planting_run.status_changed',
        category: 'crops',
        message: `Planting run ${run.name}: ${run.status} → ${to}`,
        data: { run_id: id, from: run.status, to },
      });
      return updated;
    });
  }

  /**
   * Makes the run's plants — `{LOCATION CODE}_{PREFIX}_{NN}`, in free slots of its location when it
   * has slots — each in the first phase of its species' sequence, and starts the run.
   */
  async createRunPlants(
    ctx: FarmContext,
    id: string,
    input: { planted_on?: string | undefined; container_volume_l?: number | null | undefined },
    meta: RequestMeta,
  ): Promise<{ run: RunRow; plants: PlantWithPhase[] }> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const run = await this.#run(tx, ctx.farmId, id, true);
      if (run.status !== 'planned')
        throw conflict('INVALID_RUN_STATE', `The run is ${run.status}: its plants are made once, from planned`, {
          status: run.status,
        });
      const location = run.location_id ? await locationReads.find(tx, ctx.farmId, run.location_id) : undefined;
      let places: Array<string | null> = Array.from({ length: run.quantity }, () => run.location_id);
      if (location) {
        const slots = (await locationReads.subtree(tx, ctx.farmId, location.id, 'slot')).filter((s) => s.status === 'active');
        if (slots.length > 0) {
          const taken = await cropsRepository.occupied(tx, ctx.farmId, slots.map((s) => s.id));
          const free = slots.filter((s) => !taken.has(s.id)).sort(bySlotOrder);
          if (free.length < run.quantity)
            throw conflict('SLOT_FULL', `${location.name} has ${free.length} free slots for ${run.quantity} plants`, {
              location_id: location.id,
              free: free.length,
              needed: run.quantity,
            });
          places = free.slice(0, run.quantity).map((s) => s.id);
        }
      }
      const species = await this.#growth(tx, run.species_id);
      const first = species.sequence.phases[0] ?? null;
      const code = locationCode(location ? { code: location.code, name: location.name } : null);
      const stem = `${code}_${run.id_prefix}_`;
      const labels = nextPlantLabels({
        code,
        prefix: run.id_prefix,
        count: run.quantity,
        taken: await cropsRepository.labelsStartingWith(tx, ctx.farmId, stem),
      });
      const plantedOn = input.planted_on ?? localTime(now, ctx.timeZone).date;
      const rows = await cropsRepository.insertPlants(
        tx,
        labels.map((label, i) => ({
          farm_id: ctx.farmId,
          label,
          species_id: run.species_id,
          cultivar_id: run.cultivar_id,
          location_id: places[i] ?? null,
          run_id: run.id,
          mother_id: run.type === 'clone' ? run.source_plant_id : null,
          planted_on: plantedOn,
          removed_on: null,
          container_volume_l: input.container_volume_l ?? null,
          phase_id: first?.id ?? null,
          phase_started_at: first ? now : null,
          request_hash: null,
          created_at: now,
          updated_at: now,
        })),
      );
      if (first)
        await cropsRepository.insertHistories(
          tx,
          rows.map((p) => ({
            farm_id: ctx.farmId,
            plant_id: p.id,
            phase_id: first.id,
            cycle: 1,
            entered_at: now,
            exited_at: null,
            duration_days: null,
            reason: 'initial' as const,
            note: null,
            auto_day: null,
            user_id: userOf(ctx.caller),
            client_id: null,
            request_hash: null,
          })),
        );
      const started = (await cropsRepository.updateRun(tx, ctx.farmId, id, {
        status: 'active',
        started_at: now,
        updated_at: now,
      }))!;
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'planting_run.planted',
        category: 'crops',
        message: `Planting run ${run.name}: ${rows.length} plants made (${labels[0]} …)`,
        data: { run_id: id, plants: rows.length },
      });
      return { run: started, plants: rows.map((p) => withPhase(p, species, now)) };
    });
  }

  /** Moves every active plant of the run by the same rules as one plant; all or none. */
  async moveRun(ctx: FarmContext, id: string, input: Transition, meta: RequestMeta) {
    this.#mayForce(ctx, input);
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const run = await this.#run(tx, ctx.farmId, id, true);
      if (input.id) {
        const earlier = await cropsRepository.historyByClientId(tx, ctx.farmId, input.id);
        if (earlier.length > 0) return this.#repeatOfMove(tx, ctx, earlier, { ...input, run: id });
      }
      const plants = await cropsRepository.runPlants(tx, ctx.farmId, id);
      if (plants.length === 0)
        throw conflict('INVALID_RUN_STATE', 'The run has no active plants to move', { status: run.status });
      const species = await this.#growth(tx, run.species_id);
      const moved = [];
      for (const plant of plants) {
        moved.push(
          await this.#transition(tx, ctx.farmId, plant, species, {
            to: input.to,
            force: input.force ?? false,
            note: input.reason ?? null,
            at: now,
            userId: userOf(ctx.caller),
            clientId: input.id ?? null,
            requestHash: input.id ? hashOfMove({ ...input, run: id }) : null,
          }),
        );
      }
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'planting_run.phase_changed',
        category: 'crops',
        severity: input.force ? 'warning' : 'info',
        message: `Planting run ${run.name}: ${plants.length} plants moved to ${input.to}${input.force ? ' (forced)' : ''}`,
        data: { run_id: id, to: input.to, force: input.force ?? false, reason: input.reason ?? null },
      });
      return { moved, created: true };
    }).then((result) => {
      if (result.created) for (const m of result.moved) this.#announce(ctx.farmId, m.plant, m.history, m.from);
      return result;
    });
  }

  // Plants

  async createPlant(ctx: FarmContext, input: NewPlant, meta: RequestMeta): Promise<{ plant: PlantWithPhase; created: boolean }> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const { speciesId, cultivarId } = await this.#speciesAndCultivar(tx, ctx.farmId, input.species, input.cultivar, 'body');
      const location = input.location ? await this.#location(tx, ctx.farmId, input.location, 'body.location') : undefined;
      let motherId: string | null = null;
      if (input.mother) {
        const mother = await this.#plant(tx, ctx.farmId, input.mother, 'body.mother');
        if (mother.species_id !== speciesId)
          throw invalid('A clone is of its mother’s species', {
            fields: [{ field: 'body.species', message: 'must be the mother plant’s species' }],
          });
        motherId = mother.id;
      }
      const species = await this.#growth(tx, speciesId);
      const request = { ...input, id: undefined, species: speciesId, cultivar: cultivarId, mother: motherId };
      const insert = async (id: string | undefined, hash: string | null) => {
        let label = input.label?.toUpperCase();
        if (label === undefined) {
          const code = locationCode(location ? { code: location.code, name: location.name } : null);
          const prefix = input.id_prefix ?? prefixOf(species.scientificName);
          const stem = `${code}_${prefix}_`;
          label = nextPlantLabels({
            code,
            prefix,
            count: 1,
            taken: await cropsRepository.labelsStartingWith(tx, ctx.farmId, stem),
          })[0]!;
        } else if (await cropsRepository.findPlant(tx, ctx.farmId, label)) {
          throw conflict('LABEL_TAKEN', `A plant of this farm is already labelled ${label}`, { label });
        }
        const first = species.sequence.phases[0] ?? null;
        const [row] = await cropsRepository.insertPlants(tx, [
          {
            ...(id ? { id } : {}),
            farm_id: ctx.farmId,
            label,
            species_id: speciesId,
            cultivar_id: cultivarId,
            location_id: location?.id ?? null,
            run_id: null,
            mother_id: motherId,
            planted_on: input.planted_on ?? localTime(now, ctx.timeZone).date,
            removed_on: null,
            container_volume_l: input.container_volume_l ?? null,
            phase_id: first?.id ?? null,
            phase_started_at: first ? now : null,
            notes: input.notes ?? '',
            request_hash: hash,
            created_at: now,
            updated_at: now,
          },
        ]);
        if (!row) return undefined;
        if (first)
          await cropsRepository.insertHistories(tx, [
            {
              farm_id: ctx.farmId,
              plant_id: row.id,
              phase_id: first.id,
              cycle: 1,
              entered_at: now,
              exited_at: null,
              duration_days: null,
              reason: 'initial',
              note: null,
              auto_day: null,
              user_id: userOf(ctx.caller),
              client_id: null,
              request_hash: null,
            },
          ]);
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'plant.created',
          category: 'crops',
          message: `Plant ${row.label} planted`,
          data: { plant_id: row.id, label: row.label },
        });
        return row;
      };
      if (!input.id) return { plant: withPhase((await insert(undefined, null))!, species, now), created: true };
      const clientId = input.id;
      const { row, created } = await idempotent({
        request,
        find: () => cropsRepository.findPlant(tx, ctx.farmId, clientId),
        create: (hash) => insert(clientId, hash),
        storedHash: (stored) => stored.request_hash,
        details: { id: clientId },
      });
      return { plant: withPhase(row, await this.#growth(tx, row.species_id), now), created };
    });
  }

  plants(
    ctx: FarmContext,
    query: {
      location?: string | undefined;
      subtree?: boolean | undefined;
      species?: string | undefined;
      run?: string | undefined;
      include_removed?: boolean | undefined;
      cursor?: string | undefined;
      limit: number;
    },
  ) {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      if (query.location) await this.#location(tx, ctx.farmId, query.location, 'query.location');
      let species: string | undefined;
      if (query.species) {
        const found = await catalogReads.resolveSpecies(tx, ctx.farmId, query.species);
        if (!found) return [];
        species = found.id;
      }
      const rows = await cropsRepository.listPlants(tx, ctx.farmId, {
        location: query.location,
        subtree: query.subtree,
        species,
        run: query.run,
        active: !query.include_removed,
        after: query.cursor,
        limit: query.limit,
      });
      return this.#withPhases(tx, rows, now);
    });
  }

  /** Every plant at a location, or under it at any depth (one query). */
  locationPlants(ctx: FarmContext, locationId: string, query: { subtree?: boolean | undefined; include_removed?: boolean | undefined }) {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await this.#location(tx, ctx.farmId, locationId, 'path.id');
      const rows = await cropsRepository.listPlants(tx, ctx.farmId, {
        location: locationId,
        subtree: query.subtree ?? false,
        active: !query.include_removed,
        limit: 100_000,
      });
      return this.#withPhases(tx, rows, now);
    });
  }

  plant(ctx: FarmContext, ref: string): Promise<PlantWithPhase> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await this.#plant(tx, ctx.farmId, ref);
      return withPhase(plant, await this.#growth(tx, plant.species_id), now);
    });
  }

  async updatePlant(ctx: FarmContext, ref: string, patch: PlantPatch, meta: RequestMeta): Promise<PlantWithPhase> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await this.#plant(tx, ctx.farmId, ref, undefined, true);
      let cultivarId: string | null | undefined;
      if (patch.cultivar !== undefined) {
        if (patch.cultivar === null) cultivarId = null;
        else {
          const cultivar = await catalogReads.resolveCultivar(tx, ctx.farmId, patch.cultivar);
          if (!cultivar || cultivar.speciesId !== plant.species_id)
            throw invalid('No such cultivar of this plant’s species', {
              fields: [{ field: 'body.cultivar', message: 'not a cultivar of the plant’s species' }],
            });
          cultivarId = cultivar.id;
        }
      }
      if (patch.location) await this.#location(tx, ctx.farmId, patch.location, 'body.location');
      if (patch.removed_on && patch.removed_on < plant.planted_on)
        throw invalid('A plant is removed on or after the day it was planted', {
          fields: [{ field: 'body.removed_on', message: `before planted_on (${plant.planted_on})` }],
        });
      const updated = (await cropsRepository.updatePlant(tx, ctx.farmId, plant.id, {
        ...(cultivarId !== undefined ? { cultivar_id: cultivarId } : {}),
        ...(patch.location !== undefined ? { location_id: patch.location } : {}),
        ...(patch.container_volume_l !== undefined ? { container_volume_l: patch.container_volume_l } : {}),
        ...(patch.removed_on !== undefined ? { removed_on: patch.removed_on } : {}),
        ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
        updated_at: now,
      }))!;
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: patch.removed_on ? 'plant.removed' : 'plant.updated',
        category: 'crops',
        message: patch.removed_on ? `Plant ${plant.label} removed` : `Plant ${plant.label} changed`,
        data: { plant_id: plant.id, changed: Object.keys(patch) },
      });
      return withPhase(updated, await this.#growth(tx, updated.species_id), now);
    });
  }

  async deletePlant(ctx: FarmContext, ref: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await this.#plant(tx, ctx.farmId, ref, undefined, true);
      await cropsRepository.deletePlant(tx, ctx.farmId, plant.id);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'plant.deleted',
        category: 'crops',
        severity: 'warning',
        message: `Plant ${plant.label} deleted`,
        data: { plant_id: plant.id, label: plant.label },
      });
    });
  }

  async movePlant(ctx: FarmContext, ref: string, input: Transition, meta: RequestMeta) {
    this.#mayForce(ctx, input);
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await this.#plant(tx, ctx.farmId, ref, undefined, true);
      if (input.id) {
        const earlier = await cropsRepository.historyByClientId(tx, ctx.farmId, input.id);
        if (earlier.length > 0) return this.#repeatOfMove(tx, ctx, earlier, { ...input, plant: plant.id });
      }
      if (plant.removed_on)
        throw ruleViolation('PHASE_TRANSITION_INVALID', `Plant ${plant.label} was removed on ${plant.removed_on}`, {
          plant: plant.label,
        });
      const species = await this.#growth(tx, plant.species_id);
      const moved = await this.#transition(tx, ctx.farmId, plant, species, {
        to: input.to,
        force: input.force ?? false,
        note: input.reason ?? null,
        at: now,
        userId: userOf(ctx.caller),
        clientId: input.id ?? null,
        requestHash: input.id ? hashOfMove({ ...input, plant: plant.id }) : null,
      });
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'plant.phase_changed',
        category: 'crops',
        severity: input.force ? 'warning' : 'info',
        message: `Plant ${plant.label}: ${moved.from ?? 'no phase'} → ${input.to}${input.force ? ' (forced)' : ''}`,
        data: { plant_id: plant.id, from: moved.from, to: input.to, reason: moved.history.reason, note: input.reason ?? null },
      });
      return { moved: [moved], created: true };
    }).then((result) => {
      if (result.created) for (const m of result.moved) this.#announce(ctx.farmId, m.plant, m.history, m.from);
      return result;
    });
  }

  phases(ctx: FarmContext, ref: string) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await this.#plant(tx, ctx.farmId, ref);
      const species = await this.#growth(tx, plant.species_id);
      const rows = await cropsRepository.history(tx, ctx.farmId, plant.id);
      return rows.map((h) => ({ ...h, phaseKey: phaseKeyOf(species, h.phase_id) }));
    });
  }

  lineage(ctx: FarmContext, ref: string, direction: 'ancestors' | 'descendants') {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await this.#plant(tx, ctx.farmId, ref);
      const line = await cropsRepository.lineage(tx, ctx.farmId, plant.id, direction);
      const shown = await this.#withPhases(tx, [plant, ...line], now);
      return { plant: shown[0]!, line: line.map((p, i) => ({ depth: p.depth, plant: shown[i + 1]! })) };
    });
  }

  // Growth

  /** The growing degree days of the plant's current phase so far, day by day, with the days missing. */
  async gdd(ctx: FarmContext, ref: string) {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await this.#plant(tx, ctx.farmId, ref);
      const species = await this.#growth(tx, plant.species_id);
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
      return { ...base, from, through, total: result.total, days: result.counted, missing: result.missing, sensor, problem: null };
    });
  }

  /** The latest temperature and humidity where the plant stands, VPD, and how they compare with its phase's targets. */
  async environment(ctx: FarmContext, ref: string) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await this.#plant(tx, ctx.farmId, ref);
      const species = await this.#growth(tx, plant.species_id);
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
      await this.#location(tx, ctx.farmId, locationId, 'path.id');
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
      const env = environmentAgainstTargets({ temperature: measured.temperature, humidity: measured.humidity, profile: null });
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
      await this.#location(tx, ctx.farmId, locationId, 'path.id');
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
        data: { location_id: locationId, temperature: input.temperature ?? undefined, humidity: input.humidity ?? undefined },
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
    const farmIds = await this.deps.db.system((tx) => cropsRepositoryFarms(tx));
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
    const local = localTime(now, farm.time_zone);
    if (local.minuteOfDay < SETTLE_MINUTES) return undefined;
    const day = addDays(local.date, -1);
    // The instant the local day `day` ended (local midnight today).
    const dayEnd = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - local.minuteOfDay * 60_000);
    const plan = await this.deps.db.farm(farmId, async (tx) => {
      if (await cropsRepository.dayDone(tx, farmId, day)) return undefined;
      if (await telemetryReads.rollupPending(tx, farmId, dayEnd)) return undefined;
      const plants = await cropsRepository.growingPlants(tx, farmId);
      const species = await catalogReads.speciesForGrowth(tx, [...new Set(plants.map((p) => p.species_id))]);
      const sensors = new Map<string, Sensor | null>();
      const temperatures = new Map<string, DailyTemperature[]>();
      const moves: Array<{ plant: PlantRow; to: string; reason: PhaseReason }> = [];
      for (const plant of plants) {
        const sp = species.get(plant.species_id);
        const phase = sp?.sequence.phases.find((p) => p.id === plant.phase_id);
        if (!sp || !phase || !plant.phase_started_at) continue;
        if (plant.phase_started_at.getTime() >= dayEnd.getTime()) continue;
        const needsClimate = phase.gdd !== null || sp.sequence.dormancyRequired;
        let days: DailyTemperature[] = [];
        const from = firstFullDayInPhase(plant.phase_started_at, farm.time_zone);
        const dormancyFrom = addDays(day, -13);
        if (needsClimate && plant.location_id) {
          if (!sensors.has(plant.location_id))
            sensors.set(plant.location_id, await this.#sensor(tx, farmId, plant.location_id, 'temperature'));
          const sensor = sensors.get(plant.location_id);
          if (sensor) {
            const key = sensor.seriesIds.join(',');
            if (!temperatures.has(key))
              temperatures.set(key, await this.#dailyTemperatures(tx, sensor, addDays(day, -400), day, farm.time_zone));
            days = temperatures.get(key)!;
          }
        }
        const gdd =
          phase.gdd !== null && days.length > 0
            ? accumulateGdd({ days, from, through: day, base: sp.baseTempC, upperCap: sp.upperTempC })
            : null;
        const dormancy = sp.sequence.dormancyRequired
          ? dormancyReached({
              days: days.filter((d) => d.day >= dormancyFrom),
              through: day,
              baseTempC: sp.baseTempC,
              criticalDayLengthH: sp.criticalDayLengthH,
              latitude: farm.latitude,
            })
          : null;
        const index = sp.sequence.phases.indexOf(phase);
        const move = autoMove({
          phase,
          next: sp.sequence.phases[index + 1] ?? null,
          daysInPhase: wholeDaysBetween(plant.phase_started_at, dayEnd),
          gdd,
          sequence: sp.sequence,
          dormancy,
          currentKey: phase.key,
        });
        if (move) moves.push({ plant, to: move.to, reason: move.reason });
      }
      return { moves, species };
    });
    if (!plan) return undefined;
    const done: Array<{ plant: PlantRow; history: PhaseHistoryRow; from: string | null }> = [];
    for (const { plant, to, reason } of plan.moves) {
      const result = await this.deps.db.farm(farmId, async (tx) => {
        const current = await cropsRepository.findPlant(tx, farmId, plant.id, true);
        // Moved meanwhile (by hand, or by an earlier run of this day): leave it.
        if (!current || current.phase_id !== plant.phase_id || current.removed_on) return undefined;
        if (await cropsRepository.movedOn(tx, farmId, plant.id, day)) return undefined;
        const sp = plan.species.get(plant.species_id)!;
        const moved = await this.#transition(tx, farmId, current, sp, {
          to,
          force: false,
          note: null,
          at: now,
          userId: null,
          clientId: null,
          requestHash: null,
          auto: { reason, day },
        });
        await recordAudit(tx, this.deps.clock, {
          farmId,
          eventType: 'plant.phase_changed',
          category: 'crops',
          message: `Plant ${plant.label}: ${moved.from ?? 'no phase'} → ${to} (${reason})`,
          data: { plant_id: plant.id, from: moved.from, to, reason, day },
        });
        return moved;
      });
      if (result) done.push(result);
    }
    await this.deps.db.farm(farmId, (tx) => cropsRepository.finishDay(tx, farmId, day, done.length, this.deps.clock.now()));
    for (const m of done) this.#announce(farmId, m.plant, m.history, m.from);
    if (done.length > 0) await this.#tellManagers(farmId, day, done);
    return { day, moved: done.length };
  }

  // Inside

  async #transition(
    tx: Tx,
    farmId: string,
    plant: PlantRow,
    species: SpeciesForGrowth,
    move: {
      to: string;
      force: boolean;
      note: string | null;
      at: Date;
      userId: string | null;
      clientId: string | null;
      requestHash: string | null;
      auto?: { reason: PhaseReason; day: string };
    },
  ): Promise<{ plant: PlantRow; history: PhaseHistoryRow; from: string | null }> {
    const phases = species.sequence.phases;
    const current = phases.find((p) => p.id === plant.phase_id) ?? null;
    const check = checkTransition({
      sequence: species.sequence,
      current: current && { key: current.key },
      target: move.to,
      force: move.force,
    });
    if (!check.ok)
      throw ruleViolation(check.code, `Plant ${plant.label}: ${check.reason}`, {
        plant: plant.label,
        from: current?.key ?? null,
        to: move.to,
        sequence: species.sequence.key,
      });
    const target = phases.find((p) => p.key === move.to)!;
    const cycle = check.kind === 'restart' ? plant.cycle + 1 : plant.cycle;
    if (plant.phase_started_at)
      await cropsRepository.closeHistory(tx, farmId, plant.id, move.at, wholeDaysBetween(plant.phase_started_at, move.at));
    const reason: PhaseReason =
      move.auto?.reason ?? (check.kind === 'forced' ? 'forced' : check.kind === 'restart' ? 'restart' : 'manual');
    const history = (await cropsRepository.insertHistory(tx, {
      farm_id: farmId,
      plant_id: plant.id,
      phase_id: target.id,
      cycle,
      entered_at: move.at,
      exited_at: null,
      duration_days: null,
      reason,
      note: move.note,
      auto_day: move.auto?.day ?? null,
      user_id: move.userId,
      client_id: move.clientId,
      request_hash: move.requestHash,
    }))!;
    const updated = (await cropsRepository.updatePlant(tx, farmId, plant.id, {
      phase_id: target.id,
      phase_started_at: move.at,
      cycle,
      updated_at: move.at,
    }))!;
    return { plant: updated, history, from: current?.key ?? null };
  }

  /** A resend of a move with a client-made id: the same request answers what it did; another one is a conflict. */
  async #repeatOfMove(tx: Tx, ctx: FarmContext, earlier: PhaseHistoryRow[], request: object) {
    const hash = hashOfMove(request);
    if (earlier.some((h) => h.request_hash !== hash))
      throw conflict('IDEMPOTENCY_CONFLICT', 'This id was already used for a different request: make a new id for a new request', {
        id: earlier[0]!.client_id,
      });
    const plants = await cropsRepository.plantsByIds(tx, ctx.farmId, earlier.map((h) => h.plant_id));
    const byId = new Map(plants.map((p) => [p.id, p]));
    return {
      moved: earlier.map((history) => ({ plant: byId.get(history.plant_id)!, history, from: null as string | null })),
      created: false,
    };
  }

  #mayForce(ctx: FarmContext, input: Transition): void {
    if (!input.force) return;
    if (!can(ctx.role, 'config.write'))
      throw forbidden('Only a manager may force a phase back', { required_role: 'manager', role: ctx.role });
    if (!input.reason)
      throw invalid('A forced move says why', { fields: [{ field: 'body.reason', message: 'required with force' }] });
  }

  #announce(farmId: string, plant: PlantRow, history: PhaseHistoryRow, from: string | null): void {
    this.deps.live.farmEvent(farmId, {
      type: 'plant',
      change: 'phase',
      plant: plant.label,
      plant_id: plant.id,
      from,
      phase_id: history.phase_id,
      reason: history.reason,
      at: history.entered_at.toISOString(),
    });
  }

  async #tellManagers(farmId: string, day: string, done: Array<{ plant: PlantRow; history: PhaseHistoryRow; from: string | null }>) {
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
        { roles: MANAGERS, severity: 'info' },
      );
    } catch (error) {
      this.deps.log.error({ err: error, farmId }, 'telling managers of automatic phase moves failed');
    }
  }

  async #withPhases(tx: Tx, rows: PlantRow[], now: Date): Promise<PlantWithPhase[]> {
    const species = await catalogReads.speciesForGrowth(tx, [...new Set(rows.map((p) => p.species_id))]);
    return rows.map((p) => {
      const sp = species.get(p.species_id);
      return sp ? withPhase(p, sp, now) : { plant: p, phase: null };
    });
  }

  async #growth(tx: Tx, speciesId: string): Promise<SpeciesForGrowth> {
    const species = (await catalogReads.speciesForGrowth(tx, [speciesId])).get(speciesId);
    if (!species) throw notFound('species', { id: speciesId });
    return species;
  }

  async #speciesAndCultivar(
    tx: Tx,
    farmId: string,
    speciesRef: string,
    cultivarRef: string | null | undefined,
    at: string,
  ): Promise<{ speciesId: string; cultivarId: string | null }> {
    const species = await catalogReads.resolveSpecies(tx, farmId, speciesRef);
    if (!species)
      throw invalid(`No species "${speciesRef}" in the catalogue`, {
        fields: [{ field: `${at}.species`, message: 'no such species (id or key)' }],
      });
    if (!cultivarRef) return { speciesId: species.id, cultivarId: null };
    const cultivar = await catalogReads.resolveCultivar(tx, farmId, cultivarRef);
    if (!cultivar || cultivar.speciesId !== species.id)
      throw invalid(`No cultivar "${cultivarRef}" of ${species.key}`, {
        fields: [{ field: `${at}.cultivar`, message: 'no such cultivar of this species' }],
      });
    return { speciesId: species.id, cultivarId: cultivar.id };
  }

  async #location(tx: Tx, farmId: string, id: string, field: string): Promise<LocationRow> {
    const location = await locationReads.find(tx, farmId, id);
    if (!location) {
      if (field.startsWith('path.')) throw notFound('location', { id });
      throw invalid('No such location in this farm', { fields: [{ field, message: 'no such location' }] });
    }
    return location;
  }

  async #run(tx: Tx, farmId: string, id: string, lock = false): Promise<RunRow> {
    const run = lock ? await cropsRepository.lockRun(tx, farmId, id) : await cropsRepository.findRun(tx, farmId, id);
    if (!run) throw notFound('planting run', { id });
    return run;
  }

  /** A plant by id or label: 404 when named in the path, 400 naming the field when named in a body. */
  async #plant(tx: Tx, farmId: string, ref: string, field?: string, lock = false): Promise<PlantRow> {
    const plant = await cropsRepository.findPlant(tx, farmId, ref, lock);
    if (!plant) {
      if (field) throw invalid('No such plant in this farm', { fields: [{ field, message: 'no such plant (id or label)' }] });
      throw notFound('plant', { plant: ref });
    }
    return plant;
  }

  /**
   * Where a location's `metric` comes from: walking up from the location, the first level that names
   * a series for it (location climate) or holds devices sending it (several: averaged).
   */
  async #sensor(tx: Tx, farmId: string, locationId: string, metric: 'temperature' | 'humidity'): Promise<Sensor | null> {
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
        return { seriesIds: here.map((d) => d.series_id), devices: here.map((d) => d.device), locationId: level.id, named: false };
    }
    return null;
  }

  /** Daily temperatures of a sensor (several series averaged per day) for local days `from` … `through`. */
  async #dailyTemperatures(tx: Tx, sensor: Sensor, from: string, through: string, timeZone: string): Promise<DailyTemperature[]> {
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
      const full = list.filter((r) => (r.hours ?? 0) >= 20);
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
    await this.#location(tx, farmId, locationId, 'path.id');
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

function withPhase(plant: PlantRow, species: SpeciesForGrowth, now: Date): PlantWithPhase {
  const phase = species.sequence.phases.find((p) => p.id === plant.phase_id);
  if (!phase) return { plant, phase: null };
  const startedAt = plant.phase_started_at;
  return { plant, phase: { ...phase, startedAt, daysInPhase: startedAt ? wholeDaysBetween(startedAt, now) : null } };
}

function phaseKeyOf(species: SpeciesForGrowth, phaseId: string): string {
  return species.sequence.phases.find((p) => p.id === phaseId)?.key ?? 'unknown';
}

/** Slots in a stable order: by code when they have one, else by name (numbers compared as numbers). */
function bySlotOrder(a: LocationRow, b: LocationRow): number {
  return (a.code ?? a.name).localeCompare(b.code ?? b.name, 'en', { numeric: true });
}

/** A plant's prefix when none is given: the first letters of its genus (Solanum → SOL). */
function prefixOf(scientificName: string): string {
  const letters = (scientificName.split(' ')[0] ?? '').normalize('NFD').replace(/[^A-Za-z]/g, '').toUpperCase();
  return (letters.slice(0, 3) + 'XX').slice(0, Math.max(2, Math.min(3, letters.length)));
}

function hashOfMove(request: object): string {
  return requestHashOf({ ...request, id: undefined });
}

function emptyMeasured() {
  return { temperature: null, humidity: null, sensors: { temperature: null, humidity: null } };
}
