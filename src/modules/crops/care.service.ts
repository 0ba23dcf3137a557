import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { invalid } from '../../platform/errors.js';
import { idempotent } from '../../platform/idempotency.js';
import type { Logger } from '../../platform/logger.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime, startOfLocalDay } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import { catalogReads, type SpeciesForCare } from '../catalog/index.js';
import { farmReads } from '../farms/index.js';
import { taskReads, taskWrites } from '../tasks/index.js';
import {
  addDays,
  baseWaterDays,
  dueReminders,
  isWinter,
  learnWaterDays,
  presetOfSpecies,
  QUIET_PHASES,
  reminderKey,
  waterDaysIn,
  winterFactorOf,
  CARE_KINDS,
  type CareKind,
  type CareSettings,
  type DueReminder,
} from './care.engine.js';
import { careRepository, type CareConfirmationRow, type CareProfileRow } from './care.repository.js';
import type { CarePatch, ConfirmInput } from './care.schemas.js';
import { plantOr } from './crops.moves.js';
import type { PlantRow } from './crops.repository.js';
import { plantsOnWateringSchedule } from './watering.service.js';

interface Deps {
  db: Database;
  clock: Clock;
  log: Logger;
}

/** The profile's columns a new profile starts with (no overrides: the species and preset decide). */
export type NewProfile = Omit<CareProfileRow, 'created_at' | 'updated_at'>;

/** A plant's care as answered: its profile (stored, or the one it would start with), intervals and reminders. */
export interface CareState {
  plant: Pick<PlantRow, 'id' | 'label'>;
  profile: NewProfile;
  caredFor: boolean;
  species: SpeciesForCare | undefined;
  settings: CareSettings;
  latitude: number | null;
  today: string;
  phaseKey: string | null;
  lastDone: Partial<Record<CareKind, string>>;
  reminders: DueReminder[];
}

/** A care reminder due: what becomes a task. */
export interface CareReminder {
  plantId: string;
  label: string;
  locationId: string | null;
  kind: CareKind;
  /** YYYY-MM-DD, farm-local */
  due: string;
  /** `{plant}:{kind}:{due}`: one task per plant, kind and due day. */
  key: string;
}

/** The tasks care makes carry this source. */
export const CARE_SOURCE = 'care';

const TITLES: Record<CareKind, string> = {
  water: 'Water',
  fertilize: 'Fertilise',
  repot: 'Repot',
  pest_check: 'Check for pests',
  humidity_check: 'Check humidity',
  location_check: 'Check the place',
};

/** How many waterings adaptive learning looks back on. */
const LEARN_FROM = 5;

/**
 * The engine's settings from a profile and its species; `followsPlan`: the plant's run follows a nutrient
 * plan (fertilising reminders need one).
 */
export function settingsOf(
  profile: NewProfile,
  species: SpeciesForCare | undefined,
  followsPlan = false,
): CareSettings {
  return {
    preset: profile.preset,
    speciesWaterDays: species?.wateringIntervalDays ?? null,
    waterDays: profile.water_interval_days,
    winterFactor: profile.winter_factor,
    fertilizeDays: profile.fertilize_interval_days,
    repotMonths: profile.repot_interval_months,
    pestCheckDays: profile.pest_check_interval_days,
    humidityCheckDays: profile.humidity_check_interval_days,
    locationCheck: profile.location_check,
    locationCheckMonths: profile.location_check_months,
    adaptive: profile.adaptive,
    learnedWaterDays: profile.learned_water_days,
    hasNutrientPlan: followsPlan,
  };
}

/** The profile a plant of `species` starts with on `day`. */
export function defaultProfile(
  farmId: string,
  plantId: string,
  species: SpeciesForCare | undefined,
  day: string,
): NewProfile {
  return {
    farm_id: farmId,
    plant_id: plantId,
    preset: presetOfSpecies({ carePreset: species?.carePreset ?? null, familyName: species?.familyName ?? null }),
    enabled: true,
    water_interval_days: null,
    winter_factor: null,
    fertilize_interval_days: null,
    repot_interval_months: null,
    pest_check_interval_days: null,
    humidity_check_interval_days: null,
    location_check: false,
    location_check_months: [],
    adaptive: true,
    learned_water_days: null,
    learned_through: null,
    started_on: day,
  };
}

