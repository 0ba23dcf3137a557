/**
 * Where a plant may go: crop rotation (per slot and per bed, by family, with a pause in years), families
 * that share soil-borne diseases, good successors, nitrogen fixers, and companions in adjacent places.
 * Pure: the service loads the place, its history, the catalogue's pairs and the neighbours; the year
 * comes in as an argument.
 */

/** Places whose soil stays put from one crop to the next: rotation applies to them and the slots in them. */
export const IN_GROUND_TYPES = ['field', 'bed', 'row', 'zone'] as const;
/** Indoor places (fresh substrate for every crop): nothing under them is rotated. */
export const EXEMPT_TYPES = ['room', 'grow_tent'] as const;
/** The pause of a family that names none, when the farm has not set its window. */
export const DEFAULT_ROTATION_WINDOW = 4;
/** A family-level pair counts this much of its score (a species-level pair counts in full). */
export const FAMILY_MATCH_FACTOR = 0.8;

export type RotationStatus = 'ok' | 'violation' | 'unknown';

const yearOf = (day: string): number => Number(day.slice(0, 4));

/** Whether rotation applies to a place, from its type and its ancestors' (root first). */
export function rotationApplies(
  place: { type: string },
  ancestors: Array<{ type: string }>,
): { applies: true } | { applies: false; reason: string } {
  const line = [...ancestors, place];
  const indoor = line.find((l) => (EXEMPT_TYPES as readonly string[]).includes(l.type));
  if (indoor) return { applies: false, reason: `in a ${indoor.type.replace('_', ' ')}: fresh substrate, no rotation` };
  const ground = place.type === 'slot' ? [...ancestors].reverse().find((l) => l.type !== 'slot') : place;
  if (ground && (IN_GROUND_TYPES as readonly string[]).includes(ground.type)) return { applies: true };
  return {
    applies: false,
    reason:
      place.type === 'slot'
        ? `a slot directly in a ${ground?.type ?? 'place'} is a pot or container: no rotation`
        : `a ${place.type} is not a soil bed: no rotation`,
  };
}

/** The pause before a family returns: the species' own, else its family's, else the farm's window. */
export function pauseOf(
  speciesPause: number | null,
  familyPause: number | null,
  farmWindow: number,
): { years: number; source: 'species' | 'family' | 'farm' } {
  if (speciesPause !== null) return { years: speciesPause, source: 'species' };
  if (familyPause !== null) return { years: familyPause, source: 'family' };
  return { years: farmWindow, source: 'farm' };
}

export interface Family {
  id: string;
  key: string;
  name: string;
  /** The family's own pause (null: the farm's window). */
  pauseYears: number | null;
  soilBorne: string[];
  nitrogenFixing: boolean;
}

/** A plant that stood in a place, removed or not. */
export interface PastPlanting {
  plantId: string;
  label: string;
  plantedOn: string;
  removedOn: string | null;
  family: Family;
}

/**
 * Whether a planting came before a new one on `day`: planted in an earlier year, or taken out by then.
 * A plant of this season still standing is grown alongside (a mixed bed), not before: the companion
 * rules judge it.
 */
export const cameBefore = (p: PastPlanting, day: string): boolean =>
  yearOf(p.plantedOn) < yearOf(day) || (p.removedOn !== null && p.removedOn <= day && p.plantedOn <= day);

/** A place the rotation is checked over: a slot alone, or a bed and every place under it. */
export interface Scope {
  scope: string;
  location: { id: string; name: string; type: string };
  /** The first day the records of this place cover (it was made, or the oldest planting recorded in it). */
  recordsSince: string;
  plantings: PastPlanting[];
}

export interface RotationCheck {
  scope: string;
  location: { id: string; name: string; type: string };
  status: RotationStatus;
  /** The last time the family was planted here (up to the year checked). */
  last_planted_on: string | null;
  /** The first year the family may come back here for sure (records permitting). */
  allowed_from_year: number;
  records_since: string;
}

/**
 * The rotation verdict for one family in one place for a planting on `day`, in year Y: allowed when
 * Y − the last year the family came before ≥ pause. A year before the place's records begin may have
 * held the family: while such a year is inside the pause the answer is unknown (never ok), allowed for
 * sure from (the year before the records) + pause.
 */
export function rotationVerdict(familyId: string, pause: number, day: string, scope: Scope): RotationCheck {
  const year = yearOf(day);
  const last = scope.plantings
    .filter((p) => p.family.id === familyId && cameBefore(p, day))
    .reduce<string | null>((latest, p) => (latest === null || p.plantedOn > latest ? p.plantedOn : latest), null);
  const unrecordedYear = yearOf(scope.recordsSince) - 1;
  const allowedFrom = Math.max(last !== null ? yearOf(last) + pause : -Infinity, unrecordedYear + pause);
  const status: RotationStatus =
    last !== null && year - yearOf(last) < pause ? 'violation' : allowedFrom > year ? 'unknown' : 'ok';
  return {
    scope: scope.scope,
    location: scope.location,
    status,
    last_planted_on: last,
    allowed_from_year: allowedFrom,
    records_since: scope.recordsSince,
  };
}

