import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Name, Nullable, Uuid } from '../../platform/http/schemas.js';

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Score = Type.Integer({ minimum: 1, maximum: 5 });
const Frames = Type.Number({ minimum: 0, maximum: 100 });
const Status = Type.Union([
  Type.Literal('active'),
  Type.Literal('dead_out'),
  Type.Literal('sold'),
  Type.Literal('united'),
]);
const HiveType = Type.Union([
  Type.Literal('langstroth'),
  Type.Literal('dadant'),
  Type.Literal('national'),
  Type.Literal('top_bar'),
  Type.Literal('warre'),
  Type.Literal('layens'),
  Type.Literal('other'),
]);
const Layout = Type.Object(
  {
    brood_boxes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    supers: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
    queen_excluder: Type.Optional(Type.Boolean()),
    feeder: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const Colour = Type.Union([
  Type.Literal('white'),
  Type.Literal('yellow'),
  Type.Literal('red'),
  Type.Literal('green'),
  Type.Literal('blue'),
]);

export const HiveParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });
export const QueenParams = Type.Object({ ...HiveParams.properties, queen: Uuid });

// Apiaries

export const ApiaryView = Type.Object({
  id: Uuid,
  name: Type.String(),
  code: Nullable(Type.String()),
  geometry: Type.Unknown(),
  hives: Type.Integer(),
  latest: Type.Array(
    Type.Object({
      hive_id: Uuid,
      hive: Type.String(),
      readings: Type.Array(Type.Object({ metric: Type.String(), value: Type.Number(), ts: DateTime })),
    }),
  ),
});

// Queens

export const QueenView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    breed: Nullable(Type.String()),
    birth_date: Nullable(Type.String()),
    marking_colour: Nullable(Type.String()),
    clipped: Type.Boolean(),
    fertilised: Type.Boolean(),
    mother_id: Nullable(Uuid),
    introduced_at: Type.String(),
    retired_at: Nullable(Type.String()),
    created_at: DateTime,
  },
  { additionalProperties: false },
);

export const NewQueenBody = Type.Object(
  {
    name: Name,
    breed: Type.Optional(Type.String({ maxLength: 100 })),
    birth_date: Type.Optional(Day),
    marking_colour: Type.Optional(Colour),
    clipped: Type.Optional(Type.Boolean()),
    fertilised: Type.Optional(Type.Boolean()),
    mother_id: Type.Optional(Uuid),
    introduced_at: Type.Optional(Day),
  },
  { additionalProperties: false },
);
export type NewQueen = Static<typeof NewQueenBody>;

// Hives

export const HiveView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    apiary_id: Uuid,
    hive_type: Type.String(),
    layout: Layout,
    status: Status,
    device: Nullable(Type.String({ description: 'The scale under it (device label)' })),
    scale_tare_kg: Nullable(Type.Number()),
    current_queen: Nullable(QueenView),
    last_inspection: Nullable(Type.String()),
    active_alerts: Type.Array(
      Type.Object({
        id: Uuid,
        type: Type.String(),
        severity: Type.String(),
        message: Type.String(),
        triggered_at: DateTime,
      }),
    ),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { additionalProperties: false },
);

const ScaleId = Nullable(Type.String({ minLength: 1, maxLength: 64 }));
const TareKg = Nullable(Type.Number({ minimum: 0, maximum: 200 }));

export const NewHiveBody = Type.Object(
  {
    name: Name,
    apiary_id: Uuid,
    device_id: Type.Optional(ScaleId),
    hive_type: Type.Optional(HiveType),
    layout: Type.Optional(Layout),
    status: Type.Optional(Status),
    scale_tare_kg: Type.Optional(TareKg),
  },
  { additionalProperties: false },
);
export type NewHive = Static<typeof NewHiveBody>;

export const HivePatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    apiary_id: Type.Optional(Uuid),
    device_id: Type.Optional(ScaleId),
    hive_type: Type.Optional(HiveType),
    layout: Type.Optional(Layout),
    status: Type.Optional(Status),
    scale_tare_kg: Type.Optional(TareKg),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type HivePatch = Static<typeof HivePatchBody>;

