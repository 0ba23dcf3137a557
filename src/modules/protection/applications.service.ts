import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, invalid, notFound, ruleViolation } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import { dayPage, nextDayCursor } from '../../platform/day-cursor.js';
import type { Caller, FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import { cropReads, type PlantPlace } from '../crops/index.js';
import { locationReads } from '../locations/index.js';
import { applicationsRepository as repo, type ApplicationRow, type SameUse } from './applications.repository.js';
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
  type ResistanceVerdict,
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
  /** The plants present on the day (one for a plant): what the application reaches. */
  plants: PlantPlace[];
}

/** A recorded harvest of a plant the application reached (or of its run), inside the new interval. */
export interface HarvestInside {
  id: string;
  harvestedOn: string;
}

/** Finds the batches of these plants, or of these runs as a whole, taken on days from `from` until before `until`. */
export type HarvestsInside = (
  tx: Tx,
  farmId: string,
  q: { plantIds: string[]; runIds: string[]; from: string; until: string },
) => Promise<HarvestInside[]>;

/** What an application answers beside its row. */
export interface ApplicationAnswer {
  row: ApplicationRow;
  created: boolean;
  /** Harvests already recorded inside its interval (a spray recorded late). */
  harvestsInside: HarvestInside[];
}

/**
 * Treatment applications (crops.md "Plant protection (IPM) and harvest"): recorded on a plant, a run or
 * a location with the resistance rule applied (crops-corrections.md item 1), and the pre-harvest interval
 * gate that harvests ask before recording a batch (item 2).
 */
export class ApplicationsService {
  #harvestsInside: HarvestsInside = () => Promise.resolve([]);

  constructor(private readonly deps: Deps) {}

  /** The harvests module tells which batches a late-recorded application's interval covers (it comes after). */
  provideHarvests(find: HarvestsInside): void {
    this.#harvestsInside = find;
  }

