import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import { APPLICATION_TARGETS, MOA_SCHEMES } from './protection.engine.js';

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD, farm-local' });

export const ApplicationParams = Type.Object({
  farm: FarmParams.properties.farm,
  id: Type.String({ format: 'uuid', description: 'The treatment application' }),
});

export const ApplicationBody = Type.Object(
  {
    id: Type.Optional(Uuid),
    treatment: Type.String({ format: 'uuid', description: 'The treatment applied: Croft’s or the farm’s own' }),
    plant: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Applied on one plant (its id or label); or run, or location',
      }),
    ),
    run: Type.Optional(Type.String({ format: 'uuid', description: 'Applied on a planting run as a whole' })),
    location: Type.Optional(
      Type.String({ format: 'uuid', description: 'Applied on a location (a bed, a house …): every plant under it' }),
    ),
    applied_on: Type.Optional(Type.String({ format: 'date', description: 'YYYY-MM-DD, farm-local; default today' })),
    quantity: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000_000, description: 'How much was applied (with unit)' }),
    ),
    unit: Type.Optional(Type.String({ minLength: 1, maxLength: 20, description: 'ml, g, l, ml/l …' })),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  {
    additionalProperties: false,
    description:
      'A treatment applied: the treatment, exactly one of plant, run or location, and the day (today or earlier)',
  },
);
export type ApplicationInput = Static<typeof ApplicationBody>;

export const ApplicationsQuery = Type.Object({
  plant: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Made on this plant (id or label)' })),
  run: Type.Optional(Type.String({ format: 'uuid', description: 'Made on this run as a whole' })),
  location: Type.Optional(Type.String({ format: 'uuid', description: 'Made on this location' })),
  treatment: Type.Optional(Type.String({ format: 'uuid', description: 'Of this treatment' })),
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  limit: PageLimit(200, 50),
  cursor: Type.Optional(Type.String({ maxLength: 100, description: 'next_cursor of the page before' })),
});
export type ApplicationsFilter = Static<typeof ApplicationsQuery>;

export const GateQuery = Type.Object({
  plant: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A plant (id or label); or run' })),
  run: Type.Optional(Type.String({ format: 'uuid', description: 'A planting run harvested as a whole; or plant' })),
  on: Type.Optional(Type.String({ format: 'date', description: 'The harvest day, farm-local; default today' })),
});
export type GateQuery = Static<typeof GateQuery>;

const Target = Type.Object({ kind: OneOf([...APPLICATION_TARGETS]), id: Uuid });

export const ApplicationWarning = Type.Union([
  Type.Object({
    code: Type.Literal('RESISTANCE_WARNING'),
    message: Type.String(),
    use: Type.Integer({ description: 'Which use of its group (or ingredient) within 90 days this is' }),
    counted_as: Type.String({ description: '"IRAC 3A", or the active ingredient when no group is known' }),
  }),
  Type.Object({
    code: Type.Literal('HARVEST_INSIDE_INTERVAL'),
    message: Type.String(),
    harvests: Type.Array(Type.Object({ id: Uuid, harvested_on: Day }), {
      description: 'Batches already recorded inside this application’s interval (a spray recorded late)',
    }),
  }),
]);

export const ApplicationView = Type.Object({
  id: Uuid,
  treatment_id: Uuid,
  treatment_name: Type.String(),
  active_ingredient: Nullable(Type.String()),
  mode_of_action: Nullable(Type.Object({ scheme: OneOf([...MOA_SCHEMES]), code: Type.String() })),
  target: Target,
  applied_on: Day,
  interval_days: Type.Integer({ description: 'The pre-harvest interval applied (the farm’s confirmed one); 0: none' }),
  harvest_allowed_from: Nullable(
    Type.String({
      format: 'date',
      description: 'applied_on + interval_days: the first day a harvest is allowed; null: no interval',
    }),
  ),
  resistance_use: Nullable(
    Type.Integer({ description: 'Which use of its group (or ingredient) within 90 days it was; null: not counted' }),
  ),
  quantity: Nullable(Type.Number()),
  unit: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  warnings: Type.Array(ApplicationWarning, { description: 'Recorded, worth a second look' }),
  created_at: DateTime,
});
export const ApplicationPage = Page(ApplicationView);

const Blocking = Type.Object({
  id: Uuid,
  treatment_name: Type.String(),
  applied_on: Day,
  interval_days: Type.Integer(),
  safe_date: Day,
  applied_to: Target,
});

export const GateView = Type.Object({
  allowed: Type.Boolean(),
  harvested_on: Day,
  allowed_from: Nullable(Type.String({ format: 'date', description: 'The first day nothing blocks; null: allowed' })),
  blockers: Type.Array(
    Type.Object({
      active_ingredient: Nullable(Type.String({ description: 'Null: a treatment without one (named by treatment)' })),
      safe_date: Day,
      days_remaining: Type.Integer(),
      applications: Type.Array(Blocking),
    }),
    { description: 'Every blocking active ingredient, latest safe date first' },
  ),
});
