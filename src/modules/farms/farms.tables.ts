import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { Role } from '../../platform/tenancy/access.js';

export interface FarmTable {
  id: Generated<string>;
  name: string;
  slug: string;
  time_zone: string;
  latitude: number | null;
  longitude: number | null;
  description: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface MembershipTable {
  farm_id: string;
  user_id: string;
  role: Role;
  created_at: Timestamp;
}

export interface InvitationTable {
  id: Generated<string>;
  farm_id: string;
  email: string | null;
  role: Role;
  token_hash: string;
  invited_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  accepted_by: string | null;
  revoked_at: Timestamp | null;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    farms: FarmTable;
    memberships: MembershipTable;
    invitations: InvitationTable;
  }
}
