import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Uuid } from '../../platform/http/schemas.js';
import { CARE_KINDS, CARE_PRESETS } from './care.engine.js';

export { PlantParams } from './crops.schemas.js';

const Preset = OneOf([...CARE_PRESETS], {
  description: 'A care preset; a plant starts with its species’ (or its family’s: unknown → tropical)',
});
const Kind = OneOf([...CARE_KINDS]);
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD, farm-local' });
const Interval = (what: string) =>
  Nullable(Type.Integer({ minimum: 1, maximum: 90, description: `${what} (days, 1–90); null: the default` }));

export const CarePatchBody = Type.Object(
  {
    preset: Type.Optional(Preset),
    enabled: Type.Optional(Type.Boolean({ description: 'false: no reminders for this plant' })),
    water_interval_days: Type.Optional(Interval('Watering interval, beating the species’ guide and the preset')),
    winter_factor: Type.Optional(
      Nullable(
        Type.Number({
          exclusiveMinimum: 0,
          maximum: 10,
          description: 'The watering interval is multiplied by this in winter (outside the tropics); > 0',
        }),
      ),
    ),
    fertilize_interval_days: Type.Optional(Interval('Fertilising interval (reminded only with a nutrient plan)')),
    repot_interval_months: Type.Optional(
      Nullable(Type.Integer({ minimum: 1, maximum: 120, description: 'Repotting interval (months of 30 days)' })),
    ),
    pest_check_interval_days: Type.Optional(Interval('Pest check interval')),
    humidity_check_interval_days: Type.Optional(Interval('Humidity check interval')),
    location_check: Type.Optional(Type.Boolean({ description: 'Remind to check the plant’s place every 30 days' })),
    location_check_months: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 12 }), {
        maxItems: 12,
        uniqueItems: true,
        description: 'Only in these months (empty: every month)',
      }),
    ),
    adaptive: Type.Optional(Type.Boolean({ description: 'Learn the watering interval from confirmations' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CarePatch = Static<typeof CarePatchBody>;

export const ConfirmBody = Type.Object(
  {
    id: Type.Optional(Uuid),
    kind: Kind,
    at: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);
export type ConfirmInput = Static<typeof ConfirmBody>;

const Reminder = Type.Object({
  kind: Kind,
  due_on: Day,
  interval_days: Type.Integer(),
  urgency: OneOf(['overdue', 'due_today', 'upcoming', 'later']),
  last_done_on: Nullable(Day),
});

export const CareView = Type.Object({
  plant_id: Uuid,
  label: Type.String(),
  /** false: the plant has no profile yet; this is what one would start with. */
  cared_for: Type.Boolean({ description: 'Whether the plant has a care profile (false: these are the defaults)' }),
  preset: Preset,
  enabled: Type.Boolean(),
  started_on: Day,
  settings: Type.Object({
    water_interval_days: Nullable(Type.Integer()),
    winter_factor: Nullable(Type.Number()),
    fertilize_interval_days: Nullable(Type.Integer()),
    repot_interval_months: Nullable(Type.Integer()),
    pest_check_interval_days: Nullable(Type.Integer()),
    humidity_check_interval_days: Nullable(Type.Integer()),
    location_check: Type.Boolean(),
    location_check_months: Type.Array(Type.Integer()),
    adaptive: Type.Boolean(),
  }),
  effective: Type.Object({
    species_water_interval_days: Nullable(Type.Integer({ description: 'The species’ watering guide' })),
    base_water_interval_days: Type.Integer({ description: 'Profile, else species, else preset' }),
    learned_water_interval_days: Nullable(Type.Integer()),
    winter: Type.Boolean({ description: 'Whether this month is winter where the farm lies' }),
    winter_factor: Type.Number(),
    water_interval_days: Type.Integer({ description: 'In force today' }),
    quiet: Type.Boolean({ description: 'In a dormancy-like phase: only pest checks are reminded' }),
  }),
  reminders: Type.Array(Reminder),
});

export const ConfirmationView = Type.Object({
  id: Uuid,
  plant_id: Uuid,
  kind: Kind,
  at: DateTime,
  day: Day,
  care: CareView,
});

export const OnboardingBody = Type.Object(
  {
    kit: Type.String({ minLength: 1, maxLength: 100, description: 'A starter kit’s key' }),
    site_name: Type.String({ minLength: 1, maxLength: 200 }),
    plant_count: Type.Integer({ minimum: 1, description: '1 … 3 × the kit’s suggested plants' }),
  },
  { additionalProperties: false },
);
export type OnboardingInput = Static<typeof OnboardingBody>;

export const OnboardingView = Type.Object({
  kit: Type.String(),
  site: Type.Object({ id: Uuid, name: Type.String() }),
  places: Type.Array(Type.Object({ key: Type.String(), id: Uuid, name: Type.String(), type: Type.String() })),
  plants: Type.Array(
    Type.Object({ id: Uuid, label: Type.String(), species: Type.String(), location_id: Nullable(Uuid) }),
  ),
  care_profiles: Type.Integer(),
  tasks: Type.Integer({ description: 'First care reminders made' }),
});

export const OnboardingParams = FarmParams;
