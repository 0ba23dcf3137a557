import { Type, type Static } from 'typebox';
import { Nullable, OneOf, Uuid } from '../../platform/http/schemas.js';
import { ALKALINITIES, BUDGET_PHASES, SUBSTRATES } from './ec-budget.engine.js';
import { FERTILIZER_TYPES, MIX_CHANNELS } from './mixing.engine.js';

// The substrate is a free string checked by the service, so that an unknown one is answered with the
// list of known ones (a schema enum would only say "must be one of the allowed values").
const SubstrateName = (required: boolean) =>
  Type.String({
    minLength: 1,
    maxLength: 40,
    description: `One of ${SUBSTRATES.join(', ')}${required ? '' : '; leave out when not known'} (another → 400 listing them)`,
  });
const Ec = (description: string) => Type.Number({ minimum: 0, maximum: 20, description: `${description} (mS/cm)` });
const PositiveEc = (description: string) =>
  Type.Number({ exclusiveMinimum: 0, maximum: 20, description: `${description} (mS/cm, > 0)` });
const Ph = (description: string) => Type.Number({ minimum: 0, maximum: 14, description });
const Litres = (description: string) =>
  Type.Number({ exclusiveMinimum: 0, maximum: 100_000, description: `${description} (litres, > 0)` });

export const MixBody = Type.Object(
  {
    volume_l: Litres('The volume of solution to mix'),
    target_ec: PositiveEc('The EC wanted, read at the water’s temperature'),
    base_water_ec: Ec('The EC of the water before anything is added, read at its temperature'),
    water_temp_c: Type.Number({ minimum: 0, maximum: 60, description: 'The water’s temperature (°C)' }),
    substrate: SubstrateName(true),
    phase: Type.String({
      minLength: 1,
      maxLength: 60,
      description: 'A growth phase (the catalogue’s, or a farm’s own: the general range is used for those)',
    }),
    fertilizers: Type.Array(Uuid, {
      minItems: 1,
      maxItems: 30,
      uniqueItems: true,
      description: 'The fertilizers to mix (Croft’s or the farm’s own)',
    }),
    recipe: Type.Optional(
      Type.Array(
        Type.Object(
          {
            fertilizer_id: Uuid,
            ratio: Type.Number({
              exclusiveMinimum: 0,
              maximum: 1000,
              description:
                'The maker’s amount per litre (or any ratio): the EC products are scaled together to the target; ' +
                'a product adding no EC keeps this amount per litre',
            }),
          },
          { additionalProperties: false },
        ),
        {
          minItems: 1,
          maxItems: 30,
          description: 'Ratios per product; left out: the available EC is split evenly among the products with an EC',
        },
      ),
    ),
    channel: Type.Optional(
      OneOf([...MIX_CHANNELS], { description: 'How the solution is given (fertigation when left out)' }),
    ),
    target_ph: Type.Optional(Ph('The pH wanted')),
    base_water_ph: Type.Optional(Ph('The water’s pH before anything is added')),
    water_alkalinity: Type.Optional(
      OneOf([...ALKALINITIES], { description: 'soft < 50, medium 50–150, hard > 150 ppm CaCO₃: sets the pH reserve' }),
    ),
    fresh_coco: Type.Optional(
      Type.Boolean({ description: 'Coco used for the first time: CalMag weighted up by 20 %' }),
    ),
  },
  { additionalProperties: false },
);
export type MixRequest = Static<typeof MixBody>;

const Severity = OneOf(['critical', 'error', 'warning', 'info']);
const Finding = Type.Object({
  code: Type.String(),
  severity: Severity,
  message: Type.String(),
  fertilizer_ids: Type.Array(Uuid),
});

const BudgetRowView = Type.Object({
  substrate: Type.String(),
  phase: Type.String(),
  budget_phase: Nullable(OneOf([...BUDGET_PHASES])),
  phase_known: Type.Boolean({ description: 'false: a phase the budget does not map; the general range is used' }),
  ec_dosing: Type.Boolean({ description: 'false on living soil: it is not fed by EC' }),
  min: Nullable(Type.Number()),
  max: Nullable(Type.Number()),
});

const Unit = OneOf(['ml', 'g']);

export const MixView = Type.Object({
  volume_l: Type.Number(),
  water_temp_c: Type.Number(),
  channel: OneOf([...MIX_CHANNELS]),
  budget: BudgetRowView,
  ec: Type.Object({
    target: Type.Number(),
    target_at_25: Type.Number(),
    base_water: Type.Number(),
    available: Type.Number({ description: 'max(0, target − base water)' }),
    ph_reserve: Type.Number(),
    uncertain_reserve: Type.Number(),
    dosable: Type.Number({ description: 'What the products share: available − reserves' }),
    added: Type.Number(),
    reached: Type.Number({ description: 'Base water + what the doses add, at the water’s temperature' }),
    reached_at_25: Type.Number({ description: 'EC25 = EC / (1 + 0.02·(T − 25))' }),
  }),
  doses: Type.Array(
    Type.Object({
      fertilizer_id: Uuid,
      product: Type.String(),
      brand: Type.String(),
      type: OneOf([...FERTILIZER_TYPES]),
      mixing_priority: Type.Integer(),
      unit: Unit,
      per_litre: Type.Number({ description: 'ml/L or g/L' }),
      total: Type.Number({ description: 'ml or g for the whole volume' }),
      computed_per_litre: Type.Number({ description: 'Before the max-dose cap' }),
      capped: Type.Boolean(),
      ec_added: Type.Number(),
      left_out: Nullable(
        OneOf(['ph_adjuster', 'no_ec', 'not_in_recipe', 'living_soil', 'base_water_at_or_above_target'], {
          description: 'Why the product gets no dose',
        }),
      ),
    }),
    { description: 'In mixing order (ascending priority)' },
  ),
  findings: Type.Array(Finding),
  ph: Type.Object({
    target: Nullable(Type.Number()),
    expected: Nullable(Type.Number({ description: 'The base water’s pH; the products shift it, so it is measured' })),
    delta: Nullable(Type.Number()),
    action: Nullable(OneOf(['lower', 'raise', 'none', 'measure'], { description: 'lower/raise only when |Δ| ≥ 0.2' })),
    adjuster_ids: Type.Array(Uuid),
    message: Nullable(Type.String()),
  }),
  steps: Type.Array(
    Type.Object({
      n: Type.Integer(),
      action: OneOf(['fill', 'dilute', 'add', 'measure_ec', 'adjust_ph']),
      text: Type.String(),
      fertilizer_id: Type.Optional(Uuid),
      amount: Type.Optional(Type.Number()),
      unit: Type.Optional(Unit),
    }),
  ),
  safe: Type.Boolean({ description: 'false when any finding is critical or an error' }),
});