/**
 * Care reminders for houseplants and small growers: a plant's care profile, the care actions the grower
 * confirms (which teach the watering interval), and what is due when.
 */
export class CareService {
  constructor(private readonly deps: Deps) {}

  /** A plant's care: its profile (or the one it would start with), intervals in force and next reminders. */
  care(ctx: FarmContext, ref: string): Promise<CareState> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await plantOr(tx, ctx.farmId, ref);
      return this.#state(tx, ctx, plant, now);
    });
  }

  /** Sets a plant's care profile (made when it has none: care starts today). */
  async update(ctx: FarmContext, ref: string, patch: CarePatch, meta: RequestMeta): Promise<CareState> {
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await plantOr(tx, ctx.farmId, ref, undefined, true);
      const existing = await this.#profile(tx, ctx, plant, now);
      const changes = {
        ...(patch.preset !== undefined ? { preset: patch.preset } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        ...(patch.water_interval_days !== undefined ? { water_interval_days: patch.water_interval_days } : {}),
        ...(patch.winter_factor !== undefined ? { winter_factor: patch.winter_factor } : {}),
        ...(patch.fertilize_interval_days !== undefined
          ? { fertilize_interval_days: patch.fertilize_interval_days }
          : {}),
        ...(patch.repot_interval_months !== undefined ? { repot_interval_months: patch.repot_interval_months } : {}),
        ...(patch.pest_check_interval_days !== undefined
          ? { pest_check_interval_days: patch.pest_check_interval_days }
          : {}),
        ...(patch.humidity_check_interval_days !== undefined
          ? { humidity_check_interval_days: patch.humidity_check_interval_days }
          : {}),
        ...(patch.location_check !== undefined ? { location_check: patch.location_check } : {}),
        ...(patch.location_check_months !== undefined
          ? { location_check_months: [...patch.location_check_months].sort((a, b) => a - b) }
          : {}),
        ...(patch.adaptive !== undefined ? { adaptive: patch.adaptive } : {}),
      };
      // A new watering base or preset starts learning again from it.
      const relearn =
        patch.water_interval_days !== undefined ||
        (patch.preset !== undefined && patch.preset !== existing.profile.preset);
      const next = { ...changes, ...(relearn ? { learned_water_days: null, learned_through: null } : {}) };
      if (existing.stored) await careRepository.updateProfile(tx, ctx.farmId, plant.id, { ...next, updated_at: now });
      else
        await careRepository.insertProfiles(tx, [{ ...existing.profile, ...next, created_at: now, updated_at: now }]);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'plant.care_updated',
        category: 'crops',
        message: `Care of plant ${plant.label} ${existing.stored ? 'changed' : 'started'}`,
        data: { plant_id: plant.id, changed: Object.keys(patch) },
      });
      return this.#state(tx, ctx, plant, now);
    });
  }

  /**
   * Records a care action done (watered, repotted …); care starts for a plant that had no profile. A
   * watering teaches the interval one step. With a client-made `id`, a resend answers the first (200).
   */
  async confirm(
    ctx: FarmContext,
    ref: string,
    input: ConfirmInput,
    meta: RequestMeta,
  ): Promise<{ confirmation: CareConfirmationRow; created: boolean; care: CareState }> {
    const now = this.deps.clock.now();
    const at = input.at ? new Date(input.at) : now;
    if (at.getTime() > now.getTime() + 60_000)
      throw invalid('Care is confirmed once it is done: at is now or earlier', {
        fields: [{ field: 'body.at', message: 'in the future' }],
      });
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const plant = await plantOr(tx, ctx.farmId, ref, undefined, true);
      const create = async (id: string | undefined, requestHash: string | null) => {
        const before = await this.#state(tx, ctx, plant, now);
        const row = await careRepository.insertConfirmation(tx, {
          ...(id ? { id } : {}),
          farm_id: ctx.farmId,
          plant_id: plant.id,
          kind: input.kind,
          at,
          day: localTime(at, ctx.timeZone).date,
          user_id: ctx.caller.kind === 'user' ? ctx.caller.userId : null,
          request_hash: requestHash,
          created_at: now,
        });
        if (!row) return undefined;
        // The reminder this answers, when one is open in the task list, is done.
        const open = before.reminders.find((r) => r.kind === input.kind);
        if (open)
          await taskWrites.complete(tx, ctx.farmId, CARE_SOURCE, [reminderKey(plant.id, open.kind, open.due)], now);
        const { profile, stored } = await this.#profile(tx, ctx, plant, now);
        if (!stored) await careRepository.insertProfiles(tx, [{ ...profile, created_at: now, updated_at: now }]);
        if (input.kind === 'water') await this.#learn(tx, ctx.farmId, plant, profile, at, now);
        await recordAudit(tx, this.deps.clock, {
          farmId: ctx.farmId,
          caller: ctx.caller,
          meta,
          eventType: 'plant.care_confirmed',
          category: 'crops',
          message: `Plant ${plant.label}: ${input.kind.replace('_', ' ')} done`,
          data: { plant_id: plant.id, kind: input.kind, at: at.toISOString() },
        });
        return row;
      };
      let result: { row: CareConfirmationRow; created: boolean };
      if (!input.id) result = { row: (await create(undefined, null))!, created: true };
      else {
        const clientId = input.id;
        result = await idempotent({
          request: { plant: plant.id, kind: input.kind, at: input.at },
          find: () => careRepository.findConfirmation(tx, ctx.farmId, clientId),
          create: (hash) => create(clientId, hash),
          storedHash: (row) => row.request_hash,
          details: { id: clientId },
        });
      }
      return { confirmation: result.row, created: result.created, care: await this.#state(tx, ctx, plant, now) };
    });
  }

  /**
   * Starts care for new plants inside the caller's transaction (onboarding): each gets the profile its
   * species starts with. Returns the profiles made.
   */
  async startCare(
    tx: Tx,
    farmId: string,
    plants: Array<Pick<PlantRow, 'id' | 'species_id'>>,
    day: string,
    now: Date,
  ): Promise<NewProfile[]> {
    const species = await catalogReads.speciesForCare(tx, [...new Set(plants.map((p) => p.species_id))]);
    const profiles = plants.map((p) => defaultProfile(farmId, p.id, species.get(p.species_id), day));
    await careRepository.insertProfiles(
      tx,
      profiles.map((p) => ({ ...p, created_at: now, updated_at: now })),
    );
    return profiles;
  }

  /**
   * The reminders due on a farm's local day (due then or before, not yet done): what the daily care
   * job makes into tasks, one per plant, kind and due day (`reminderKey`). Reads in the caller's
   * farm transaction.
   */
  async dueOn(tx: Tx, farmId: string, timeZone: string, today: string): Promise<CareReminder[]> {
    const cared = await careRepository.caredFor(tx, farmId);
    if (cared.length === 0) return [];
    const speciesIds = [...new Set(cared.map((c) => c.plant.species_id))];
    const species = await catalogReads.speciesForCare(tx, speciesIds);
    const growth = await catalogReads.speciesForGrowth(tx, speciesIds);
    const lastDone = await careRepository.lastDone(tx, farmId);
    const latitude = (await farmReads.byId(tx, farmId))?.latitude ?? null;
    const withPlan = await careRepository.followingPlan(tx, farmId);
    const completions = await taskReads.latestCompletions(tx, farmId, [...CARE_KINDS]);
    const out: CareReminder[] = [];
    for (const { profile, plant } of cared) {
      const phaseKey = plant.phase_id
        ? (growth.get(plant.species_id)?.sequence.phases.find((p) => p.id === plant.phase_id)?.key ?? null)
        : null;
      const due = dueReminders({
        settings: settingsOf(profile, species.get(plant.species_id), withPlan.has(plant.id)),
        latitude,
        today,
        startedOn: profile.started_on,
        lastDone: lastDone.get(plant.id) ?? {},
        phaseKey,
      });
      for (const reminder of due) {
        if (reminder.due > today) continue;
        // A care task completed in the task list counts as done, like a confirmation.
        const completed = completions.get(`${plant.id}:${reminder.kind}`);
        if (completed && localTime(completed, timeZone).date > (lastDone.get(plant.id)?.[reminder.kind] ?? '')) {
          const doneOn = localTime(completed, timeZone).date;
          if (addDays(doneOn, reminder.intervalDays) > today) continue;
        }
        out.push({
          plantId: plant.id,
          label: plant.label,
          locationId: plant.location_id,
          kind: reminder.kind,
          due: reminder.due,
          key: reminderKey(plant.id, reminder.kind, reminder.due),
        });
      }
    }
    return withoutScheduledWatering(tx, farmId, out, (r) => r.plantId);
  }

  /** The reminders due on the farm's local day of `now` (see {@link dueOn}), in a transaction of their own. */
  remindersDue(farmId: string, timeZone: string, now: Date): Promise<CareReminder[]> {
    return this.deps.db.farm(farmId, (tx) => this.dueOn(tx, farmId, timeZone, localTime(now, timeZone).date));
  }

  /** Makes the due reminders into tasks (one per plant, kind and due day: a second call adds none). */
  async remind(tx: Tx, farmId: string, timeZone: string, reminders: CareReminder[], now: Date): Promise<number> {
    return taskWrites.ensureMany(
      tx,
      farmId,
      CARE_SOURCE,
      reminders.map((r) => ({
        title: `${TITLES[r.kind]}: ${r.label}`,
        kind: r.kind,
        dueAt: startOfLocalDay(r.due, timeZone),
        plantId: r.plantId,
        locationId: r.locationId,
        source: CARE_SOURCE,
        key: r.key,
      })),
      now,
    );
  }

  /**
   * The daily care job: each farm with plants cared for gets, once per farm-local day, its due
   * reminders as tasks. Idempotent: a day done is skipped, and a task's key is made once.
   */
  async runDailyCare(): Promise<{ farms: number; reminders: number }> {
    const now = this.deps.clock.now();
    const farmIds = await this.deps.db.system((tx) => careRepository.farmsCaring(tx));
    let farms = 0;
    let reminders = 0;
    for (const farmId of farmIds) {
      try {
        const made = await this.careFarm(farmId, now);
        if (made !== undefined) {
          farms += 1;
          reminders += made;
        }
      } catch (error) {
        this.deps.log.error({ err: error, farmId }, 'daily care of a farm failed (tried again next time)');
      }
    }
    return { farms, reminders };
  }

  /** One farm's care reminders for its local day of `now`; undefined when that day was done already. */
  async careFarm(farmId: string, now: Date): Promise<number | undefined> {
    const farm = await this.deps.db.system((tx) => farmReads.byId(tx, farmId));
    if (!farm || farm.deleted_at) return undefined;
    const today = localTime(now, farm.time_zone).date;
    return this.deps.db.farm(farmId, async (tx) => {
      if (await careRepository.dayDone(tx, farmId, today)) return undefined;
      const due = await this.dueOn(tx, farmId, farm.time_zone, today);
      const made = await this.remind(tx, farmId, farm.time_zone, due, now);
      await careRepository.finishDay(tx, farmId, today, made, now);
      return made;
    });
  }

  // Inside

  async #profile(
    tx: Tx,
    ctx: FarmContext,
    plant: PlantRow,
    now: Date,
  ): Promise<{ profile: NewProfile; stored: boolean }> {
    const stored = await careRepository.profile(tx, ctx.farmId, plant.id, true);
    if (stored) return { profile: stored, stored: true };
    const species = (await catalogReads.speciesForCare(tx, [plant.species_id])).get(plant.species_id);
    return { profile: defaultProfile(ctx.farmId, plant.id, species, localTime(now, ctx.timeZone).date), stored: false };
  }

  /** One learning step from the plant's last waterings (see the engine's learnWaterDays). */
  async #learn(tx: Tx, farmId: string, plant: PlantRow, profile: NewProfile, at: Date, now: Date): Promise<void> {
    if (!profile.adaptive) return;
    const species = (await catalogReads.speciesForCare(tx, [plant.species_id])).get(plant.species_id);
    const days = await careRepository.confirmedDays(tx, farmId, plant.id, 'water', LEARN_FROM);
    const { days: learned } = learnWaterDays({
      base: baseWaterDays(settingsOf(profile, species)),
      previous: profile.learned_water_days,
      confirmations: days,
    });
    if (learned === profile.learned_water_days) return;
    await careRepository.updateProfile(tx, farmId, plant.id, {
      learned_water_days: learned,
      learned_through: at,
      updated_at: now,
    });
  }

  async #state(tx: Tx, ctx: FarmContext, plant: PlantRow, now: Date): Promise<CareState> {
    const stored = await careRepository.profile(tx, ctx.farmId, plant.id);
    const species = (await catalogReads.speciesForCare(tx, [plant.species_id])).get(plant.species_id);
    const today = localTime(now, ctx.timeZone).date;
    const profile = stored ?? defaultProfile(ctx.farmId, plant.id, species, today);
    const latitude = (await farmReads.byId(tx, ctx.farmId))?.latitude ?? null;
    const phaseKey = plant.phase_id
      ? ((await catalogReads.speciesForGrowth(tx, [plant.species_id]))
          .get(plant.species_id)
          ?.sequence.phases.find((p) => p.id === plant.phase_id)?.key ?? null)
      : null;
    const lastDone = (await careRepository.lastDone(tx, ctx.farmId, [plant.id])).get(plant.id) ?? {};
    const followsPlan = (await careRepository.followingPlan(tx, ctx.farmId, [plant.id])).has(plant.id);
    const settings = settingsOf(profile, species, followsPlan);
    return {
      plant,
      profile,
      caredFor: stored !== undefined,
      species,
      settings,
      latitude,
      today,
      phaseKey,
      lastDone,
      reminders: profile.enabled
        ? await withoutScheduledWatering(
            tx,
            ctx.farmId,
            dueReminders({ settings, latitude, today, startedOn: profile.started_on, lastDone, phaseKey }),
            () => plant.id,
          )
        : [],
    };
  }
}

