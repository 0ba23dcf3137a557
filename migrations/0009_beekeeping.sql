-- Beekeeping: hives standing in apiaries (locations of type apiary), the scale under each hive and
-- its history, queens with their lineage, and events on exactly one hive or apiary.

create table hives (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  apiary_id uuid not null,
  hive_type text not null default 'langstroth' check (hive_type in ('langstroth', 'dadant', 'national', 'top_bar', 'warre', 'layens', 'other')),
  layout jsonb not null default '{}',
  status text not null default 'active' check (status in ('active', 'dead_out', 'sold', 'united')),
  current_queen_id uuid,
  device_id uuid,
  scale_tare_kg double precision,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (farm_id, id),
  -- An apiary with hives cannot be deleted.
  foreign key (farm_id, apiary_id) references locations (farm_id, id) on delete restrict,
  foreign key (farm_id, device_id) references devices (farm_id, id) on delete set null (device_id)
);

-- A scale sits under one hive at a time.
create unique index hives_one_scale on hives (device_id) where device_id is not null;

-- Which scale sat under which hive when (a scale moves between hives).
create table hive_scales (
  farm_id uuid not null references farms (id) on delete cascade,
  hive_id uuid not null,
  device_id uuid not null,
  from_at timestamptz not null,
  to_at timestamptz,
  foreign key (farm_id, hive_id) references hives (farm_id, id) on delete cascade,
  foreign key (farm_id, device_id) references devices (farm_id, id) on delete cascade
);

create index hive_scales_of on hive_scales (hive_id, from_at desc);

create table queens (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  hive_id uuid not null,
  name text not null check (length(name) between 1 and 200),
  breed text check (length(breed) <= 100),
  birth_date date,
  marking_colour text check (marking_colour in ('white', 'yellow', 'red', 'green', 'blue')),
  clipped boolean not null default false,
  fertilised boolean not null default true,
  mother_id uuid,
  introduced_at date not null,
  retired_at date,
  created_at timestamptz not null,
  unique (farm_id, id),
  foreign key (farm_id, hive_id) references hives (farm_id, id) on delete cascade,
  foreign key (farm_id, mother_id) references queens (farm_id, id) on delete set null (mother_id)
);

alter table hives add foreign key (farm_id, current_queen_id) references queens (farm_id, id) on delete set null (current_queen_id);
create index queens_of on queens (hive_id, introduced_at desc, created_at desc);

create table bee_events (
  id uuid primary key,
  farm_id uuid not null references farms (id) on delete cascade,
  hive_id uuid,
  apiary_id uuid,
  type text not null check (type in ('inspection', 'feeding', 'treatment', 'harvest', 'swarm', 'split', 'unite', 'requeen', 'note', 'move')),
  date date not null,
  description text check (length(description) <= 5000),
  inspection jsonb,
  treatment jsonb,
  harvest jsonb,
  next_inspection date,
  -- When the members were reminded that the next inspection is due.
  reminded_at timestamptz,
  recorded_by uuid,
  created_at timestamptz not null,
  -- On exactly one hive or one apiary.
  check ((hive_id is null) <> (apiary_id is null)),
  foreign key (farm_id, hive_id) references hives (farm_id, id) on delete cascade,
  foreign key (farm_id, apiary_id) references locations (farm_id, id) on delete cascade
);

create index bee_events_hive on bee_events (hive_id, date desc) where hive_id is not null;
create index bee_events_apiary on bee_events (apiary_id, date desc) where apiary_id is not null;

select croft_farm_rls(t::regclass) from unnest(array['hives', 'hive_scales', 'queens', 'bee_events']) as t;