  /**
   * Records an application. The treatment must be one the farm sees, not retired, and — when it has a
   * pre-harvest interval — with that interval confirmed by the farm (422 INTERVAL_NOT_CONFIRMED). The
   * 3rd use of its mode-of-action group (or active ingredient) within 90 days on any plant it reaches is
   * recorded with a warning, the 4th refused (422 RESISTANCE_LIMIT). A client-made `id` makes a resend
   * safe: it answers the first (200) without counting itself again.
   */
  async create(ctx: FarmContext, input: ApplicationInput, meta: RequestMeta): Promise<ApplicationAnswer> {
    const named = (['plant', 'run', 'location'] as const).filter((k) => input[k] !== undefined);
    if (named.length !== 1)
      throw invalid(
        'Name exactly one of plant, run or location',
        field(named[1] ?? 'plant', named.length === 0 ? 'name one of plant, run or location' : 'name only one target'),
      );
    if ((input.quantity === undefined) !== (input.unit === undefined))
      throw invalid(
        'A quantity goes with its unit',
        field(input.quantity === undefined ? 'quantity' : 'unit', 'give quantity and unit together'),
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
      const create = async (id: string | undefined, requestHash: string | null) => {
        await repo.lockFarm(tx, ctx.farmId);
        const treatment = await protectionReads.treatmentForFarm(tx, ctx.farmId, input.treatment);
        if (!treatment) throw notFound('treatment', { id: input.treatment });
        const resolved = await this.#resolve(tx, ctx.farmId, input, day);
        usable(treatment);
        const verdict = await this.#resistance(tx, ctx.farmId, treatment, resolved, day, id);
        if (verdict.outcome === 'refused' && verdict.key) throw resistanceLimit({ ...verdict, key: verdict.key });
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
          unit: input.unit ?? null,
          notes: input.notes ?? null,
          user_id: userOf(ctx.caller),
          request_hash: requestHash,
          created_at: now,
        });
        if (!row) return undefined;
        await repo.insertReach(
          tx,
          ctx.farmId,
          row,
          resolved.plants.map((p) => p.id),
        );
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
            plants_reached: resolved.plants.length,
            resistance_use: row.resistance_use,
          },
        });
        return row;
      };

      // The request as sent (a missing day stays missing), so a resend after the farm's midnight is a resend.
      const made = input.id
        ? await idempotent({
            request: {
              treatment: input.treatment,
              plant: input.plant,
              run: input.run,
              location: input.location,
              applied_on: input.applied_on,
              quantity: input.quantity,
              unit: input.unit,
              notes: input.notes,
            },
            find: () => repo.find(tx, ctx.farmId, input.id!),
            create: (hash) => create(input.id, hash),
            storedHash: (row) => row.request_hash,
            details: { id: input.id },
          })
        : { row: (await create(undefined, null))!, created: true };
      return { ...made, harvestsInside: await this.#harvestsInsideOf(tx, ctx.farmId, made.row) };
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
      if (filter.treatment !== undefined && !(await protectionReads.treatmentForFarm(tx, ctx.farmId, filter.treatment)))
        throw notFound('treatment', { id: filter.treatment });
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
      return {
        items: page,
        nextCursor: nextDayCursor(rows.length > limit, last && { day: last.applied_on, id: last.id }),
      };
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
      return { target: { kind: 'plant', id: plant.id }, title: `plant ${plant.label}`, plants: [place] };
    }
    if (input.run !== undefined) {
      const run = await cropReads.run(tx, farmId, input.run);
      if (!run) throw notFound('planting run', { id: input.run });
      if (run.status === 'planned')
        throw conflict('INVALID_RUN_STATE', 'The run is planned: nothing is planted to treat yet', {
          status: run.status,
        });
      return {
        target: { kind: 'run', id: run.id },
        title: `run ${run.name}`,
        plants: await cropReads.plantsOn(tx, farmId, { runId: run.id }, day),
      };
    }
    const location = await locationReads.find(tx, farmId, input.location!);
    if (!location) throw notFound('location', { id: input.location });
    return {
      target: { kind: 'location', id: location.id },
      title: location.name,
      plants: await cropReads.plantsOn(tx, farmId, { locationId: location.id }, day),
    };
  }

  /**
   * The resistance rule over the plants the application reaches: per plant, the earlier uses of the same
   * group (or ingredient) that reached it within 90 days either side. A target without plants is judged on
   * the applications made on it. `except`: the client-made id being written (never its own earlier use).
   */
  async #resistance(
    tx: Tx,
    farmId: string,
    treatment: TreatmentForFarm,
    resolved: Resolved,
    day: string,
    except: string | undefined,
  ): Promise<ResistanceVerdict> {
    const key = resistanceKeyOf(treatment);
    if (key === null) return resistanceCheck({ appliedOn: day, treatment, exposures: [] });
    const ingredient = treatment.activeIngredient?.trim();
    const use: SameUse = {
      scheme: key.by === 'group' ? key.scheme : null,
      code: key.by === 'group' ? key.code : null,
      ingredientKey: ingredient ? ingredientKey(ingredient) : null,
    };
    const days = { from: addDays(day, -RESISTANCE_WINDOW_DAYS), to: addDays(day, RESISTANCE_WINDOW_DAYS) };
    let exposures: Exposure[];
    if (resolved.plants.length > 0) {
      const byPlant = await repo.sameUseOnPlants(
        tx,
        farmId,
        resolved.plants.map((p) => p.id),
        days,
        use,
        except,
      );
      exposures = resolved.plants.map((p) => ({
        plantId: p.id,
        applications: (byPlant.get(p.id) ?? []).map(asRuleInput),
      }));
    } else {
      const target = resolved.target as { kind: 'run' | 'location'; id: string };
      const own = await repo.sameUseOnTarget(tx, farmId, target, days, use, except);
      exposures = [{ plantId: null, applications: own.map(asRuleInput) }];
    }
    return resistanceCheck({ appliedOn: day, treatment, exposures });
  }

  /** The recorded harvests an application's interval covers (the plants it reached, or its run as a whole). */
  async #harvestsInsideOf(tx: Tx, farmId: string, row: ApplicationRow): Promise<HarvestInside[]> {
    if (row.interval_days === 0) return [];
    const plantIds = await repo.reachedPlants(tx, farmId, row.id);
    // A run's batch taken as a whole harvested the reached plants of that run too.
    const runIds = [
      ...new Set([...(row.run_id ? [row.run_id] : []), ...(await cropReads.runsOf(tx, farmId, plantIds))]),
    ];
    if (plantIds.length === 0 && runIds.length === 0) return [];
    return this.#harvestsInside(tx, farmId, { plantIds, runIds, from: row.applied_on, until: row.safe_on });
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

/** What harvests read of applications, inside their own farm transaction. */
export const applicationReads = {
  /**
   * The pre-harvest interval gate for a harvest on `day` of a plant, or of a run as a whole: every
   * application that reached the plant (a run: any of its plants present that day; or was made on the run
   * itself) — on it, on its run, on its place or a place above it, as it stood the day of the spray — whose
   * interval covers the day. Takes the farm's protection lock until the harvest's transaction ends.
   */
  async harvestGate(
    tx: Tx,
    farmId: string,
    source: { plant: { id: string } } | { run: { id: string } },
    day: string,
  ): Promise<KarenzGate> {
    await repo.lockFarm(tx, farmId);
    const on =
      'plant' in source
        ? { plantIds: [source.plant.id], runIds: [] }
        : {
            plantIds: (await cropReads.plantsOn(tx, farmId, { runId: source.run.id }, day)).map((p) => p.id),
            runIds: [source.run.id],
          };
    const rows = await repo.blockingOn(tx, farmId, on, day);
    return karenzGate({ harvestedOn: day, applications: rows.map(asRuleInput) });
  },
};
