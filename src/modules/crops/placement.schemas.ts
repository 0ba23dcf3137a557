import { Type, type Static } from 'typebox';
import { Nullable, OneOf, Uuid } from '../../platform/http/schemas.js';

const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Place = Type.Object({ id: Uuid, name: Type.String(), type: Type.String() });
const FamilyRef = Type.Object({ key: Type.String(), name: Type.String() });
const Severity = Nullable(OneOf(['mild', 'moderate', 'severe']));

export const ValidatePlacementBody = Type.Object(
  {
    species_id: Type.String({ minLength: 1, maxLength: 201, description: 'The species: its id or its key' }),
    location_id: Uuid,
    planted_on: Type.Optional({ ...Day, description: 'The day it would be planted (today, farm-local, by default)' }),
  },
  { additionalProperties: false },
);
export type ValidatePlacement = Static<typeof ValidatePlacementBody>;

/** A manager's go-ahead against a rotation or companion refusal (audited). */
export const Acknowledge = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S', description: 'Why it is planted anyway' }),
  },
  {
    additionalProperties: false,
    description: 'Plant despite ROTATION_VIOLATION or INCOMPATIBLE_COMPANION: managers only (403 otherwise), audited',
  },
);

const RotationCheck = Type.Object({
  scope: Type.String({ description: 'slot: the slot alone; bed (row, zone, field): every place under it' }),
  location: Place,
  status: OneOf(['ok', 'violation', 'unknown']),
  last_planted_on: Nullable(Day),
  allowed_from_year: Type.Integer({ description: 'The first year the family may come back here for sure' }),
  records_since: Day,
});

export const PlacementView = Type.Object({
  species: Type.Object({ id: Uuid, key: Type.String(), scientific_name: Type.String() }),
  location: Place,
  planted_on: Day,
  ok: Type.Boolean({ description: 'Nothing refuses it: no rotation violation, no incompatible species next to it' }),
  rotation: Type.Object({
    applies: Type.Boolean({ description: 'In-ground places only: fields, beds, rows, zones and the slots in them' }),
    exempt_reason: Nullable(Type.String()),
    family: FamilyRef,
    pause_years: Type.Integer(),
    pause_source: OneOf(['species', 'family', 'farm']),
    year: Type.Integer(),
    status: OneOf(['ok', 'violation', 'unknown', 'exempt'], {
      description: 'unknown: a year inside the pause has no records here',
    }),
    allowed_from_year: Nullable(Type.Integer()),
    checks: Type.Array(RotationCheck),
  }),
  shared_soil_borne: Type.Array(
    Type.Object({ family: FamilyRef, shared: Type.Array(Type.String()), last_planted_on: Day }),
    { description: 'Warnings: recent families here that carry the same soil-borne pests or pathogens' },
  ),
  successor: Type.Object({
    previous: Type.Array(FamilyRef, { description: 'The families of the last season planted here' }),
    good_successor: Type.Boolean(),
    after: Type.Array(Type.Object({ family: Type.String(), reason: Type.String() })),
  }),
  nitrogen: Type.Object({
    fixes_nitrogen: Type.Boolean(),
    follows_nitrogen_fixer: Type.Boolean(),
    note: Nullable(Type.String()),
  }),
  companions: Type.Array(
    Type.Object({
      plant: Type.Object({
        id: Uuid,
        label: Type.String(),
        species: Type.String(),
        location: Type.Object({ id: Uuid, name: Type.String() }),
      }),
      relation: OneOf(['compatible', 'incompatible', 'none']),
      score: Nullable(Type.Number()),
      severity: Severity,
      match_level: Nullable(OneOf(['species', 'family'])),
      reason: Nullable(Type.String()),
      blocks: Type.Boolean({ description: 'An incompatible species-level pair: refuses the plant (422)' }),
    }),
    { description: 'The active plants in adjacent places (location edges) and how they get on with it' },
  ),
});

export const RotationSettingsBody = Type.Object(
  { window_years: Type.Integer({ minimum: 1, maximum: 8, description: 'The pause of a family that names none' }) },
  { additionalProperties: false },
);
export const RotationSettingsView = Type.Object({
  window_years: Type.Integer(),
  default: Type.Boolean({ description: 'True while the farm has not set it (4 years)' }),
});
