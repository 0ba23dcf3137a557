import type { Generated } from 'kysely';
import type { Timestamp } from '../../platform/db/schema.js';
import type { Role } from '../../platform/tenancy/access.js';

export interface InstanceTable {
  id: Generated<boolean>;
  jwt_secret: string;
  created_at: Timestamp;
}

export interface UserTable {
  id: Generated<string>;
  email: string;
  name: string;
  locale: Generated<Locale>;
  time_zone: Generated<string>;
  password_hash: string;
  is_instance_admin: Generated<boolean>;
  disabled_at: Timestamp | null;
  tokens_valid_after: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RefreshTokenTable {
  id: Generated<string>;
  family_id: string;
  user_id: string;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  rotated_at: Timestamp | null;
  revoked_at: Timestamp | null;
  user_agent: string | null;
  ip: string | null;
}

export interface PasswordResetTable {
  token_hash: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface LoginThrottleTable {
  email_key: string;
  failures: number;
  lockouts: number;
  locked_until: Timestamp | null;
  last_failure_at: Timestamp;
}

export interface ApiKeyTable {
  id: Generated<string>;
  farm_id: string;
  name: string;
  role: Role;
  prefix: string;
  key_hash: string;
  created_by: string | null;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export const LOCALES = ['en', 'km', 'de', 'es'] as const;
export type Locale = (typeof LOCALES)[number];

declare module '../../platform/db/schema.js' {
  interface DB {
    croft_instance: InstanceTable;
    users: UserTable;
    refresh_tokens: RefreshTokenTable;
    password_resets: PasswordResetTable;
    login_throttle: LoginThrottleTable;
    api_keys: ApiKeyTable;
  }
}
