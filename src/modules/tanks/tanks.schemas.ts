import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import {
  FIELD_BOUNDS,
  MAINTENANCE_ITEMS,
  SOLUTION_KINDS,
  STATE_FIELDS,
  TANK_TYPES,
  type StateField,
} from './tanks.engine.js';

export const TankParams = Type.Object({
  farm: FarmParams.properties.farm,
  location: Type.String({ format: 'uuid', description: 'The tank’s location (of type tank)' }),
});

const TankType = OneOf([...TANK_TYPES]);
const SolutionKind = OneOf([...SOLUTION_KINDS]);
const Item = OneOf([...MAINTENANCE_ITEMS]);
const Field = OneOf([...STATE_FIELDS]);
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD, farm-local' });
const Note = Type.String({ maxLength: 2000 });

const INTERVAL = Type.Integer({ minimum: 1, maximum: 365, description: 'days' });
const Intervals = Type.Object(
  {
    water_change: Type.Optional(INTERVAL),
    calibration: Type.Optional(INTERVAL),
    cleaning: Type.Optional(INTERVAL),
    pump_inspection: Type.Optional(INTERVAL),
    sanitization: Type.Optional(INTERVAL),
    filter_change: Type.Optional(INTERVAL),
  },
  {
    additionalProperties: false,
    description:
      'The farm’s own maintenance intervals (days, 1–365) for this tank, over its type’s defaults; only items its type has',
  },
);

export const TankSettingsBody = Type.Object(
  {
    tank_type: TankType,
    volume_l: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'Litres (> 0)' }),
    solution_kind: Type.Optional(Nullable(SolutionKind)),
    filled_at: Type.Optional(Nullable(DateTime)),
    maintenance_intervals: Type.Optional(Intervals),
  },
  {
    additionalProperties: false,
    description:
      'A tank’s settings, all of them (what is left out takes its default). solution_kind null: plain water, no ' +
      'solution-age limit; filled_at: when the solution was made (its age counts from it; a water change recorded moves it)',
  },
);
export type TankSettings = Static<typeof TankSettingsBody>;

const measurement = (field: StateField, description: string) =>
  Type.Optional(Type.Number({ minimum: FIELD_BOUNDS[field][0], maximum: FIELD_BOUNDS[field][1], description }));

const Measurements = {
  ph: measurement('ph', 'pH (0–14)'),
  ec: measurement('ec', 'EC in mS/cm'),
  water_temp_c: measurement('water_temp_c', 'Water temperature, °C'),
  dissolved_oxygen_mg_l: measurement('dissolved_oxygen_mg_l', 'Dissolved oxygen, mg/L'),
  orp_mv: measurement('orp_mv', 'Oxidation-reduction potential, mV'),
  fill_percent: measurement('fill_percent', 'Fill level, % (0–100)'),
};

export const StateBody = Type.Object(
  {
    id: Type.Optional(Uuid),
    at: Type.Optional(DateTime),
    ...Measurements,
    note: Type.Optional(Note),
  },
  {
    additionalProperties: false,
    // A snapshot needs a body: at least one measurement (the service names which are missing).
    minProperties: 1,
    description: 'At least one of the measurements',
  },
);
export type StateInput = Static<typeof StateBody>;

export const StatesQuery = Type.Object({
  limit: PageLimit(200, 50),
  cursor: Type.Optional(Type.String({ maxLength: 100, description: 'next_cursor of the page before' })),
});

export const StateView = Type.Object({
  id: Uuid,
  at: DateTime,
  source: OneOf(['manual', 'sensor']),
  ph: Nullable(Type.Number()),
  ec: Nullable(Type.Number()),
  water_temp_c: Nullable(Type.Number()),
  dissolved_oxygen_mg_l: Nullable(Type.Number()),
  orp_mv: Nullable(Type.Number()),
  fill_percent: Nullable(Type.Number()),
  readings_through: Nullable(
    Type.String({ format: 'date-time', description: 'A sensor snapshot: its newest reading (a burst folds in)' }),
  ),
  note: Nullable(Type.String()),
});
export const StatePage = Page(StateView);

export const SensorsBody = Type.Array(
  Type.Object(
    {
      device_id: Type.String({ minLength: 1, maxLength: 64, description: 'The device (its id or its label)' }),
      metric: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'The metric the device sends' }),
      field: Field,
    },
    { additionalProperties: false },
  ),
  { maxItems: STATE_FIELDS.length, description: 'Which device metric feeds which field (one source per field)' },
);
export type SensorsInput = Static<typeof SensorsBody>;

export const SensorsView = Type.Object({
  data: Type.Array(Type.Object({ field: Field, device_id: Uuid, device: Type.String(), metric: Type.String() })),
});

export const MaintenanceBody = Type.Object(
  {
    id: Type.Optional(Uuid),
    item: Item,
    done_at: Type.Optional(DateTime),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
);
export type MaintenanceInput = Static<typeof MaintenanceBody>;

export const MaintenanceView = Type.Object({
  id: Uuid,
  location_id: Uuid,
  item: Item,
  done_at: DateTime,
  note: Nullable(Type.String()),
});

const DueStatus = OneOf(['overdue', 'due_soon', 'ok']);

const DueItemFields = {
  item: Item,
  interval_days: Type.Integer(),
  default_days: Type.Integer(),
  last_done_on: Nullable(Day),
  due_on: Day,
  status: DueStatus,
};
const DueItemView = Type.Object(DueItemFields);

const AlertSummary = Type.Object({
  id: Uuid,
  condition: Type.String(),
  type: Type.String(),
  severity: OneOf(['info', 'warning', 'critical']),
  message: Type.String(),
  triggered_at: DateTime,
});

export const TankView = Type.Object({
  location_id: Uuid,
  name: Type.String(),
  status: Type.String({ description: 'The location’s status' }),
  tank_type: TankType,
  volume_l: Type.Number(),
  solution_kind: Nullable(SolutionKind),
  filled_at: Nullable(DateTime),
  state: Nullable(StateView),
  solution: Nullable(
    Type.Object(
      {
        age_days: Type.Number(),
        limit_days: Nullable(Type.Number({ description: 'null: plain water, no limit' })),
        mean_water_temp_c: Nullable(
          Type.Number({ description: 'Mean of the snapshots since filled; null: none (20 °C assumed)' }),
        ),
        over_limit: Type.Boolean(),
      },
      { description: 'null: never filled' },
    ),
  ),
  alerts: Type.Object({ open: Type.Integer(), items: Type.Array(AlertSummary) }),
  maintenance: Type.Object({
    overdue: Type.Integer(),
    due_soon: Type.Integer(),
    items: Type.Array(DueItemView),
  }),
  created_at: DateTime,
  updated_at: DateTime,
});

export const TankList = Type.Object({ data: Type.Array(TankView) });

export const DueQuery = Type.Object({ status: Type.Optional(DueStatus) });

export const DueView = Type.Object({
  today: Day,
  data: Type.Array(Type.Object({ location_id: Uuid, name: Type.String(), ...DueItemFields })),
});
