import { Type, type Static } from 'typebox';
import { DateTime, Email, FarmParams, Name, RoleSchema, TimeZone, Uuid } from '../../platform/http/schemas.js';
import { FarmView, NewFarmBody } from '../farms/index.js';

export const Password = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: '8–128 characters; the most common passwords are refused',
});
export const Locale = Type.Union([Type.Literal('en'), Type.Literal('km'), Type.Literal('de'), Type.Literal('es')], {
  description: 'en, km (Khmer), de or es',
});

export const UserView = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    name: Type.String(),
    locale: Locale,
    timezone: Type.String(),
    is_instance_admin: Type.Boolean(),
    disabled: Type.Boolean(),
    created_at: DateTime,
  },
  { additionalProperties: false },
);
export type UserView = Static<typeof UserView>;

export const TokenResponse = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer({ description: 'Seconds the access token stays valid' }),
    refresh_token: Type.Optional(
      Type.String({ description: 'Only when asked for with refresh_in_body; otherwise in the HttpOnly cookie' }),
    ),
  },
  { additionalProperties: false },
);

// Sign-in and accounts

export const AuthStatusView = Type.Object({
  needs_setup: Type.Boolean(),
  registration: Type.Union([Type.Literal('open'), Type.Literal('invite'), Type.Literal('closed')]),
  setup_token_required: Type.Boolean(),
  light_mode: Type.Boolean(),
});

export const SetupBody = Type.Object(
  {
    email: Email,
    password: Password,
    name: Name,
    locale: Type.Optional(Locale),
    timezone: Type.Optional(TimeZone),
    farm: NewFarmBody,
    setup_token: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);
export type SetupRequest = Static<typeof SetupBody>;
/** What the first-run setup takes: the body, with its setup token named as the service names it. */
export type Setup = Omit<SetupRequest, 'setup_token'> & { setupToken?: string | undefined };

export const SetupResponse = Type.Object({ ...TokenResponse.properties, user: UserView, farm: FarmView });

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Password,
    name: Name,
    locale: Type.Optional(Locale),
    timezone: Type.Optional(TimeZone),
    invitation: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Invitation token; joins its farm' }),
    ),
  },
  { additionalProperties: false },
);
export type Registration = Static<typeof RegisterBody>;
/** A new account: what registering takes, without the invitation. */
export type NewUser = Omit<Registration, 'invitation'>;

export const RegisterResponse = Type.Object({ user: UserView });

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    refresh_in_body: Type.Optional(Type.Boolean({ description: 'Native apps: return the refresh token in the body' })),
  },
  { additionalProperties: false },
);

export const RefreshBody = Type.Object(
  { refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

export const ProfilePatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    locale: Type.Optional(Locale),
    timezone: Type.Optional(TimeZone),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ProfilePatch = Static<typeof ProfilePatchBody>;

export const PasswordChangeBody = Type.Object(
  {
    current_password: Type.String({ minLength: 1, maxLength: 1024 }),
    new_password: Password,
  },
  { additionalProperties: false },
);

export const PasswordResetBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), password: Password },
  { additionalProperties: false },
);

// Users and invitations

export const UserParams = Type.Object({ id: Uuid });

export const InvitationTokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });

export const AcceptedInvitationView = Type.Object({ farm_id: Uuid, role: RoleSchema });

// API keys

export const ApiKeyView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    role: RoleSchema,
    prefix: Type.String({ description: 'The visible start of the key' }),
    created_at: DateTime,
    created_by: Type.Union([
      Type.Object(
        {
          id: Uuid,
          name: Type.Union([Type.String(), Type.Null()], { description: 'null once they left the farm' }),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    last_used_at: Type.Union([DateTime, Type.Null()]),
    revoked: Type.Boolean(),
    active: Type.Boolean({
      description: 'Whether the key works: not revoked, and its creator still an admin of the farm',
    }),
  },
  { additionalProperties: false },
);

export const ApiKeyList = Type.Object({ data: Type.Array(ApiKeyView) });

export const NewApiKeyBody = Type.Object({ name: Name, role: RoleSchema }, { additionalProperties: false });
export type NewApiKey = Static<typeof NewApiKeyBody>;

export const CreatedApiKeyView = Type.Object({ ...ApiKeyView.properties, key: Type.String() });

export const ApiKeyParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });
