import { Type, type Static } from 'typebox';
import { DateTime, FarmParams, Nullable, OneOf, Page, PageLimit, Uuid } from '../../platform/http/schemas.js';
import {
  DISEASE_KINDS,
  INTERVAL_STATUSES,
  MOA_SCHEMES,
  PEST_KINDS,
  PROTECTION_KEY_PATTERN,
  PROTECTION_LIMITS,
  TREATMENT_METHODS,
} from './protection.seed-rules.js';

const ClientId = Type.Optional(
  Type.String({ format: 'uuid', description: 'A client-made id: a resend with the same body makes nothing twice' }),
);
const Text = (min: number, max: number, description?: string) =>
  Type.String({ minLength: min, maxLength: max, ...(min > 0 ? { pattern: '\\S' } : {}), description });
const Name = Text(1, PROTECTION_LIMITS.nameLength);
const LongText = (description?: string) => Text(1, PROTECTION_LIMITS.textLength, description);
const TextList = (description: string) =>
  Type.Array(Text(1, PROTECTION_LIMITS.textLength), { maxItems: PROTECTION_LIMITS.listItems, description });
const FamilyKeys = Type.Array(Type.String({ pattern: PROTECTION_KEY_PATTERN.source }), {
  minItems: 1,
  maxItems: PROTECTION_LIMITS.listItems,
  uniqueItems: true,
  description: 'Keys of the plant catalogue’s families (Croft’s or the farm’s own) it attacks',
});
const IdList = (description: string) =>
  Type.Array(Uuid, { maxItems: PROTECTION_LIMITS.listItems, uniqueItems: true, description });
const [lifeMin, lifeMax] = PROTECTION_LIMITS.lifecycleDays;
const [phiMin, phiMax] = PROTECTION_LIMITS.intervalDays;
const [reMin, reMax] = PROTECTION_LIMITS.reentryHours;

const ModeOfAction = Type.Object(
  {
    scheme: OneOf([...MOA_SCHEMES]),
    code: Type.String({
      minLength: 1,
      maxLength: 10,
      description: 'The group’s code: IRAC 4A, 11A, UN; FRAC 3, M02, P07; HRAC 9 (stored in canonical form)',
    }),
  },
  { additionalProperties: false },
);

// Pests

const pestFields = {
  name: Name,
  scientific_name: Name,
  kind: OneOf([...PEST_KINDS]),
  host_families: FamilyKeys,
  symptoms: LongText(),
  signs: Type.Optional(TextList('What to look for when inspecting')),
  lifecycle_days: Type.Optional(Nullable(Type.Integer({ minimum: lifeMin, maximum: lifeMax }))),
  notes: Type.Optional(Text(0, PROTECTION_LIMITS.textLength)),
};
export const NewPestBody = Type.Object({ id: ClientId, ...pestFields }, { additionalProperties: false });
export type NewPest = Static<typeof NewPestBody>;
export const PestPatchBody = Type.Partial(Type.Object(pestFields), {
  additionalProperties: false,
  minProperties: 1,
});
export type PestPatch = Static<typeof PestPatchBody>;

// Diseases

const diseaseFields = {
  name: Name,
  pathogen: Type.Optional(Nullable(Name)),
  kind: OneOf([...DISEASE_KINDS]),
  host_families: FamilyKeys,
  soil_borne: Type.Optional(Type.Boolean({ description: 'Survives in the soil between crops' })),
  symptoms: LongText(),
  favoured_by: Type.Optional(TextList('Conditions that favour it')),
  notes: Type.Optional(Text(0, PROTECTION_LIMITS.textLength)),
};
export const NewDiseaseBody = Type.Object({ id: ClientId, ...diseaseFields }, { additionalProperties: false });
export type NewDisease = Static<typeof NewDiseaseBody>;
export const DiseasePatchBody = Type.Partial(Type.Object(diseaseFields), {
  additionalProperties: false,
  minProperties: 1,
});
export type DiseasePatch = Static<typeof DiseasePatchBody>;

// Treatments

const treatmentFields = {
  name: Name,
  method: OneOf([...TREATMENT_METHODS]),
  pests: Type.Optional(IdList('Ids of the pests it acts against (Croft’s or the farm’s own)')),
  diseases: Type.Optional(IdList('Ids of the diseases it acts against')),
  description: LongText(),
  active_ingredient: Type.Optional(Nullable(Name)),
  organism: Type.Optional(Nullable(Name)),
  mode_of_action: Type.Optional(Nullable(ModeOfAction)),
  pre_harvest_interval_days: Type.Optional(
    Nullable(
      Type.Integer({
        minimum: phiMin,
        maximum: phiMax,
        description: 'Whole days after an application before a harvest is allowed; required for chemical',
      }),
    ),
  ),
  interval_status: Type.Optional(
    OneOf([...INTERVAL_STATUSES], {
      description: 'confirmed: checked against the product’s label; typical (the default) until then',
    }),
  ),
  reentry_hours: Type.Optional(Nullable(Type.Integer({ minimum: reMin, maximum: reMax }))),
  organic_allowed: Type.Optional(Type.Boolean()),
  notes: Type.Optional(Text(0, PROTECTION_LIMITS.textLength)),
};
export const NewTreatmentBody = Type.Object({ id: ClientId, ...treatmentFields }, { additionalProperties: false });
export type NewTreatment = Static<typeof NewTreatmentBody>;
export const TreatmentPatchBody = Type.Partial(Type.Object(treatmentFields), {
  additionalProperties: false,
  minProperties: 1,
});
export type TreatmentPatch = Static<typeof TreatmentPatchBody>;

export const IntervalBody = Type.Object(
  {
    days: Type.Integer({
      minimum: phiMin,
      maximum: phiMax,
      description: 'The pre-harvest interval on the label of the product the farm uses, in whole days',
    }),
    confirmed: Type.Literal(true, { description: 'The farm checked the days against the label' }),
  },
  { additionalProperties: false },
);
export type IntervalInput = Static<typeof IntervalBody>;

// Params and queries

export const ItemParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

const common = {
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Part of the name (or its Latin name)' })),
  origin: Type.Optional(OneOf(['global', 'farm'], { description: 'Only Croft’s rows, or only the farm’s own' })),
  family: Type.Optional(
    Type.String({ pattern: PROTECTION_KEY_PATTERN.source, description: 'A plant-catalogue family key it attacks' }),
  ),
  limit: PageLimit(),
  cursor: Type.Optional(Type.String({ maxLength: 400, description: 'The next_cursor of the page before' })),
};
export const PestQuery = Type.Object({ ...common, kind: Type.Optional(OneOf([...PEST_KINDS])) });
export type PestFilterQuery = Static<typeof PestQuery>;
export const DiseaseQuery = Type.Object({ ...common, kind: Type.Optional(OneOf([...DISEASE_KINDS])) });
export type DiseaseFilterQuery = Static<typeof DiseaseQuery>;
const Ref = (what: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: `A ${what}’s id or key it acts against` }));
export const TreatmentQuery = Type.Object({
  ...common,
  method: Type.Optional(OneOf([...TREATMENT_METHODS])),
  pest: Ref('pest'),
  disease: Ref('disease'),
});
export type TreatmentFilterQuery = Static<typeof TreatmentQuery>;

// Answers

const Origin = OneOf(['global', 'farm'], { description: 'global: ships with Croft, read-only; farm: the farm’s own' });
const meta = {
  retired: Type.Boolean({ description: 'A global row the seed no longer holds' }),
  created_at: DateTime,
  updated_at: DateTime,
};

export const PestView = Type.Object({
  id: Uuid,
  origin: Origin,
  key: Nullable(Type.String()),
  name: Type.String(),
  scientific_name: Type.String(),
  kind: OneOf([...PEST_KINDS]),
  host_families: Type.Array(Type.String()),
  catalog_names: Type.Array(Type.String()),
  symptoms: Type.String(),
  signs: Type.Array(Type.String()),
  lifecycle_days: Nullable(Type.Integer()),
  notes: Type.String(),
  ...meta,
});
export const PestPage = Page(PestView);

export const DiseaseView = Type.Object({
  id: Uuid,
  origin: Origin,
  key: Nullable(Type.String()),
  name: Type.String(),
  pathogen: Nullable(Type.String()),
  kind: OneOf([...DISEASE_KINDS]),
  host_families: Type.Array(Type.String()),
  soil_borne: Type.Boolean(),
  catalog_names: Type.Array(Type.String()),
  symptoms: Type.String(),
  favoured_by: Type.Array(Type.String()),
  notes: Type.String(),
  ...meta,
});
export const DiseasePage = Page(DiseaseView);

const TargetView = Type.Object({ id: Uuid, key: Nullable(Type.String()), name: Type.String() });

export const TreatmentView = Type.Object({
  id: Uuid,
  origin: Origin,
  key: Nullable(Type.String()),
  name: Type.String(),
  method: OneOf([...TREATMENT_METHODS]),
  pests: Type.Array(TargetView),
  diseases: Type.Array(TargetView),
  description: Type.String(),
  active_ingredient: Nullable(Type.String()),
  organism: Nullable(Type.String()),
  mode_of_action: Nullable(Type.Object({ scheme: OneOf([...MOA_SCHEMES]), code: Type.String() })),
  resistance_group: Nullable(
    Type.String({ description: 'What the resistance rule counts its uses by: `IRAC 3A`, or `ingredient:…`' }),
  ),
  interval_days: Nullable(
    Type.Integer({ description: 'The pre-harvest interval as the farm sees it: its confirmed days, else the typical' }),
  ),
  interval_status: Nullable(
    OneOf([...INTERVAL_STATUSES], {
      description: 'typical — check the label (a seeded value); confirmed: the farm checked it against its label',
    }),
  ),
  typical_interval_days: Nullable(Type.Integer({ description: 'The seeded (or stated) interval before confirming' })),
  interval_confirmed_at: Nullable(DateTime),
  reentry_hours: Nullable(Type.Integer()),
  organic_allowed: Type.Boolean(),
  notes: Type.String(),
  ...meta,
});
export const TreatmentPage = Page(TreatmentView);
