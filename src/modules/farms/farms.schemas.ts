import { Type, type Static } from 'typebox';
import { DateTime, Email, Name, RoleSchema, TimeZone, Uuid } from '../../platform/http/schemas.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { SLUG_PATTERN } from './slug.engine.js';

export const Slug = Type.String({
  pattern: SLUG_PATTERN,
  maxLength: 63,
  description: 'Lower-case letters, digits and dashes; never shaped like a UUID',
});
export const Latitude = Type.Union([Type.Number({ minimum: -90, maximum: 90 }), Type.Null()]);
export const Longitude = Type.Union([Type.Number({ minimum: -180, maximum: 180 }), Type.Null()]);

export const FarmView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    slug: Type.String(),
    timezone: Type.String(),
    latitude: Latitude,
    longitude: Longitude,
    description: Type.String(),
    role: RoleSchema,
    created_at: DateTime,
  },
  { additionalProperties: false },
);
export type FarmView = Static<typeof FarmView>;

export const NewFarmBody = Type.Object(
  {
    name: Name,
    slug: Type.Optional(Slug),
    timezone: TimeZone,
    latitude: Type.Optional(Latitude),
    longitude: Type.Optional(Longitude),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const FarmPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    timezone: Type.Optional(TimeZone),
    latitude: Type.Optional(Latitude),
    longitude: Type.Optional(Longitude),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const MemberView = Type.Object(
  {
    user_id: Uuid,
    name: Type.String(),
    email: Type.String(),
    role: RoleSchema,
    joined_at: DateTime,
  },
  { additionalProperties: false },
);

export const InvitationView = Type.Object(
  {
    id: Uuid,
    email: Type.Union([Type.String(), Type.Null()]),
    role: RoleSchema,
    created_at: DateTime,
    expires_at: DateTime,
  },
  { additionalProperties: false },
);

export const NewInvitationBody = Type.Object(
  {
    email: Type.Optional(Email),
    role: RoleSchema,
  },
  { additionalProperties: false },
);

export const MemberParams = Type.Object({ farm: FarmParams.properties.farm, userId: Uuid });
