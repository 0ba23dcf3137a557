import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Name, Nullable, PageLimit, Uuid } from '../../platform/http/schemas.js';
import { LOCATION_LIMITS } from './locations.engine.js';

const Position = Type.Array(Type.Number(), {
  minItems: 2,
  maxItems: 3,
  description: '[longitude, latitude] in WGS84; an altitude after them is accepted and dropped',
});

export const GeoJsonPoint = Type.Object(
  { type: Type.Literal('Point'), coordinates: Position },
  { additionalProperties: false },
);
export const GeoJsonPolygon = Type.Object(
  { type: Type.Literal('Polygon'), coordinates: Type.Array(Type.Array(Position), { minItems: 1 }) },
  { additionalProperties: false },
);
export const GeoJsonMultiPolygon = Type.Object(
  {
    type: Type.Literal('MultiPolygon'),
    coordinates: Type.Array(Type.Array(Type.Array(Position), { minItems: 1 }), { minItems: 1 }),
  },
  { additionalProperties: false },
);
export const Geometry = Type.Union([GeoJsonPoint, GeoJsonPolygon, GeoJsonMultiPolygon], {
  description:
    'GeoJSON Point, Polygon or MultiPolygon in WGS84 ([longitude, latitude]); ' +
    `at most ${LOCATION_LIMITS.positions} positions`,
});

export const LocationStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('maintenance'),
  Type.Literal('retired'),
]);
const LocationType = Type.String({
  pattern: '^[a-z][a-z_]*$',
  maxLength: 40,
  description: 'See GET /api/v1/location-types',
});
const Code = Type.String({ minLength: 1, maxLength: 64 });
const QrCode = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9._~-]+$',
  description: 'Unique in the farm; made up when not given',
});
const MonthDay = (description: string) =>
  Type.String({
    pattern:
      '^((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-9]))$',
    description: `${description}: month and day, "MM-DD" ("02-29" counts as 28 February in a common year)`,
  });
/** A site's frost dates (only a site has them), read by the sowing calendar. */
const frost = {
  last_frost: Nullable(MonthDay('A site’s average last spring frost')),
  first_frost: Nullable(MonthDay('A site’s average first autumn frost')),
  frost_safe: Nullable(
    MonthDay(
      'The first day frost-sensitive crops may go outdoors at a site, within 90 days after last_frost (which it ' +
        'needs); when null the sowing calendar takes last frost + 14 days',
    ),
  ),
};
const Properties = Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form attributes' });

export const LocationView = Type.Object(
  {
    id: Uuid,
    parent_id: Nullable(Uuid),
    name: Type.String(),
    type: Type.String(),
    code: Nullable(Type.String()),
    qr_code: Type.String(),
    capacity: Nullable(Type.Integer()),
    status: LocationStatus,
    properties: Properties,
    geometry: Nullable(Geometry),
    area_m2: Type.Union([Type.Number({ description: 'Area on the sphere, for polygons' }), Type.Null()]),
    centroid: Nullable(GeoJsonPoint),
    depth: Type.Integer({ description: '0 for a root' }),
    ...frost,
    created_at: DateTime,
    updated_at: DateTime,
  },
  { additionalProperties: false },
);

/** What a client may set on a location; `type` only when creating it. */
const editable = {
  name: Name,
  parent_id: Type.Union([Uuid, Type.Null()], {
    description: 'The parent (null: at the top); on change, moves everything under it too',
  }),
  code: Nullable(Code),
  qr_code: QrCode,
  capacity: Nullable(Type.Integer({ minimum: 0 })),
  status: LocationStatus,
  properties: Properties,
  geometry: Nullable(Geometry),
  ...frost,
};
const optional = <T extends Record<string, Parameters<typeof Type.Optional>[0]>>(props: T) =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)])) as {
    [K in keyof T]: ReturnType<typeof Type.Optional<T[K]>>;
  };

export const NewLocationBody = Type.Object(
  { ...optional(editable), name: editable.name, type: LocationType },
  { additionalProperties: false },
);
export type NewLocation = Static<typeof NewLocationBody>;

export const LocationPatchBody = Type.Object(optional(editable), { additionalProperties: false, minProperties: 1 });
export type LocationPatch = Static<typeof LocationPatchBody>;

export const LocationParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });
export const AdjacentParams = Type.Object({ ...LocationParams.properties, otherId: Uuid });
export const QrParams = Type.Object({
  farm: FarmParams.properties.farm,
  qr: Type.String({ minLength: 1, maxLength: 128 }),
});

export const LocationTypesView = Type.Object({
  data: Type.Array(
    Type.Object({
      type: Type.String(),
      description: Type.String(),
      can_be_root: Type.Boolean(),
      children: Type.Array(Type.String()),
    }),
  ),
});

export const LocationList = Type.Object({ data: Type.Array(LocationView) });

export const LocationQuery = Type.Object(
  {
    parent_id: Type.Optional(Type.Union([Uuid, Type.Literal('root')], { description: "A location's id, or root" })),
    type: Type.Optional(Type.String({ maxLength: 40 })),
    status: Type.Optional(LocationStatus),
    limit: PageLimit(1000, 200),
    cursor: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const LocationPage = Type.Object({ data: Type.Array(LocationView), next_cursor: Nullable(Uuid) });

export const LookupQuery = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
  },
  { additionalProperties: false },
);

export const LookupView = Type.Object({ location: LocationView, ancestors: Type.Array(LocationView) });

export const SubtreeQuery = Type.Object(
  { type: Type.Optional(Type.String({ maxLength: 40 })) },
  { additionalProperties: false },
);

export const AdjacentList = Type.Object({
  data: Type.Array(
    Type.Object({ location: LocationView, source: Type.Union([Type.Literal('edge'), Type.Literal('geometry')]) }),
  ),
});

export const LayoutExport = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(Type.Object({}, { additionalProperties: true })),
});

export const QrLabelSvg = Type.String({ description: 'image/svg+xml' });

export const ImportBody = Type.Object(
  {
    type: Type.Literal('FeatureCollection'),
    features: Type.Array(
      Type.Object({
        type: Type.Literal('Feature'),
        id: Type.Optional(Type.Union([Type.String(), Type.Number()])),
        geometry: Nullable(Geometry),
        properties: Type.Object(
          {
            name: Name,
            type: LocationType,
            code: Type.Optional(Nullable(Code)),
            parent_code: Type.Optional(Nullable(Code)),
            parent_id: Type.Optional(
              Type.Union([Type.String(), Type.Number(), Type.Null()], {
                description: "Another feature's id, when the parent has no code",
              }),
            ),
            qr_code: Type.Optional(QrCode),
            capacity: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
            status: Type.Optional(LocationStatus),
            properties: Type.Optional(Properties),
            last_frost: Type.Optional(frost.last_frost),
            first_frost: Type.Optional(frost.first_frost),
            frost_safe: Type.Optional(frost.frost_safe),
          },
          { additionalProperties: true, description: 'Other properties (ids, areas of an export) are ignored' },
        ),
      }),
      { minItems: 1, maxItems: LOCATION_LIMITS.importFeatures },
    ),
  },
  { additionalProperties: true },
);
/** One feature of an imported layout. */
export type ImportedFeature = Static<typeof ImportBody>['features'][number];