const worst = (statuses: RotationStatus[]): RotationStatus =>
  statuses.includes('violation') ? 'violation' : statuses.includes('unknown') ? 'unknown' : 'ok';

export interface SharedSoilBorne {
  family: { key: string; name: string };
  /** The soil-borne diseases both families carry (as the new plant's family names them). */
  shared: string[];
  last_planted_on: string;
}

/**
 * Families planted here recently that share a soil-borne pest or pathogen with the new plant's family
 * (the lists compared case-insensitively). "Recently": within the longer of the two families' pauses.
 */
export function sharedSoilBorne(
  family: Family,
  pause: number,
  farmWindow: number,
  day: string,
  plantings: PastPlanting[],
): SharedSoilBorne[] {
  const year = yearOf(day);
  const mine = new Map(family.soilBorne.map((d) => [d.trim().toLowerCase(), d]));
  if (mine.size === 0) return [];
  const found = new Map<string, SharedSoilBorne>();
  for (const p of plantings) {
    if (p.family.id === family.id || !cameBefore(p, day)) continue;
    const age = year - yearOf(p.plantedOn);
    if (age < 0 || age >= Math.max(pause, p.family.pauseYears ?? farmWindow)) continue;
    const shared = p.family.soilBorne.map((d) => mine.get(d.trim().toLowerCase())).filter((d) => d !== undefined);
    if (shared.length === 0) continue;
    const seen = found.get(p.family.id);
    if (!seen || p.plantedOn > seen.last_planted_on)
      found.set(p.family.id, {
        family: { key: p.family.key, name: p.family.name },
        shared: [...new Set(shared)],
        last_planted_on: p.plantedOn,
      });
  }
  return [...found.values()].sort((a, b) => a.family.key.localeCompare(b.family.key));
}

