import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, forbidden, idempotencyConflict, invalid, notFound, ruleViolation } from '../../platform/errors.js';
import { idempotent, requestHash } from '../../platform/idempotency.js';
import type { LiveEvents } from '../../platform/live/events.js';
import type { Logger } from '../../platform/logger.js';
import { can } from '../../platform/tenancy/access.js';
import type { Caller, FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime, startOfLocalDay } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import { catalogReads, type SpeciesForGrowth } from '../catalog/index.js';
import { locationCode, locationReads, type LocationRow } from '../locations/index.js';
import { nutrientReads } from '../nutrients/index.js';
import { nextPlantLabels } from './plant-ids.engine.js';
import { checkRunStatus, runEditable } from './runs.engine.js';
import { cropsRepository, type PhaseHistoryRow, type RunRow } from './crops.repository.js';
import {
  announce,
  growthOf,
  locationOr,
  plantOr,
  transition,
  withPhase,
  withPhases,
  type Moved,
  type PlantWithPhase,
} from './crops.moves.js';
import type { RunStatus } from './crops.tables.js';
import type { CropTargets } from './targets.service.js';
import type { WateringService } from './watering.service.js';
import { checkPlacement, mayAcknowledge, recordAcknowledged } from './placement.service.js';
import type { NewPlant, NewRun, PlantPatch, RunPatch, Transition } from './crops.schemas.js';

export type { PlantWithPhase } from './crops.moves.js';

interface Deps {
  db: Database;
  clock: Clock;
  log: Logger;
  live: LiveEvents;
  cropTargets: CropTargets;
  watering: WateringService;
}

/** A nutrient plan a body names: 400 naming the field when the farm has no such plan. */
async function planOr(tx: Tx, farmId: string, id: string, field: string): Promise<void> {
  if (!(await nutrientReads.planExists(tx, farmId, id)))
    throw invalid('No such nutrient plan in this farm', { fields: [{ field, message: 'no such nutrient plan' }] });
}

const userOf = (caller: Caller) => (caller.kind === 'user' ? caller.userId : null);

/** Planting runs, plants and their growth phases: moved by hand and, every day, by their own clock. */
export class CropsService {
  constructor(private readonly deps: Deps) {}

  // Planting runs

