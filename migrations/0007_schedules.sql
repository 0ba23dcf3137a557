-- Schedules: time (cron or a daily window), duration cycles, and conditions over readings; when each
-- fires next (claimed under a row lock, so one instance fires it); and every execution.

create table schedules (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  device_id uuid not null,
  channel text,
  kind text not null check (kind in ('time', 'duration', 'condition')),
  action text not null check (action in ('on', 'off', 'toggle', 'set_value')),
  value double precision,
  priority integer not null default 0 check (priority between -1000 and 1000),
  enabled boolean not null default true,
  -- The kind's own settings (cron or window; on/off cycle; the condition and its damping).
  spec jsonb not null,
  -- When cycles without a window count from.
  anchor_at timestamptz not null,
  next_fire_at timestamptz,
  -- Condition schedules: whether the condition holds, since when, and per-leaf timers.
  state jsonb not null default '{}',
  consecutive_failures integer not null default 0,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  foreign key (farm_id, device_id) references devices (farm_id, id) on delete cascade,
  unique (farm_id, id)
);

create index schedules_due on schedules (next_fire_at) where enabled and next_fire_at is not null;
create index schedules_conditions on schedules (farm_id) where enabled and kind = 'condition';

create table schedule_executions (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  schedule_id uuid not null,
  scheduled_at timestamptz not null,
  actual_at timestamptz not null,
  status text not null check (status in ('pending', 'executed', 'failed', 'timeout', 'skipped')),
  action text not null,
  value double precision,
  command_id uuid,
  skipped_by uuid,
  device_response jsonb,
  error text,
  duration_ms integer,
  foreign key (farm_id, schedule_id) references schedules (farm_id, id) on delete cascade
);

create index schedule_executions_of on schedule_executions (schedule_id, scheduled_at desc);
create index schedule_executions_command on schedule_executions (command_id) where command_id is not null;

select croft_farm_rls(t::regclass) from unnest(array['schedules', 'schedule_executions']) as t;
