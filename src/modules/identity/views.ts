import type { FarmRow, MemberRow, InvitationRow } from '../farms/farms.repository.js';
import type { Role } from './access.js';
import type { ApiKeyRow, UserRow } from './identity.repository.js';

/** What clients see of a user: never the password hash. */
export const userView = (u: UserRow) => ({
  id: u.id, email: u.email, name: u.name, locale: u.locale, timezone: u.time_zone,
  is_instance_admin: u.is_instance_admin, disabled: u.disabled_at !== null, created_at: u.created_at.toISOString(),
});

export const farmView = (f: FarmRow, role: Role) => ({
  id: f.id, name: f.name, slug: f.slug, timezone: f.time_zone, latitude: f.latitude, longitude: f.longitude,
  description: f.description, role, created_at: f.created_at.toISOString(),
});

export const memberView = (m: MemberRow) => ({
  user_id: m.user_id, name: m.name, email: m.email, role: m.role, joined_at: m.created_at.toISOString(),
});

export const invitationView = (i: InvitationRow) => ({
  id: i.id, email: i.email, role: i.role, created_at: i.created_at.toISOString(), expires_at: i.expires_at.toISOString(),
});

/** What clients see of an API key: its prefix, never the key or its hash. */
export const apiKeyView = (k: ApiKeyRow) => ({
  id: k.id, name: k.name, role: k.role, prefix: `croft_${k.prefix}`, created_at: k.created_at.toISOString(),
  last_used_at: k.last_used_at?.toISOString() ?? null, revoked: k.revoked_at !== null,
});
