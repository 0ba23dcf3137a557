import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import { dayPage, nextDayCursor } from '../../platform/day-cursor.js';
import type { Caller, FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import { cropReads, type CropsService, type PlantRef, type RunRef } from '../crops/index.js';
import { locationReads } from '../locations/index.js';
import { applicationReads, karenzViolation } from '../protection/index.js';
import { harvestDayProblems, runYield, scoreQuality, type Problem, type YieldFigures } from './harvests.engine.js';
import { harvestsRepository as repo, type HarvestRow, type QualityRow } from './harvests.repository.js';
import type { HarvestInput, HarvestsFilter, QualityInput } from './harvests.schemas.js';

interface Deps {
  db: Database;
  clock: Clock;
  crops: CropsService;
}

/** A batch as answered: its row and its latest quality assessment. */
export interface HarvestDetails {
  harvest: HarvestRow;
  quality: QualityRow | null;
}

export type RunYield = YieldFigures & { batches: number; runId: string };

const userOf = (caller: Caller) => (caller.kind === 'user' ? caller.userId : null);

const fieldsOf = (problems: Problem[], prefix = 'body') => ({
  fields: problems.map((p) => ({ field: `${prefix}.${p.field}`, message: p.message })),
});

/**
 * Harvest batches (from a plant or a run as a whole), their quality assessments and a run's yield. A batch
 * moves its run from active to harvesting through the crops service, which owns run status.
 */
export class HarvestsService {
  constructor(private readonly deps: Deps) {}

  /**
   * Records a batch. With a client-made `id`, a resend answers the first (200), another request under the
   * same id is 409. The batch's day is farm-local, today or earlier.
   */
  async create(
    ctx: FarmContext,
    input: HarvestInput,
    meta: RequestMeta,
  ): Promise<{ harvest: HarvestDetails; created: boolean }> {
    const problems: Problem[] = [];
    if ((input.plant === undefined) === (input.run === undefined))
      problems.push({
        field: input.plant === undefined ? 'plant' : 'run',
        message: 'name exactly one of plant or run',
      });
    if (input.weight_g === undefined && input.count === undefined)
      problems.push({ field: 'weight_g', message: 'a batch has a weight, a count or both' });
    const now = this.deps.clock.now();
    const today = localTime(now, ctx.timeZone).date;
    problems.push(...harvestDayProblems(input.harvested_on, today));
    if (problems.length > 0) throw invalid('The harvest is not valid', fieldsOf(problems));

    const result = await this.deps.db.farm(ctx.farmId, async (tx) => {
      const { plant, run } = await this.#source(tx, ctx, input);
      const runId = plant ? plant.runId : run!.id;
      const create = async (id: string | undefined, requestHash: string | null) => {
        // The pre-harvest interval gate, judged on the batch's own day (a back-dated harvest is no way round
        // it); inside create, so a resend of a batch recorded before a later spray still answers 200.
        const gate = await applicationReads.harvestGate(
          tx,
          ctx.farmId,
          plant ? { plant } : { run: run! },
          input.harvested_on,
        );
        if (!gate.allowed) throw karenzViolation(gate);
        const row = await repo.insert(tx, {
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          plant_id: plant?.id ?? null,
          run_id: runId,
          harvested_on: input.harvested_on,
          weight_g: input.weight_g ?? null,
          count: input.count ?? null,
          notes: input.notes ?? null,
          user_id: userOf(ctx.caller),
          request_hash: requestHash,
          created_at: now,
        });
        if (!row) return undefined;
        if (runId) await this.deps.crops.harvestRecorded(tx, ctx, runId, meta);
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'harvest.recorded',
          category: 'crops',
          message: `Harvest of ${plant ? `plant ${plant.label}` : `run ${run!.name}`} on ${input.harvested_on}`,
          data: { harvest_id: row.id, plant_id: row.plant_id, run_id: row.run_id },
        });
        return row;
      };
      const made = input.id
        ? await idempotent({
            request: {
              plant_id: plant?.id,
              run_id: run?.id,
              harvested_on: input.harvested_on,
              weight_g: input.weight_g,
              count: input.count,
              notes: input.notes,
            },
            find: () => repo.find(tx, ctx.farmId, input.id!),
            create: (hash) => create(input.id, hash),
            storedHash: (row) => row.request_hash,
            details: { id: input.id },
          })
        : { row: (await create(undefined, null))!, created: true };
      const quality = (await repo.latestQuality(tx, ctx.farmId, [made.row.id])).get(made.row.id) ?? null;
      return { harvest: { harvest: made.row, quality }, created: made.created };
    });
    return result;
  }

  /** One batch with its latest assessment. */
  get(ctx: FarmContext, id: string): Promise<HarvestDetails> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const harvest = await this.#harvestOr(tx, ctx.farmId, id);
      const quality = (await repo.latestQuality(tx, ctx.farmId, [id])).get(id) ?? null;
      return { harvest, quality };
    });
  }

  /** The farm's batches, newest day first, optionally of one run or plant and between two days. */
  async list(
    ctx: FarmContext,
    filter: HarvestsFilter,
  ): Promise<{ items: HarvestDetails[]; nextCursor: string | null }> {
    const { before } = dayPage(filter);
    const limit = filter.limit ?? 50;
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      let plantId: string | undefined;
      if (filter.plant !== undefined) {
        const plant = await cropReads.plant(tx, ctx.farmId, filter.plant);
        if (!plant) throw notFound('plant', { plant: filter.plant });
        plantId = plant.id;
      }
      if (filter.run !== undefined && !(await cropReads.run(tx, ctx.farmId, filter.run)))
        throw notFound('planting run', { id: filter.run });
      const rows = await repo.list(tx, ctx.farmId, {
        run: filter.run,
        plant: plantId,
        from: filter.from,
        to: filter.to,
        before,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const latest = await repo.latestQuality(
        tx,
        ctx.farmId,
        page.map((r) => r.id),
      );
      const last = page.at(-1);
      return {
        items: page.map((harvest) => ({ harvest, quality: latest.get(harvest.id) ?? null })),
        nextCursor: nextDayCursor(rows.length > limit, last && { day: last.harvested_on, id: last.id }),
      };
    });
  }

  /** Deletes a batch recorded by mistake, with its assessments. The run's status stays as it is. */
  async remove(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const harvest = await this.#harvestOr(tx, ctx.farmId, id);
      await repo.delete(tx, ctx.farmId, id);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'harvest.deleted',
        category: 'crops',
        severity: 'warning',
        message: `Harvest of ${harvest.harvested_on} deleted`,
        data: { harvest_id: id, plant_id: harvest.plant_id, run_id: harvest.run_id },
      });
    });
  }

  /**
   * Assesses a batch's quality: score and grade by harvests.engine's scoreQuality, stored as worked out
   * then. The batch shows its latest assessment. A client-made `id` makes a resend safe.
   */
  async assess(
    ctx: FarmContext,
    harvestId: string,
    input: QualityInput,
    meta: RequestMeta,
  ): Promise<{ quality: QualityRow; created: boolean }> {
    const scored = scoreQuality({
      appearance: input.appearance,
      aroma: input.aroma,
      colour: input.colour,
      defects: input.defects ?? [],
    });
    if (!scored.ok) throw invalid('The assessment is not valid', fieldsOf(scored.problems));
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const harvest = await this.#harvestOr(tx, ctx.farmId, harvestId);
      const create = async (id: string | undefined, requestHash: string | null) => {
        const row = await repo.insertQuality(tx, {
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          harvest_id: harvest.id,
          appearance: input.appearance,
          aroma: input.aroma,
          colour: input.colour,
          defects: scored.defects,
          score: scored.score,
          grade: scored.grade,
          notes: input.notes ?? null,
          assessed_at: now,
          user_id: userOf(ctx.caller),
          request_hash: requestHash,
          created_at: now,
        });
        if (!row) return undefined;
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'harvest.assessed',
          category: 'crops',
          message: `Harvest of ${harvest.harvested_on} graded ${scored.grade} (${scored.score})`,
          data: { harvest_id: harvest.id, quality_id: row.id, score: scored.score, grade: scored.grade },
        });
        return row;
      };
      if (!input.id) return { quality: (await create(undefined, null))!, created: true };
      const clientId = input.id;
      const made = await idempotent({
        request: {
          harvest_id: harvest.id,
          appearance: input.appearance,
          aroma: input.aroma,
          colour: input.colour,
          defects: input.defects,
          notes: input.notes,
        },
        find: () => repo.findQuality(tx, ctx.farmId, clientId),
        create: (hash) => create(clientId, hash),
        storedHash: (row) => row.request_hash,
        details: { id: clientId },
      });
      return { quality: made.row, created: made.created };
    });
  }

  /**
   * A run's yield over all its batches (its own and its plants'): per plant of the run (every plant it
   * had, removed ones included) and per m² of the run's location (its polygon's area; null when the
   * location has no polygon or the run no location).
   */
  runYield(ctx: FarmContext, runId: string): Promise<RunYield> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const run = await cropReads.run(tx, ctx.farmId, runId);
      if (!run) throw notFound('planting run', { id: runId });
      const batches = await repo.ofRun(tx, ctx.farmId, run.id);
      const plants = await cropReads.runPlantsEver(tx, ctx.farmId, run.id);
      const place = run.locationId ? await locationReads.find(tx, ctx.farmId, run.locationId) : undefined;
      const figures = runYield({
        batches: batches.map((b) => ({ weightG: b.weight_g ?? 0, count: b.count })),
        runPlants: plants,
        areaM2: place?.area_m2 ?? null,
      });
      return { ...figures, runId: run.id };
    });
  }

  /** The plant or run a batch names: 404 when the farm has none such; a run must have been planted. */
  async #source(tx: Tx, ctx: FarmContext, input: HarvestInput): Promise<{ plant?: PlantRef; run?: RunRef }> {
    const day = input.harvested_on;
    if (input.plant !== undefined) {
      const plant = await cropReads.plant(tx, ctx.farmId, input.plant);
      if (!plant) throw notFound('plant', { plant: input.plant });
      if (day < plant.plantedOn)
        throw invalid('A plant is harvested on or after the day it was planted', {
          fields: [{ field: 'body.harvested_on', message: `before planted_on (${plant.plantedOn})` }],
        });
      if (plant.removedOn && day > plant.removedOn)
        throw invalid('A plant is harvested on or before the day it was removed', {
          fields: [{ field: 'body.harvested_on', message: `after removed_on (${plant.removedOn})` }],
        });
      return { plant };
    }
    const run = await cropReads.run(tx, ctx.farmId, input.run!);
    if (!run) throw notFound('planting run', { id: input.run });
    // A run's plants may be planted on a day before the run was started in Croft, so only a planned run
    // (nothing planted yet) is refused; a completed or cancelled run may still get a late entry.
    if (run.status === 'planned')
      throw conflict('INVALID_RUN_STATE', 'The run is planned: nothing is planted to harvest yet', {
        status: run.status,
      });
    return { run };
  }

  async #harvestOr(tx: Tx, farmId: string, id: string): Promise<HarvestRow> {
    const row = await repo.find(tx, farmId, id);
    if (!row) throw notFound('harvest', { id });
    return row;
  }
}
