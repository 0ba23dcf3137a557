-- Telemetry: devices (the minimal record the devices module grows), their credentials, series, raw
-- readings partitioned by week, hourly and daily rollups, and per-farm retention.

create table devices (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  -- The id the hardware reports (in MQTT topics), unique in its farm.
  device_id text not null check (device_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  name text not null check (length(name) between 1 and 200),
  type text not null check (type in ('gpio', 'relay', 'pwm', 'adc', 'servo', 'sensor', 'manual')),
  hardware_id text unique check (length(hardware_id) between 1 and 128),
  location_id uuid,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (farm_id, id),
  unique (farm_id, device_id),
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete restrict
);

-- A device's own secret for MQTT and HTTP Basic. Random and long, so stored as a SHA-256.
create table device_credentials (
  device_id uuid primary key references devices (id) on delete cascade,
  farm_id uuid not null references farms (id) on delete cascade,
  username text not null unique,
  secret_hash text not null,
  created_at timestamptz not null
);

-- A series is (farm, device, metric); readings refer to it by a small number.
create table series (
  id bigint generated always as identity primary key,
  farm_id uuid not null references farms (id) on delete cascade,
  device_id uuid not null,
  metric text not null check (metric ~ '^[a-z][a-z0-9_]{0,63}$'),
  unit text check (length(unit) between 1 and 32),
  created_at timestamptz not null,
  unique (farm_id, device_id, metric),
  foreign key (farm_id, device_id) references devices (farm_id, id) on delete cascade
);

create table readings (
  series_id bigint not null,
  ts timestamptz not null,
  value double precision not null,
  quality smallint not null default 0 check (quality in (0, 1, 2)),
  received_at timestamptz not null,
  farm_id uuid not null,
  primary key (series_id, ts)
) partition by range (ts);

create table readings_hourly (
  series_id bigint not null references series (id) on delete cascade,
  bucket timestamptz not null,
  farm_id uuid not null,
  min double precision not null,
  max double precision not null,
  sum double precision not null,
  count integer not null,
  last double precision not null,
  last_ts timestamptz not null,
  primary key (series_id, bucket)
);

-- Days start at midnight in the farm's time zone.
create table readings_daily (like readings_hourly including all);
alter table readings_daily add foreign key (series_id) references series (id) on delete cascade;

-- Hours touched by ingest (late data included) waiting for the rollup job.
create table rollup_dirty (
  series_id bigint not null,
  hour timestamptz not null,
  farm_id uuid not null,
  primary key (series_id, hour)
);

create table telemetry_settings (
  farm_id uuid primary key references farms (id) on delete cascade,
  raw_days integer not null check (raw_days between 1 and 3650),
  hourly_days integer not null check (hourly_days between 1 and 36500),
  daily_days integer not null check (daily_days between 1 and 36500)
);

select croft_farm_rls(t::regclass) from unnest(array['devices', 'device_credentials', 'series', 'readings',
  'readings_hourly', 'readings_daily', 'rollup_dirty', 'telemetry_settings']) as t;
