import type { Session } from './auth.service.js';
import type { ApiKeyListRow, UserRow } from './identity.repository.js';

/** What clients see of a user: never the password hash. */
export const userView = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  locale: u.locale,
  timezone: u.time_zone,
  is_instance_admin: u.is_instance_admin,
  disabled: u.disabled_at !== null,
  created_at: u.created_at.toISOString(),
});

/**
 * What clients see of an API key: its prefix, never the key or its hash; who made it (the name while
 * they are a member of the farm) and whether it works (not revoked, its creator still an admin).
 */
export const apiKeyView = (k: ApiKeyListRow) => ({
  id: k.id,
  name: k.name,
  role: k.role,
  prefix: `croft_${k.prefix}`,
  created_at: k.created_at.toISOString(),
  created_by: k.created_by === null ? null : { id: k.created_by, name: k.created_by_name },
  last_used_at: k.last_used_at?.toISOString() ?? null,
  revoked: k.revoked_at !== null,
  active: k.revoked_at === null && k.creator_is_admin,
});

/** A sign-in's tokens; the refresh token only when it goes in the body (otherwise it is in the cookie). */
export const tokenView = (session: Session, withRefresh: boolean) => ({
  access_token: session.accessToken,
  token_type: 'Bearer' as const,
  expires_in: session.expiresIn,
  ...(withRefresh ? { refresh_token: session.refreshToken } : {}),
});
