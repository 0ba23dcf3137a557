-- Crops: planting runs (plants put in together), plants with their growth phase and its history, and
-- where a location's air temperature and humidity come from. Runs, plants and phase moves may be made
-- with a client-made id (an offline phone): unique per farm, stored with the request's hash
-- (docs/idempotency.md).

create table planting_runs (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  type text not null check (type in ('monoculture', 'clone')),
  status text not null default 'planned' check (status in ('planned', 'active', 'harvesting', 'completed', 'cancelled')),
  location_id uuid,
  -- A clone run's mother plant.
  source_plant_id uuid,
  -- The run's one entry: what is planted, how many, and the prefix of the plants' ids.
  species_id uuid not null references catalog_species (id) on delete restrict,
  cultivar_id uuid references catalog_cultivars (id) on delete restrict,
  quantity integer not null check (quantity between 1 and 10000),
  id_prefix text not null check (id_prefix ~ '^[A-Z]{2,5}$'),
  planned_on date,
  started_at timestamptz,
  ended_at timestamptz,
  notes text not null default '' check (length(notes) <= 4000),
  request_hash text check (length(request_hash) = 64),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, id),
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete restrict,
  check (type = 'monoculture' or source_plant_id is not null)
);
create index planting_runs_of_farm on planting_runs (farm_id, created_at desc);
select croft_farm_rls('planting_runs');

create table plants (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  -- The plant's name on its tag: {LOCATION CODE}_{PREFIX}_{NN}, unique in its farm.
  label text not null check (label ~ '^[A-Z0-9][A-Z0-9_-]{0,79}$'),
  species_id uuid not null references catalog_species (id) on delete restrict,
  cultivar_id uuid references catalog_cultivars (id) on delete restrict,
  location_id uuid,
  run_id uuid,
  -- The plant it was cloned from (lineage: mother → clones, any depth).
  mother_id uuid,
  planted_on date not null,
  removed_on date,
  container_volume_l double precision check (container_volume_l between 0.1 and 500),
  -- The current phase (a phase of the species' sequence) and when it began; null: not started.
  phase_id uuid references catalog_phases (id) on delete restrict,
  phase_started_at timestamptz,
  cycle integer not null default 1 check (cycle >= 1),
  notes text not null default '' check (length(notes) <= 4000),
  request_hash text check (length(request_hash) = 64),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, id),
  unique (farm_id, label),
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete restrict,
  foreign key (farm_id, run_id) references planting_runs (farm_id, id) on delete cascade,
  foreign key (farm_id, mother_id) references plants (farm_id, id) on delete restrict,
  check (removed_on is null or removed_on >= planted_on)
);
create index plants_at on plants (farm_id, location_id) where removed_on is null;
create index plants_of_run on plants (farm_id, run_id);
create index plants_of_mother on plants (farm_id, mother_id) where mother_id is not null;
select croft_farm_rls('plants');

alter table planting_runs add foreign key (farm_id, source_plant_id) references plants (farm_id, id) on delete restrict;

-- Every phase a plant was in: the open row (exited_at null) is its current phase.
create table plant_phase_history (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  plant_id uuid not null,
  phase_id uuid not null references catalog_phases (id) on delete restrict,
  cycle integer not null check (cycle >= 1),
  entered_at timestamptz not null,
  exited_at timestamptz,
  -- Whole days in the phase (floor), set when it closes.
  duration_days integer check (duration_days >= 0),
  -- How the plant came into this phase.
  reason text not null check (reason in ('initial', 'manual', 'forced', 'restart', 'auto_days', 'auto_gdd', 'auto_dormancy')),
  note text check (length(note) <= 1000),
  -- The farm-local day an automatic move was made for: the daily job moves a plant at most once a day.
  auto_day date,
  user_id uuid references users (id) on delete set null,
  -- A move made with a client-made id, per plant (a run's move gives each plant's row its own id).
  client_id uuid,
  request_hash text check (length(request_hash) = 64),
  primary key (farm_id, id),
  foreign key (farm_id, plant_id) references plants (farm_id, id) on delete cascade,
  check ((reason like 'auto_%') = (auto_day is not null))
);
create index plant_phase_history_of on plant_phase_history (farm_id, plant_id, entered_at);
create unique index plant_phase_history_client on plant_phase_history (farm_id, client_id, plant_id) where client_id is not null;
create unique index plant_phase_history_open on plant_phase_history (farm_id, plant_id) where exited_at is null;
create unique index plant_phase_history_auto_once on plant_phase_history (farm_id, plant_id, auto_day) where auto_day is not null;
select croft_farm_rls('plant_phase_history');

-- Which series a location's air temperature (and humidity) come from, when the grower names them;
-- without one, the nearest device up the location tree that sends the metric is used.
create table location_climate (
  farm_id uuid not null references farms (id) on delete cascade,
  location_id uuid not null,
  temperature_series_id bigint references series (id) on delete set null,
  humidity_series_id bigint references series (id) on delete set null,
  updated_at timestamptz not null,
  primary key (farm_id, location_id),
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete cascade
);
select croft_farm_rls('location_climate');

-- The daily growth job's finished days per farm: a day is run once (a run cut short is run again, and
-- moves nothing twice: see plant_phase_history_auto_once).
create table growth_days (
  farm_id uuid not null references farms (id) on delete cascade,
  day date not null,
  moved integer not null default 0,
  finished_at timestamptz not null,
  primary key (farm_id, day)
);
select croft_farm_rls('growth_days');
