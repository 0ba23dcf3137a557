import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Name, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import { Acknowledge } from './placement.schemas.js';

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Ref = (what: string) =>
  Type.String({ minLength: 1, maxLength: 201, description: `${what}: its id or its key (or label)` });
const Notes = Type.String({ maxLength: 4000 });
const Volume = Type.Number({ minimum: 0.1, maximum: 500, description: 'Container volume in litres (0.1–500)' });
const Prefix = Type.String({
  pattern: '^[A-Z]{2,5}$',
  description: '2 to 5 capital letters: the plants get ids like GH1_TOM_01',
});
const PhaseKey = Type.String({ minLength: 1, maxLength: 40, description: 'A phase key of the species’ sequence' });

export const RUN_STATUSES = ['planned', 'active', 'harvesting', 'completed', 'cancelled'] as const;
const RunStatusSchema = OneOf([...RUN_STATUSES]);
const REASONS = ['initial', 'manual', 'forced', 'restart', 'auto_days', 'auto_gdd', 'auto_dormancy'] as const;

export const RunParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });
export const PlantParams = Type.Object({
  farm: FarmParams.properties.farm,
  plant: Type.String({ minLength: 1, maxLength: 80, description: 'The plant’s id or its label (GH1_TOM_01)' }),
});
export const LocationParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

// Planting runs

const RunEntry = Type.Object(
  {
    species: Ref('The species'),
    cultivar: Type.Optional(Nullable(Ref('The cultivar (of that species)'))),
    quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
    id_prefix: Prefix,
  },
  { additionalProperties: false },
);

export const NewRunBody = Type.Object(
  {
    id: Type.Optional(Uuid),
    name: Name,
    type: OneOf(['monoculture', 'clone']),
    location: Type.Optional(Nullable(Uuid)),
    source_plant: Type.Optional(
      Nullable(Type.String({ minLength: 1, maxLength: 80, description: 'A clone run’s mother plant (id or label)' })),
    ),
    entries: Type.Array(RunEntry, {
      minItems: 1,
      maxItems: 1,
      description: 'Exactly one entry: what is planted, how many, and the prefix of their ids',
    }),
    planned_on: Type.Optional(Nullable(Day)),
    notes: Type.Optional(Notes),
    nutrient_plan: Type.Optional(
      Nullable(Type.String({ format: 'uuid', description: 'The nutrient plan the run follows (null: none)' })),
    ),
  },
  { additionalProperties: false },
);
export type NewRun = Static<typeof NewRunBody>;

export const RunPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    location: Type.Optional(Nullable(Uuid)),
    entries: Type.Optional(NewRunBody.properties.entries),
    planned_on: Type.Optional(Nullable(Day)),
    notes: Type.Optional(Notes),
    nutrient_plan: NewRunBody.properties.nutrient_plan,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type RunPatch = Static<typeof RunPatchBody>;

export const RunQuery = Type.Object({
  status: Type.Optional(RunStatusSchema),
  limit: PageLimit(),
  cursor: Type.Optional(Type.String({ maxLength: 100 })),
});

export const RunView = Type.Object({
  id: Uuid,
  name: Type.String(),
  type: OneOf(['monoculture', 'clone']),
  status: RunStatusSchema,
  location_id: Nullable(Uuid),
  source_plant_id: Nullable(Uuid),
  entries: Type.Array(
    Type.Object({
      species_id: Uuid,
      cultivar_id: Nullable(Uuid),
      quantity: Type.Integer(),
      id_prefix: Type.String(),
    }),
  ),
  plants: Type.Integer({ description: 'Active plants of the run' }),
  planned_on: Nullable(Day),
  started_at: Nullable(DateTime),
  ended_at: Nullable(DateTime),
  notes: Type.String(),
  nutrient_plan_id: Nullable(Uuid),
  created_at: DateTime,
  updated_at: DateTime,
});
export const RunPage = Page(RunView);

export const RunStatusBody = Type.Object({ to: RunStatusSchema }, { additionalProperties: false });

export const CreatePlantsBody = Type.Object(
  {
    planted_on: Type.Optional(Day),
    container_volume_l: Type.Optional(Nullable(Volume)),
    acknowledge: Type.Optional(Acknowledge),
  },
  { additionalProperties: false },
);

// Plants

