import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, invalid, notFound, ruleViolation } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import { isUuid } from '../../platform/ids.js';
import type { Caller, FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import { cropReads, type PlantPlace } from '../crops/index.js';
import { locationReads } from '../locations/index.js';
import { applicationsRepository as repo, type ApplicationRow, type Reach } from './applications.repository.js';
import type { ApplicationInput, ApplicationsFilter, GateQuery } from './applications.schemas.js';
import {
  addDays,
  ingredientKey,
  isLocalDate,
  karenzGate,
  resistanceCheck,
  resistanceKeyOf,
  resistanceLimit,
  RESISTANCE_WINDOW_DAYS,
  type ApplicationTarget,
  type Exposure,
  type KarenzGate,
  type TreatmentApplication,
} from './protection.engine.js';
import { intervalUsable, protectionReads, type TreatmentForFarm } from './protection.reads.js';

interface Deps {
  db: Database;
  clock: Clock;
}

/** The row of an application as the rules read it. */
export function asRuleInput(row: ApplicationRow): TreatmentApplication {
  return {
    id: row.id,
    appliedOn: row.applied_on,
    treatmentName: row.treatment_name,
    activeIngredient: row.active_ingredient,
    modeOfAction: row.moa_scheme && row.moa_code ? { scheme: row.moa_scheme, code: row.moa_code } : null,
    intervalDays: row.interval_days,
    appliedTo: targetOf(row),
  };
}

export const targetOf = (row: ApplicationRow): ApplicationTarget => ({
  kind: row.target_kind,
  id: (row.plant_id ?? row.run_id ?? row.location_id)!,
});

const userOf = (caller: Caller) => (caller.kind === 'user' ? caller.userId : null);

const field = (name: string, message: string) => ({ fields: [{ field: `body.${name}`, message }] });

/** The target an application names, resolved: what it was made on and the plants it reaches that day. */
interface Resolved {
  target: ApplicationTarget;
  /** For the audit line: a plant's label, a run's or a location's name. */
  title: string;
  /** The plants present on the day (one for a plant). */
  plants: PlantPlace[];
  /** What reaches the target itself when it has no plants: its run, its place and the places above. */
  own: { runIds: string[]; locationIds: string[] };
}

/**
 * Treatment applications (crops.md "Plant protection (IPM) and harvest"): recorded on a plant, a run or
 * a location with the resistance rule applied (crops-corrections.md item 1), and the pre-harvest interval
 * gate that harvests ask before recording a batch (item 2).
 */
export class ApplicationsService {
  constructor(private readonly deps: Deps) {}

  /**
   * Records an application. The treatment must be one the farm sees, not retired, and — when it has a
   * pre-harvest interval — with that interval confirmed by the farm (422 INTERVAL_NOT_CONFIRMED). The
   * 3rd use of its mode-of-action group (or active ingredient) within 90 days on any plant it reaches is
   * recorded with a warning, the 4th refused (422 RESISTANCE_LIMIT). A client-made `id` makes a resend
   * safe: it answers the first (200) without counting itself again.
   */
  async create(
    ctx: FarmContext,
    input: ApplicationInput,
    meta: RequestMeta,
  ): Promise<{ row: ApplicationRow; created: boolean; earlierUses: TreatmentApplication[] }> {
    const named = (['plant', 'run', 'location'] as const).filter((k) => input[k] !== undefined);
    if (named.length !== 1)
      throw invalid(
        'Name exactly one of plant, run or location',
        field(named[1] ?? 'plant', named.length === 0 ? 'name one of plant, run or location' : 'name only one target'),
      );
    const now = this.deps.clock.now();
    const today = localTime(now, ctx.timeZone).date;
    const day = input.applied_on ?? today;
    if (!isLocalDate(day)) throw invalid('Not a date', field('applied_on', 'must be a date (YYYY-MM-DD)'));
    if (day > today)
      throw invalid(
        'An application is recorded once made',
        field('applied_on', `lies in the future (today is ${today} on the farm)`),
      );

    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const treatment = await protectionReads.treatmentForFarm(tx, ctx.farmId, input.treatment);
      if (!treatment) throw notFound('treatment', { id: input.treatment });
      const resolved = await this.#resolve(tx, ctx.farmId, input, day);
      let earlierUses: TreatmentApplication[] = [];

      const create = async (id: string | undefined, requestHash: string | null) => {
        usable(treatment);
        const verdict = await this.#resistance(tx, ctx.farmId, treatment, resolved, day);
        if (verdict.outcome === 'refused' && verdict.key) throw resistanceLimit({ ...verdict, key: verdict.key });
        earlierUses = verdict.earlierUses;
        const ingredient = treatment.activeIngredient?.trim() ?? null;
        const row = await repo.insert(tx, {
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          treatment_id: treatment.id,
          target_kind: resolved.target.kind,
          plant_id: resolved.target.kind === 'plant' ? resolved.target.id : null,
          run_id: resolved.target.kind === 'run' ? resolved.target.id : null,
          location_id: resolved.target.kind === 'location' ? resolved.target.id : null,
          applied_on: day,
          treatment_name: treatment.name,
          active_ingredient: ingredient,
          ingredient_key: ingredient ? ingredientKey(ingredient) : null,
          moa_scheme: treatment.modeOfAction?.scheme ?? null,
          moa_code: treatment.modeOfAction?.code ?? null,
          interval_days: treatment.intervalDays ?? 0,
          resistance_use: verdict.key ? verdict.use : null,
          quantity: input.quantity ?? null,
          unit: input.quantity === undefined ? null : (input.unit ?? null),
          notes: input.notes ?? null,
          user_id: userOf(ctx.caller),
          request_hash: requestHash,
          created_at: now,
        });
        if (!row) return undefined;
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'treatment.applied',
          category: 'crops',
          severity: verdict.outcome === 'warning' ? 'warning' : 'info',
          message:
            `${treatment.name} applied on ${resolved.title} on ${day}` +
            (row.interval_days > 0 ? `; harvest allowed from ${row.safe_on}` : ''),
          data: {
            application_id: row.id,
            treatment_id: treatment.id,
            target: resolved.target,
            resistance_use: row.resistance_use,
          },
        });
        return row;
      };

      if (!input.id) return { row: (await create(undefined, null))!, created: true, earlierUses };
      const clientId = input.id;
      const made = await idempotent({
        request: {
          treatment: treatment.id,
          target: resolved.target,
          applied_on: day,
          quantity: input.quantity,
          unit: input.unit,
          notes: input.notes,
        },
        find: () => repo.find(tx, ctx.farmId, clientId),
        create: (hash) => create(clientId, hash),
        storedHash: (row) => row.request_hash,
        details: { id: clientId },
      });
      return { ...made, earlierUses };
    });
  }

  get(ctx: FarmContext, id: string): Promise<ApplicationRow> {
    return this.deps.db.farm(ctx.farmId, (tx) => this.#applicationOr(tx, ctx.farmId, id));
  }

  /** The farm's applications, newest day first, optionally of one plant, run, location or treatment. */
  async list(
    ctx: FarmContext,
    filter: ApplicationsFilter,
  ): Promise<{ items: ApplicationRow[]; nextCursor: string | null }> {
    let before: { day: string; id: string } | undefined;
    if (filter.cursor) {
      const [day, id] = filter.cursor.split('|');
      if (!day || !isLocalDate(day) || !id || !isUuid(id))
        throw invalid('Not a cursor of this list', { fields: [{ field: 'querystring.cursor', message: 'malformed' }] });
      before = { day, id };
    }
    if (filter.from && filter.to && filter.from > filter.to)
      throw invalid('from is after to', { fields: [{ field: 'querystring.from', message: 'after to' }] });
    const limit = filter.limit ?? 50;
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      let plantId: string | undefined;
      if (filter.plant !== undefined) {
        const plant = await cropReads.plant(tx, ctx.farmId, filter.plant);
        if (!plant) throw notFound('plant', { plant: filter.plant });
        plantId = plant.id;
      }
      const rows = await repo.list(tx, ctx.farmId, {
        plant: plantId,
        run: filter.run,
        location: filter.location,
        treatment: filter.treatment,
        from: filter.from,
        to: filter.to,
        before,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { items: page, nextCursor: rows.length > limit && last ? `${last.applied_on}|${last.id}` : null };
    });
  }

  /**
   * Deletes an application recorded by mistake. It no longer blocks a harvest nor counts as a use, so the
   * audit row is a warning that names what it was.
   */
  async remove(ctx: FarmContext, id: string, meta: RequestMeta): Promise<void> {
    await this.deps.db.farm(ctx.farmId, async (tx) => {
      const row = await this.#applicationOr(tx, ctx.farmId, id);
      await repo.delete(tx, ctx.farmId, id);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'treatment.application_deleted',
        category: 'crops',
        severity: 'warning',
        message: `Application of ${row.treatment_name} on ${row.applied_on} deleted`,
        data: { application_id: id, treatment_id: row.treatment_id, target: targetOf(row), safe_on: row.safe_on },
      });
    });
  }

  /** Whether a harvest of a plant or a run on a day would pass the gate: what the harvest form asks first. */
  async gate(ctx: FarmContext, q: GateQuery): Promise<KarenzGate> {
    if ((q.plant === undefined) === (q.run === undefined))
      throw invalid('Name exactly one of plant or run', {
        fields: [
          { field: `querystring.${q.plant === undefined ? 'plant' : 'run'}`, message: 'name one of plant or run' },
        ],
      });
    const day = q.on ?? localTime(this.deps.clock.now(), ctx.timeZone).date;
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      if (q.plant !== undefined) {
        const plant = await cropReads.plant(tx, ctx.farmId, q.plant);
        if (!plant) throw notFound('plant', { plant: q.plant });
        return applicationReads.harvestGate(tx, ctx.farmId, { plant }, day);
      }
      const run = await cropReads.run(tx, ctx.farmId, q.run!);
      if (!run) throw notFound('planting run', { id: q.run });
      return applicationReads.harvestGate(tx, ctx.farmId, { run }, day);
    });
  }

  /** What the application is made on, with the plants present that day; 404 for another farm's. */
  async #resolve(tx: Tx, farmId: string, input: ApplicationInput, day: string): Promise<Resolved> {
    if (input.plant !== undefined) {
      const plant = await cropReads.plant(tx, farmId, input.plant);
      if (!plant) throw notFound('plant', { plant: input.plant });
      if (day < plant.plantedOn)
        throw invalid(
          'A plant is treated on or after the day it was planted',
          field('applied_on', `before planted_on (${plant.plantedOn})`),
        );
      if (plant.removedOn && day > plant.removedOn)
        throw invalid(
          'A plant is treated on or before the day it was removed',
          field('applied_on', `after removed_on (${plant.removedOn})`),
        );
      const place = { id: plant.id, runId: plant.runId, locationId: plant.locationId };
      return {
        target: { kind: 'plant', id: plant.id },
        title: `plant ${plant.label}`,
        plants: [place],
        own: { runIds: [], locationIds: [] },
      };
    }
    if (input.run !== undefined) {
      const run = await cropReads.run(tx, farmId, input.run);
      if (!run) throw notFound('planting run', { id: input.run });
      if (run.status === 'planned')
        throw conflict('INVALID_RUN_STATE', 'The run is planned: nothing is planted to treat yet', {
          status: run.status,
        });
      const places = run.locationId ? await locationReads.withAncestors(tx, farmId, [run.locationId]) : new Map();
      return {
        target: { kind: 'run', id: run.id },
        title: `run ${run.name}`,
        plants: await cropReads.plantsOn(tx, farmId, { runId: run.id }, day),
        own: { runIds: [run.id], locationIds: run.locationId ? (places.get(run.locationId) ?? []) : [] },
      };
    }
    const location = await locationReads.find(tx, farmId, input.location!);
    if (!location) throw notFound('location', { id: input.location });
    return {
      target: { kind: 'location', id: location.id },
      title: location.name,
      plants: await cropReads.plantsOn(tx, farmId, { locationId: location.id }, day),
      own: { runIds: [], locationIds: [...location.path, location.id] },
    };
  }

  /**
   * The resistance rule over the plants the application reaches: the earlier uses of the same group (or
   * ingredient) within 90 days either side on each plant, its run, its place and the places above it.
   */
  async #resistance(tx: Tx, farmId: string, treatment: TreatmentForFarm, resolved: Resolved, day: string) {
    const key = resistanceKeyOf(treatment);
    if (key === null) return resistanceCheck({ appliedOn: day, treatment, exposures: [] });
    const places = await locationReads.withAncestors(
      tx,
      farmId,
      resolved.plants.flatMap((p) => (p.locationId ? [p.locationId] : [])),
    );
    const reach: Reach = {
      plantIds: resolved.plants.map((p) => p.id),
      runIds: [...resolved.plants.flatMap((p) => (p.runId ? [p.runId] : [])), ...resolved.own.runIds],
      locationIds: [...[...places.values()].flat(), ...resolved.own.locationIds],
    };
    const ingredient = treatment.activeIngredient?.trim();
    const rows = await repo.sameUseBetween(
      tx,
      farmId,
      reach,
      { from: addDays(day, -RESISTANCE_WINDOW_DAYS), to: addDays(day, RESISTANCE_WINDOW_DAYS) },
      {
        scheme: key.by === 'group' ? key.scheme : null,
        code: key.by === 'group' ? key.code : null,
        ingredientKey: ingredient ? ingredientKey(ingredient) : null,
      },
    );
    return resistanceCheck({
      appliedOn: day,
      treatment,
      exposures: exposuresOf(resolved, rows.map(asRuleInput), places),
    });
  }

  async #applicationOr(tx: Tx, farmId: string, id: string): Promise<ApplicationRow> {
    const row = await repo.find(tx, farmId, id);
    if (!row) throw notFound('treatment application', { id });
    return row;
  }
}

