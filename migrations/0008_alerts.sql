-- Alerts: rules over readings and device health, alerts with their lifecycle; notifications: each
-- person's subscriptions, inbox, and webhook deliveries.

create table alert_rules (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  kind text not null check (kind in ('threshold', 'offline', 'silent', 'schedule_failed', 'low_battery', 'swarm')),
  metric text check (metric ~ '^[a-z][a-z0-9_]{0,63}$'),
  device_id uuid,
  location_id uuid,
  operator text check (operator in ('>', '>=', '<', '<=', 'outside', 'inside')),
  value double precision,
  low double precision,
  high double precision,
  aggregate text check (aggregate in ('min', 'max', 'avg', 'last', 'change')),
  window_s integer check (window_s between 0 and 86400),
  minutes integer check (minutes between 1 and 43200),
  severity text not null check (severity in ('info', 'warning', 'critical')),
  exclude_months smallint[] not null default '{}',
  exclude_hours smallint[] not null default '{}',
  -- How long the condition must have cleared before the alert resolves by itself.
  clear_s integer not null default 60 check (clear_s between 0 and 86400),
  enabled boolean not null default true,
  -- Set on rules a preset made (beekeeping insights switched on per apiary): one of each per location.
  preset text check (length(preset) <= 64),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  foreign key (farm_id, device_id) references devices (farm_id, id) on delete cascade,
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete cascade,
  unique (farm_id, id)
);

create unique index alert_rules_preset on alert_rules (farm_id, location_id, preset) where preset is not null;

create table alerts (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  rule_id uuid not null,
  device_id uuid,
  -- The rule's kind, or a finer one (temp_high, humidity_low …) for thresholds.
  type text not null,
  severity text not null check (severity in ('info', 'warning', 'critical')),
  message text not null,
  threshold jsonb,
  actual_value double precision,
  state text not null check (state in ('triggered', 'acknowledged', 'resolved')),
  triggered_at timestamptz not null,
  acknowledged_at timestamptz,
  acknowledged_by uuid,
  resolved_at timestamptz,
  resolved_by uuid,
  -- Since when the condition no longer holds (it resolves after the rule's clear_s).
  clear_since timestamptz,
  foreign key (farm_id, rule_id) references alert_rules (farm_id, id) on delete cascade
);

-- One active alert per rule and device.
create unique index alerts_one_active on alerts (rule_id, coalesce(device_id, '00000000-0000-0000-0000-000000000000'::uuid))
  where state <> 'resolved';
create index alerts_farm on alerts (farm_id, triggered_at desc);

select croft_farm_rls(t::regclass) from unnest(array['alert_rules', 'alerts']) as t;

-- A person's notification subscriptions, in one farm or in all of theirs.
create table notification_subscriptions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  farm_id uuid references farms (id) on delete cascade,
  alert_type text,
  min_severity text not null default 'info' check (min_severity in ('info', 'warning', 'critical')),
  channel text not null check (channel in ('in_app', 'webhook', 'email')),
  target text check (length(target) <= 2000),
  secret text,
  quiet_start text check (quiet_start ~ '^([01]\d|2[0-3]):[0-5]\d$'),
  quiet_end text check (quiet_end ~ '^([01]\d|2[0-3]):[0-5]\d$'),
  time_zone text not null default 'UTC',
  muted_until timestamptz,
  created_at timestamptz not null,
  check ((channel = 'in_app') = (target is null))
);

create table notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  farm_id uuid references farms (id) on delete cascade,
  alert_id uuid,
  title text not null check (length(title) <= 100),
  message text not null,
  severity text not null check (severity in ('urgent', 'important', 'info')),
  data jsonb not null default '{}',
  read_at timestamptz,
  created_at timestamptz not null
);

create index notifications_inbox on notifications (user_id, created_at desc);
create index notifications_unread on notifications (user_id) where read_at is null;

create table webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  subscription_id uuid not null references notification_subscriptions (id) on delete cascade,
  notification_id uuid references notifications (id) on delete set null,
  url text not null,
  body text not null,
  attempts jsonb not null default '[]',
  status text not null check (status in ('pending', 'delivered', 'failed')),
  created_at timestamptz not null
);

-- Each person sees their own (the system scope delivers).
do $$
declare t text;
begin
  foreach t in array array['notification_subscriptions', 'notifications', 'webhook_deliveries'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format('create policy own_rows on %I using (croft_scope() = ''system'' or user_id = croft_user_id())
      with check (croft_scope() = ''system'' or user_id = croft_user_id())', t);
  end loop;
end $$;
