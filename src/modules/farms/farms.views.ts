import type { Role } from '../../platform/tenancy/access.js';
import type { FarmRow, InvitationRow, MemberRow } from './farms.repository.js';

export const farmView = (f: FarmRow, role: Role) => ({
  id: f.id,
  name: f.name,
  slug: f.slug,
  timezone: f.time_zone,
  latitude: f.latitude,
  longitude: f.longitude,
  description: f.description,
  role,
  created_at: f.created_at.toISOString(),
});

export const memberView = (m: MemberRow) => ({
  user_id: m.user_id,
  name: m.name,
  email: m.email,
  role: m.role,
  joined_at: m.created_at.toISOString(),
});

export const invitationView = (i: InvitationRow) => ({
  id: i.id,
  email: i.email,
  role: i.role,
  created_at: i.created_at.toISOString(),
  expires_at: i.expires_at.toISOString(),
});
