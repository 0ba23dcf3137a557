import { Type, type Static } from 'typebox';
import { DateTime } from '../../platform/http/schemas.js';

export const MAX_BATCH = 10_000;

const DeviceRef = Type.String({ minLength: 1, maxLength: 64 });
const MetricName = Type.String({ minLength: 1, maxLength: 64 });

export const Resolution = Type.Union([
  Type.Literal('raw'),
  Type.Literal('hour'),
  Type.Literal('day'),
  Type.Literal('auto'),
]);
export const RawPoint = Type.Object({ ts: DateTime, value: Type.Number(), quality: Type.Integer() });
export const RollupPoint = Type.Object({
  ts: DateTime,
  min: Type.Number(),
  max: Type.Number(),
  avg: Type.Number(),
  sum: Type.Number(),
  count: Type.Integer(),
  last: Type.Number(),
});

/** How long raw readings and rollups are kept (days). */
export const Retention = Type.Object(
  {
    raw_days: Type.Integer({ minimum: 1, maximum: 3650 }),
    hourly_days: Type.Integer({ minimum: 1, maximum: 36500 }),
    daily_days: Type.Integer({ minimum: 1, maximum: 36500 }),
  },
  { additionalProperties: false },
);
export type Retention = Static<typeof Retention>;

export const ReadingsBody = Type.Object(
  {
    readings: Type.Array(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description: '{"device","metric","ts"?,"value","quality"?,"unit"?}',
        },
      ),
      { maxItems: MAX_BATCH },
    ),
  },
  { additionalProperties: false },
);

export const IngestView = Type.Object({
  accepted: Type.Integer(),
  duplicate: Type.Integer(),
  rejected: Type.Integer(),
  rejections: Type.Array(Type.Object({ index: Type.Integer(), code: Type.String(), reason: Type.String() })),
});

export const SeriesQuerystring = Type.Object(
  {
    device: DeviceRef,
    metric: MetricName,
    from: DateTime,
    to: DateTime,
    resolution: Type.Optional(Resolution),
  },
  { additionalProperties: false },
);
export type SeriesParams = Static<typeof SeriesQuerystring>;

export const SeriesView = Type.Object({
  device: Type.String(),
  metric: Type.String(),
  unit: Type.Union([Type.String(), Type.Null()]),
  resolution: Type.Union([Type.Literal('raw'), Type.Literal('hour'), Type.Literal('day')]),
  points: Type.Union([Type.Array(RawPoint), Type.Array(RollupPoint)]),
});

export const LatestQuerystring = Type.Object({ device: DeviceRef }, { additionalProperties: false });

export const LatestView = Type.Object({
  device: Type.String(),
  metrics: Type.Array(
    Type.Object({
      metric: Type.String(),
      unit: Type.Union([Type.String(), Type.Null()]),
      ts: DateTime,
      value: Type.Number(),
      quality: Type.Integer(),
    }),
  ),
});

export const ExportQuerystring = Type.Object(
  {
    device: DeviceRef,
    metric: MetricName,
    from: DateTime,
    to: DateTime,
  },
  { additionalProperties: false },
);

export const CsvText = Type.String({ description: 'text/csv: device,metric,ts,value,quality' });

// The HTTP endpoints an external broker calls (broker-auth.routes.ts)

const Text = Type.String({ maxLength: 1024 });
const Verdict = Type.Union([Type.Literal('allow'), Type.Literal('deny')]);

/** A username and password that would connect (EMQX authentication, mosquitto-go-auth's user check). */
export const BrokerLoginBody = Type.Object({ username: Text, password: Text, clientid: Type.Optional(Text) });

export const EmqxAuthenticateView = Type.Object({ result: Verdict, is_superuser: Type.Boolean() });

export const EmqxAuthorizeBody = Type.Object({
  username: Text,
  topic: Text,
  action: Type.Union([Type.Literal('publish'), Type.Literal('subscribe'), Type.Literal('all')]),
  clientid: Type.Optional(Text),
});

export const EmqxAuthorizeView = Type.Object({ result: Verdict });

export const GoAuthSuperuserBody = Type.Object({ username: Text });

export const GoAuthAclBody = Type.Object({
  username: Text,
  topic: Text,
  acc: Type.Integer({ minimum: 1, maximum: 4 }),
  clientid: Type.Optional(Text),
});

/** mosquitto-go-auth's answer: 200 allows, 403 refuses. */
export const GoAuthAnswer = Type.Object({ ok: Type.Boolean(), error: Type.String() });
