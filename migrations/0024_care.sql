-- Care reminders (houseplant mode) and starter kits. A plant is cared for once it has a care profile
-- (made by onboarding or by setting one): its preset, the grower's own intervals beating the preset's
-- and the species' watering guide, and the watering interval learned from when it was watered. Each
-- care action confirmed is kept; the daily care job makes the due reminders as tasks.

create table plant_care_profiles (
  farm_id uuid not null references farms (id) on delete cascade,
  plant_id uuid not null,
  preset text not null check (preset in ('tropical', 'succulent', 'orchid', 'calathea', 'herb', 'mediterranean',
    'fern', 'cactus', 'outdoor-annual-vegetable', 'outdoor-perennial', 'custom')),
  enabled boolean not null default true,
  water_interval_days integer check (water_interval_days between 1 and 90),
  winter_factor double precision check (winter_factor > 0 and winter_factor <= 10),
  fertilize_interval_days integer check (fertilize_interval_days between 1 and 90),
  repot_interval_months integer check (repot_interval_months between 1 and 120),
  pest_check_interval_days integer check (pest_check_interval_days between 1 and 90),
  humidity_check_interval_days integer check (humidity_check_interval_days between 1 and 90),
  location_check boolean not null default false,
  location_check_months integer[] not null default '{}'
    check (1 <= all(location_check_months) and 12 >= all(location_check_months)),
  adaptive boolean not null default true,
  -- The watering interval learned so far, and the last watering it was learned from (one step each).
  learned_water_days integer check (learned_water_days between 1 and 200),
  learned_through timestamptz,
  -- The farm-local day care started: what reminders never done count from.
  started_on date not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, plant_id),
  foreign key (farm_id, plant_id) references plants (farm_id, id) on delete cascade
);
select croft_farm_rls('plant_care_profiles');

-- A care action done (watered, repotted …), confirmed by the grower. Its id may be made by the client:
-- a resend of the same confirmation answers the first (the one idempotency rule).
create table plant_care_confirmations (
  farm_id uuid not null references farms (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  plant_id uuid not null,
  kind text not null check (kind in ('water', 'fertilize', 'repot', 'pest_check', 'humidity_check', 'location_check')),
  at timestamptz not null,
  -- The farm-local day it was done on.
  day date not null,
  user_id uuid references users (id) on delete set null,
  request_hash text,
  created_at timestamptz not null,
  primary key (farm_id, id),
  foreign key (farm_id, plant_id) references plants (farm_id, id) on delete cascade
);
create index plant_care_confirmations_plant on plant_care_confirmations (farm_id, plant_id, kind, at desc);
select croft_farm_rls('plant_care_confirmations');

-- The farm-local days the daily care job has finished (a second run of a day adds nothing).
create table care_days (
  farm_id uuid not null references farms (id) on delete cascade,
  day date not null,
  reminders integer not null,
  finished_at timestamptz not null,
  primary key (farm_id, day)
);
select croft_farm_rls('care_days');

-- Starter kits ship with Croft (seed/catalog/starter-kits.yaml), loaded with the catalogue by their key.
-- Global only: every farm reads them, only the seed loader (system scope) writes them.
create table catalog_starter_kits (
  key text primary key check (key ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  position integer not null,
  -- {"en": "Windowsill herbs", "de": …}
  names jsonb not null,
  descriptions jsonb not null default '{}',
  -- The places the kit makes under its site: [{"key", "type", "names", "parent"?, "slots"?}], parents first.
  places jsonb not null,
  -- The place its plants stand (a key of places; in its slots while they last).
  plants_at text not null,
  -- Species keys, in the order plants are spread over them.
  species text[] not null check (cardinality(species) >= 1),
  suggested_plants integer not null check (suggested_plants between 1 and 100),
  updated_at timestamptz not null
);
alter table catalog_starter_kits enable row level security;
alter table catalog_starter_kits force row level security;
create policy starter_kits_read on catalog_starter_kits for select using (true);
create policy starter_kits_write on catalog_starter_kits for all using ((select croft_scope()) = 'system')
  with check ((select croft_scope()) = 'system');
