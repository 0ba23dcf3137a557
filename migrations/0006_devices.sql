-- Devices grow into the registry: model, firmware, presence; channels with safe states;
-- configuration parameters; the command queue; emergency stops.

alter table devices
  add column model text check (length(model) between 1 and 100),
  add column firmware_version text check (firmware_version ~ '^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$'),
  add column active boolean not null default true,
  add column online boolean not null default false,
  add column last_heartbeat_at timestamptz,
  add column signal_strength real,
  add column heap_free bigint,
  add column uptime_seconds bigint,
  add column last_command_status text,
  add column last_command_at timestamptz;

create index devices_online on devices (farm_id) where online;

-- What a controller drives (one ESP32, four relays: fan 1, fan 2, heater, feeder).
create table device_channels (
  farm_id uuid not null references farms (id) on delete cascade,
  device_id uuid not null,
  name text not null check (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  kind text not null check (kind in ('fan', 'heater', 'cooler', 'light', 'pump', 'valve', 'feeder', 'belt', 'humidifier',
    'vent', 'door', 'motor', 'other')),
  -- What it must be in an emergency: on (a poultry-house fan), off (a heater), a value, or left as it is.
  safe_state text not null check (safe_state in ('on', 'off', 'value', 'unchanged')),
  safe_value double precision,
  position smallint not null,
  primary key (device_id, name),
  foreign key (farm_id, device_id) references devices (farm_id, id) on delete cascade,
  check ((safe_state = 'value') = (safe_value is not null))
);

create table device_config (
  farm_id uuid not null references farms (id) on delete cascade,
  device_id uuid not null,
  name text not null check (name ~ '^[a-z][a-z0-9_]{0,63}$'),
  value jsonb not null,
  unit text check (length(unit) between 1 and 32),
  min double precision,
  max double precision,
  calibrated boolean not null default false,
  updated_at timestamptz not null,
  primary key (device_id, name),
  foreign key (farm_id, device_id) references devices (farm_id, id) on delete cascade,
  check (min is null or max is null or min <= max)
);

create table commands (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  device_id uuid not null,
  channel text,
  action text not null check (action in ('on', 'off', 'toggle', 'set_value', 'set_angle', 'set_speed')),
  value double precision,
  duration_ms integer check (duration_ms between 1 and 86400000),
  -- 0 emergency, 1 high, 2 normal, 3 low: delivered in this order, then oldest first.
  priority smallint not null check (priority between 0 and 3),
  status text not null check (status in ('queued', 'sent', 'executing', 'completed', 'failed', 'timeout', 'expired', 'cancelled')),
  source text not null check (source in ('api', 'batch', 'schedule', 'emergency')),
  idempotency_key text check (length(idempotency_key) between 1 and 200),
  batch_id uuid,
  requested_by_user uuid,
  requested_by_api_key uuid,
  error text,
  new_state jsonb,
  deliveries integer not null default 0,
  delivered_at timestamptz,
  queued_at timestamptz not null,
  sent_at timestamptz,
  executing_at timestamptz,
  finished_at timestamptz,
  expires_at timestamptz not null,
  foreign key (farm_id, device_id) references devices (farm_id, id) on delete cascade
);

create unique index commands_idempotency on commands (farm_id, device_id, idempotency_key) where idempotency_key is not null;
-- The dispatcher's and the sweeper's questions: what waits for a device, what waits for an answer.
create index commands_pending on commands (device_id, priority, queued_at) where status in ('queued', 'sent');
create index commands_open on commands (status, farm_id) where status in ('queued', 'sent', 'executing');
create index commands_recent on commands (farm_id, queued_at desc);

create table emergency_stops (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  reason text check (length(reason) <= 500),
  started_at timestamptz not null,
  started_by_user uuid,
  started_by_api_key uuid,
  released_at timestamptz,
  released_by_user uuid,
  released_by_api_key uuid
);

-- At most one emergency stop holds per farm.
create unique index emergency_stops_holding on emergency_stops (farm_id) where released_at is null;

select croft_farm_rls(t::regclass) from unnest(array['device_channels', 'device_config', 'commands', 'emergency_stops']) as t;
