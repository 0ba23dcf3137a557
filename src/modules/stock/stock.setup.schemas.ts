import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, PageLimit, Uuid } from '../../platform/http/schemas.js';

const Category = OneOf(['plug_tray', 'seedling_tray', 'box', 'segment', 'pot', 'other']);
const Cm = Type.Number({ exclusiveMinimum: 0, maximum: 10_000 });
const Ref = (what: string) => Type.String({ minLength: 1, maxLength: 80, description: `${what}: id, SKU or code` });

const BinTypeFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  category: Category,
  rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  columns: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Default: rows × columns' })),
  length_cm: Type.Optional(Cm),
  width_cm: Type.Optional(Cm),
  height_cm: Type.Optional(Cm),
  grid: Type.Optional(
    Type.Boolean({ description: 'Plants stand in a grid of cells (default: when rows and columns are given)' }),
  ),
};

export const BinTypeBodySchema = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Z0-9][A-Z0-9_.-]{0,31}$', description: 'e.g. PT-104 (capitals, digits, . _ -)' }),
    ...BinTypeFields,
  },
  { additionalProperties: false },
);
export type BinTypeBody = Static<typeof BinTypeBodySchema>;

export const BinTypePatchSchema = Type.Partial(Type.Object(BinTypeFields), {
  additionalProperties: false,
  minProperties: 1,
});
export type BinTypePatch = Static<typeof BinTypePatchSchema>;

export const BinTypeParams = Type.Object({
  farm: FarmParams.properties.farm,
  id: Type.String({ minLength: 1, maxLength: 80 }),
});
export const LocationParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

export const BinTypeView = Type.Object(
  {
    id: Uuid,
    code: Type.String(),
    name: Type.String(),
    category: Category,
    rows: Nullable(Type.Integer()),
    columns: Nullable(Type.Integer()),
    capacity: Nullable(Type.Integer()),
    length_cm: Nullable(Type.Number()),
    width_cm: Nullable(Type.Number()),
    height_cm: Nullable(Type.Number()),
    grid: Type.Boolean(),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { additionalProperties: false },
);

export const BinTypeList = Type.Object({ data: Type.Array(BinTypeView) });

export const BinTypeOfBody = Type.Object({ bin_type: Nullable(Ref('The bin type')) }, { additionalProperties: false });
export const BinTypeOfView = Type.Object({ location_id: Uuid, bin_type: Nullable(BinTypeView) });

export const StockConfigBodySchema = Type.Object(
  {
    product: Ref('The product'),
    packaging: Ref('The packaging'),
    state: Type.Optional(Nullable(Ref('The product state'))),
    size: Type.Optional(Nullable(Ref('The product size'))),
  },
  { additionalProperties: false },
);
export type StockConfigBody = Static<typeof StockConfigBodySchema>;

export const StockConfigView = Type.Object({
  location_id: Uuid,
  config: Nullable(
    Type.Object({
      product_id: Uuid,
      packaging_id: Uuid,
      state_id: Nullable(Uuid),
      size_id: Nullable(Uuid),
      updated_at: DateTime,
    }),
  ),
});

export const SettingsBody = Type.Object(
  {
    count_shortfall_as: OneOf(['sale', 'adjustment'], {
      description: 'How a count below the expected stock is recorded',
    }),
  },
  { additionalProperties: false },
);
export const SettingsView = SettingsBody;

export const ReconciliationsQuerystring = Type.Object({ limit: PageLimit(100, 10) }, { additionalProperties: false });
export const ReconciliationsView = Type.Object({
  data: Type.Array(
    Type.Object({
      ran_at: DateTime,
      batches: Type.Integer({ description: 'Batches checked' }),
      mismatches: Type.Array(
        Type.Object({ id: Uuid, code: Type.String(), quantity: Type.Integer(), movements: Type.Integer() }),
      ),
    }),
  ),
});
