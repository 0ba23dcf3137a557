import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { invalid, notFound } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import { dayPage, nextDayCursor } from '../../platform/day-cursor.js';
import type { Caller, FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime, startOfLocalDay } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import { cropReads, type PlantRef } from '../crops/index.js';
import { locationReads } from '../locations/index.js';
import { taskReads, taskWrites } from '../tasks/index.js';
import {
  inspectionTaskKey,
  isLocalDate,
  nextInspection,
  phaseFactor,
  type ApplicationTarget,
  type NextInspection,
} from './protection.engine.js';
import {
  inspectionsRepository as repo,
  type CatalogueRef,
  type Findings,
  type InspectionRow,
} from './inspections.repository.js';
import type { InspectionInput, InspectionsFilter } from './inspections.schemas.js';

interface Deps {
  db: Database;
  clock: Clock;
}

/** An inspection as answered: its row and what it found. */
export interface InspectionDetails {
  inspection: InspectionRow;
  findings: Findings;
}

/** A new (or resent) inspection with its target's next inspection; null when the target no longer grows. */
export interface RecordedInspection extends InspectionDetails {
  next: NextInspection | null;
}

/** The task list's source of the next-inspection tasks. */
export const INSPECTIONS_SOURCE = 'protection';

/** What was inspected, as the next inspection and its task need it. */
interface Target extends ApplicationTarget {
  /** The plant's label, the run's or the location's name. */
  name: string;
  /** Whether it still grows: a removed plant, a completed or cancelled run, a retired location do not. */
  growing: boolean;
  /** The task's links: the plant, its run and place; a run and its place; a location. */
  links: { plantId: string | null; runId: string | null; locationId: string | null };
}

interface Problem {
  field: string;
  message: string;
}

const TARGET_FIELDS = ['plant', 'run', 'location'] as const;
const NOUN = { plant: 'plant', run: 'planting run', location: 'location' } as const;

const userOf = (caller: Caller) => (caller.kind === 'user' ? caller.userId : null);

const refuse = (message: string, problems: Problem[]) =>
  invalid(message, { fields: problems.map((p) => ({ field: `body.${p.field}`, message: p.message })) });

const plantTarget = (plant: PlantRef): Target => ({
  kind: 'plant',
  id: plant.id,
  name: plant.label,
  growing: plant.removedOn === null,
  links: { plantId: plant.id, runId: plant.runId, locationId: plant.locationId },
});

/** The most demanding phase (the smallest factor) among the keys; the first by name of equals; null for none. */
function mostDemanding(keys: string[]): string | null {
  let best: string | null = null;
  for (const key of keys) if (best === null || phaseFactor(key) < phaseFactor(best)) best = key;
  return best;
}

/** The 400 for catalogue ids the farm does not see (or retired ones), each named by its place in the list. */
function unseen(field: 'pests' | 'diseases', ids: string[], seen: CatalogueRef[]): Problem[] {
  const byId = new Map(seen.map((r) => [r.id, r]));
  return ids.flatMap((id, i) => {
    const row = byId.get(id);
    if (!row)
      return [
        { field: `${field}[${i}]`, message: `no ${field === 'pests' ? 'pest' : 'disease'} ${id} in the catalogue` },
      ];
    return row.retired ? [{ field: `${field}[${i}]`, message: `${id} is retired from the catalogue` }] : [];
  });
}

/**
 * Plant inspections (crops.md "Plant protection (IPM) and harvest"; crops-corrections.md item 18): the
 * pressure found on a plant, a run or a location and the pests and diseases seen. Each keeps the target's
 * next inspection in the task list: due from its latest inspection's day and pressure and its plants' phase
 * (protection.engine.ts's nextInspection), one open task per target, the earlier ones completed by it.
 */
export class InspectionsService {
  constructor(private readonly deps: Deps) {}

