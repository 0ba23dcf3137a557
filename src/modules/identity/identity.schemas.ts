import { Type, type Static } from 'typebox';
import { DateTime, Email, Name, RoleSchema, TimeZone, Uuid } from '../../platform/http/schemas.js';

export const Password = Type.String({ minLength: 1, maxLength: 1024, description: '8–128 characters; the most common passwords are refused' });
export const Locale = Type.Union([Type.Literal('en'), Type.Literal('km'), Type.Literal('de'), Type.Literal('es')], { description: 'en, km (Khmer), de or es' });

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

