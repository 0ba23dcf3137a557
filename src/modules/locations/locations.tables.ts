import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { GeoJsonGeometry } from './locations.engine.js';

export type LocationStatus = 'active' | 'maintenance' | 'retired';

/** Geometry is written through SQL expressions (GeoJSON → PostGIS) and read back as GeoJSON. */
type Geometry = ColumnType<GeoJsonGeometry | null, string | null, string | null>;

export interface LocationTable {
  id: Generated<string>;
  farm_id: string;
  parent_id: string | null;
  path: ColumnType<string[], string[], string[]>;
  name: string;
  type: string;
  code: string | null;
  qr_code: string;
  capacity: number | null;
  status: Generated<LocationStatus>;
  properties: ColumnType<Record<string, unknown>, Record<string, unknown> | string, Record<string, unknown> | string>;
  geometry: Geometry;
  area_m2: ColumnType<number | null, never, never>;
  centroid: ColumnType<GeoJsonGeometry | null, never, never>;
  /** A site's frost dates, month and day ("04-20"); null on other types (migration 0023). */
  last_frost: string | null;
  first_frost: string | null;
  frost_safe: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LocationTypeTable {
  type: string;
  description: string;
  can_be_root: boolean;
}

export interface LocationTypeRuleTable {
  parent_type: string;
  child_type: string;
}

export interface LocationEdgeTable {
  farm_id: string;
  a_id: string;
  b_id: string;
  created_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    locations: LocationTable;
    location_types: LocationTypeTable;
    location_type_rules: LocationTypeRuleTable;
    location_edges: LocationEdgeTable;
  }
}