export const WaterMixBody = Type.Object(
  {
    tap_ec: Ec('The tap water’s EC'),
    ro_ec: Ec('The RO water’s EC'),
    target_ec: Ec('The EC wanted (between the two)'),
    tap_ph: Type.Optional(Ph('The tap water’s pH')),
    ro_ph: Type.Optional(Ph('The RO water’s pH')),
    volume_l: Type.Optional(Litres('The volume to mix')),
  },
  { additionalProperties: false },
);
export type WaterMixRequest = Static<typeof WaterMixBody>;

export const WaterMixView = Type.Object({
  ro_share: Type.Number({ description: '(EC_tap − EC_target)/(EC_tap − EC_ro)' }),
  tap_share: Type.Number(),
  ro_l: Nullable(Type.Number()),
  tap_l: Nullable(Type.Number()),
  ec: Type.Number(),
  ph_estimate: Nullable(Type.Number({ description: 'An estimate: the alkalinity buffers it — measure' })),
  ph_note: Nullable(Type.String()),
});

export const FlushBody = Type.Object(
  {
    substrate: Type.Optional(SubstrateName(false)),
    current_ec: PositiveEc('The EC fed now'),
    days_until_harvest: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 365,
        description: 'Held within the substrate’s range; left out: its maximum',
      }),
    ),
  },
  { additionalProperties: false },
);
export type FlushRequest = Static<typeof FlushBody>;

export const FlushView = Type.Object({
  substrate: Type.String(),
  days_range: Type.Object({ min: Type.Integer(), max: Type.Integer() }),
  days: Type.Integer(),
  start_in_days: Nullable(Type.Integer()),
  current_ec: Type.Number(),
  schedule: Type.Array(
    Type.Object({
      day: Type.Integer(),
      day_from_today: Nullable(Type.Integer()),
      strength_pct: Type.Integer(),
      target_ec: Type.Number(),
      action: OneOf(['reduced_solution', 'quarter_strength', 'plain_water']),
    }),
  ),
});

export const RunoffBody = Type.Object(
  {
    input_ec: PositiveEc('The EC given'),
    runoff_ec: Ec('The EC of the runoff'),
    input_ph: Type.Optional(Ph('The pH given')),
    runoff_ph: Type.Optional(Ph('The pH of the runoff')),
    input_volume_l: Litres('The volume given'),
    runoff_volume_l: Type.Number({ minimum: 0, maximum: 100_000, description: 'The volume that ran off (litres)' }),
  },
  { additionalProperties: false },
);
export type RunoffRequest = Static<typeof RunoffBody>;

export const RunoffView = Type.Object({
  ec_delta: Type.Number(),
  ec_status: OneOf(['salt_buildup', 'warning', 'underfed', 'ok']),
  ph_delta: Nullable(Type.Number()),
  ph_status: Nullable(OneOf(['drift', 'ok'])),
  runoff_pct: Type.Number(),
  volume_status: OneOf(['low', 'ok', 'high']),
  overall: OneOf(['poor', 'fair', 'good']),
  messages: Type.Array(Type.String()),
});

export const EcBudgetView = Type.Object({
  substrates: Type.Array(Type.String()),
  rows: Type.Array(
    Type.Object({
      substrate: Type.String(),
      phase: OneOf([...BUDGET_PHASES]),
      min: Type.Number(),
      max: Type.Number(),
    }),
    { description: 'mS/cm at 25 °C; living soil has none (not fed by EC)' },
  ),
  not_fed_by_ec: Type.Array(Type.String()),
  phases: Type.Array(Type.Object({ phase: Type.String(), budget_phase: OneOf([...BUDGET_PHASES]) }), {
    description: 'Every phase of the catalogue and the row it is fed by',
  }),
  fallback: Type.Object({ min: Type.Number(), max: Type.Number() }, { description: 'A phase not in the map' }),
  reserves: Type.Object({
    ph_by_alkalinity: Type.Object({ soft: Type.Number(), medium: Type.Number(), hard: Type.Number() }),
    per_uncertain_product: Type.Number(),
    fresh_coco_calmag_boost: Type.Number(),
  }),
  temperature: Type.Object({ reference_c: Type.Number(), coefficient_per_c: Type.Number() }),
});
