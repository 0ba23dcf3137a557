/**
 * Pure rules of the location tree: which type may sit where, what a usable geometry is, and in which
 * order an imported layout can be created. No I/O.
 */

export type Position = [number, number] | [number, number, number];
export type GeoJsonGeometry =
  | { type: 'Point'; coordinates: number[] }
  | { type: 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] };

/**
 * How far the tree and one request may go (README, "Map and places"). The deepest chain the shipped
 * types allow has 8 levels (site → house → room → grow_tent → zone → bed → row → slot); warehouse →
 * storage_area → storage_location → storage_bin has 4.
 */
export const LOCATION_LIMITS = {
  /** Levels of the tree, the root's included. */
  levels: 12,
  /** Positions in one geometry: every ring of every polygon together. */
  positions: 10_000,
  /** Features in one import (a bigger layout comes in several: a parent may be a place the farm has). */
  importFeatures: 5_000,
} as const;

/** The levels of the tree down to a location under a parent whose path is `parentPath` (null: a root),
 * and `below` levels under it. */
export function levelsAt(parentPath: readonly unknown[] | null, below = 0): number {
  return (parentPath === null ? 1 : parentPath.length + 2) + below;
}

/** Every position of a geometry, rings' closing positions included. */
export function positionCount(geometry: GeoJsonGeometry): number {
  const rings = (polygon: number[][][]) => polygon.reduce((n, ring) => n + ring.length, 0);
  switch (geometry.type) {
    case 'Point':
      return 1;
    case 'Polygon':
      return rings(geometry.coordinates);
    case 'MultiPolygon':
      return geometry.coordinates.reduce((n, polygon) => n + rings(polygon), 0);
  }
}

export interface TypeRules {
  /** Types allowed at the root. */
  roots: ReadonlySet<string>;
  /** parent type → child types allowed under it. */
  children: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Why `childType` may not sit under `parentType` (null: at the root), or undefined when it may. */
export function placementProblem(rules: TypeRules, parentType: string | null, childType: string): string | undefined {
  if (parentType === null) {
    return rules.roots.has(childType)
      ? undefined
      : `a ${childType} cannot be at the top of the tree; put it under one of: ${parentsOf(rules, childType).join(', ') || 'nothing'}`;
  }
  return rules.children.get(parentType)?.has(childType)
    ? undefined
    : `a ${childType} cannot sit under a ${parentType}${allowedUnder(rules, parentType)}`;
}

function parentsOf(rules: TypeRules, childType: string): string[] {
  return [...rules.children]
    .filter(([, kids]) => kids.has(childType))
    .map(([parent]) => parent)
    .sort();
}

function allowedUnder(rules: TypeRules, parentType: string): string {
  const kids = [...(rules.children.get(parentType) ?? [])].sort();
  return kids.length ? ` (allowed there: ${kids.join(', ')})` : ' (nothing may sit under it)';
}

function positionProblem(p: number[], where: string): string | undefined {
  if (p.length < 2 || p.length > 3 || p.some((n) => !Number.isFinite(n)))
    return `${where} is not a [longitude, latitude] position`;
  const [lon, lat] = p as [number, number];
  if (lon < -180 || lon > 180) return `${where} has longitude ${lon}, outside -180…180`;
  if (lat < -90 || lat > 90) return `${where} has latitude ${lat}, outside -90…90 (is it [longitude, latitude]?)`;
  return undefined;
}

function ringProblem(ring: number[][], where: string): string | undefined {
  if (ring.length < 4) return `${where} needs at least 4 positions (a closed ring)`;
  for (const [i, p] of ring.entries()) {
    const problem = positionProblem(p, `${where} position ${i}`);
    if (problem) return problem;
  }
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1])
    return `${where} is not closed: its last position must equal its first`;
  return undefined;
}

/**
 * Shape problems a geometry can have before it reaches the database (which then checks
 * self-intersection): positions out of range, rings not closed or too short.
 */
export function geometryProblem(geometry: GeoJsonGeometry): string | undefined {
  switch (geometry.type) {
    case 'Point':
      return positionProblem(geometry.coordinates, 'the point');
    case 'Polygon':
      if (geometry.coordinates.length === 0) return 'the polygon has no rings';
      for (const [i, ring] of geometry.coordinates.entries()) {
        const problem = ringProblem(ring, i === 0 ? 'the outer ring' : `hole ${i}`);
        if (problem) return problem;
      }
      return undefined;
    case 'MultiPolygon':
      if (geometry.coordinates.length === 0) return 'the multipolygon has no polygons';
      for (const [p, polygon] of geometry.coordinates.entries()) {
        if (polygon.length === 0) return `polygon ${p} has no rings`;
        for (const [i, ring] of polygon.entries()) {
          const problem = ringProblem(ring, `polygon ${p} ${i === 0 ? 'outer ring' : `hole ${i}`}`);
          if (problem) return problem;
        }
      }
      return undefined;
  }
}

