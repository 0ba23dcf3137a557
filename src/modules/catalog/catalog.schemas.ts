import { Type, type Static, type TSchema } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import {
  CARE_PRESETS,
  CATEGORIES,
  COMPANION_LEVELS,
  COMPANION_RELATIONS,
  COMPANION_SCORE,
  SEVERITIES,
  FROST_TOLERANCES,
  GROWTH_HABITS,
  LIFECYCLES,
  LIMITS,
  MAX_PHASES,
  NUTRIENT_DEMANDS,
  PHOTOPERIODS,
  ROOT_DEPTHS,
  ROOT_TYPES,
  ROTATION_GROUPS,
  SPECIES_NUTRIENT_DEMANDS,
  type Category,
} from './catalog.engine.js';

// A row reads the same in the seed files (seed/catalog/README.md), in a request and in an answer.

const range = ([minimum, maximum]: readonly [number, number], description?: string) =>
  Type.Number({ minimum, maximum, ...(description ? { description } : {}) });
const whole = ([minimum, maximum]: readonly [number, number], description?: string) =>
  Type.Integer({ minimum, maximum, ...(description ? { description } : {}) });
const Text = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, pattern: '\\S', ...(description ? { description } : {}) });
const TextList = (maxItems: number, maxLength: number, description?: string) =>
  Type.Array(Text(maxLength), { maxItems, ...(description ? { description } : {}) });
const Pair = <T extends TSchema>(item: T, description: string) => Type.Tuple([item, item], { description });
const Months = (description: string) =>
  Type.Array(whole(LIMITS.month), { maxItems: 12, description: `${description} (1–12)` });
const Sources = TextList(20, 2000, 'Where the facts come from (URLs)');
const Key = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,99}$',
  description: 'Stable key: lower-case letters, digits and "-"; made from the name when not given',
});
const Ref = (what: string) => Type.String({ minLength: 1, maxLength: 201, description: `The ${what}'s id or key` });
const Language = '^[a-z]{2,3}$';
const Origin = OneOf(['global', 'farm'], {
  description: 'global: the catalogue shipped with Croft; farm: the farm’s own row',
});

/** Optional versions of every property. */
const optional = <T extends Record<string, TSchema>>(props: T) =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)])) as {
    [K in keyof T]: ReturnType<typeof Type.Optional<T[K]>>;
  };

// ---------------------------------------------------------------------------------------------------
// Families

const familyFields = {
  name: Text(200, 'APG family name, one word ending in "aceae" (Solanaceae)'),
  order: Nullable(Text(200, 'Order, one word ending in "ales" (Solanales)')),
  common_names: Type.Record(Type.String({ pattern: Language }), Text(200), {
    additionalProperties: false,
    description: 'One name per language: {"en": "Nightshade family", "de": "Nachtschattengewächse"}',
  }),
  nutrient_demand: Nullable(OneOf(NUTRIENT_DEMANDS, { description: 'Never heavy when nitrogen-fixing' })),
  nitrogen_fixing: Type.Boolean(),
  root_depth: Nullable(OneOf(ROOT_DEPTHS)),
  ph: Nullable(Pair(range(LIMITS.ph), 'Preferred soil pH [min, max], each 3–9')),
  frost_tolerance: Nullable(OneOf(FROST_TOLERANCES)),
  rotation_group: Nullable(OneOf(ROTATION_GROUPS)),
  rotation_pause_years: Nullable(whole(LIMITS.rotationPauseYears, 'Years before the family returns to the same bed')),
  pests: TextList(100, 300),
  pathogens: TextList(100, 300),
  soil_borne: TextList(
    100,
    300,
    'Soil-borne pests and pathogens that persist in the ground; families sharing one warn when they follow each other',
  ),
  sources: Sources,
};

export const NewFamilyBody = Type.Object(
  { ...optional(familyFields), key: Type.Optional(Key), name: familyFields.name },
  { additionalProperties: false },
);
export type NewFamily = Static<typeof NewFamilyBody>;

const Retired = Type.Boolean({ description: 'Hide it from lists (true) or show it again (false)' });

export const FamilyPatchBody = Type.Object(
  { ...optional(familyFields), retired: Type.Optional(Retired) },
  { additionalProperties: false, minProperties: 1 },
);
export type FamilyPatch = Static<typeof FamilyPatchBody>;

const rowTimes = { retired_at: Nullable(DateTime), created_at: DateTime, updated_at: DateTime };