export const NewPlantBody = Type.Object(
  {
    id: Type.Optional(Uuid),
    species: Ref('The species'),
    cultivar: Type.Optional(Nullable(Ref('The cultivar (of that species)'))),
    location: Type.Optional(Nullable(Uuid)),
    label: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$',
        description: 'The plant’s tag; made as {LOCATION CODE}_{PREFIX}_{NN} when absent',
      }),
    ),
    id_prefix: Type.Optional(Prefix),
    mother: Type.Optional(
      Nullable(Type.String({ minLength: 1, maxLength: 80, description: 'The plant it is a clone of' })),
    ),
    planted_on: Type.Optional(Day),
    container_volume_l: Type.Optional(Nullable(Volume)),
    notes: Type.Optional(Notes),
    acknowledge: Type.Optional(Acknowledge),
  },
  { additionalProperties: false },
);
export type NewPlant = Static<typeof NewPlantBody>;

export const PlantPatchBody = Type.Object(
  {
    cultivar: Type.Optional(Nullable(Ref('The cultivar (of the plant’s species)'))),
    location: Type.Optional(Nullable(Uuid)),
    container_volume_l: Type.Optional(Nullable(Volume)),
    removed_on: Type.Optional(Nullable(Day)),
    notes: Type.Optional(Notes),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PlantPatch = Static<typeof PlantPatchBody>;

export const PlantQuery = Type.Object({
  location: Type.Optional(Uuid),
  subtree: Type.Optional(Type.Boolean({ description: 'With `location`: every plant under it, any depth' })),
  species: Type.Optional(Ref('The species')),
  run: Type.Optional(Uuid),
  include_removed: Type.Optional(Type.Boolean()),
  limit: PageLimit(500, 100),
  cursor: Type.Optional(Type.String({ maxLength: 100 })),
});

export const PhaseRef = Type.Object({
  id: Uuid,
  key: Type.String(),
  position: Type.Integer(),
  started_at: Nullable(DateTime),
  days_in_phase: Nullable(Type.Integer()),
});

export const PlantView = Type.Object({
  id: Uuid,
  label: Type.String(),
  species_id: Uuid,
  cultivar_id: Nullable(Uuid),
  location_id: Nullable(Uuid),
  run_id: Nullable(Uuid),
  mother_id: Nullable(Uuid),
  planted_on: Day,
  removed_on: Nullable(Day),
  container_volume_l: Nullable(Type.Number()),
  phase: Nullable(PhaseRef),
  cycle: Type.Integer(),
  notes: Type.String(),
  created_at: DateTime,
  updated_at: DateTime,
});
export const PlantPage = Page(PlantView);
export const PlantList = Type.Object({ data: Type.Array(PlantView) });

export const TransitionBody = Type.Object(
  {
    id: Type.Optional(Type.String({ format: 'uuid', description: 'A client-made id: a resend moves nothing twice' })),
    to: PhaseKey,
    force: Type.Optional(
      Type.Boolean({ description: 'Move back in the sequence anyway (managers; a reason is required)' }),
    ),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type Transition = Static<typeof TransitionBody>;

export const HistoryView = Type.Object({
  id: Uuid,
  phase: Type.String({ description: 'The phase key' }),
  phase_id: Uuid,
  cycle: Type.Integer(),
  entered_at: DateTime,
  exited_at: Nullable(DateTime),
  duration_days: Nullable(Type.Integer()),
  reason: OneOf([...REASONS]),
  note: Nullable(Type.String()),
  auto_day: Nullable(Day),
  user_id: Nullable(Uuid),
});
export const HistoryList = Type.Object({ data: Type.Array(HistoryView) });

export const TransitionResult = Type.Object({
  plants: Type.Array(Type.Object({ plant: PlantView, history: HistoryView })),
});

export const LineageQuery = Type.Object({
  direction: Type.Optional(OneOf(['ancestors', 'descendants'], { description: 'Mothers up, or clones down' })),
});
export const LineageView = Type.Object({
  plant: PlantView,
  direction: OneOf(['ancestors', 'descendants']),
  data: Type.Array(Type.Object({ depth: Type.Integer({ minimum: 1 }), plant: PlantView })),
});

// Growth and environment

const SensorView = Nullable(
  Type.Object({
    devices: Type.Array(Type.String(), { description: 'The devices averaged (labels)' }),
    location_id: Uuid,
    named: Type.Boolean({ description: 'Named for the location (true), or found up the location tree' }),
  }),
);

export const GddView = Type.Object({
  plant: Type.String(),
  phase: Nullable(Type.String()),
  base_temp_c: Type.Number(),
  upper_temp_c: Nullable(Type.Number()),
  threshold: Nullable(Type.Number({ description: 'The phase’s GDD rule, when it has one' })),
  from: Nullable(Day),
  through: Nullable(Day),
  total: Type.Number(),
  days: Type.Array(Type.Object({ day: Day, gdd: Type.Number(), min: Type.Number(), max: Type.Number() })),
  missing: Type.Array(Day, { description: 'Days without a full record (fewer than 20 of 24 hours): never counted' }),
  sensor: SensorView,
  problem: Nullable(Type.String({ description: 'Why nothing can be counted (no phase, no sensor)' })),
});

const Level = Nullable(OneOf(['low', 'optimal', 'high']));
const Range = Nullable(Type.Object({ min: Type.Number(), max: Type.Number() }));
const Measured = Nullable(Type.Object({ value: Type.Number(), ts: DateTime, target: Range, level: Level }));

export const EnvironmentView = Type.Object({
  location_id: Nullable(Uuid),
  phase: Nullable(Type.String()),
  temperature: Measured,
  humidity: Measured,
  vpd: Nullable(Type.Object({ value: Type.Number(), target: Range, level: Level })),
  sensors: Type.Object({ temperature: SensorView, humidity: SensorView }),
});

export const LocationEnvironmentView = Type.Object({
  ...EnvironmentView.properties,
  phases: Type.Array(
    Type.Object({
      species_id: Uuid,
      phase: Type.String(),
      plants: Type.Integer(),
      temperature: Level,
      humidity: Level,
      vpd: Level,
      targets: Type.Object({ temperature: Range, humidity: Range, vpd: Range }),
    }),
    { description: 'Each phase the location’s active plants are in, against its targets' },
  ),
});

const SeriesRef = Nullable(
  Type.Object(
    {
      device: Type.String({ minLength: 1, maxLength: 64, description: 'The device (id or label)' }),
      metric: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' })),
    },
    { additionalProperties: false },
  ),
);
export const ClimateBody = Type.Object(
  {
    temperature: Type.Optional(SeriesRef),
    humidity: Type.Optional(SeriesRef),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ClimateInput = Static<typeof ClimateBody>;

const SeriesView = Nullable(Type.Object({ device: Type.String(), metric: Type.String() }));
export const ClimateView = Type.Object({
  location_id: Uuid,
  temperature: SeriesView,
  humidity: SeriesView,
  resolved: Type.Object({ temperature: SensorView, humidity: SensorView }),
});

export const LocationPlantsQuery = Type.Object({
  subtree: Type.Optional(Type.Boolean()),
  include_removed: Type.Optional(Type.Boolean()),
});

export const TargetSourceBody = Type.Object(
  {
    run: Nullable(
      Type.String({ format: 'uuid', description: 'The run whose phase sets the targets; null: the one growing there' }),
    ),
  },
  { additionalProperties: false },
);

const Pair = Type.Object({ temperature_c: Nullable(Type.Number()), humidity_pct: Nullable(Type.Number()) });
export const TargetSourceView = Type.Object({
  location_id: Uuid,
  chosen_run_id: Nullable(Uuid),
  targets: Nullable(
    Type.Object({
      run: Type.Object({ id: Uuid, name: Type.String() }),
      phase: Type.String(),
      photoperiod_h: Nullable(Type.Number()),
      day: Pair,
      night: Pair,
      vpd_kpa: Nullable(Type.Object({ min: Type.Number(), max: Type.Number() })),
      light: Type.Object(
        {
          start: Type.String({ description: 'HH:MM, farm local time' }),
          hours: Type.Number(),
          schedule: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
        },
        {
          description:
            'The light period deciding day or night targets: the schedule following this place’s photoperiod, ' +
            'else 06:00 for the phase’s hours',
        },
      ),
    }),
  ),
  problem: Nullable(
    Type.Object({
      code: OneOf(['NO_TARGET_SOURCE', 'TARGET_SOURCE_AMBIGUOUS']),
      message: Type.String(),
      runs: Type.Array(Type.Object({ id: Uuid, name: Type.String(), phase: Nullable(Type.String()) })),
    }),
  ),
});
