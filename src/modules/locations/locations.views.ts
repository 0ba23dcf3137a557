import type { LocationRow } from './locations.repository.js';
import type { LocationsService } from './locations.service.js';

type TypeRules = Awaited<ReturnType<LocationsService['typeRules']>>;

export function locationView(row: LocationRow) {
  return {
    id: row.id,
    parent_id: row.parent_id,
    name: row.name,
    type: row.type,
    code: row.code,
    qr_code: row.qr_code,
    capacity: row.capacity,
    status: row.status,
    properties: row.properties,
    geometry: row.geometry,
    area_m2: row.area_m2,
    centroid: row.centroid as { type: 'Point'; coordinates: number[] } | null,
    depth: row.path.length,
    last_frost: row.last_frost,
    first_frost: row.first_frost,
    frost_safe: row.frost_safe,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** The location types, each with the types that may sit under it (sorted). */
export const locationTypesView = (rules: TypeRules) => ({
  data: rules.types.map((t) => ({ ...t, children: [...(rules.children.get(t.type) ?? [])].sort() })),
});

/** A page of locations: the cursor of the next is the last id, when the page is full. */
export const locationPageView = (rows: LocationRow[], limit: number) => ({
  data: rows.map(locationView),
  next_cursor: rows.length === limit ? rows[rows.length - 1]!.id : null,
});

export const locationListView = (rows: LocationRow[]) => ({ data: rows.map(locationView) });

export const lookupView = (found: { location: LocationRow; ancestors: LocationRow[] }) => ({
  location: locationView(found.location),
  ancestors: found.ancestors.map(locationView),
});

export const adjacentView = (adjacent: { location: LocationRow; source: 'edge' | 'geometry' }[]) => ({
  data: adjacent.map((a) => ({ location: locationView(a.location), source: a.source })),
});