export const FamilyView = Type.Object(
  { id: Uuid, key: Type.String(), origin: Origin, ...familyFields, ...rowTimes },
  { additionalProperties: false },
);
const FamilyRef = Type.Object({ id: Uuid, key: Type.String(), name: Type.String() }, { additionalProperties: false });

// ---------------------------------------------------------------------------------------------------
// Sequences and phases

const PhaseKey = Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,39}$',
  description: 'germination, seedling, vegetative …',
});

const phaseFields = {
  key: PhaseKey,
  days: Nullable(whole(LIMITS.phaseDays, 'Typical duration: the time rule moves on after this many days')),
  gdd: Nullable(
    Type.Number({
      exclusiveMinimum: 0,
      description: "Growing-degree-day threshold (above the species' base temperature), more than 0",
    }),
  ),
  terminal: Type.Boolean(),
  harvest_allowed: Type.Boolean(),
  light_ppfd: Nullable(range(LIMITS.lightPpfd, 'µmol/m²/s')),
  photoperiod_h: Nullable(range(LIMITS.photoperiodH, 'Hours of light a day, 0–24')),
  temp_c: Nullable(
    Pair(range(LIMITS.tempC), '[day, night] °C; a night warmer than the day is accepted with a warning'),
  ),
  humidity_pct: Nullable(Pair(range(LIMITS.humidity), '[day, night] relative humidity %, at most 100')),
  vpd_kpa: Nullable(Pair(range(LIMITS.vpdKpa), '[min, max] vapour-pressure deficit, kPa')),
  npk: Nullable(Type.Tuple([range(LIMITS.npk), range(LIMITS.npk), range(LIMITS.npk)], { description: '[N, P, K]' })),
  ec_ms: Nullable(range(LIMITS.ecMs, 'mS/cm')),
  ph: Nullable(range(LIMITS.ph, 'Nutrient solution pH')),
};

const PhaseBody = Type.Object({ ...optional(phaseFields), key: phaseFields.key }, { additionalProperties: false });

const sequenceFields = {
  lifecycle: OneOf(LIFECYCLES),
  dormancy_required: Type.Boolean(),
  vernalization_required: Type.Boolean(),
  restart_phase: Nullable(
    Type.String({ description: 'Perennials: the phase a new cycle starts at after the terminal phase' }),
  ),
  phases: Type.Array(PhaseBody, { minItems: 1, maxItems: MAX_PHASES, description: 'In order' }),
};

export const NewSequenceBody = Type.Object(
  {
    ...optional(sequenceFields),
    key: Key,
    lifecycle: sequenceFields.lifecycle,
    phases: sequenceFields.phases,
  },
  { additionalProperties: false },
);
export type NewSequence = Static<typeof NewSequenceBody>;

