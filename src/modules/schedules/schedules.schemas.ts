import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Name, Nullable, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';

const HHMM = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, farm local time' });
const End = Type.String({
  pattern: '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$',
  description: 'HH:MM, farm local time; at or before start: the next day (18:00 → 06:00); 24:00: the next midnight',
});
const Hours = Type.Number({
  minimum: 0,
  maximum: 24,
  description:
    'Instead of end: the window lasts this long on the wall clock, in whole minutes (12.5); 0: off all day, 24: on all day',
});
const Window = Type.Object(
  {
    start: HHMM,
    end: Type.Optional(End),
    hours: Type.Optional(Hours),
    days: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), {
        minItems: 1,
        maxItems: 7,
        uniqueItems: true,
        description:
          'Only on these weekdays (the day the window starts): 0 = Sunday … 6 = Saturday, see "Weekdays" in docs/architecture.md',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'A daily window: start, with end or hours; days to keep it to some weekdays',
  },
);
const Kind = Type.Union([Type.Literal('time'), Type.Literal('duration'), Type.Literal('condition')]);
const Action = Type.Union([Type.Literal('on'), Type.Literal('off'), Type.Literal('toggle'), Type.Literal('set_value')]);

/** The kind's settings, flat beside the common fields (as the contract has them). */
const SpecFields = {
  cron: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 120,
      description: 'time: a cron expression in the farm time zone (5 fields, or 6 with seconds)',
    }),
  ),
  start: Type.Optional(HHMM),
  end: Type.Optional(End),
  hours: Type.Optional(Hours),
  on_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400 })),
  off_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400 })),
  repeat: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 100_000,
      description: 'duration: cycles per window (or in all); absent: forever',
    }),
  ),
  window: Type.Optional(Window),
  condition: Type.Optional(
    Type.Unknown({
      description: '{"all"|"any"|"not":[…]} of {"device","metric","operator":">"|">="|"<"|"<=","value","for_s"?}',
    }),
  ),
  hysteresis: Type.Optional(Type.Number({ minimum: 0 })),
  min_hold_s: Type.Optional(Type.Integer({ minimum: 0 })),
  max_age_s: Type.Optional(Type.Integer({ minimum: 1, description: 'readings older than this count as unknown' })),
};

const CommonFields = {
  name: Name,
  device: Type.String({ minLength: 1, maxLength: 64, description: 'Device id or label' }),
  channel: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
  kind: Kind,
  action: Action,
  value: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 255 }))),
  priority: Type.Optional(
    Type.Integer({
      minimum: -1000,
      maximum: 1000,
      description: 'Higher wins a moment two schedules both want',
    }),
  ),
  enabled: Type.Optional(Type.Boolean()),
  follow: Type.Optional(
    Nullable(
      Type.Object(
        { location: Uuid },
        {
          additionalProperties: false,
          description:
            'A light that follows a location’s photoperiod: on at `start` (06:00 unless given) for the hours the ' +
            'growth phase of the crop there asks for, changed when the phase changes. `hours` only for a phase ' +
            'that names none. null pins the schedule to the hours it has',
        },
      ),
    ),
  ),
};

export const ScheduleParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

export const NewScheduleBody = Type.Object({ ...CommonFields, ...SpecFields }, { additionalProperties: false });
export type NewSchedule = Static<typeof NewScheduleBody>;

export const SchedulePatchBody = Type.Object(
  { ...Type.Partial(Type.Object(CommonFields)).properties, ...SpecFields },
  { additionalProperties: false, minProperties: 1 },
);
export type SchedulePatch = Static<typeof SchedulePatchBody>;

/** The kind's settings of a schedule (cron | start, end | start, hours; on_s, off_s, repeat, window; condition, hysteresis, …). */
export type ScheduleSpec = Pick<NewSchedule, keyof typeof SpecFields>;

export const ScheduleView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    device: Type.String(),
    channel: Nullable(Type.String()),
    kind: Kind,
    action: Action,
    value: Nullable(Type.Number()),
    priority: Type.Integer(),
    enabled: Type.Boolean(),
    follow: Nullable(Type.Object({ location: Uuid })),
    ...SpecFields,
    next_fire_at: Nullable(DateTime),
    condition_state: Nullable(Type.Object({ active: Type.Boolean(), changed_at: Nullable(DateTime) })),
    consecutive_failures: Type.Integer(),
    success_rate: Nullable(
      Type.Number({ description: 'Share of finished executions in the last 30 days that worked' }),
    ),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { additionalProperties: false },
);

export const PreviewQuerystring = Type.Object({
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 31, default: 7 })),
});

export const PreviewView = Type.Object({
  firings: Type.Array(
    Type.Object({
      at: DateTime,
      action: Type.String(),
      value: Type.Optional(Type.Number()),
      skipped_by: Type.Optional(Type.Object({ id: Uuid, name: Type.String() })),
    }),
  ),
  note: Type.Optional(Nullable(Type.String())),
});

export const ExecutionView = Type.Object(
  {
    id: Uuid,
    scheduled_at: DateTime,
    actual_at: DateTime,
    status: Type.String(),
    action: Type.String(),
    value: Nullable(Type.Number()),
    command_id: Nullable(Uuid),
    skipped_by: Nullable(Uuid),
    device_response: Type.Unknown(),
    error: Nullable(Type.String()),
    duration_ms: Nullable(Type.Integer()),
  },
  { additionalProperties: false },
);

export const ExecutionsQuerystring = Type.Object({
  limit: PageLimit(),
  cursor: Type.Optional(Type.String({ format: 'date-time', description: 'next_cursor of the previous page' })),
});
export type ExecutionsQuery = Static<typeof ExecutionsQuerystring>;

export const ExecutionPage = Page(ExecutionView);
