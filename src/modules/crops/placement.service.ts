import type { Clock } from '../../platform/clock.js';
import type { Database, Tx } from '../../platform/db/database.js';
import { forbidden, invalid, notFound, ruleViolation, type DomainError } from '../../platform/errors.js';
import type { Caller, FarmContext, RequestMeta } from '../../platform/tenancy/caller.js';
import { can } from '../../platform/tenancy/access.js';
import { localTime } from '../../platform/time-zones.js';
import { recordAudit } from '../audit/index.js';
import {
  DEFAULT_ROTATION_WINDOW,
  judgePlacement,
  rotationApplies,
  type PlacementReport,
  type Scope,
} from './placement.engine.js';
import { placementRepository as repo, type CandidateRow, type PlaceRow } from './placement.repository.js';
import './placement.tables.js';

/** How far back the history is read: the longest pause a family or species may have (years). */
const LONGEST_PAUSE = 20;

export interface Placement {
  species: { id: string; key: string; scientific_name: string };
  location: { id: string; name: string; type: string };
  planted_on: string;
  report: PlacementReport;
}

/** Where a slot's rotation is also checked: the nearest bed above it, else the nearest ground place. */
function scopeRoots(line: PlaceRow[]): Array<{ scope: string; place: PlaceRow }> {
  const place = line[line.length - 1]!;
  const above = line.slice(0, -1).reverse();
  const roots = [{ scope: place.type, place }];
  if (place.type === 'bed') return roots;
  const bed =
    above.find((l) => l.type === 'bed') ?? (place.type === 'slot' ? above.find((l) => l.type !== 'slot') : undefined);
  if (bed) roots.push({ scope: bed.type, place: bed });
  return roots;
}

/**
 * Every rule's answer for a species in a place on a day, inside the caller's farm transaction (the
 * plant service asks it before it plants). `place` is the place and its ancestors, root first.
 */
export async function judge(
  tx: Tx,
  farmId: string,
  candidate: CandidateRow,
  line: PlaceRow[],
  plantedOn: string,
): Promise<PlacementReport> {
  const place = line[line.length - 1]!;
  const year = Number(plantedOn.slice(0, 4));
  const farmWindow = (await repo.rotationWindow(tx, farmId)) ?? DEFAULT_ROTATION_WINDOW;
  const applies = rotationApplies(place, line.slice(0, -1)).applies;
  const scopes: Scope[] = [];
  if (applies) {
    for (const { scope, place: root } of scopeRoots(line)) {
      const { plantings, oldest } = await repo.history(
        tx,
        farmId,
        root.id,
        `${year - LONGEST_PAUSE}-01-01`,
        `${year}-12-31`,
      );
      const recordsSince = oldest !== null && oldest < root.created_on ? oldest : root.created_on;
      scopes.push({ scope, location: { id: root.id, name: root.name, type: root.type }, recordsSince, plantings });
    }
  }
  const neighbours = await repo.neighbours(tx, farmId, place.id);
  const pairs = await repo.pairs(
    tx,
    { id: candidate.id, others: [...new Set(neighbours.map((n) => n.speciesId))] },
    { id: candidate.family.id, others: [...new Set(neighbours.map((n) => n.familyId))] },
  );
  return judgePlacement({
    day: plantedOn,
    farmWindow,
    family: candidate.family,
    speciesPause: candidate.rotation_pause_years,
    fixesNitrogen: candidate.family.nitrogenFixing || candidate.nutrient_demand === 'nitrogen-fixer',
    speciesId: candidate.id,
    place,
    ancestors: line.slice(0, -1),
    scopes,
    successors: await repo.successorsInto(tx, candidate.family.id),
    neighbours,
    pairs,
  });
}

/** The refusals a report holds, as the errors a plant's creation answers (422), the rotation's first. */
export function refusals(report: PlacementReport, location: { id: string; name: string }): DomainError[] {
  const errors: DomainError[] = [];
  const { rotation } = report;
  for (const check of rotation.checks.filter((c) => c.status === 'violation')) {
    errors.push(
      ruleViolation(
        'ROTATION_VIOLATION',
        `${rotation.family.name} was planted in ${check.location.name} on ${check.last_planted_on}: ` +
          `it returns after ${rotation.pause_years} years, from ${check.allowed_from_year}`,
        {
          family: rotation.family.key,
          last_planted_on: check.last_planted_on,
          pause_years: rotation.pause_years,
          pause_source: rotation.pause_source,
          allowed_from_year: check.allowed_from_year,
          scope: check.scope,
          location_id: check.location.id,
        },
      ),
    );
  }
  for (const match of report.companions.filter((c) => c.blocks)) {
    errors.push(
      ruleViolation(
        'INCOMPATIBLE_COMPANION',
        `${match.plant.label} (${match.plant.species}) in ${match.plant.location.name}, next to ${location.name}, ` +
          `is an incompatible companion (${match.severity})${match.reason ? `: ${match.reason}` : ''}`,
        {
          neighbour: {
            plant_id: match.plant.id,
            label: match.plant.label,
            species: match.plant.species,
            location_id: match.plant.location.id,
          },
          severity: match.severity,
          reason: match.reason,
        },
      ),
    );
  }
  return errors;
}