export const SequencePatchBody = Type.Object(
  {
    ...optional(sequenceFields),
    phases: Type.Optional(
      Type.Array(PhaseBody, {
        minItems: 1,
        maxItems: MAX_PHASES,
        description:
          'The whole list, in order: phases are matched by key (kept ones keep their id); a phase left out is ' +
          'deleted (409 IN_USE while a plant is in it)',
      }),
    ),
    retired: Type.Optional(Retired),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SequencePatch = Static<typeof SequencePatchBody>;

export const PhaseView = Type.Object(
  { id: Uuid, position: Type.Integer(), ...phaseFields },
  { additionalProperties: false },
);

export const SequenceView = Type.Object(
  {
    id: Uuid,
    key: Type.String(),
    origin: Origin,
    ...sequenceFields,
    phases: Type.Array(PhaseView),
    ...rowTimes,
  },
  { additionalProperties: false },
);
const SequenceRef = Type.Object({ id: Uuid, key: Type.String() }, { additionalProperties: false });

export const Warning = Type.Object(
  {
    code: Type.Literal('NIGHT_WARMER_THAN_DAY'),
    field: Type.String(),
    message: Type.String(),
  },
  { additionalProperties: false },
);

export const SequenceWritten = Type.Object(
  {
    ...SequenceView.properties,
    warnings: Type.Array(Warning, { description: 'Accepted, worth a second look' }),
  },
  { additionalProperties: false },
);

// ---------------------------------------------------------------------------------------------------
// Species

const PhaseOverrides = Type.Record(
  PhaseKey,
  Type.Object(
    { days: Type.Optional(phaseFields.days), gdd: Type.Optional(phaseFields.gdd) },
    { additionalProperties: false },
  ),
  {
    additionalProperties: false,
    description:
      'Changes to the sequence\'s phases for this species, by phase key: {"fruiting": {"days": 30, "gdd": 600}}',
  },
);

const Zone = Type.String({ pattern: '^\\d{1,2}[ab]?$', description: 'USDA zone 1–13 with an optional a or b' });

const speciesFields = {
  scientific_name: Text(200, 'Two words or more: Solanum lycopersicum'),
  genus: Nullable(Text(100)),
  category: OneOf(CATEGORIES),
  common_names: Type.Record(Type.String({ pattern: Language }), TextList(20, 200), {
    additionalProperties: false,
    description: 'Names per language: {"en": ["Tomato"], "de": ["Tomate"]}',
  }),
  phases: PhaseOverrides,
  base_temp_c: range(LIMITS.baseTempC, 'Base temperature of growing degree days, °C (10 when not given)'),
  upper_temp_c: Nullable(range(LIMITS.upperTempC, 'Upper cap of growing degree days, °C, above the base')),
  critical_day_length_h: Nullable(range(LIMITS.criticalDayLengthH, 'Shorter days send it dormant, hours')),
  photoperiod: Nullable(OneOf(PHOTOPERIODS)),
  hardiness_zones: Nullable(Pair(Zone, 'USDA zones where it survives winter outdoors: [coldest, warmest]')),
  growth_habit: Nullable(OneOf(GROWTH_HABITS)),
  root_type: Nullable(OneOf(ROOT_TYPES)),
  frost_sensitive: Nullable(Type.Boolean()),
  nutrient_demand: Nullable(OneOf(SPECIES_NUTRIENT_DEMANDS)),
  container: Nullable(Type.Boolean()),
  indoor: Nullable(Type.Boolean()),
  balcony: Nullable(Type.Boolean()),
  sow_indoor_weeks_before_last_frost: Nullable(whole(LIMITS.sowIndoorWeeks)),
  sow_outdoor_days_after_last_frost: Nullable(whole(LIMITS.sowOutdoorDays, 'Negative: before the last frost')),
  sowing_months: Months('Sowing months'),
  harvest_months: Months('Harvest months'),
  bloom_months: Months('Bloom months'),
  watering_interval_days: Nullable(whole(LIMITS.wateringDays)),
  spacing_cm: Nullable(range(LIMITS.sizeCm)),
  height_cm: Nullable(range(LIMITS.sizeCm)),
  care_preset: Nullable(OneOf(CARE_PRESETS)),
  rotation_pause_years: Nullable(
    whole(LIMITS.rotationPauseYears, "Years before it returns to the same bed, when not its family's"),
  ),
  sources: Sources,
};

export const NewSpeciesBody = Type.Object(
  {
    ...optional(speciesFields),
    key: Type.Optional(Key),
    scientific_name: speciesFields.scientific_name,
    family: Ref('family'),
    category: speciesFields.category,
    sequence: Ref('lifecycle phase sequence'),
  },
  { additionalProperties: false },
);
export type NewSpecies = Static<typeof NewSpeciesBody>;

export const SpeciesPatchBody = Type.Object(
  {
    ...optional(speciesFields),
    family: Type.Optional(Ref('family')),
    sequence: Type.Optional(Ref('lifecycle phase sequence')),
    retired: Type.Optional(Retired),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SpeciesPatch = Static<typeof SpeciesPatchBody>;

const speciesViewFields = {
  id: Uuid,
  key: Type.String(),
  origin: Origin,
  ...speciesFields,
  family: FamilyRef,
  sequence: SequenceRef,
  ...rowTimes,
};

export const SpeciesView = Type.Object(speciesViewFields, { additionalProperties: false });
const SpeciesRef = Type.Object(
  { id: Uuid, key: Type.String(), scientific_name: Type.String() },
  { additionalProperties: false },
);

// ---------------------------------------------------------------------------------------------------
// Cultivars

const cultivarFields = {
  name: Text(200),
  breeder: Nullable(Text(200)),
  days_to_maturity: Nullable(whole(LIMITS.daysToMaturity, 'Typical days to maturity, 1–1095')),
  traits: TextList(50, 300),
  resistances: TextList(50, 300, 'Diseases it resists'),
  sources: Sources,
};

export const NewCultivarBody = Type.Object(
  {
    ...optional(cultivarFields),
    key: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9-]{0,99}/[a-z0-9][a-z0-9-]{0,99}$',
        description: "{species key}/{cultivar}; made from the species' key and the name when not given",
      }),
    ),
    species: Ref('species'),
    name: cultivarFields.name,
  },
  { additionalProperties: false },
);
export type NewCultivar = Static<typeof NewCultivarBody>;

