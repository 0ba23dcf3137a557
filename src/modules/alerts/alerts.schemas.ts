import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Name, Nullable, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';

export const Severity = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]);
export const Operator = Type.Union([
  Type.Literal('>'),
  Type.Literal('>='),
  Type.Literal('<'),
  Type.Literal('<='),
  Type.Literal('outside'),
  Type.Literal('inside'),
]);
export const Aggregate = Type.Union([
  Type.Literal('min'),
  Type.Literal('max'),
  Type.Literal('avg'),
  Type.Literal('last'),
  Type.Literal('change'),
]);
export const Kind = Type.Union(
  [
    Type.Literal('threshold'),
    Type.Literal('offline'),
    Type.Literal('silent'),
    Type.Literal('schedule_failed'),
    Type.Literal('low_battery'),
    Type.Literal('swarm'),
  ],
  {
    description: 'swarm: a hive scale’s weight falls 1–5 kg within window_s (900), not on a day its hive was inspected',
  },
);
const HHMM_PATTERN = '^([01]\\d|2[0-3]):[0-5]\\d$';
const HHMM = Type.String({ pattern: HHMM_PATTERN });

export const IdParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

// Alert rules

const RuleFields = {
  name: Name,
  kind: Kind,
  metric: Type.Optional(
    Type.String({
      pattern: '^[a-z][a-z0-9_]{0,63}$',
      description:
        'The metric a device sends; vpd: the vapour-pressure deficit in kPa, computed per device from its ' +
        'temperature and humidity read at the same moment (threshold rules on a location or a device only)',
    }),
  ),
  device: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'One device (id or label); absent: every device with the metric',
    }),
  ),
  location: Type.Optional(Type.String({ format: 'uuid', description: 'Every device at this location and below it' })),
  operator: Type.Optional(Operator),
  value: Type.Optional(
    Type.Union([Type.Number(), Type.Tuple([Type.Number(), Type.Number()])], {
      description: 'A number, or [low, high] for outside/inside',
    }),
  ),
  aggregate: Type.Optional(Aggregate),
  window_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 43_200, description: 'offline / silent for this long' })),
  severity: Severity,
  exclude_months: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 12 }), { maxItems: 12 })),
  exclude_hours: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 23 }), { maxItems: 24 })),
  clear_s: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 86_400,
      description: 'How long the condition must have cleared before the alert resolves itself (default 60)',
    }),
  ),
  enabled: Type.Optional(Type.Boolean()),
  follow: Type.Optional(
    Nullable(
      Type.Literal('phase_target', {
        description:
          'Follow the location’s crop targets (temperature, humidity or vpd): outside the range its phase asks for ' +
          'at that time of day (day or night by the location’s light period; VPD has one range for both); no ' +
          'operator or value. null pins the rule to its own values again',
      }),
    ),
  ),
};

export const NewRuleBody = Type.Object(RuleFields, { additionalProperties: false });
export type NewRule = Static<typeof NewRuleBody>;

export const RulePatchBody = Type.Partial(Type.Object(RuleFields, { additionalProperties: false }));
export type RulePatch = Static<typeof RulePatchBody>;

export const RuleView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    kind: Kind,
    metric: Nullable(Type.String()),
    device_id: Nullable(Uuid),
    location_id: Nullable(Uuid),
    operator: Nullable(Operator),
    value: Type.Union([Type.Number(), Type.Tuple([Type.Number(), Type.Number()]), Type.Null()]),
    aggregate: Nullable(Aggregate),
    window_s: Nullable(Type.Integer()),
    minutes: Nullable(Type.Integer()),
    severity: Severity,
    exclude_months: Type.Array(Type.Integer()),
    exclude_hours: Type.Array(Type.Integer()),
    clear_s: Type.Integer(),
    enabled: Type.Boolean(),
    follow: Nullable(Type.Literal('phase_target')),
    targets_now: Type.Optional(
      Nullable(
        Type.Object(
          {
            run: Type.Object({ id: Uuid, name: Type.String() }),
            phase: Type.String(),
            period: Type.Union([Type.Literal('day'), Type.Literal('night')]),
            low: Type.Number(),
            high: Type.Number(),
            light: Type.Object(
              {
                start: Type.String({ pattern: HHMM_PATTERN, description: 'Local time the lights go on' }),
                hours: Type.Number({ description: 'Hours of light from then (day); the rest is night' }),
                schedule: Type.Union([Type.Object({ id: Uuid, name: Type.String() }), Type.Null()], {
                  description: 'The light schedule that sets the period; null: 06:00 for the phase’s hours',
                }),
              },
              { description: 'The light period that makes it day or night now' },
            ),
          },
          { description: 'What a rule that follows targets compares with now (null: the location has none now)' },
        ),
      ),
    ),
    created_at: DateTime,
    updated_at: DateTime,
    warnings: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