/** A placement that breaks a rule goes ahead only with a manager's acknowledgement. */
export function mayAcknowledge(ctx: FarmContext, acknowledge: { reason: string } | null | undefined): void {
  if (acknowledge && !can(ctx.role, 'config.write'))
    throw forbidden('Only a manager may plant against the rotation or companion rules', {
      required_role: 'manager',
      role: ctx.role,
    });
}

/** Records a manager's acknowledgement of the refusals a planting went ahead against. */
export async function recordAcknowledged(
  tx: Tx,
  clock: Clock,
  input: {
    farmId: string;
    caller: Caller;
    meta: RequestMeta;
    reason: string;
    refused: DomainError[];
    plants: Array<{ id: string; label: string }>;
  },
): Promise<void> {
  await recordAudit(tx, clock, {
    farmId: input.farmId,
    caller: input.caller,
    meta: input.meta,
    eventType: 'plant.placement_acknowledged',
    category: 'crops',
    severity: 'warning',
    message: `Planted against ${[...new Set(input.refused.map((e) => e.code))].join(' and ')}: ${input.reason}`,
    data: {
      plants: input.plants.map((p) => ({ plant_id: p.id, label: p.label })),
      reason: input.reason,
      refused: input.refused.map((e) => ({ code: e.code, message: e.message, details: e.details })),
    },
  });
}

/** Looks up what a placement is judged on: 404 for a place or species the farm does not have. */
export async function placementSubjects(
  tx: Tx,
  ctx: FarmContext,
  speciesRef: string,
  locationId: string,
): Promise<{ candidate: CandidateRow; line: PlaceRow[] }> {
  const line = await repo.placeWithAncestors(tx, ctx.farmId, locationId, ctx.timeZone);
  if (line.length === 0) throw notFound('location', { id: locationId });
  const candidate = await repo.candidate(tx, ctx.farmId, speciesRef);
  if (!candidate) throw notFound('species', { species: speciesRef });
  return { candidate, line };
}

interface Deps {
  db: Database;
  clock: Clock;
}

/** The placement check (rotation, shared soil-borne diseases, successors, nitrogen, companions) and its setting. */
export class PlacementService {
  constructor(private readonly deps: Deps) {}

  /** Every rule's answer for a species in a place (on `planted_on`, today by default); nothing is written. */
  validate(
    ctx: FarmContext,
    input: { species_id: string; location_id: string; planted_on?: string | undefined },
  ): Promise<Placement> {
    const plantedOn = input.planted_on ?? localTime(this.deps.clock.now(), ctx.timeZone).date;
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const { candidate, line } = await placementSubjects(tx, ctx, input.species_id, input.location_id);
      const place = line[line.length - 1]!;
      return {
        species: { id: candidate.id, key: candidate.key, scientific_name: candidate.scientific_name },
        location: { id: place.id, name: place.name, type: place.type },
        planted_on: plantedOn,
        report: await judge(tx, ctx.farmId, candidate, line, plantedOn),
      };
    });
  }

  /** The farm's rotation window (years): the pause of a family that names none. */
  rotationSettings(ctx: FarmContext): Promise<{ window_years: number; default: boolean }> {
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      const years = await repo.rotationWindow(tx, ctx.farmId);
      return { window_years: years ?? DEFAULT_ROTATION_WINDOW, default: years === undefined };
    });
  }

  async setRotationSettings(
    ctx: FarmContext,
    input: { window_years: number },
    meta: RequestMeta,
  ): Promise<{ window_years: number; default: boolean }> {
    if (!Number.isInteger(input.window_years) || input.window_years < 1 || input.window_years > 8)
      throw invalid('The rotation window is 1 to 8 years', {
        fields: [{ field: 'body.window_years', message: 'must be a whole number from 1 to 8' }],
      });
    const now = this.deps.clock.now();
    return this.deps.db.farm(ctx.farmId, async (tx) => {
      await repo.setRotationWindow(tx, ctx.farmId, input.window_years, now);
      await recordAudit(tx, this.deps.clock, {
        farmId: ctx.farmId,
        caller: ctx.caller,
        meta,
        eventType: 'crops.rotation_settings_changed',
        category: 'crops',
        message: `Rotation window set to ${input.window_years} years`,
        data: { window_years: input.window_years },
      });
      return { window_years: input.window_years, default: false };
    });
  }
}

/**
 * Before a plant goes in: the refusals its place and neighbours hold (rotation, companions). Without
 * an acknowledgement the first is thrown (422); with one they are returned, for the audit.
 */
export async function checkPlacement(
  tx: Tx,
  ctx: FarmContext,
  input: { speciesId: string; locationId: string; plantedOn: string; acknowledge: { reason: string } | undefined },
): Promise<DomainError[]> {
  const { candidate, line } = await placementSubjects(tx, ctx, input.speciesId, input.locationId);
  const report = await judge(tx, ctx.farmId, candidate, line, input.plantedOn);
  const place = line[line.length - 1]!;
  const refused = refusals(report, place);
  if (refused.length > 0 && !input.acknowledge) throw refused[0]!;
  return refused;
}