/**
 * Care's watering and fertilising reminders give way while a plant's run has an active watering schedule:
 * its tasks water (and feed) the run (watering.service.ts; crops.md: a watering plan suppresses both).
 * Other reminders stay.
 */
async function withoutScheduledWatering<R extends { kind: CareKind }>(
  tx: Tx,
  farmId: string,
  reminders: R[],
  plantOf: (reminder: R) => string,
): Promise<R[]> {
  const given = (r: R) => SCHEDULED_BY_WATERING.has(r.kind);
  const watered = reminders.filter(given);
  if (watered.length === 0) return reminders;
  const scheduled = await plantsOnWateringSchedule(tx, farmId, [...new Set(watered.map(plantOf))]);
  return reminders.filter((r) => !given(r) || !scheduled.has(plantOf(r)));
}

/** The care reminders a run's active watering schedule takes over. */
const SCHEDULED_BY_WATERING: ReadonlySet<CareKind> = new Set<CareKind>(['water', 'fertilize']);

/** What a care state answers beyond the profile's columns (for the view). */
export function effectiveOf(state: CareState) {
  const month = Number(state.today.slice(5, 7));
  return {
    species_water_interval_days: state.settings.speciesWaterDays,
    base_water_interval_days: baseWaterDays(state.settings),
    learned_water_interval_days: state.settings.learnedWaterDays,
    winter: isWinter(state.latitude, month),
    winter_factor: winterFactorOf(state.settings),
    water_interval_days: waterDaysIn(state.settings, state.latitude, month),
    quiet: state.phaseKey !== null && QUIET_PHASES.has(state.phaseKey),
  };
}