export interface ImportFeature {
  index: number;
  code: string | undefined;
  parentCode: string | undefined;
}

export type ImportOrder = { ok: true; order: number[] } | { ok: false; index: number; message: string };

/**
 * The order to create imported features in so every parent exists before its children. Parents are
 * named by code: another feature of the import, or a location that already exists (`existingCodes`).
 */
export function importOrder(features: ImportFeature[], existingCodes: ReadonlySet<string>): ImportOrder {
  const byCode = new Map<string, ImportFeature>();
  for (const feature of features) {
    if (feature.code === undefined) continue;
    if (byCode.has(feature.code))
      return { ok: false, index: feature.index, message: `code "${feature.code}" appears twice in the import` };
    if (existingCodes.has(feature.code))
      return {
        ok: false,
        index: feature.index,
        message: `code "${feature.code}" is already used by a location of this farm`,
      };
    byCode.set(feature.code, feature);
  }
  for (const feature of features) {
    if (feature.parentCode !== undefined && !byCode.has(feature.parentCode) && !existingCodes.has(feature.parentCode)) {
      return {
        ok: false,
        index: feature.index,
        message: `parent code "${feature.parentCode}" is neither in the import nor in the farm`,
      };
    }
  }
  const order: number[] = [];
  const state = new Map<number, 'visiting' | 'done'>();
  const visit = (feature: ImportFeature): ImportOrder | undefined => {
    if (state.get(feature.index) === 'done') return undefined;
    if (state.get(feature.index) === 'visiting')
      return { ok: false, index: feature.index, message: 'its parents form a cycle' };
    state.set(feature.index, 'visiting');
    const parent = feature.parentCode === undefined ? undefined : byCode.get(feature.parentCode);
    if (parent) {
      const failed = visit(parent);
      if (failed) return failed;
    }
    state.set(feature.index, 'done');
    order.push(feature.index);
    return undefined;
  };
  for (const feature of features) {
    const failed = visit(feature);
    if (failed) return failed;
  }
  return { ok: true, order };
}

/** A site's frost dates, month and day ("04-20"). */
export interface FrostDates {
  last_frost: string | null;
  first_frost: string | null;
  frost_safe: string | null;
}

/** The most days the safe date may come after the last frost. */
export const FROST_SAFE_MAX_DAYS = 90;

/** Day of a leap year (0 = 1 January) of a valid "MM-DD": the frost dates repeat every year. */
function dayOfYear(monthDay: string): number {
  const [month, day] = monthDay.split('-').map(Number) as [number, number];
  return (Date.UTC(2000, month - 1, day) - Date.UTC(2000, 0, 1)) / 86_400_000;
}
const daysAfter = (from: string, to: string) => (dayOfYear(to) - dayOfYear(from) + 366) % 366;

/**
 * What is wrong with a location's frost dates as they would be after a change (the field and why), or
 * undefined. Only a site has them; the safe date needs a last frost and falls in the season after it
 * (on or after the last frost, before the first frost, within {@link FROST_SAFE_MAX_DAYS} days). A
 * season may cross the year's end (the southern hemisphere: last frost "10-01", first frost "04-15").
 */
export function frostProblem(
  type: string,
  dates: FrostDates,
): { field: keyof FrostDates; message: string } | undefined {
  const given = (Object.keys(dates) as (keyof FrostDates)[]).filter((k) => dates[k] !== null);
  if (type !== 'site' && given.length > 0) return { field: given[0]!, message: 'only a site has frost dates' };
  const { last_frost: last, first_frost: first, frost_safe: safe } = dates;
  if (last !== null && first !== null && last === first)
    return { field: 'first_frost', message: 'must differ from last_frost' };
  if (safe === null) return undefined;
  if (last === null) return { field: 'frost_safe', message: 'needs last_frost (it comes after the last frost)' };
  const after = daysAfter(last, safe);
  if (after > FROST_SAFE_MAX_DAYS)
    return { field: 'frost_safe', message: `must be on or within ${FROST_SAFE_MAX_DAYS} days after last_frost` };
  if (first !== null && after >= daysAfter(last, first))
    return { field: 'frost_safe', message: 'must come before first_frost (in the season after the last frost)' };
  return undefined;
}
