import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import type { FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { localTime } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import { catalogReads, type StarterKit } from '../catalog/index.js';
import { locationCode, locationReads, type LocationRow, type LocationsService } from '../locations/index.js';
import type { CareService } from './care.service.js';
import type { OnboardingInput } from './care.schemas.js';
import { growthOf } from './crops.moves.js';
import { cropsRepository, type PlantRow } from './crops.repository.js';
import { nextPlantLabels } from './plant-ids.engine.js';

interface Deps {
  db: Database;
  clock: Clock;
  locations: LocationsService;
  care: CareService;
}

export interface Onboarded {
  kit: string;
  site: LocationRow;
  places: Array<{ key: string; location: LocationRow }>;
  plants: Array<{ plant: PlantRow; species: string }>;
  careProfiles: number;
  tasks: number;
}

/**
 * How many plants of each species a kit makes: spread evenly over its species in their order (the first
 * ones get one more when it does not divide); with fewer plants than species, one each of the first N.
 */
export function spread(species: readonly string[], count: number): Array<{ species: string; count: number }> {
  const each = Math.floor(count / species.length);
  const more = count % species.length;
  return species.map((key, i) => ({ species: key, count: each + (i < more ? 1 : 0) })).filter((s) => s.count > 0);
}

/** A plant label prefix from a scientific name: the genus' first three letters (Ocimum → OCI). */
function prefixOf(scientificName: string): string {
  const genus = (scientificName.split(' ')[0] ?? '').normalize('NFD').replace(/[^A-Za-z]/g, '');
  return genus.slice(0, 3).toUpperCase().padEnd(2, 'X');
}

/** `code`, or the first of code2, code3 … the farm has not used yet (at most 12 characters). */
function freeCode(code: string, taken: ReadonlySet<string>): string {
  if (!taken.has(code)) return code;
  for (let n = 2; ; n++) {
    const candidate = `${code.slice(0, 12 - String(n).length)}${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Starter kits applied: a whole first garden — site, places, plants, their care — in one transaction. */
export class OnboardingService {
  constructor(private readonly deps: Deps) {}

  /**
   * Applies a starter kit: the site, the kit's places under it (slots included), `plant_count` plants
   * spread over the kit's species at its plant place (in its slots while they last), each in its first
   * phase with a care profile. All or nothing: any failure leaves no row behind.
   */
  async apply(ctx: FarmContext, input: OnboardingInput, meta: RequestMeta): Promise<Onboarded> {
    const now = this.deps.clock.now();
    const today = localTime(now, ctx.timeZone).date;
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const kit = await catalogReads.starterKit(tx, input.kit);
      if (!kit) throw notFound('starter kit', { kit: input.kit });
      const max = kit.suggestedPlants * 3;
      if (input.plant_count > max)
        throw invalid(`The ${kit.key} kit makes at most ${max} plants (3 × its ${kit.suggestedPlants})`, {
          fields: [{ field: 'body.plant_count', message: `more than ${max}` }],
        });
      const { site, places } = await this.#places(tx, ctx, kit, input.site_name.trim(), meta);
      const plants = await this.#plants(tx, ctx, kit, places, input.plant_count, today, now);
      const profiles = await this.deps.care.startCare(
        tx,
        ctx.farmId,
        plants.map((p) => p.plant),
        today,
        now,
      );
      // The first tasks: what is due today for the new plants (watering them in).
      const made = new Set(plants.map((p) => p.plant.id));
      const due = (await this.deps.care.dueOn(tx, ctx.farmId, ctx.timeZone, today)).filter((r) => made.has(r.plantId));
      const tasks = await this.deps.care.remind(tx, ctx.farmId, ctx.timeZone, due, now);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'onboarding.applied',
        category: 'crops',
        message: `Starter kit ${kit.key} applied: site "${site.name}", ${plants.length} plants`,
        data: { kit: kit.key, site_id: site.id, plants: plants.length },
      });
      return {
        kit: kit.key,
        site,
        places: [...places.entries()].map(([key, location]) => ({ key, location })),
        plants,
        careProfiles: profiles.length,
        tasks,
      };
    });
  }

  async #places(tx: Tx, ctx: FarmContext, kit: StarterKit, siteName: string, meta: RequestMeta) {
    const { locations } = this.deps;
    const taken = new Set((await locationReads.codes(tx, ctx.farmId)).keys());
    const site = await locations.createIn(tx, ctx, { name: siteName, type: 'site' }, meta);
    const places = new Map<string, LocationRow>();
    for (const place of kit.places) {
      const code = place.code ? freeCode(place.code, taken) : undefined;
      if (code) taken.add(code);
      const made = await locations.createIn(
        tx,
        ctx,
        {
          name: place.names.en ?? place.key,
          type: place.type,
          parent_id: place.parent ? places.get(place.parent)!.id : site.id,
          ...(code ? { code } : {}),
        },
        meta,
      );
      places.set(place.key, made);
      for (let n = 1; n <= (place.slots ?? 0); n++)
        await locations.createIn(tx, ctx, { name: `Slot ${n}`, type: 'slot', parent_id: made.id }, meta);
    }
    return { site, places };
  }

  async #plants(
    tx: Tx,
    ctx: FarmContext,
    kit: StarterKit,
    places: Map<string, LocationRow>,
    count: number,
    today: string,
    now: Date,
  ): Promise<Array<{ plant: PlantRow; species: string }>> {
    const home = places.get(kit.plantsAt)!;
    const slots = (await locationReads.subtree(tx, ctx.farmId, home.id, 'slot')).sort((a, b) =>
      a.name.localeCompare(b.name, 'en', { numeric: true }),
    );
    const spots = (i: number) => slots[i]?.id ?? home.id;
    const code = locationCode({ code: home.code, name: home.name });
    const made: Array<{ plant: PlantRow; species: string }> = [];
    for (const share of spread(kit.species, count)) {
      const ref = await catalogReads.resolveSpecies(tx, ctx.farmId, share.species);
      if (!ref)
        throw conflict('KIT_UNAVAILABLE', `The ${kit.key} kit names ${share.species}, no longer in the catalogue`, {
          kit: kit.key,
          species: share.species,
        });
      const species = await growthOf(tx, ref.id);
      const prefix = prefixOf(species.scientificName);
      const labels = nextPlantLabels({
        code,
        prefix,
        count: share.count,
        taken: await cropsRepository.labelsStartingWith(tx, ctx.farmId, `${code}_${prefix}_`),
      });
      const first = species.sequence.phases[0] ?? null;
      const rows = await cropsRepository.insertPlants(
        tx,
        labels.map((label, i) => ({
          farm_id: ctx.farmId,
          label,
          species_id: ref.id,
          cultivar_id: null,
          location_id: spots(made.length + i),
          run_id: null,
          mother_id: null,
          planted_on: today,
          removed_on: null,
          container_volume_l: null,
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
            user_id: ctx.caller.kind === 'user' ? ctx.caller.userId : null,
            client_id: null,
            request_hash: null,
          })),
        );
      made.push(...rows.map((plant) => ({ plant, species: share.species })));
    }
    return made;
  }
}
