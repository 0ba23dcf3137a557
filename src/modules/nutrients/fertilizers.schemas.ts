import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import { CHANNELS, FERTILIZER_TYPES, FORMS, PH_EFFECTS, STOCK_KINDS } from './fertilizers.tables.js';

const ClientId = Type.Optional(
  Type.String({ format: 'uuid', description: 'A client-made id: a resend with the same body makes nothing twice' }),
);
const Text = (min: number, max: number, description?: string) =>
  Type.String({ minLength: min, maxLength: max, ...(min > 0 ? { pattern: '\\S' } : {}), description });
const Npk = (what: string) =>
  Type.Number({ minimum: 0, maximum: 100, description: `${what}, % by weight (N, P₂O₅, K₂O); N+P+K ≤ 100` });

/** A fertilizer's fields as a request states them (the seed's rows too, with their `key`). */
const fertilizerFields = {
  product: Text(1, 120, 'The product’s name; product + brand is unique in a farm'),
  brand: Type.Optional(Text(0, 120, 'The maker, or "Generic"')),
  type: OneOf([...FERTILIZER_TYPES]),
  form: OneOf([...FORMS], { description: 'liquid: doses in ml/L, stock in ml; powder: g/L and g' }),
  npk_n: Type.Optional(Npk('Nitrogen')),
  npk_p: Type.Optional(Npk('Phosphate')),
  npk_k: Type.Optional(Npk('Potash')),
  ec_per_unit: Type.Optional(
    Type.Number({ minimum: 0, maximum: 10, description: 'mS/cm added per ml/L (liquid) or g/L (powder)' }),
  ),
  ec_uncertain: Type.Optional(Type.Boolean({ description: 'The EC value is an estimate to check with a meter' })),
  max_dose_per_l: Type.Number({
    exclusiveMinimum: 0,
    maximum: 1000,
    description: 'The most per litre (ml/L or g/L; a top dress: per litre of substrate); above 0',
  }),
  mixing_priority: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Lower goes into the water first (1–100)' }),
  ),
  ph_effect: Type.Optional(OneOf([...PH_EFFECTS])),
  tank_safe: Type.Optional(Type.Boolean({ description: 'May go into a tank; not tank-safe: never fertigation' })),
  foliar_only: Type.Optional(Type.Boolean({ description: 'Only for spraying leaves: its channels are [foliar]' })),
  channels: Type.Optional(
    Type.Array(OneOf([...CHANNELS]), { maxItems: 4, uniqueItems: true, description: 'The channels it is meant for' }),
  ),
  contains_calcium: Type.Optional(Type.Boolean()),
  contains_sulfate: Type.Optional(Type.Boolean()),
  contains_phosphate: Type.Optional(Type.Boolean()),
  contains_silicate: Type.Optional(Type.Boolean()),
  contains_chelated_iron: Type.Optional(Type.Boolean()),
  notes: Type.Optional(Text(0, 2000)),
};

export const NewFertilizerBody = Type.Object({ id: ClientId, ...fertilizerFields }, { additionalProperties: false });
export type NewFertilizer = Static<typeof NewFertilizerBody>;

/** A row of seed/fertilizers/fertilizers.yaml: a new fertilizer's body with its stable key instead of an id. */
export const FertilizerSeedRow = Type.Object(
  {
    key: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,99}$' }),
    ...fertilizerFields,
    brand: Text(0, 120),
  },
  { additionalProperties: false },
);
export type FertilizerSeed = Static<typeof FertilizerSeedRow>;

