import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import { MAX_INTERVAL_DAYS, MAX_RUN_S, WATERING_CHANNELS, WATERING_MODES } from './watering.engine.js';

export { RunParams } from './crops.schemas.js';

export const WateringScheduleParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

const Channel = OneOf([...WATERING_CHANNELS], { description: 'How the water reaches the plants' });
const Mode = OneOf([...WATERING_MODES], {
  description: 'weekdays: on the listed weekdays; interval: every interval_days days after the last watering logged',
});
const Weekdays = Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), {
  minItems: 1,
  maxItems: 7,
  uniqueItems: true,
  description: 'Weekdays watered: 0 = Sunday … 6 = Saturday, as in cron (see "Weekdays" in docs/architecture.md)',
});
const IntervalDays = Type.Integer({
  minimum: 1,
  maximum: MAX_INTERVAL_DAYS,
  description:
    'Every N days (1–90): due when never watered, or N days after the last watering (logged, or its task done)',
});
const Hhmm = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, farm local time' });
const TimesPerDay = Type.Integer({
  minimum: 1,
  maximum: 6,
  description: 'Waterings a day (1–6): the first at the preferred time, the rest spread evenly over the 12 hours after',
});
const ReminderHours = Type.Integer({
  minimum: 0,
  maximum: 48,
  description:
    'The day’s task appears this many hours before the preferred time (and at the start of the day at latest)',
});
const VolumePerPlant = Nullable(
  Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'Litres per plant per watering' }),
);
const Pump = Type.Object(
  {
    device: Type.String({ minLength: 1, maxLength: 64, description: 'Device id or label of a device of the farm' }),
    channel: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    run_s: Type.Integer({
      minimum: 1,
      maximum: MAX_RUN_S,
      description: 'Seconds the pump or valve runs each watering',
    }),
    priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000, description: 'Of the schedule made' })),
  },
  {
    additionalProperties: false,
    description:
      'A pump or valve that waters: a duration schedule of the schedules module is made for it (weekdays mode ' +
      'only) and changed and removed with this one. null: watered by hand',
  },
);
const LinkedSchedule = Nullable(
  Type.String({
    format: 'uuid',
    description: 'Instead of pump: an existing schedule of the farm that waters this run (linked, never changed here)',
  }),
);

const Fields = {
  channel: Type.Optional(Channel),
  weekdays: Type.Optional(Weekdays),
  interval_days: Type.Optional(IntervalDays),
  preferred_time: Type.Optional(Hhmm),
  times_per_day: Type.Optional(TimesPerDay),
  reminder_hours_before: Type.Optional(ReminderHours),
  volume_per_plant_l: Type.Optional(VolumePerPlant),
  feed: Type.Optional(Type.Boolean({ description: 'A feeding (nutrients in the water): the tasks say so' })),
  active: Type.Optional(Type.Boolean({ description: 'false: no tasks, and care’s watering reminders come back' })),
  pump: Type.Optional(Nullable(Pump)),
  schedule_id: Type.Optional(LinkedSchedule),
};

export const NewWateringScheduleBody = Type.Object(
  {
    id: Type.Optional(Type.String({ format: 'uuid', description: 'Client-made id: a resend answers the first' })),
    mode: Mode,
    ...Fields,
  },
  { additionalProperties: false },
);
export type NewWateringSchedule = Static<typeof NewWateringScheduleBody>;

export const WateringSchedulePatchBody = Type.Object(
  { mode: Type.Optional(Mode), ...Fields },
  { additionalProperties: false, minProperties: 1 },
);
export type WateringSchedulePatch = Static<typeof WateringSchedulePatchBody>;

export const WateringScheduleView = Type.Object(
  {
    id: Uuid,
    run_id: Uuid,
    channel: Channel,
    mode: Mode,
    weekdays: Type.Array(Type.Integer()),
    interval_days: Nullable(Type.Integer()),
    preferred_time: Type.String(),
    times_per_day: Type.Integer(),
    watering_times: Type.Array(Type.String(), { description: 'HH:MM of each watering of a day, farm local time' }),
    reminder_hours_before: Type.Integer(),
    volume_per_plant_l: Nullable(Type.Number()),
    feed: Type.Boolean(),
    active: Type.Boolean(),
    starts_on: Type.String({ format: 'date' }),
    pump: Nullable(Type.Object({ device: Type.String(), channel: Nullable(Type.String()), run_s: Type.Integer() })),
    schedule: Nullable(
      Type.Object({
        id: Uuid,
        owned: Type.Boolean({ description: 'Made by this watering schedule (changed and removed with it)' }),
      }),
    ),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { additionalProperties: false },
);

export const WateringScheduleList = Type.Object({ data: Type.Array(WateringScheduleView) });

const Mix = Type.Array(
  Type.Object(
    {
      fertilizer_id: Uuid,
      dose_per_l: Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'ml/L or g/L' }),
    },
    { additionalProperties: false },
  ),
  { maxItems: 30, description: 'What was mixed into the water: a log with a mix is a feeding' },
);

export const NewWateringLogBody = Type.Object(
  {
    id: Type.Optional(Type.String({ format: 'uuid', description: 'Client-made id: a resend stores once' })),
    run_id: Uuid,
    task_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'The watering task this confirms: it is completed' }),
    ),
    channel: Type.Optional(Channel),
    at: Type.Optional(DateTime),
    volume_l: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'Litres given in all' }),
    ec: Type.Optional(Type.Number({ minimum: 0, maximum: 20, description: 'mS/cm' })),
    ph: Type.Optional(Type.Number({ minimum: 0, maximum: 14 })),
    water_temp_c: Type.Optional(Type.Number({ minimum: -5, maximum: 60 })),
    mix: Type.Optional(Mix),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type NewWateringLog = Static<typeof NewWateringLogBody>;

export const WateringLogView = Type.Object(
  {
    id: Uuid,
    run_id: Uuid,
    task_id: Nullable(Uuid),
    kind: OneOf(['watering', 'feeding']),
    channel: Channel,
    at: DateTime,
    day: Type.String({ format: 'date' }),
    volume_l: Type.Number(),
    ec: Nullable(Type.Number()),
    ph: Nullable(Type.Number()),
    water_temp_c: Nullable(Type.Number()),
    mix: Mix,
    note: Type.String(),
    created_at: DateTime,
  },
  { additionalProperties: false },
);

export const WateringLogQuery = Type.Object({
  limit: PageLimit(),
  cursor: Type.Optional(Type.String({ maxLength: 100, description: 'next_cursor of the previous page' })),
});
export type WateringLogQueryInput = Static<typeof WateringLogQuery>;

export const WateringLogPage = Page(WateringLogView);

export const WateringSuggestionView = Type.Object(
  {
    run_id: Uuid,
    plants: Type.Integer({ description: 'Plants standing (the run’s planned quantity while it has none)' }),
    container_l: Nullable(Type.Number({ description: 'Container volume per plant (the median of the plants’)' })),
    phase: Nullable(Type.String()),
    per_plant_l: Type.Number({ description: 'Litres per plant per watering' }),
    total_l: Type.Number({ description: 'Litres for the whole run per watering' }),
    share: Nullable(Type.Number({ description: 'Share of the container volume per watering' })),
    interval_days: Nullable(Type.Integer({ description: 'The species’ watering guide, else the phase’s' })),
    basis: OneOf(['container', 'default']),
    rule: Type.String(),
  },
  { additionalProperties: false },
);