  async createRun(ctx: FarmContext, input: NewRun, meta: RequestMeta): Promise<{ run: RunRow; created: boolean }> {
    const now = this.deps.clock.now();
    const entry = input.entries[0]!;
    if (input.type === 'clone' && !input.source_plant)
      throw invalid('A clone run names its source plant', {
        fields: [{ field: 'body.source_plant', message: 'required for a clone run' }],
      });
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const { speciesId, cultivarId } = await this.#speciesAndCultivar(
        tx,
        ctx.farmId,
        entry.species,
        entry.cultivar,
        'body.entries[0]',
      );
      if (input.location) await locationOr(tx, ctx.farmId, input.location, 'body.location');
      if (input.nutrient_plan) await planOr(tx, ctx.farmId, input.nutrient_plan, 'body.nutrient_plan');
      let sourceId: string | null = null;
      if (input.type === 'clone') {
        const source = await plantOr(tx, ctx.farmId, input.source_plant!, 'body.source_plant');
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
          nutrient_plan_id: input.nutrient_plan ?? null,
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
      return {
        rows,
        counts: await cropsRepository.runPlantCounts(
          tx,
          ctx.farmId,
          rows.map((r) => r.id),
        ),
      };
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
        throw conflict(
          'INVALID_RUN_STATE',
          `The run is ${run.status}: its entries and place change only while planned`,
          {
            status: run.status,
          },
        );
      let entry = {};
      if (patch.entries) {
        const next = patch.entries[0]!;
        const { speciesId, cultivarId } = await this.#speciesAndCultivar(
          tx,
          ctx.farmId,
          next.species,
          next.cultivar,
          'body.entries[0]',
        );
        if (run.type === 'clone' && run.source_plant_id) {
          const source = await cropsRepository.findPlant(tx, ctx.farmId, run.source_plant_id);
          if (source && source.species_id !== speciesId)
            throw invalid('A clone is of its source plant’s species', {
              fields: [{ field: 'body.entries[0].species', message: 'must be the source plant’s species' }],
            });
        }
        entry = { species_id: speciesId, cultivar_id: cultivarId, quantity: next.quantity, id_prefix: next.id_prefix };
      }
      if (patch.location) await locationOr(tx, ctx.farmId, patch.location, 'body.location');
      if (patch.nutrient_plan) await planOr(tx, ctx.farmId, patch.nutrient_plan, 'body.nutrient_plan');
      const updated = (await cropsRepository.updateRun(tx, ctx.farmId, id, {
        ...entry,
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.location !== undefined ? { location_id: patch.location } : {}),
        ...(patch.planned_on !== undefined ? { planned_on: patch.planned_on } : {}),
        ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
        ...(patch.nutrient_plan !== undefined ? { nutrient_plan_id: patch.nutrient_plan } : {}),
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
      // A pump schedule a watering schedule of the run made goes with it.
      await this.deps.watering.runEnded(tx, ctx, run, 'deleted', meta);
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
    let afterCommit = async () => {};
    const row = await this.#retargeting(ctx, meta, async (tx) => {
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
      // An ended run is watered no more: its watering schedules stop, and their pumps with them.
      if (to === 'completed' || to === 'cancelled')
        afterCommit = await this.deps.watering.runEnded(tx, ctx, updated, 'ended', meta);
      return updated;
    });
    await afterCommit();
    return row;
  }

  /**
   * A harvest was recorded from the run (or a plant of it), inside the caller's transaction: an active run
   * moves to harvesting (crops owns run status; harvests calls this). Any other status is left as it is —
   * a late entry for a completed run changes nothing. Active and harvesting runs set the same targets, so
   * nothing is retargeted. True when the run moved.
   */
  async harvestRecorded(tx: Tx, ctx: FarmContext, runId: string, meta: RequestMeta): Promise<boolean> {
    const run = await this.#run(tx, ctx.farmId, runId, true);
    if (run.status !== 'active') return false;
    await cropsRepository.updateRun(tx, ctx.farmId, runId, { status: 'harvesting', updated_at: this.deps.clock.now() });
    await recordAudit(tx, this.deps.clock, {
      farmId: ctx.farmId,
      caller: ctx.caller,
      meta,
      eventType: 'planting_run.status_changed',
      category: 'crops',
      message: `Planting run ${run.name}: active → harvesting (first harvest recorded)`,
      data: { run_id: runId, from: 'active', to: 'harvesting' },
    });
    return true;
  }

  /**
   * Makes the run's plants — `{LOCATION CODE}_{PREFIX}_{NN}`, in free slots of its location when it
   * has slots — each in the first phase of its species' sequence, and starts the run.
   */
  async createRunPlants(
    ctx: FarmContext,
    id: string,
    input: {
      planted_on?: string | undefined;
      container_volume_l?: number | null | undefined;
      acknowledge?: { reason: string } | undefined;
    },
    meta: RequestMeta,
  ): Promise<{ run: RunRow; plants: PlantWithPhase[] }> {
    mayAcknowledge(ctx, input.acknowledge);
    const now = this.deps.clock.now();
    return this.#retargeting(ctx, meta, async (tx) => {
      const run = await this.#run(tx, ctx.farmId, id, true);
      if (run.status !== 'planned')
        throw conflict('INVALID_RUN_STATE', `The run is ${run.status}: its plants are made once, from planned`, {
          status: run.status,
        });
      const location = run.location_id ? await locationReads.find(tx, ctx.farmId, run.location_id) : undefined;
      let places: Array<string | null> = Array.from({ length: run.quantity }, () => run.location_id);
      if (location) {
        const slots = (await locationReads.subtree(tx, ctx.farmId, location.id, 'slot')).filter(
          (s) => s.status === 'active',
        );
        if (slots.length > 0) {
          const taken = await cropsRepository.occupied(
            tx,
            ctx.farmId,
            slots.map((s) => s.id),
          );
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
      const species = await growthOf(tx, run.species_id);
      const first = species.sequence.phases[0] ?? null;
      const code = locationCode(location ? { code: location.code, name: location.name } : null);
      const stem = `${code}_${run.id_prefix}_`;
      const labels = nextPlantLabels({
        code,
        prefix: run.id_prefix,
        count: run.quantity,
        taken: await cropsRepository.labelsStartingWith(tx, ctx.farmId, stem),
      });
      const plantedOn = plantingDay(input.planted_on, now, ctx.timeZone, 'body.planted_on');
      // Rotation and companions, place by place: refused (422) unless a manager acknowledges.
      const refused = [];
      for (const place of new Set(places.filter((p) => p !== null)))
        refused.push(
          ...(await checkPlacement(tx, ctx, {
            speciesId: run.species_id,
            locationId: place,
            plantedOn,
            acknowledge: input.acknowledge,
          })),
        );
      // Recorded after the fact: the first phase began the day they were planted.
      const phaseStart = phaseStartOf(plantedOn, now, ctx.timeZone);
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
          phase_started_at: first ? phaseStart : null,
          request_hash: null,
          created_at: now,
          updated_at: now,
        })),
      );
      if (first)
        await cropsRepository.insertHistories(
          tx,
          rows.map((p) => initialHistory(ctx, p.id, first.id, phaseStart)),
        );
      if (refused.length > 0)
        await recordAcknowledged(tx, this.deps.clock, {
          ...ctx,
          meta,
          reason: input.acknowledge!.reason,
          refused,
          plants: rows,
        });
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
    return this.#retargeting(ctx, meta, async (tx) => {
      const run = await this.#run(tx, ctx.farmId, id, true);
      if (input.id) {
        const earlier = await cropsRepository.historyByClientId(tx, ctx.farmId, input.id);
        if (earlier.length > 0) return this.#repeatOfMove(tx, ctx, earlier, { ...input, run: id });
      }
      const plants = await cropsRepository.runPlants(tx, ctx.farmId, id);
      if (plants.length === 0)
        throw conflict('INVALID_RUN_STATE', 'The run has no active plants to move', { status: run.status });
      const species = await growthOf(tx, run.species_id);
      const moved = [];
      for (const plant of plants) {
        moved.push(
          await transition(tx, ctx.farmId, plant, species, {
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
      if (result.created) for (const m of result.moved) announce(this.deps.live, ctx.farmId, m);
      return result;
    });
  }

  // Plants

  async createPlant(
    ctx: FarmContext,
    input: NewPlant,
    meta: RequestMeta,
  ): Promise<{ plant: PlantWithPhase; created: boolean }> {
    mayAcknowledge(ctx, input.acknowledge);
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const { speciesId, cultivarId } = await this.#speciesAndCultivar(
        tx,
        ctx.farmId,
        input.species,
        input.cultivar,
        'body',
      );
      const location = input.location ? await locationOr(tx, ctx.farmId, input.location, 'body.location') : undefined;
      let motherId: string | null = null;
      if (input.mother) {
        const mother = await plantOr(tx, ctx.farmId, input.mother, 'body.mother');
        if (mother.species_id !== speciesId)
          throw invalid('A clone is of its mother’s species', {
            fields: [{ field: 'body.species', message: 'must be the mother plant’s species' }],
          });
        motherId = mother.id;
      }
      const species = await growthOf(tx, speciesId);
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
        const plantedOn = plantingDay(input.planted_on, now, ctx.timeZone, 'body.planted_on');
        const phaseStart = phaseStartOf(plantedOn, now, ctx.timeZone);
        const refused = location
          ? await checkPlacement(tx, ctx, {
              speciesId,
              locationId: location.id,
              plantedOn,
              acknowledge: input.acknowledge,
            })
          : [];
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
            planted_on: plantedOn,
            removed_on: null,
            container_volume_l: input.container_volume_l ?? null,
            phase_id: first?.id ?? null,
            phase_started_at: first ? phaseStart : null,
            notes: input.notes ?? '',
            request_hash: hash,
            created_at: now,
            updated_at: now,
          },
        ]);
        if (!row) return undefined;
        if (first) await cropsRepository.insertHistories(tx, [initialHistory(ctx, row.id, first.id, phaseStart)]);
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'plant.created',
          category: 'crops',
          message: `Plant ${row.label} planted`,
          data: { plant_id: row.id, label: row.label },
        });
        if (refused.length > 0)
          await recordAcknowledged(tx, this.deps.clock, {
            ...ctx,
            meta,
            reason: input.acknowledge!.reason,
            refused,
            plants: [row],
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
      return { plant: withPhase(row, await growthOf(tx, row.species_id), now), created };
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
      if (query.location) await locationOr(tx, ctx.farmId, query.location, 'query.location');
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
      return withPhases(tx, rows, now);
    });
  }

  /** Every plant at a location, or under it at any depth (one query). */
  locationPlants(
    ctx: FarmContext,
    locationId: string,
    query: { subtree?: boolean | undefined; include_removed?: boolean | undefined },
  ) {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await locationOr(tx, ctx.farmId, locationId, 'path.id');
      const rows = await cropsRepository.listPlants(tx, ctx.farmId, {
        location: locationId,
        subtree: query.subtree ?? false,
        active: !query.include_removed,
        limit: 100_000,
      });
      return withPhases(tx, rows, now);
    });
  }

  plant(ctx: FarmContext, ref: string): Promise<PlantWithPhase> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await plantOr(tx, ctx.farmId, ref);
      return withPhase(plant, await growthOf(tx, plant.species_id), now);
    });
  }

  async updatePlant(ctx: FarmContext, ref: string, patch: PlantPatch, meta: RequestMeta): Promise<PlantWithPhase> {
    const now = this.deps.clock.now();
    let afterCommit = async () => {};
    const answer = await this.#retargeting(ctx, meta, async (tx) => {
      const plant = await plantOr(tx, ctx.farmId, ref, undefined, true);
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
      if (patch.location) await locationOr(tx, ctx.farmId, patch.location, 'body.location');
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
      if (patch.removed_on && !plant.removed_on && plant.run_id)
        afterCommit = await this.#completeIfCleared(tx, ctx, plant.run_id, meta);
      return withPhase(updated, await growthOf(tx, updated.species_id), now);
    });
    await afterCommit();
    return answer;
  }

  /**
   * A harvesting run whose last plant was removed is completed (crops.md: "the run completes when its plants
   * are removed"). Only a harvesting run: an active run whose plants all went without a harvest is left for
   * the grower to complete or cancel. Returns what to send after the commit (a watering pump switched off).
   */
  async #completeIfCleared(tx: Tx, ctx: FarmContext, runId: string, meta: RequestMeta) {
    const run = await this.#run(tx, ctx.farmId, runId, true);
    const left = (await cropsRepository.runPlantCounts(tx, ctx.farmId, [runId])).get(runId) ?? 0;
    if (run.status !== 'harvesting' || left > 0) return async () => {};
    const now = this.deps.clock.now();
    const updated = (await cropsRepository.updateRun(tx, ctx.farmId, runId, {
      status: 'completed',
      ended_at: now,
      updated_at: now,
    }))!;
    await recordAudit(tx, this.deps.clock, {
      farmId: ctx.farmId,
      caller: ctx.caller,
      meta,
      eventType: 'planting_run.status_changed',
      category: 'crops',
      message: `Planting run ${run.name}: harvesting → completed (its last plant was removed)`,
      data: { run_id: runId, from: 'harvesting', to: 'completed' },
    });
    return this.deps.watering.runEnded(tx, ctx, updated, 'ended', meta);
  }

  async deletePlant(ctx: FarmContext, ref: string, meta: RequestMeta): Promise<void> {
    await this.#retargeting(ctx, meta, async (tx) => {
      const plant = await plantOr(tx, ctx.farmId, ref, undefined, true);
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
    return this.#retargeting(ctx, meta, async (tx) => {
      const plant = await plantOr(tx, ctx.farmId, ref, undefined, true);
      if (input.id) {
        const earlier = await cropsRepository.historyByClientId(tx, ctx.farmId, input.id);
        if (earlier.length > 0) return this.#repeatOfMove(tx, ctx, earlier, { ...input, plant: plant.id });
      }
      if (plant.removed_on)
        throw ruleViolation('PHASE_TRANSITION_INVALID', `Plant ${plant.label} was removed on ${plant.removed_on}`, {
          plant: plant.label,
        });
      const species = await growthOf(tx, plant.species_id);
      const moved = await transition(tx, ctx.farmId, plant, species, {
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
        data: {
          plant_id: plant.id,
          from: moved.from,
          to: input.to,
          reason: moved.history.reason,
          note: input.reason ?? null,
        },
      });
      return { moved: [moved], created: true };
    }).then((result) => {
      if (result.created) for (const m of result.moved) announce(this.deps.live, ctx.farmId, m);
      return result;
    });
  }

  /** Moves as answered: each plant with its phase, and the history row the move opened. */
  describeMoves(ctx: FarmContext, moved: Moved[]) {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plants = await withPhases(
        tx,
        moved.map((m) => m.plant),
        now,
      );
      const species = await catalogReads.speciesForGrowth(tx, [...new Set(moved.map((m) => m.plant.species_id))]);
      return moved.map((m, i) => ({
        plant: plants[i]!,
        history: { ...m.history, phaseKey: phaseKeyOf(species.get(m.plant.species_id), m.history.phase_id) },
      }));
    });
  }

  phases(ctx: FarmContext, ref: string) {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await plantOr(tx, ctx.farmId, ref);
      const species = await growthOf(tx, plant.species_id);
      const rows = await cropsRepository.history(tx, ctx.farmId, plant.id);
      return rows.map((h) => ({ ...h, phaseKey: phaseKeyOf(species, h.phase_id) }));
    });
  }

  lineage(ctx: FarmContext, ref: string, direction: 'ancestors' | 'descendants') {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await plantOr(tx, ctx.farmId, ref);
      const line = await cropsRepository.lineage(tx, ctx.farmId, plant.id, direction);
      const shown = await withPhases(tx, [plant, ...line], now);
      return { plant: shown[0]!, line: line.map((p, i) => ({ depth: p.depth, plant: shown[i + 1]! })) };
    });
  }

  // Inside

  /** A resend of a move with a client-made id: the same request answers what it did; another one is a conflict. */
  async #repeatOfMove(tx: Tx, ctx: FarmContext, earlier: PhaseHistoryRow[], request: object) {
    const hash = hashOfMove(request);
    if (earlier.some((h) => h.request_hash !== hash))
      throw idempotencyConflict('This id was already used for a different request: make a new id for a new request', {
        id: earlier[0]!.client_id,
      });
    const plants = await cropsRepository.plantsByIds(
      tx,
      ctx.farmId,
      earlier.map((h) => h.plant_id),
    );
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

  /**
   * A farm transaction whose change may move a place's crop targets (a phase, a run's status, where its
   * plants stand): the light schedules and alert rules following them are brought up to date in it, and
   * their commands and live events go out after the commit.
   */
  async #retargeting<T>(ctx: FarmContext, meta: RequestMeta, work: (tx: Tx) => Promise<T>): Promise<T> {
    const { value, after } = await this.deps.db.farm(ctx.farmId, (tx) =>
      this.deps.cropTargets.around(tx, { ...ctx, meta }, () => work(tx)),
    );
    await after();
    return value;
  }

  async #run(tx: Tx, farmId: string, id: string, lock = false): Promise<RunRow> {
    const run = lock ? await cropsRepository.lockRun(tx, farmId, id) : await cropsRepository.findRun(tx, farmId, id);
    if (!run) throw notFound('planting run', { id });
    return run;
  }
}