/** 422 unless the treatment may be applied: not retired, and its interval (if any) confirmed by the farm. */
function usable(treatment: TreatmentForFarm): void {
  if (treatment.retired)
    throw ruleViolation('TREATMENT_RETIRED', `${treatment.name} is no longer in Croft’s catalogue`, {
      treatment_id: treatment.id,
    });
  if (!intervalUsable(treatment))
    throw ruleViolation(
      'INTERVAL_NOT_CONFIRMED',
      `The pre-harvest interval of ${treatment.name} (${treatment.intervalDays} days) is typical, not checked against ` +
        'the label: confirm or correct it first (PUT …/treatments/{id}/interval)',
      { treatment_id: treatment.id, typical_days: treatment.intervalDays },
    );
}

/**
 * One exposure per plant: the applications on it, on its run and on its place or a place above it. Plants
 * that share run and place see the same ones, so they are worked out once per (run, place) and once more
 * for each plant that has applications of its own. No plants: what reaches the target itself.
 */
function exposuresOf(
  resolved: Resolved,
  applications: TreatmentApplication[],
  places: Map<string, string[]>,
): Exposure[] {
  const onRun = (runId: string | null) =>
    runId === null ? [] : applications.filter((a) => a.appliedTo.kind === 'run' && a.appliedTo.id === runId);
  const onPlaces = (locationIds: readonly string[]) => {
    const set = new Set(locationIds);
    return applications.filter((a) => a.appliedTo.kind === 'location' && set.has(a.appliedTo.id));
  };
  if (resolved.plants.length === 0) {
    const runs = new Set(resolved.own.runIds);
    const own = applications.filter(
      (a) => (a.appliedTo.kind === 'run' && runs.has(a.appliedTo.id)) || onPlaces(resolved.own.locationIds).includes(a),
    );
    return [{ plantId: null, applications: own }];
  }
  const byPlant = new Map<string, TreatmentApplication[]>();
  for (const a of applications)
    if (a.appliedTo.kind === 'plant') byPlant.set(a.appliedTo.id, [...(byPlant.get(a.appliedTo.id) ?? []), a]);
  const shared = new Map<string, TreatmentApplication[]>();
  const exposures: Exposure[] = [];
  for (const plant of resolved.plants) {
    const classKey = `${plant.runId ?? ''}|${plant.locationId ?? ''}`;
    let common = shared.get(classKey);
    if (!common) {
      common = [...onRun(plant.runId), ...onPlaces(plant.locationId ? (places.get(plant.locationId) ?? []) : [])];
      shared.set(classKey, common);
      // One plant stands for its whole class unless it has applications of its own.
      if (!byPlant.has(plant.id)) exposures.push({ plantId: plant.id, applications: common });
    }
    const own = byPlant.get(plant.id);
    if (own) exposures.push({ plantId: plant.id, applications: [...own, ...common] });
  }
  return exposures;
}

