import { Type, type Static } from 'typebox';

export const Email = Type.String({ format: 'email', maxLength: 254, description: 'Email address (matched case-insensitively)' });
export const Password = Type.String({ minLength: 1, maxLength: 1024, description: '8–128 characters; the most common passwords are refused' });
export const Name = Type.String({ minLength: 1, maxLength: 200 });
export const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Asia/Phnom_Penh', examples: ['Europe/Berlin'] });
export const Locale = Type.Union([Type.Literal('en'), Type.Literal('km'), Type.Literal('de'), Type.Literal('es')], { description: 'en, km (Khmer), de or es' });
export const RoleSchema = Type.Union([Type.Literal('viewer'), Type.Literal('worker'), Type.Literal('manager'), Type.Literal('admin')],
  { description: 'viewer < worker < manager < admin' });
export const Uuid = Type.String({ format: 'uuid' });
export const DateTime = Type.String({ format: 'date-time' });

export const UserView = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  locale: Locale,
  timezone: Type.String(),
  is_instance_admin: Type.Boolean(),
  disabled: Type.Boolean(),
  created_at: DateTime,
}, { additionalProperties: false });
export type UserView = Static<typeof UserView>;

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds the access token stays valid' }),
  refresh_token: Type.Optional(Type.String({ description: 'Only when asked for with refresh_in_body; otherwise in the HttpOnly cookie' })),
}, { additionalProperties: false });

/** One of a constant list of strings (an `enum` in the schema), keeping the literal types. */
export const OneOf = <const T extends string[]>(values: readonly [...T], options: { description?: string } = {}) => Type.Enum(values, options);