function phaseKeyOf(species: SpeciesForGrowth | undefined, phaseId: string): string {
  return species?.sequence.phases.find((p) => p.id === phaseId)?.key ?? 'unknown';
}

/** Slots in a stable order: by code when they have one, else by name (numbers compared as numbers). */
function bySlotOrder(a: LocationRow, b: LocationRow): number {
  return (a.code ?? a.name).localeCompare(b.code ?? b.name, 'en', { numeric: true });
}

/** A plant's prefix when none is given: the first letters of its genus (Solanum → SOL). */
function prefixOf(scientificName: string): string {
  const genus = (scientificName.split(' ')[0] ?? '').normalize('NFD').replace(/[^A-Za-z]/g, '');
  return genus.slice(0, 3).toUpperCase().padEnd(2, 'X');
}

/** The history row a new plant starts with: its first phase, cycle 1. */
function initialHistory(ctx: FarmContext, plantId: string, phaseId: string, at: Date) {
  return {
    farm_id: ctx.farmId,
    plant_id: plantId,
    phase_id: phaseId,
    cycle: 1,
    entered_at: at,
    exited_at: null,
    duration_days: null,
    reason: 'initial' as const,
    note: null,
    auto_day: null,
    user_id: userOf(ctx.caller),
    client_id: null,
    request_hash: null,
  };
}

function hashOfMove(request: object): string {
  return requestHash({ ...request, id: undefined });
}

/** The day a plant was planted: today (farm-local) unless given; never after today. */
function plantingDay(given: string | undefined, now: Date, timeZone: string, field: string): string {
  const today = localTime(now, timeZone).date;
  if (given === undefined) return today;
  if (given > today)
    throw invalid('A plant is recorded once it is planted: planted_on is today or earlier', {
      fields: [{ field, message: `after today (${today})` }],
    });
  return given;
}

/** When a new plant's first phase began: now, or the start of the day it was planted when that is past. */
function phaseStartOf(plantedOn: string, now: Date, timeZone: string): Date {
  return plantedOn < localTime(now, timeZone).date ? startOfLocalDay(plantedOn, timeZone) : now;
}