  /**
   * Records an inspection and answers it with the target's next inspection. With a client-made `id`, a
   * resend answers the first (200) and changes no task; another request under the same id is 409.
   */
  async create(
    ctx: FarmContext,
    input: InspectionInput,
    meta: RequestMeta,
  ): Promise<{ inspection: RecordedInspection; created: boolean }> {
    const now = this.deps.clock.now();
    const today = localTime(now, ctx.timeZone).date;
    const day = input.inspected_on ?? today;
    const named = TARGET_FIELDS.filter((f) => input[f] !== undefined);
    const problems: Problem[] = [];
    if (named.length !== 1)
      problems.push(
        ...(named.length === 0 ? (['plant'] as const) : named).map((field) => ({
          field,
          message: 'name exactly one of plant, run or location',
        })),
      );
    if (!isLocalDate(day)) problems.push({ field: 'inspected_on', message: 'not a calendar date (YYYY-MM-DD)' });
    else if (day > today)
      problems.push({ field: 'inspected_on', message: `in the future (the farm’s today is ${today})` });
    if (problems.length > 0) throw refuse('The inspection is not valid', problems);
    const pests = [...new Set(input.pests ?? [])];
    const diseases = [...new Set(input.diseases ?? [])];

    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const target = await this.#target(tx, ctx.farmId, input, day);
      const found = [
        ...unseen('pests', pests, await repo.pests(tx, ctx.farmId, pests)),
        ...unseen('diseases', diseases, await repo.diseases(tx, ctx.farmId, diseases)),
      ];
      if (found.length > 0) throw refuse('The inspection names what the catalogue does not hold', found);

      const create = async (id: string | undefined, requestHash: string | null) => {
        const row = await repo.insert(tx, {
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          plant_id: target.kind === 'plant' ? target.id : null,
          run_id: target.kind === 'run' ? target.id : null,
          location_id: target.kind === 'location' ? target.id : null,
          inspected_on: day,
          pressure: input.pressure,
          notes: input.notes ?? null,
          user_id: userOf(ctx.caller),
          request_hash: requestHash,
          created_at: now,
        });
        if (!row) return undefined;
        await repo.insertFindings(tx, ctx.farmId, row.id, { pests, diseases });
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'plant_inspection.recorded',
          category: 'crops',
          message: `Inspection of ${NOUN[target.kind]} ${target.name} on ${day}: pressure ${input.pressure}`,
          data: {
            inspection_id: row.id,
            target: target.kind,
            target_id: target.id,
            pressure: input.pressure,
            pests,
            diseases,
          },
        });
        // An inspection answers the target's open inspection tasks and plans the next one.
        await this.#planNext(tx, ctx, target, today, 'complete', now);
        return row;
      };
      const made = input.id
        ? await idempotent({
            request: {
              target: target.kind,
              target_id: target.id,
              // As sent: a missing day stays missing, so a resend after the farm's midnight is still a resend.
              inspected_on: input.inspected_on,
              pressure: input.pressure,
              pests: [...pests].sort(),
              diseases: [...diseases].sort(),
              notes: input.notes,
            },
            find: () => repo.find(tx, ctx.farmId, input.id!),
            create: (hash) => create(input.id, hash),
            storedHash: (row) => row.request_hash,
            details: { id: input.id },
          })
        : { row: (await create(undefined, null))!, created: true };
      const findings = (await repo.findings(tx, ctx.farmId, [made.row.id])).get(made.row.id)!;
      const next = await this.#next(tx, ctx.farmId, target, today);
      return { inspection: { inspection: made.row, findings, next }, created: made.created };
    });
  }

  /** One inspection with what it found. */
  get(ctx: FarmContext, id: string): Promise<InspectionDetails> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const inspection = await this.#inspectionOr(tx, ctx.farmId, id);
      return { inspection, findings: (await repo.findings(tx, ctx.farmId, [id])).get(id)! };
    });
  }

  /** The farm's inspections, newest day first, optionally of one plant, run or location and between two days. */
  async list(
    ctx: FarmContext,
    filter: InspectionsFilter,
  ): Promise<{ items: InspectionDetails[]; nextCursor: string | null }> {
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
      if (filter.location !== undefined && !(await locationReads.find(tx, ctx.farmId, filter.location)))
        throw notFound('location', { id: filter.location });
      const rows = await repo.list(tx, ctx.farmId, {
        plant: plantId,
        run: filter.run,
        location: filter.location,
        from: filter.from,
        to: filter.to,
        before,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const findings = await repo.findings(
        tx,
        ctx.farmId,
        page.map((r) => r.id),
      );
      const last = page.at(-1);
      return {
        items: page.map((inspection) => ({ inspection, findings: findings.get(inspection.id)! })),
        nextCursor: nextDayCursor(rows.length > limit, last && { day: last.inspected_on, id: last.id }),
      };
    });
  }

  /**
   * Deletes an inspection recorded by mistake. The target's next inspection follows what is left: its open
   * inspection task moves to the day the latest remaining inspection gives (that day's task opened again when
   * an inspection had completed it), and none is left open when no inspection is.
   */
  async remove(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    const now = this.deps.clock.now();
    const today = localTime(now, ctx.timeZone).date;
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const row = await this.#inspectionOr(tx, ctx.farmId, id);
      await repo.delete(tx, ctx.farmId, id);
      const target = await this.#targetOf(tx, ctx.farmId, row);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'plant_inspection.deleted',
        category: 'crops',
        severity: 'warning',
        message: `Inspection of ${NOUN[target.kind]} ${target.name} on ${row.inspected_on} deleted`,
        data: { inspection_id: id, target: target.kind, target_id: target.id, pressure: row.pressure },
      });
      await this.#planNext(tx, ctx, target, today, 'retire', now);
    });
  }

  /**
   * The target's next inspection by its latest inspection (null when it has none, or no longer grows) and
   * the phase of its growing plants: a plant's own; a run's or a location's (with the places under it) the
   * most demanding among them.
   */
  async #next(tx: Tx, farmId: string, target: Target, today: string): Promise<NextInspection | null> {
    if (!target.growing) return null;
    const latest = await repo.latestOf(tx, farmId, target);
    if (!latest) return null;
    const of =
      target.kind === 'plant'
        ? { plantId: target.id }
        : target.kind === 'run'
          ? { runId: target.id }
          : { locationId: target.id };
    const phaseKey = mostDemanding(await cropReads.growingPhaseKeys(tx, farmId, of));
    return nextInspection({ today, lastInspectedOn: latest.inspected_on, lastPressure: latest.pressure, phaseKey });
  }

  /**
   * Keeps one open inspection task per target, due on its next inspection's day at the start of that farm-local
   * day (as care reminders and tank maintenance do): the target's other open inspection tasks are completed (an
   * inspection answered them) or retired (an inspection was deleted), and the due one is made, or opened again
   * when an inspection closed it (never when a person ticked it off in the task list).
   */
  async #planNext(
    tx: Tx,
    ctx: FarmContext,
    target: Target,
    today: string,
    others: 'complete' | 'retire',
    now: Date,
  ): Promise<void> {
    const next = await this.#next(tx, ctx.farmId, target, today);
    const key = next ? inspectionTaskKey(target, next.due) : undefined;
    const prefix = inspectionTaskKey(target, '');
    const stale = (await taskReads.openKeys(tx, ctx.farmId, { source: INSPECTIONS_SOURCE, prefix })).filter(
      (k) => k !== key,
    );
    await taskWrites[others](tx, ctx.farmId, INSPECTIONS_SOURCE, stale, now);
    if (!next || !key) return;
    const { created } = await taskWrites.ensure(
      tx,
      ctx.farmId,
      {
        title: `Inspect ${target.name}`,
        kind: 'pest_check',
        dueAt: startOfLocalDay(next.due, ctx.timeZone),
        ...target.links,
        source: INSPECTIONS_SOURCE,
        key,
        notes:
          `Every ${next.intervalDays ?? 0} days from the latest inspection, by the phase and the pressure found. ` +
          'Record a plant inspection when done.',
      },
      now,
    );
    // The due day's task was closed by an inspection since superseded (deleted, or re-recorded the same day):
    // it is due again.
    if (!created) await taskWrites.reopen(tx, ctx.farmId, INSPECTIONS_SOURCE, key, now);
  }

  /** The plant, run or location an inspection names: 404 when the farm has none such. */
  async #target(tx: Tx, farmId: string, input: InspectionInput, day: string): Promise<Target> {
    if (input.plant !== undefined) {
      const plant = await cropReads.plant(tx, farmId, input.plant);
      if (!plant) throw notFound('plant', { plant: input.plant });
      if (day < plant.plantedOn)
        throw refuse('A plant is inspected on or after the day it was planted', [
          { field: 'inspected_on', message: `before planted_on (${plant.plantedOn})` },
        ]);
      if (plant.removedOn && day > plant.removedOn)
        throw refuse('A plant is inspected on or before the day it was removed', [
          { field: 'inspected_on', message: `after removed_on (${plant.removedOn})` },
        ]);
      return plantTarget(plant);
    }
    if (input.run !== undefined)
      return this.#targetOf(tx, farmId, { plant_id: null, run_id: input.run, location_id: null });
    return this.#targetOf(tx, farmId, { plant_id: null, run_id: null, location_id: input.location! });
  }

  /** The target of an inspection's columns (exactly one set): 404 when the farm has none such. */
  async #targetOf(
    tx: Tx,
    farmId: string,
    row: Pick<InspectionRow, 'plant_id' | 'run_id' | 'location_id'>,
  ): Promise<Target> {
    if (row.plant_id !== null) {
      const plant = await cropReads.plant(tx, farmId, row.plant_id);
      if (!plant) throw notFound('plant', { plant: row.plant_id });
      return plantTarget(plant);
    }
    if (row.run_id !== null) {
      const run = await cropReads.run(tx, farmId, row.run_id);
      if (!run) throw notFound('planting run', { id: row.run_id });
      return {
        kind: 'run',
        id: run.id,
        name: run.name,
        growing: run.status !== 'completed' && run.status !== 'cancelled',
        links: { plantId: null, runId: run.id, locationId: run.locationId },
      };
    }
    const place = await locationReads.find(tx, farmId, row.location_id!);
    if (!place) throw notFound('location', { id: row.location_id });
    return {
      kind: 'location',
      id: place.id,
      name: place.name,
      growing: place.status !== 'retired',
      links: { plantId: null, runId: null, locationId: place.id },
    };
  }

  async #inspectionOr(tx: Tx, farmId: string, id: string): Promise<InspectionRow> {
    const row = await repo.find(tx, farmId, id);
    if (!row) throw notFound('plant inspection', { id });
    return row;
  }
}