// Alerts

export const AlertView = Type.Object(
  {
    id: Uuid,
    rule_id: Uuid,
    device_id: Nullable(Uuid),
    type: Type.String(),
    severity: Severity,
    message: Type.String(),
    threshold: Type.Unknown(),
    actual_value: Nullable(Type.Number()),
    state: Type.Union([Type.Literal('triggered'), Type.Literal('acknowledged'), Type.Literal('resolved')]),
    triggered_at: DateTime,
    acknowledged_at: Nullable(DateTime),
    acknowledged_by: Nullable(Uuid),
    resolved_at: Nullable(DateTime),
    resolved_by: Nullable(Uuid),
  },
  { additionalProperties: false },
);

export const AlertsQuerystring = Type.Object({
  state: Type.Optional(
    Type.Union([
      Type.Literal('active'),
      Type.Literal('triggered'),
      Type.Literal('acknowledged'),
      Type.Literal('resolved'),
    ]),
  ),
  limit: PageLimit(),
  cursor: Type.Optional(DateTime),
});
export type AlertsQuery = Static<typeof AlertsQuerystring>;

export const AlertPage = Page(AlertView);

// Notifications: the signed-in person's own, across their farms

export const NotificationView = Type.Object(
  {
    id: Uuid,
    farm_id: Nullable(Uuid),
    alert_id: Nullable(Uuid),
    title: Type.String(),
    message: Type.String(),
    severity: Type.String(),
    read: Type.Boolean(),
    created_at: DateTime,
  },
  { additionalProperties: false },
);

export const InboxQuerystring = Type.Object({ limit: PageLimit(), cursor: Type.Optional(DateTime) });
export type InboxQuery = Static<typeof InboxQuerystring>;

export const InboxPage = Type.Object({
  data: Type.Array(NotificationView),
  unread: Type.Integer(),
  next_cursor: Nullable(Type.String()),
});

export const NotificationParams = Type.Object({ id: Type.Union([Uuid, Type.Literal('all')]) });

export const SubscriptionView = Type.Object(
  {
    id: Uuid,
    farm_id: Nullable(Uuid),
    alert_type: Nullable(Type.String()),
    min_severity: Severity,
    channel: Type.String(),
    target: Nullable(Type.String()),
    secret: Nullable(Type.String({ description: 'Webhooks: the HMAC-SHA256 key of X-Croft-Signature' })),
    quiet_start: Nullable(Type.String()),
    quiet_end: Nullable(Type.String()),
    time_zone: Type.String(),
    muted_until: Nullable(DateTime),
  },
  { additionalProperties: false },
);

export const NewSubscriptionBody = Type.Object(
  {
    farm: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    alert_type: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    min_severity: Type.Optional(Severity),
    channel: Type.Union([Type.Literal('in_app'), Type.Literal('webhook'), Type.Literal('email')]),
    target: Type.Optional(Type.String({ minLength: 3, maxLength: 2000 })),
    quiet_start: Type.Optional(Nullable(HHMM)),
    quiet_end: Type.Optional(Nullable(HHMM)),
    time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type NewSubscription = Static<typeof NewSubscriptionBody>;

export const SubscriptionParams = Type.Object({ id: Uuid });

export const MuteBody = Type.Object(
  {
    hours: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(4), Type.Literal(24)]),
  },
  { additionalProperties: false },
);