/** The families of the last season planted here before `day` (the latest year with such a planting). */
export function previousCrops(day: string, plantings: PastPlanting[]): Family[] {
  const before = plantings.filter((p) => cameBefore(p, day));
  if (before.length === 0) return [];
  const latest = Math.max(...before.map((p) => yearOf(p.plantedOn)));
  const families = new Map<string, Family>();
  for (const p of before) if (yearOf(p.plantedOn) === latest) families.set(p.family.id, p.family);
  return [...families.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export interface SuccessorEdge {
  afterId: string;
  thenId: string;
  reason: string;
}

export interface SuccessorNote {
  previous: Array<{ key: string; name: string }>;
  good_successor: boolean;
  /** The previous families the new one does well after, with why. */
  after: Array<{ family: string; reason: string }>;
}

/** Whether the new plant's family is a good successor of the last season's crops here. */
export function successorNote(family: Family, previous: Family[], edges: SuccessorEdge[]): SuccessorNote {
  const after = previous.flatMap((p) =>
    edges.filter((e) => e.afterId === p.id && e.thenId === family.id).map((e) => ({ family: p.key, reason: e.reason })),
  );
  return {
    previous: previous.map((p) => ({ key: p.key, name: p.name })),
    good_successor: after.length > 0,
    after,
  };
}

export interface NitrogenNote {
  fixes_nitrogen: boolean;
  follows_nitrogen_fixer: boolean;
  note: string | null;
}

/** A nitrogen fixer leaves nitrogen for the next crop; a crop after one finds it. */
export function nitrogenNote(fixesNitrogen: boolean, previous: Family[]): NitrogenNote {
  const follows = previous.some((p) => p.nitrogenFixing);
  const notes = [
    ...(fixesNitrogen ? ['fixes nitrogen: a good crop before heavy feeders (brassicas, nightshades)'] : []),
    ...(follows ? ['follows a nitrogen fixer: the soil holds nitrogen it left'] : []),
  ];
  return {
    fixes_nitrogen: fixesNitrogen,
    follows_nitrogen_fixer: follows,
    note: notes.length ? notes.join('; ') : null,
  };
}

export interface CompanionPair {
  aId: string;
  bId: string;
  relation: 'compatible' | 'incompatible';
  score: number | null;
  severity: 'mild' | 'moderate' | 'severe' | null;
  reason: string;
}

export interface Neighbour {
  plantId: string;
  label: string;
  speciesId: string;
  speciesKey: string;
  familyId: string;
  location: { id: string; name: string };
}

export interface CompanionMatch {
  plant: { id: string; label: string; species: string; location: { id: string; name: string } };
  relation: 'compatible' | 'incompatible' | 'none';
  /** Compatible: the pair's score (× 0.8 for a family-level pair). */
  score: number | null;
  severity: 'mild' | 'moderate' | 'severe' | null;
  match_level: 'species' | 'family' | null;
  reason: string | null;
  /** Refuses the placement (unless acknowledged): an incompatible species-level pair. */
  blocks: boolean;
}

const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/**
 * How the new plant gets on with each neighbour: the species-level pair when there is one, else the
 * family-level pair (its score × 0.8, `match_level: "family"`). Only a species-level incompatible pair
 * blocks; a family-level one is a warning (family pairs are coarse: all alliums are not all beans' foes).
 */
export function companionMatches(
  candidate: { speciesId: string; familyId: string },
  neighbours: Neighbour[],
  pairs: { species: CompanionPair[]; family: CompanionPair[] },
): CompanionMatch[] {
  const species = new Map(pairs.species.map((p) => [pairKey(p.aId, p.bId), p]));
  const family = new Map(pairs.family.map((p) => [pairKey(p.aId, p.bId), p]));
  return neighbours.map((n) => {
    const plant = { id: n.plantId, label: n.label, species: n.speciesKey, location: n.location };
    const bySpecies =
      n.speciesId !== candidate.speciesId ? species.get(pairKey(candidate.speciesId, n.speciesId)) : undefined;
    const byFamily =
      !bySpecies && n.familyId !== candidate.familyId ? family.get(pairKey(candidate.familyId, n.familyId)) : undefined;
    const pair = bySpecies ?? byFamily;
    if (!pair)
      return { plant, relation: 'none', score: null, severity: null, match_level: null, reason: null, blocks: false };
    const level = bySpecies ? 'species' : 'family';
    return {
      plant,
      relation: pair.relation,
      score:
        pair.score === null
          ? null
          : Math.round(pair.score * (level === 'family' ? FAMILY_MATCH_FACTOR : 1) * 1000) / 1000,
      severity: pair.severity,
      match_level: level,
      reason: pair.reason,
      blocks: level === 'species' && pair.relation === 'incompatible',
    };
  });
}

export interface PlacementInput {
  /** The day it would be planted (YYYY-MM-DD). */
  day: string;
  farmWindow: number;
  family: Family;
  /** The species' own pause (null: its family's). */
  speciesPause: number | null;
  fixesNitrogen: boolean;
  speciesId: string;
  place: { type: string };
  ancestors: Array<{ type: string }>;
  /** The slot alone (when the place is one) and the bed or other ground place around it, with history. */
  scopes: Scope[];
  successors: SuccessorEdge[];
  neighbours: Neighbour[];
  pairs: { species: CompanionPair[]; family: CompanionPair[] };
}

export interface RotationReport {
  applies: boolean;
  exempt_reason: string | null;
  family: { key: string; name: string };
  pause_years: number;
  pause_source: 'species' | 'family' | 'farm';
  year: number;
  status: RotationStatus | 'exempt';
  /** The latest of the checks' years (the year the family may come back to every place checked). */
  allowed_from_year: number | null;
  checks: RotationCheck[];
}

export interface PlacementReport {
  rotation: RotationReport;
  shared_soil_borne: SharedSoilBorne[];
  successor: SuccessorNote;
  nitrogen: NitrogenNote;
  companions: CompanionMatch[];
  /** Nothing refuses the placement: no rotation violation and no blocking neighbour. */
  ok: boolean;
}

/** Every rule's answer for one plant in one place. */
export function judgePlacement(input: PlacementInput): PlacementReport {
  const { family, day } = input;
  const year = yearOf(day);
  const pause = pauseOf(input.speciesPause, family.pauseYears, input.farmWindow);
  const where = rotationApplies(input.place, input.ancestors);
  const checks = where.applies ? input.scopes.map((s) => rotationVerdict(family.id, pause.years, day, s)) : [];
  const plantings = where.applies ? uniquePlantings(input.scopes) : [];
  const previous = previousCrops(day, plantings);
  const status = where.applies ? worst(checks.map((c) => c.status)) : 'exempt';
  const companions = companionMatches(
    { speciesId: input.speciesId, familyId: family.id },
    input.neighbours,
    input.pairs,
  );
  return {
    rotation: {
      applies: where.applies,
      exempt_reason: where.applies ? null : where.reason,
      family: { key: family.key, name: family.name },
      pause_years: pause.years,
      pause_source: pause.source,
      year,
      status,
      allowed_from_year: checks.length ? Math.max(...checks.map((c) => c.allowed_from_year)) : null,
      checks,
    },
    shared_soil_borne: sharedSoilBorne(family, pause.years, input.farmWindow, day, plantings),
    successor: successorNote(family, previous, input.successors),
    nitrogen: nitrogenNote(input.fixesNitrogen, previous),
    companions,
    ok: status !== 'violation' && !companions.some((c) => c.blocks),
  };
}

/** A slot's plantings are also its bed's: each planting once. */
function uniquePlantings(scopes: Scope[]): PastPlanting[] {
  const byId = new Map<string, PastPlanting>();
  for (const s of scopes) for (const p of s.plantings) byId.set(p.plantId, p);
  return [...byId.values()];
}
