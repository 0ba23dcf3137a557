-- Identity: users, farms (the tenants), memberships, invitations, sessions, API keys, the audit log.
-- Every farm-scoped table has row-level security enabled and forced; policies read the scope the
-- transaction helper sets (croft_scope(), croft_farm_id(), croft_user_id()). Times come from the
-- application's clock, never from now().

-- Instance-wide secrets (the access-token signing key), made once at first start.
create table croft_instance (
  id boolean primary key default true check (id),
  jwt_secret text not null,
  created_at timestamptz not null
);
alter table croft_instance enable row level security;
alter table croft_instance force row level security;
create policy croft_instance_system on croft_instance using (croft_scope() = 'system') with check (croft_scope() = 'system');

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (length(email) between 3 and 254),
  name text not null check (length(name) between 1 and 200),
  locale text not null default 'en' check (locale in ('en', 'km', 'de', 'es')),
  time_zone text not null default 'UTC',
  password_hash text not null,
  is_instance_admin boolean not null default false,
  disabled_at timestamptz,
  -- Access tokens issued before this moment no longer count (password change, disable, logout-all).
  tokens_valid_after timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index users_email_key on users (lower(email));

create table farms (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  -- Never shaped like a UUID, so a path segment is unambiguously an id or a slug.
  slug text not null check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$' and slug !~ '^[0-9a-f]{8}-[0-9a-f]{4}-'),
  time_zone text not null,
  latitude double precision check (latitude between -90 and 90),
  longitude double precision check (longitude between -180 and 180),
  description text not null default '',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  deleted_at timestamptz
);
create unique index farms_slug_key on farms (slug);

create table memberships (
  farm_id uuid not null references farms (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('admin', 'manager', 'worker', 'viewer')),
  created_at timestamptz not null,
  primary key (farm_id, user_id)
);
create index memberships_user_idx on memberships (user_id);

create table invitations (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  email text,
  role text not null check (role in ('admin', 'manager', 'worker', 'viewer')),
  token_hash text not null unique,
  invited_by uuid references users (id) on delete set null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by uuid references users (id) on delete set null,
  revoked_at timestamptz
);
create index invitations_farm_idx on invitations (farm_id);

-- Refresh tokens, one row per token; a family is one sign-in, rotated on every use (RFC 9700).
create table refresh_tokens (
  id uuid primary key default gen_random_uuid(),
  family_id uuid not null,
  user_id uuid not null references users (id) on delete cascade,
  token_hash text not null unique,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  rotated_at timestamptz,
  revoked_at timestamptz,
  user_agent text,
  ip text
);
create index refresh_tokens_family_idx on refresh_tokens (family_id);
create index refresh_tokens_user_idx on refresh_tokens (user_id);

create table password_resets (
  token_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);

-- Failed sign-ins per submitted email, whether or not such an account exists.
create table login_throttle (
  email_key text primary key,
  failures integer not null default 0,
  lockouts integer not null default 0,
  locked_until timestamptz,
  last_failure_at timestamptz not null
);

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  role text not null check (role in ('admin', 'manager', 'worker', 'viewer')),
  prefix text not null unique,
  key_hash text not null,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null,
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_farm_idx on api_keys (farm_id);

-- Append-only: the application role may insert and read, never change or remove.
create table audit_log (
  id bigint generated always as identity primary key,
  farm_id uuid,
  user_id uuid,
  api_key_id uuid,
  event_type text not null,
  category text not null,
  severity text not null check (severity in ('info', 'warning', 'critical')),
  message text not null,
  data jsonb not null default '{}',
  ip text,
  user_agent text,
  created_at timestamptz not null
);
create index audit_log_farm_idx on audit_log (farm_id, id desc);
create index audit_log_user_idx on audit_log (user_id, id desc) where farm_id is null;
revoke update, delete, truncate on audit_log from croft_app;

-- Row-level security.
alter table users enable row level security;
alter table users force row level security;
create policy users_visible on users
  using (croft_scope() = 'system' or id = croft_user_id()
    or exists (select 1 from memberships m where m.user_id = users.id and m.farm_id = croft_farm_id()))
  with check (croft_scope() = 'system' or id = croft_user_id());

alter table farms enable row level security;
alter table farms force row level security;
create policy farms_visible on farms
  using (croft_scope() = 'system' or id = croft_farm_id()
    or exists (select 1 from memberships m where m.farm_id = farms.id and m.user_id = croft_user_id()))
  with check (croft_scope() = 'system' or id = croft_farm_id());

alter table memberships enable row level security;
alter table memberships force row level security;
create policy memberships_visible on memberships
  using (croft_scope() = 'system' or farm_id = croft_farm_id() or user_id = croft_user_id())
  with check (croft_scope() = 'system' or farm_id = croft_farm_id());

select croft_farm_rls('invitations');

alter table refresh_tokens enable row level security;
alter table refresh_tokens force row level security;
create policy refresh_tokens_own on refresh_tokens
  using (croft_scope() = 'system' or user_id = croft_user_id())
  with check (croft_scope() = 'system' or user_id = croft_user_id());

alter table password_resets enable row level security;
alter table password_resets force row level security;
create policy password_resets_own on password_resets
  using (croft_scope() = 'system' or user_id = croft_user_id())
  with check (croft_scope() = 'system' or user_id = croft_user_id());

alter table login_throttle enable row level security;
alter table login_throttle force row level security;
create policy login_throttle_system on login_throttle using (croft_scope() = 'system') with check (croft_scope() = 'system');

select croft_farm_rls('api_keys');

alter table audit_log enable row level security;
alter table audit_log force row level security;
create policy audit_log_read on audit_log for select
  using (croft_scope() = 'system' or farm_id = croft_farm_id()
    or (farm_id is null and user_id = croft_user_id()));
create policy audit_log_append on audit_log for insert
  with check (croft_scope() = 'system' or farm_id = croft_farm_id() or farm_id is null);
