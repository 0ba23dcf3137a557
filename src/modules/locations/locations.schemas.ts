import { Type } from 'typebox';
import { DateTime, Uuid } from '../../platform/http/schemas.js';
import { FarmParams } from '../../platform/http/schemas.js';

const Position = Type.Array(Type.Number(), { minItems: 2, maxItems: 3, description: '[longitude, latitude] in WGS84' });

export const GeoJsonPoint = Type.Object({ type: Type.Literal('Point'), coordinates: Position }, { additionalProperties: false });
export const GeoJsonPolygon = Type.Object({ type: Type.Literal('Polygon'), coordinates: Type.Array(Type.Array(Position), { minItems: 1 }) },
  { additionalProperties: false });
export const GeoJsonMultiPolygon = Type.Object({ type: Type.Literal('MultiPolygon'),
  coordinates: Type.Array(Type.Array(Type.Array(Position), { minItems: 1 }), { minItems: 1 }) }, { additionalProperties: false });
export const Geometry = Type.Union([GeoJsonPoint, GeoJsonPolygon, GeoJsonMultiPolygon],
  { description: 'GeoJSON Point, Polygon or MultiPolygon in WGS84 ([longitude, latitude])' });

export const LocationStatus = Type.Union([Type.Literal('active'), Type.Literal('maintenance'), Type.Literal('retired')]);
const LocationType = Type.String({ pattern: '^[a-z][a-z_]*$', maxLength: 40, description: 'See GET /api/v1/location-types' });
const Code = Type.String({ minLength: 1, maxLength: 64 });
const QrCode = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._~-]+$', description: 'Unique in the farm; made up when not given' });
const Properties = Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form attributes' });

export const LocationView = Type.Object({
  id: Uuid,
  parent_id: Type.Union([Uuid, Type.Null()]),
  name: Type.String(),
  type: Type.String(),
  code: Type.Union([Type.String(), Type.Null()]),
  qr_code: Type.String(),
  capacity: Type.Union([Type.Integer(), Type.Null()]),
  status: LocationStatus,
  properties: Properties,
  geometry: Type.Union([Geometry, Type.Null()]),
  area_m2: Type.Union([Type.Number({ description: 'Area on the sphere, for polygons' }), Type.Null()]),
  centroid: Type.Union([GeoJsonPoint, Type.Null()]),
  depth: Type.Integer({ description: '0 for a root' }),
  created_at: DateTime,
  updated_at: DateTime,
}, { additionalProperties: false });

/** What a client may set on a location; `type` only when creating it. */
const editable = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  parent_id: Type.Union([Uuid, Type.Null()], { description: 'The parent (null: at the top); on change, moves everything under it too' }),
  code: Type.Union([Code, Type.Null()]),
  qr_code: QrCode,
  capacity: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  status: LocationStatus,
  properties: Properties,
  geometry: Type.Union([Geometry, Type.Null()]),
};
const optional = <T extends Record<string, Parameters<typeof Type.Optional>[0]>>(props: T) =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof T]: ReturnType<typeof Type.Optional<T[K]>> };

export const NewLocationBody = Type.Object({ ...optional(editable), name: editable.name, type: LocationType }, { additionalProperties: false });

export const LocationPatchBody = Type.Object(optional(editable), { additionalProperties: false, minProperties: 1 });

export const LocationParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

export const ImportBody = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(Type.Object({
    type: Type.Literal('Feature'),
    id: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    geometry: Type.Union([Geometry, Type.Null()]),
    properties: Type.Object({
      name: Type.String({ minLength: 1, maxLength: 200 }),
      type: LocationType,
      code: Type.Optional(Type.Union([Code, Type.Null()])),
      parent_code: Type.Optional(Type.Union([Code, Type.Null()])),
      parent_id: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()], { description: "Another feature's id, when the parent has no code" })),
      qr_code: Type.Optional(QrCode),
      capacity: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
      status: Type.Optional(LocationStatus),
      properties: Type.Optional(Properties),
    }, { additionalProperties: true, description: 'Other properties (ids, areas of an export) are ignored' }),
  }), { minItems: 1, maxItems: 20_000 }),
}, { additionalProperties: true });