export const HivesQuerystring = Type.Object({ apiary: Type.Optional(Uuid) });

export const ScaleView = Type.Object({ device: Type.String(), from: DateTime, to: Nullable(DateTime) });

// Events

const Inspection = Type.Object(
  {
    queen_seen: Type.Optional(Type.Boolean()),
    eggs: Type.Optional(Type.Boolean()),
    brood_pattern: Type.Optional(Score),
    frames_bees: Type.Optional(Frames),
    frames_brood: Type.Optional(Frames),
    frames_honey: Type.Optional(Frames),
    temper: Type.Optional(Score),
    varroa_count: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    varroa_method: Type.Optional(
      Type.Union([
        Type.Literal('sugar_roll'),
        Type.Literal('alcohol_wash'),
        Type.Literal('sticky_board'),
        Type.Literal('drone_brood'),
        Type.Literal('visual'),
      ]),
    ),
    feeding_given: Type.Optional(Type.String({ maxLength: 200 })),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
const Treatment = Type.Object(
  {
    product: Name,
    active_ingredient: Type.Optional(Type.String({ maxLength: 200 })),
    dose: Type.Optional(Type.String({ maxLength: 100 })),
    batch: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
const Harvest = Type.Object(
  {
    honey_kg: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    frames: Type.Optional(Type.Integer({ minimum: 0, maximum: 200 })),
  },
  { additionalProperties: false },
);

export const NewEventBody = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'Made by the client (offline recording): a resend answers the stored event',
      }),
    ),
    type: Type.Union([
      Type.Literal('inspection'),
      Type.Literal('feeding'),
      Type.Literal('treatment'),
      Type.Literal('harvest'),
      Type.Literal('swarm'),
      Type.Literal('split'),
      Type.Literal('unite'),
      Type.Literal('requeen'),
      Type.Literal('note'),
    ]),
    date: Day,
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    inspection: Type.Optional(Inspection),
    treatment: Type.Optional(Treatment),
    harvest: Type.Optional(Harvest),
    next_inspection: Type.Optional(Day),
  },
  { additionalProperties: false },
);
export type NewEvent = Static<typeof NewEventBody>;

export const EventView = Type.Object(
  {
    id: Uuid,
    hive_id: Nullable(Uuid),
    apiary_id: Nullable(Uuid),
    type: Type.String(),
    date: Type.String(),
    description: Nullable(Type.String()),
    inspection: Type.Unknown(),
    treatment: Type.Unknown(),
    harvest: Type.Unknown(),
    next_inspection: Nullable(Type.String()),
    created_at: DateTime,
  },
  { additionalProperties: false },
);

// Insights

export const InsightsView = Type.Object(
  {
    swarm: Type.Boolean(),
    brood_temperature: Type.Boolean(),
    silent_hours: Nullable(Type.Number({ minimum: 1, maximum: 720 })),
    daily_loss_kg: Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 50 })),
  },
  { additionalProperties: false },
);

export const InsightsPatchBody = Type.Partial(InsightsView);

// The hive scale's readings

export const WeightDaysQuerystring = Type.Object({
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 30 })),
});

export const WeightDayView = Type.Object({
  day: Type.String(),
  weight_kg: Type.Number(),
  change_kg: Nullable(Type.Number()),
});

export const HiveTelemetryQuerystring = Type.Object({
  resolution: Type.Optional(Type.Union([Type.Literal('raw'), Type.Literal('hour')], { default: 'hour' })),
  from: DateTime,
  to: DateTime,
});
export type HiveTelemetryQuery = Static<typeof HiveTelemetryQuerystring>;

export const HiveTelemetryView = Type.Object({
  device: Nullable(Type.String()),
  resolution: Type.String(),
  metrics: Type.Record(Type.String(), Type.Unknown()),
  hourly: Type.Array(Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Null()]))),
});
