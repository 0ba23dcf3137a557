-- Harvests (crops.md "Plant protection (IPM) and harvest"): batches taken from a plant or from a planting
-- run as a whole, and quality assessments of a batch (score and grade worked out by harvests.engine.ts and
-- stored as they were when assessed). The pre-harvest interval gate reads treatment applications (0031),
-- not these tables.

create table harvests (
  farm_id uuid not null references farms (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- A plant's batch names the plant (and its run, when it has one); a run's batch only the run.
  plant_id uuid,
  run_id uuid,
  harvested_on date not null,
  weight_g double precision check (weight_g > 0 and weight_g <= 1000000000),
  count integer check (count > 0),
  notes text check (length(notes) <= 2000),
  user_id uuid references users (id) on delete set null,
  request_hash text,
  created_at timestamptz not null,
  primary key (farm_id, id),
  -- A plant deleted (made by mistake) takes its batches; a plant removed (removed_on) keeps them.
  foreign key (farm_id, plant_id) references plants (farm_id, id) on delete cascade,
  foreign key (farm_id, run_id) references planting_runs (farm_id, id) on delete cascade,
  check (plant_id is not null or run_id is not null),
  check (weight_g is not null or count is not null)
);
create index harvests_by_day on harvests (farm_id, harvested_on desc, id desc);
create index harvests_of_run on harvests (farm_id, run_id, harvested_on desc) where run_id is not null;
create index harvests_of_plant on harvests (farm_id, plant_id, harvested_on desc) where plant_id is not null;
select croft_farm_rls('harvests');

create table harvest_quality (
  farm_id uuid not null references farms (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- The order assessments were stored in: the latest is the last made (two may share a moment).
  seq bigint generated always as identity,
  harvest_id uuid not null,
  appearance double precision not null check (appearance between 0 and 100),
  aroma double precision not null check (aroma between 0 and 100),
  colour double precision not null check (colour between 0 and 100),
  -- Each distinct defect (its key) with the points it cost: [{"defect": "mould", "penalty": 50}, …].
  defects jsonb not null default '[]' check (jsonb_typeof(defects) = 'array'),
  score double precision not null check (score between 0 and 100),
  grade text not null check (grade in ('A+', 'A', 'B', 'C', 'D')),
  notes text check (length(notes) <= 2000),
  assessed_at timestamptz not null,
  user_id uuid references users (id) on delete set null,
  request_hash text,
  created_at timestamptz not null,
  primary key (farm_id, id),
  foreign key (farm_id, harvest_id) references harvests (farm_id, id) on delete cascade
);
create index harvest_quality_latest on harvest_quality (farm_id, harvest_id, seq desc);
select croft_farm_rls('harvest_quality');
