-- Plant inspections (crops.md "Plant protection (IPM) and harvest"; crops-corrections.md item 18): what was
-- found on one plant, one planting run or one location (and the places under it) on a farm-local day, the
-- pressure it put the target under, and the catalogue's pests and diseases seen. The next inspection is
-- worked out from the latest inspection of a target (protection.engine.ts) and made a task; nothing of it is
-- stored here.

create table plant_inspections (
  farm_id uuid not null references farms (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- The order inspections were stored in: of two on one day, the later stored is the latest.
  seq bigint generated always as identity,
  -- Exactly one target: a plant, a run as a whole, or a location.
  plant_id uuid,
  run_id uuid,
  location_id uuid,
  inspected_on date not null,
  pressure text not null check (pressure in ('none', 'low', 'medium', 'high', 'critical')),
  notes text check (length(notes) <= 2000),
  user_id uuid references users (id) on delete set null,
  request_hash text,
  created_at timestamptz not null,
  primary key (farm_id, id),
  -- A target deleted (made by mistake) takes its inspections; a plant removed (removed_on) keeps them.
  foreign key (farm_id, plant_id) references plants (farm_id, id) on delete cascade,
  foreign key (farm_id, run_id) references planting_runs (farm_id, id) on delete cascade,
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete cascade,
  check (num_nonnulls(plant_id, run_id, location_id) = 1)
);
create index plant_inspections_by_day on plant_inspections (farm_id, inspected_on desc, id desc);
create index plant_inspections_of_plant on plant_inspections (farm_id, plant_id, inspected_on desc, seq desc)
  where plant_id is not null;
create index plant_inspections_of_run on plant_inspections (farm_id, run_id, inspected_on desc, seq desc)
  where run_id is not null;
create index plant_inspections_of_location on plant_inspections (farm_id, location_id, inspected_on desc, seq desc)
  where location_id is not null;
select croft_farm_rls('plant_inspections');

-- The catalogue's pests and diseases an inspection found (global rows or the farm's own). A farm's own pest
-- or disease deleted leaves the inspections that named it, without it.
create table plant_inspection_pests (
  farm_id uuid not null,
  inspection_id uuid not null,
  pest_id uuid not null references protection_pests (id) on delete cascade,
  primary key (farm_id, inspection_id, pest_id),
  foreign key (farm_id, inspection_id) references plant_inspections (farm_id, id) on delete cascade
);
create index plant_inspection_pests_pest on plant_inspection_pests (pest_id);
select croft_farm_rls('plant_inspection_pests');

create table plant_inspection_diseases (
  farm_id uuid not null,
  inspection_id uuid not null,
  disease_id uuid not null references protection_diseases (id) on delete cascade,
  primary key (farm_id, inspection_id, disease_id),
  foreign key (farm_id, inspection_id) references plant_inspections (farm_id, id) on delete cascade
);
create index plant_inspection_diseases_disease on plant_inspection_diseases (disease_id);
select croft_farm_rls('plant_inspection_diseases');
