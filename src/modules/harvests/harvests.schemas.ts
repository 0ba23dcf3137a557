import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import { QUALITY_GRADES } from './harvests.engine.js';

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD, farm-local' });
const Notes = Type.String({ maxLength: 2000 });

export const HarvestParams = Type.Object({
  farm: FarmParams.properties.farm,
  id: Type.String({ format: 'uuid', description: 'The harvest batch' }),
});

export const RunYieldParams = Type.Object({
  farm: FarmParams.properties.farm,
  run: Type.String({ format: 'uuid', description: 'The planting run' }),
});

export const HarvestBody = Type.Object(
  {
    id: Type.Optional(Uuid),
    plant: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'The plant harvested (its id or label); or run' }),
    ),
    run: Type.Optional(Type.String({ format: 'uuid', description: 'The planting run harvested as a whole; or plant' })),
    harvested_on: Day,
    weight_g: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000_000, description: 'Fresh weight in grams (> 0)' }),
    ),
    count: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'Pieces harvested (fruits, heads …)' }),
    ),
    notes: Type.Optional(Notes),
  },
  {
    additionalProperties: false,
    description:
      'A harvest batch: exactly one of plant or run, the farm-local day (today or earlier), and a weight, a count or both',
  },
);
export type HarvestInput = Static<typeof HarvestBody>;

export const HarvestsQuery = Type.Object({
  run: Type.Optional(Type.String({ format: 'uuid', description: 'Batches of this run (its own and its plants’)' })),
  plant: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'Batches of this plant (id or label)' }),
  ),
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  limit: PageLimit(200, 50),
  cursor: Type.Optional(Type.String({ maxLength: 100, description: 'next_cursor of the page before' })),
});
export type HarvestsFilter = Static<typeof HarvestsQuery>;

const Grade = OneOf([...QUALITY_GRADES]);
const score = (description: string) => Type.Number({ minimum: 0, maximum: 100, description });

export const QualityBody = Type.Object(
  {
    id: Type.Optional(Uuid),
    appearance: score('0–100'),
    aroma: score('0–100'),
    colour: score('0–100'),
    defects: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 50,
        description:
          'Defects found: mould, hermaphrodite, pests, seeded, nutrient_burn, light_burn, foxtailing, discoloration, ' +
          'mechanical_damage (spaces or hyphens allowed; "mold" means mould); any other costs 5 points',
      }),
    ),
    notes: Type.Optional(Notes),
  },
  { additionalProperties: false },
);
export type QualityInput = Static<typeof QualityBody>;

export const QualityView = Type.Object({
  id: Uuid,
  harvest_id: Uuid,
  appearance: Type.Number(),
  aroma: Type.Number(),
  colour: Type.Number(),
  defects: Type.Array(Type.Object({ defect: Type.String(), penalty: Type.Number() })),
  score: Type.Number({ description: '0.30·appearance + 0.25·aroma + 0.20·colour + 25 − defect penalties, 0–100' }),
  grade: Grade,
  notes: Nullable(Type.String()),
  assessed_at: DateTime,
});

const YieldFields = {
  weight_g: Type.Number(),
  count: Nullable(Type.Integer()),
  plants: Nullable(Type.Integer({ description: 'The plants the figures are divided by; null: unknown' })),
  weight_per_plant_g: Nullable(Type.Number()),
  count_per_plant: Nullable(Type.Number()),
  area_m2: Nullable(Type.Number({ description: 'The area of the location it grew on (its polygon); null: unknown' })),
  weight_per_m2_g: Nullable(Type.Number()),
  count_per_m2: Nullable(Type.Number()),
};

export const HarvestView = Type.Object({
  id: Uuid,
  plant_id: Nullable(Uuid),
  run_id: Nullable(Uuid),
  harvested_on: Day,
  weight_g: Nullable(Type.Number()),
  count: Nullable(Type.Integer()),
  notes: Nullable(Type.String()),
  quality: Type.Union([QualityView, Type.Null()], { description: 'The latest assessment; null: not assessed' }),
  created_at: DateTime,
});
export const HarvestPage = Page(HarvestView);

export const RunYieldView = Type.Object({
  run_id: Uuid,
  batches: Type.Integer(),
  ...YieldFields,
});