export const FertilizerPatchBody = Type.Object(
  {
    product: Type.Optional(fertilizerFields.product),
    brand: fertilizerFields.brand,
    type: Type.Optional(fertilizerFields.type),
    form: Type.Optional(fertilizerFields.form),
    npk_n: fertilizerFields.npk_n,
    npk_p: fertilizerFields.npk_p,
    npk_k: fertilizerFields.npk_k,
    ec_per_unit: fertilizerFields.ec_per_unit,
    ec_uncertain: fertilizerFields.ec_uncertain,
    max_dose_per_l: Type.Optional(fertilizerFields.max_dose_per_l),
    mixing_priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    ph_effect: fertilizerFields.ph_effect,
    tank_safe: fertilizerFields.tank_safe,
    foliar_only: fertilizerFields.foliar_only,
    channels: fertilizerFields.channels,
    contains_calcium: fertilizerFields.contains_calcium,
    contains_sulfate: fertilizerFields.contains_sulfate,
    contains_phosphate: fertilizerFields.contains_phosphate,
    contains_silicate: fertilizerFields.contains_silicate,
    contains_chelated_iron: fertilizerFields.contains_chelated_iron,
    notes: fertilizerFields.notes,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type FertilizerPatch = Static<typeof FertilizerPatchBody>;

export const FertilizerParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

export const FertilizerQuery = Type.Object({
  type: Type.Optional(OneOf([...FERTILIZER_TYPES])),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Part of the product or brand' })),
  origin: Type.Optional(
    OneOf(['global', 'farm'], { description: 'Only Croft’s generic rows, or only the farm’s own' }),
  ),
  limit: PageLimit(),
  cursor: Type.Optional(Type.String({ maxLength: 400, description: 'The next_cursor of the page before' })),
});
export type FertilizerFilter = Static<typeof FertilizerQuery>;

const Unit = OneOf(['ml', 'g'], { description: 'ml for a liquid, g for a powder' });

export const FertilizerView = Type.Object({
  id: Uuid,
  origin: OneOf(['global', 'farm'], { description: 'global: ships with Croft, read-only; farm: the farm’s own' }),
  key: Nullable(Type.String()),
  product: Type.String(),
  brand: Type.String(),
  type: OneOf([...FERTILIZER_TYPES]),
  form: OneOf([...FORMS]),
  dose_unit: OneOf(['ml/L', 'g/L']),
  npk: Type.Object({ n: Type.Number(), p: Type.Number(), k: Type.Number() }),
  ec_per_unit: Type.Number(),
  ec_uncertain: Type.Boolean(),
  max_dose_per_l: Type.Number(),
  mixing_priority: Type.Integer(),
  ph_effect: OneOf([...PH_EFFECTS]),
  tank_safe: Type.Boolean(),
  foliar_only: Type.Boolean(),
  channels: Type.Array(OneOf([...CHANNELS])),
  contains: Type.Object({
    calcium: Type.Boolean(),
    sulfate: Type.Boolean(),
    phosphate: Type.Boolean(),
    silicate: Type.Boolean(),
    chelated_iron: Type.Boolean(),
  }),
  notes: Type.String(),
  stock: Type.Object({ on_hand: Type.Number({ description: 'The farm’s amount on hand' }), unit: Unit }),
  retired: Type.Boolean({ description: 'A global row the seed no longer holds' }),
  created_at: DateTime,
  updated_at: DateTime,
});
export const FertilizerPage = Page(FertilizerView);

// Stock

export const NewStockMovementBody = Type.Object(
  {
    id: ClientId,
    kind: OneOf([...STOCK_KINDS], {
      description: 'received: add; used: take away (never below 0); counted: what was found on hand',
    }),
    quantity: Type.Number({
      minimum: 0,
      maximum: 1e9,
      description: 'ml (liquid) or g (powder); above 0 for received and used, 0 or more for counted',
    }),
    at: Type.Optional(DateTime),
    note: Type.Optional(Text(0, 1000)),
  },
  { additionalProperties: false },
);
export type NewStockMovement = Static<typeof NewStockMovementBody>;

export const StockMovementView = Type.Object({
  id: Uuid,
  fertilizer_id: Uuid,
  kind: OneOf([...STOCK_KINDS]),
  quantity: Type.Number(),
  delta: Type.Number({ description: 'What it changed on hand by' }),
  on_hand_after: Type.Number(),
  unit: Unit,
  at: DateTime,
  note: Type.String(),
  user_id: Nullable(Uuid),
  created_at: DateTime,
});

export const StockView = Type.Object({
  fertilizer_id: Uuid,
  product: Type.String(),
  on_hand: Type.Number(),
  unit: Unit,
  movements: Type.Array(StockMovementView, { description: 'The latest first (at most 100)' }),
});
export const StockListQuery = Type.Object({
  limit: PageLimit(),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
});
export const StockLine = Type.Object({
  fertilizer_id: Uuid,
  product: Type.String(),
  brand: Type.String(),
  on_hand: Type.Number(),
  unit: Unit,
  last_movement_at: DateTime,
});
export const StockPage = Page(StockLine);
