-- Which planting run sets a location's climate targets (its phase's temperature, humidity, VPD and
-- photoperiod), when the grower chooses one; without a choice, the one active run there does.
create table location_target_sources (
  farm_id uuid not null references farms (id) on delete cascade,
  location_id uuid not null,
  run_id uuid not null,
  updated_at timestamptz not null,
  primary key (farm_id, location_id),
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete cascade,
  foreign key (farm_id, run_id) references planting_runs (farm_id, id) on delete cascade
);
select croft_farm_rls('location_target_sources');