/** What harvests read of applications, inside their own farm transaction. */
export const applicationReads = {
  /**
   * The pre-harvest interval gate for a harvest on `day` of a plant, or of a run as a whole: every
   * application on the plant (a run: each of its plants present that day), its run, its place or a place
   * above it whose interval covers the day.
   */
  async harvestGate(
    tx: Tx,
    farmId: string,
    source:
      | { plant: { id: string; runId: string | null; locationId: string | null } }
      | { run: { id: string; locationId: string | null } },
    day: string,
  ): Promise<KarenzGate> {
    const plants =
      'plant' in source ? [source.plant] : await cropReads.plantsOn(tx, farmId, { runId: source.run.id }, day);
    const runIds = plants.flatMap((p) => (p.runId ? [p.runId] : []));
    const locationIds = plants.flatMap((p) => (p.locationId ? [p.locationId] : []));
    if ('run' in source) {
      runIds.push(source.run.id);
      if (source.run.locationId) locationIds.push(source.run.locationId);
    }
    const places = await locationReads.withAncestors(tx, farmId, locationIds);
    const rows = await repo.blockingOn(
      tx,
      farmId,
      { plantIds: plants.map((p) => p.id), runIds, locationIds: [...places.values()].flat() },
      day,
    );
    return karenzGate({ harvestedOn: day, applications: rows.map(asRuleInput) });
  },
};
