import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import { DIRECT_TYPES, MOVEMENT_TYPES } from './stock.engine.js';

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Ref = (what: string) => Type.String({ minLength: 1, maxLength: 80, description: `${what}: id, SKU or code` });
const Quantity = Type.Integer({
  minimum: -1_000_000,
  maximum: 1_000_000,
  description: 'Signed, never 0: in (planting, sowing) above 0, out (death, sale) below, an adjustment either way',
});
const Source = OneOf(['manual', 'ai']);
const Note = Type.String({ maxLength: 2000 });
const Quality = Type.Number({ minimum: 0, maximum: 5, description: '0–5: from 4 good, from 2.5 warning' });
const MovementId = Type.String({ format: 'uuid', description: 'Made by the client: the same id twice records once' });

export const BatchParams = Type.Object({
  farm: FarmParams.properties.farm,
  id: Type.String({ minLength: 1, maxLength: 80 }),
});
export const LocationParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

export const NewBatchBody = Type.Object(
  {
    movement_id: MovementId,
    location: Type.String({ format: 'uuid', description: 'A storage_location' }),
    bin: Type.Optional(Type.String({ format: 'uuid', description: 'A storage_bin of that location' })),
    product: Ref('The product'),
    packaging: Ref('The packaging'),
    state: Type.Optional(Nullable(Ref('The product state'))),
    size: Type.Optional(Nullable(Ref('The product size'))),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    quality: Type.Optional(Nullable(Quality)),
    planted_on: Type.Optional(Day),
    germinated_on: Type.Optional(Day),
    ready_on: Type.Optional(Day),
    source: Type.Optional(Source),
    note: Type.Optional(Note),
    occurred_at: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);
export type NewBatch = Static<typeof NewBatchBody>;

export const BatchPatchBody = Type.Object(
  {
    quality: Type.Optional(Nullable(Quality)),
    planted_on: Type.Optional(Nullable(Day)),
    germinated_on: Type.Optional(Nullable(Day)),
    transplanted_on: Type.Optional(Nullable(Day)),
    ready_on: Type.Optional(Nullable(Day)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type BatchPatch = Static<typeof BatchPatchBody>;

export const CloseBody = Type.Object({ reason: Type.Optional(Note) }, { additionalProperties: false });

export const NewMovementBody = Type.Object(
  {
    id: MovementId,
    batch: Ref('The batch'),
    type: OneOf([...DIRECT_TYPES]),
    quantity: Quantity,
    source: Type.Optional(Source),
    from_bin: Type.Optional(Type.String({ format: 'uuid', description: 'A storage_bin' })),
    to_bin: Type.Optional(Type.String({ format: 'uuid', description: 'A storage_bin' })),
    unit_price_cents: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
    note: Type.Optional(Note),
    occurred_at: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);
export type NewMovement = Static<typeof NewMovementBody>;

export const NewTransplantBody = Type.Object(
  {
    id: MovementId,
    from_batch: Ref('The batch the plants leave'),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    to: Type.Object(
      {
        location: Type.Optional(
          Type.String({ format: 'uuid', description: 'A storage_location (the same one when left out)' }),
        ),
        bin: Type.Optional(Type.String({ format: 'uuid', description: 'A storage_bin of that location' })),
        product: Type.Optional(Ref('The product (a transplant keeps it)')),
        packaging: Type.Optional(Ref('The packaging')),
        state: Type.Optional(Nullable(Ref('The product state'))),
        size: Type.Optional(Nullable(Ref('The product size'))),
      },
      { additionalProperties: false },
    ),
    source: Type.Optional(Source),
    note: Type.Optional(Note),
    occurred_at: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);
export type NewTransplant = Static<typeof NewTransplantBody>;

export const NewCountBody = Type.Object(
  {
    movement_id: MovementId,
    location_id: Type.String({ format: 'uuid', description: 'A storage_location' }),
    counted: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    counted_at: DateTime,
    source: Source,
    difference_as: Type.Optional(
      OneOf(['sale', 'adjustment'], { description: 'How a shortfall is recorded (default: the farm’s setting)' }),
    ),
  },
  { additionalProperties: false },
);
export type NewCount = Static<typeof NewCountBody>;

export const BatchesQuerystring = Type.Object(
  {
    location: Type.Optional(Type.String({ format: 'uuid', description: 'This place and every place under it' })),
    product: Type.Optional(Ref('A product')),
    status: Type.Optional(OneOf(['active', 'depleted', 'closed'])),
    limit: PageLimit(500, 100),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const MovementsQuerystring = Type.Object(
  {
    limit: PageLimit(),
    cursor: Type.Optional(Type.String({ format: 'date-time', description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const BatchView = Type.Object(
  {
    id: Uuid,
    code: Type.String(),
    location_id: Uuid,
    bin_id: Nullable(Uuid),
    product_id: Uuid,
    packaging_id: Uuid,
    state_id: Nullable(Uuid),
    size_id: Nullable(Uuid),
    initial_quantity: Type.Integer(),
    quantity: Type.Integer(),
    empty_containers: Type.Integer(),
    quality: Nullable(Type.Number()),
    health: Nullable(OneOf(['good', 'warning', 'critical'])),
    planted_on: Nullable(Day),
    germinated_on: Nullable(Day),
    transplanted_on: Nullable(Day),
    ready_on: Nullable(Day),
    readiness: OneOf(['ready', 'almost', 'growing']),
    status: OneOf(['active', 'depleted', 'closed']),
    closed_at: Nullable(DateTime),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { additionalProperties: false },
);

export const MovementView = Type.Object(
  {
    id: Uuid,
    batch_id: Uuid,
    type: OneOf([...MOVEMENT_TYPES]),
    source: Source,
    quantity: Type.Integer(),
    from_bin_id: Nullable(Uuid),
    to_bin_id: Nullable(Uuid),
    unit_price_cents: Nullable(Type.Integer()),
    total_price_cents: Nullable(Type.Integer()),
    note: Nullable(Type.String()),
    pair_id: Nullable(Uuid),
    user_id: Nullable(Uuid),
    occurred_at: DateTime,
    recorded_at: DateTime,
  },
  { additionalProperties: false },
);

export const RecordedView = Type.Object({ movement: MovementView, batch: BatchView }, { additionalProperties: false });

export const TransplantView = Type.Object({ out: RecordedView, in: RecordedView }, { additionalProperties: false });

export const CountView = Type.Object(
  {
    id: Uuid,
    location_id: Uuid,
    batch: BatchView,
    counted: Type.Integer(),
    expected: Type.Integer({ description: 'What the batch held at counted_at' }),
    difference: Type.Integer(),
    counted_at: DateTime,
    recorded_as: Nullable(OneOf(['sale', 'adjustment'])),
    movement: Nullable(MovementView),
  },
  { additionalProperties: false },
);

export const BatchPage = Page(BatchView);
export const MovementPage = Page(MovementView);