export const CultivarPatchBody = Type.Object(
  { ...optional(cultivarFields), retired: Type.Optional(Retired) },
  { additionalProperties: false, minProperties: 1 },
);
export type CultivarPatch = Static<typeof CultivarPatchBody>;

export const CultivarView = Type.Object(
  { id: Uuid, key: Type.String(), origin: Origin, species: SpeciesRef, ...cultivarFields, ...rowTimes },
  { additionalProperties: false },
);

export const SpeciesDetailView = Type.Object(
  {
    ...speciesViewFields,
    family: FamilyView,
    sequence: Type.Object(
      {
        ...SequenceView.properties,
        phases: Type.Array(PhaseView, { description: "In order, with this species' overrides applied" }),
      },
      { additionalProperties: false },
    ),
    cultivars: Type.Array(CultivarView),
  },
  { additionalProperties: false },
);

// ---------------------------------------------------------------------------------------------------
// Lists, paths

const listQuery = {
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      description:
        'Search: scientific names, and common names in your language (your profile’s, else Accept-Language, ' +
        'else English) and in English',
    }),
  ),
  include_retired: Type.Optional(Type.Boolean({ description: 'Also rows retired from the catalogue' })),
  limit: PageLimit(200, 50),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 600, description: 'next_cursor of the page before' })),
};

export const FamilyQuery = Type.Object(listQuery, { additionalProperties: false });
export const SequenceQuery = Type.Object(
  { ...listQuery, q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Search in keys' })) },
  { additionalProperties: false },
);
export const SpeciesQuery = Type.Object(
  {
    ...listQuery,
    family: Type.Optional(Ref('family')),
    category: Type.Optional(OneOf(CATEGORIES)),
  },
  { additionalProperties: false },
);
export const CultivarQuery = Type.Object(
  {
    ...listQuery,
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Search names and species names' })),
    species: Type.Optional(Ref('species')),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof FamilyQuery> & {
  family?: string | undefined;
  category?: Category | undefined;
  species?: string | undefined;
};

export const FamilyPage = Page(FamilyView);
export const SpeciesPage = Page(SpeciesView);
export const CultivarPage = Page(CultivarView);
export const SequencePage = Page(SequenceView);

const RowRef = Type.String({
  minLength: 1,
  maxLength: 201,
  description: 'The id, or the key (a cultivar key\'s "/" as %2F)',
});
export const RefParams = Type.Object({ ref: RowRef });
export const FarmRefParams = Type.Object({ farm: FarmParams.properties.farm, ref: RowRef });

const Texts = Type.Record(Type.String(), Type.String(), { description: 'per language: {"en": …, "de": …}' });

export const StarterKitView = Type.Object(
  {
    key: Type.String(),
    names: Texts,
    descriptions: Texts,
    places: Type.Array(
      Type.Object(
        {
          key: Type.String(),
          type: Type.String({ description: 'a location type' }),
          names: Texts,
          code: Nullable(Type.String()),
          parent: Nullable(Type.String({ description: 'the key of the place it stands in; null: the site' })),
          slots: Type.Integer({ description: 'slots made in it (0: none)' }),
        },
        { additionalProperties: false },
      ),
    ),
    plants_at: Type.String({ description: 'the key of the place the plants stand (in its slots while they last)' }),
    species: Type.Array(Type.String(), { description: 'species keys, in the order plants are spread over them' }),
    suggested_plants: Type.Integer(),
    max_plants: Type.Integer({ description: '3 × suggested_plants: the most one application makes' }),
  },
  { additionalProperties: false },
);
export const StarterKitList = Type.Object({ data: Type.Array(StarterKitView) }, { additionalProperties: false });

// ---------------------------------------------------------------------------------------------------
// Companion pairs and good successors (seed rows)

export const CompanionSeedRow = Type.Object(
  {
    a: Key,
    b: Key,
    level: OneOf(COMPANION_LEVELS),
    relation: OneOf(COMPANION_RELATIONS),
    score: Type.Optional(Nullable(range(COMPANION_SCORE, 'Compatible pairs: how strong the benefit is'))),
    severity: Type.Optional(Nullable(OneOf(SEVERITIES, { description: 'Incompatible pairs: how bad it is' }))),
    reason: Type.Optional(Text(1000)),
    sources: Type.Optional(Sources),
  },
  { additionalProperties: false },
);

export const SuccessorSeedRow = Type.Object(
  { after: Key, then: Key, reason: Type.Optional(Text(1000)), sources: Type.Optional(Sources) },
  { additionalProperties: false },
);
