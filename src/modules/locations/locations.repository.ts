import { isUuid } from '../../platform/ids.js';
import { sql, type Insertable, type RawBuilder, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db/database.js';
import type { GeoJsonGeometry, TypeRules } from './locations.engine.js';
import type { LocationStatus, LocationTable } from './locations.tables.js';

export interface LocationRow {
  id: string;
  farm_id: string;
  parent_id: string | null;
  path: string[];
  name: string;
  type: string;
  code: string | null;
  qr_code: string;
  capacity: number | null;
  status: LocationStatus;
  properties: Record<string, unknown>;
  geometry: GeoJsonGeometry | null;
  area_m2: number | null;
  centroid: GeoJsonGeometry | null;
  last_frost: string | null;
  first_frost: string | null;
  frost_safe: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * GeoJSON text → a 2D PostGIS geometry in WGS84. A position may carry an altitude (GeoJSON's third
 * element); the column is 2D, so the altitude is dropped rather than refused by the column as a 500.
 */
export const geometryFrom = (geojson: GeoJsonGeometry): RawBuilder<string> =>
  sql<string>`ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geojson)}), 4326))`;

const COLUMNS = [
  'id',
  'farm_id',
  'parent_id',
  'path',
  'name',
  'type',
  'code',
  'qr_code',
  'capacity',
  'status',
  'properties',
  'area_m2',
  'last_frost',
  'first_frost',
  'frost_safe',
  'created_at',
  'updated_at',
] as const;

function selectLocations(tx: Tx) {
  return tx
    .selectFrom('locations')
    .select([
      ...COLUMNS.map((c) => `locations.${c}` as const),
      sql<GeoJsonGeometry | null>`ST_AsGeoJSON(locations.geometry)::json`.as('geometry'),
      sql<GeoJsonGeometry | null>`ST_AsGeoJSON(locations.centroid)::json`.as('centroid'),
    ]);
}

export const locationsRepository = {
  async typeRules(
    tx: Tx,
  ): Promise<TypeRules & { types: { type: string; description: string; can_be_root: boolean }[] }> {
    const types = await tx.selectFrom('location_types').selectAll().orderBy('type').execute();
    const rules = await tx.selectFrom('location_type_rules').selectAll().execute();
    const children = new Map<string, Set<string>>();
    for (const rule of rules) {
      const set = children.get(rule.parent_type) ?? new Set<string>();
      set.add(rule.child_type);
      children.set(rule.parent_type, set);
    }
    return { types, roots: new Set(types.filter((t) => t.can_be_root).map((t) => t.type)), children };
  },

  /** Why a geometry is not valid (self-intersection …), or null. */
  async geometryProblem(tx: Tx, geojson: GeoJsonGeometry): Promise<string | null> {
    const { rows } = await sql<{ reason: string | null }>`
      select case when ST_IsValid(g) then null else ST_IsValidReason(g) end as reason
      from (select ${geometryFrom(geojson)} as g) as x`.execute(tx);
    return rows[0]?.reason ?? null;
  },

  /** A location by id; undefined for an id that is not a UUID (nothing to ask the database). */
  find(tx: Tx, farmId: string, id: string): Promise<LocationRow | undefined> {
    if (!isUuid(id)) return Promise.resolve(undefined);
    return selectLocations(tx).where('farm_id', '=', farmId).where('id', '=', id).executeTakeFirst() as Promise<
      LocationRow | undefined
    >;
  },

  findByQr(tx: Tx, farmId: string, qr: string): Promise<LocationRow | undefined> {
    return selectLocations(tx).where('farm_id', '=', farmId).where('qr_code', '=', qr).executeTakeFirst() as Promise<
      LocationRow | undefined
    >;
  },

  async codes(tx: Tx, farmId: string): Promise<Map<string, { id: string; type: string; path: string[] }>> {
    const rows = await tx
      .selectFrom('locations')
      .select(['id', 'code', 'type', 'path'])
      .where('farm_id', '=', farmId)
      .where('code', 'is not', null)
      .execute();
    return new Map(rows.map((r) => [r.code!, { id: r.id, type: r.type, path: r.path }]));
  },

  async insert(tx: Tx, row: Insertable<LocationTable>, geometry: GeoJsonGeometry | null): Promise<LocationRow> {
    const { id } = await tx
      .insertInto('locations')
      .values({ ...row, geometry: geometry ? geometryFrom(geometry) : null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await this.find(tx, row.farm_id, id))!;
  },

  async update(
    tx: Tx,
    farmId: string,
    id: string,
    patch: Updateable<LocationTable>,
    geometry?: GeoJsonGeometry | null,
  ): Promise<LocationRow> {
    await tx
      .updateTable('locations')
      .set({ ...patch, ...(geometry !== undefined ? { geometry: geometry ? geometryFrom(geometry) : null } : {}) })
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .execute();
    return (await this.find(tx, farmId, id))!;
  },

  /**
   * Moves a location and everything under it: its own parent and path, and every descendant's path
   * (the old ancestors replaced by the new ones), in one statement.
   */
  async move(
    tx: Tx,
    farmId: string,
    id: string,
    newParentId: string | null,
    newPath: string[],
    oldPath: string[],
    now: Date,
  ): Promise<void> {
    await tx
      .updateTable('locations')
      .set({ parent_id: newParentId, path: newPath, updated_at: now })
      .where('farm_id', '=', farmId)
      .where('id', '=', id)
      .execute();
    await sql`update locations
      set path = ${newPath}::uuid[] || path[${oldPath.length + 1}:], updated_at = ${now}
      where farm_id = ${farmId} and path @> array[${id}]::uuid[]`.execute(tx);
  },

  /** How many levels hang under a location (0 for a leaf), from its descendants' paths. */
  async levelsUnder(tx: Tx, farmId: string, location: { id: string; path: string[] }): Promise<number> {
    const { rows } = await sql<{ deepest: number | null }>`
      select max(cardinality(path)) as deepest from locations
      where farm_id = ${farmId} and path @> array[${location.id}]::uuid[]`.execute(tx);
    const deepest = rows[0]?.deepest;
    return deepest == null ? 0 : Number(deepest) - location.path.length;
  },

  async remove(tx: Tx, farmId: string, id: string): Promise<void> {
    await tx.deleteFrom('locations').where('farm_id', '=', farmId).where('id', '=', id).execute();
  },

  async hasChildren(tx: Tx, farmId: string, id: string): Promise<boolean> {
    return (
      (await tx
        .selectFrom('locations')
        .select('id')
        .where('farm_id', '=', farmId)
        .where('parent_id', '=', id)
        .limit(1)
        .executeTakeFirst()) !== undefined
    );
  },

  list(
    tx: Tx,
    farmId: string,
    filter: { parentId?: string | null; type?: string; status?: LocationStatus; after?: string; limit: number },
  ): Promise<LocationRow[]> {
    let query = selectLocations(tx).where('farm_id', '=', farmId);
    if (filter.parentId === null) query = query.where('parent_id', 'is', null);
    else if (filter.parentId !== undefined) query = query.where('parent_id', '=', filter.parentId);
    if (filter.type) query = query.where('type', '=', filter.type);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.after) query = query.where('id', '>', filter.after);
    return query.orderBy('id').limit(filter.limit).execute() as Promise<LocationRow[]>;
  },

  /** Everything under a location (any depth), optionally of one type, in one indexed query. */
  subtree(tx: Tx, farmId: string, id: string, type?: string): Promise<LocationRow[]> {
    let query = selectLocations(tx)
      .where('farm_id', '=', farmId)
      .where(sql<boolean>`path @> array[${id}]::uuid[]`);
    if (type) query = query.where('type', '=', type);
    return query
      .orderBy(sql`cardinality(path)`)
      .orderBy('name')
      .execute() as Promise<LocationRow[]>;
  },

  /**
   * The ids of a location and everything under it, as a subquery another module's query can use
   * (`where location_id in (…)`): a subtree in one statement without knowing how the tree is stored.
   */
  subtreeIds(tx: Tx, farmId: string, id: string) {
    return tx
      .selectFrom('locations')
      .select('locations.id')
      .where('locations.farm_id', '=', farmId)
      .where((eb) => eb.or([eb('locations.id', '=', id), sql<boolean>`locations.path @> array[${id}]::uuid[]`]));
  },

  /** The locations with these ids, root first. */
  ancestors(tx: Tx, farmId: string, path: string[]): Promise<LocationRow[]> {
    if (path.length === 0) return Promise.resolve([]);
    return selectLocations(tx)
      .where('farm_id', '=', farmId)
      .where('id', 'in', path)
      .orderBy(sql`cardinality(path)`)
      .execute() as Promise<LocationRow[]>;
  },

  /**
   * The deepest live location whose polygon contains the point (GiST index first, exact test second)
   * and its ancestors, root first — one statement, so a lookup is one round trip.
   */
  async lookup(tx: Tx, farmId: string, lon: number, lat: number): Promise<LocationRow[]> {
    const point = sql`ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)`;
    return selectLocations(tx)
      .where('farm_id', '=', farmId)
      .where(
        sql<boolean>`locations.id in (
        select unnest(hit.path || hit.id) from (
          select id, path from locations
          where farm_id = ${farmId} and status <> 'retired' and geometry && ${point} and ST_Contains(geometry, ${point})
          order by cardinality(path) desc, area_m2 asc limit 1) as hit)`,
      )
      .orderBy(sql`cardinality(path)`)
      .execute() as Promise<LocationRow[]>;
  },

  /** Locations joined to `id` by a stored edge, and those whose geometry lies within `meters` of its own. */
  async adjacent(
    tx: Tx,
    farmId: string,
    id: string,
    meters: number,
  ): Promise<{ id: string; source: 'edge' | 'geometry' }[]> {
    const { rows } = await sql<{ id: string; source: 'edge' | 'geometry' }>`
      select case when e.a_id = ${id} then e.b_id else e.a_id end as id, 'edge' as source
        from location_edges e where e.farm_id = ${farmId} and (e.a_id = ${id} or e.b_id = ${id})
      union
      select other.id, 'geometry' as source
        from locations self join locations other
          on other.farm_id = self.farm_id and other.id <> self.id and other.geometry is not null
          and other.geometry && ST_Expand(self.geometry, ${meters / 30_000})
          and ST_DWithin(self.geometry::geography, other.geometry::geography, ${meters})
          and not ST_Contains(other.geometry, self.geometry) and not ST_Contains(self.geometry, other.geometry)
        where self.farm_id = ${farmId} and self.id = ${id} and self.geometry is not null`.execute(tx);
    return rows;
  },

  async addEdge(tx: Tx, farmId: string, a: string, b: string, now: Date): Promise<void> {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    await tx
      .insertInto('location_edges')
      .values({ farm_id: farmId, a_id: lo, b_id: hi, created_at: now })
      .onConflict((oc) => oc.columns(['farm_id', 'a_id', 'b_id']).doNothing())
      .execute();
  },

  async removeEdge(tx: Tx, farmId: string, a: string, b: string): Promise<number> {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const result = await tx
      .deleteFrom('location_edges')
      .where('farm_id', '=', farmId)
      .where('a_id', '=', lo)
      .where('b_id', '=', hi)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  },

  all(tx: Tx, farmId: string): Promise<LocationRow[]> {
    return selectLocations(tx)
      .where('farm_id', '=', farmId)
      .orderBy(sql`cardinality(path)`)
      .orderBy('name')
      .execute() as Promise<LocationRow[]>;
  },
};
