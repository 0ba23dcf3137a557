-- Plant protection, part two: treatment applications (crops.md "Plant protection (IPM) and harvest";
-- crops-corrections.md items 1 and 2). An application is made on one plant, on a planting run as a whole,
-- or on a location (a bed, a house …), on a farm-local day. What the rules need of the treatment is copied
-- onto the row as it was that day — its name, active ingredient, mode-of-action group and the interval the
-- farm had confirmed — so correcting a treatment later never moves a past application's safe date.
-- The plants an application reached (the plant; a run's plants; the plants under a location) are recorded
-- beside it as they stood that day, so moving a plant later neither frees it from an interval nor puts it
-- under one it never got.

create table treatment_applications (
  farm_id uuid not null references farms (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- Croft's or the farm's own treatment; a farm's own in use cannot be deleted (409 IN_USE).
  treatment_id uuid not null references protection_treatments (id) on delete restrict,
  target_kind text not null check (target_kind in ('plant', 'run', 'location')),
  plant_id uuid,
  run_id uuid,
  location_id uuid,
  applied_on date not null,
  -- The treatment as it was applied.
  treatment_name text not null check (length(btrim(treatment_name)) between 1 and 200),
  active_ingredient text check (length(btrim(active_ingredient)) between 1 and 200),
  -- lower(active ingredient) with spaces folded: what the resistance rule compares.
  ingredient_key text,
  moa_scheme text check (moa_scheme in ('IRAC', 'FRAC', 'HRAC')),
  moa_code text,
  -- The pre-harvest interval in days (0: none); a harvest is allowed from safe_on on.
  interval_days integer not null check (interval_days between 0 and 365),
  safe_on date generated always as (applied_on + interval_days) stored,
  -- Which use of its group (or ingredient) within the resistance window this was; null: not counted.
  resistance_use integer check (resistance_use >= 1),
  quantity double precision check (quantity > 0 and quantity <= 1000000000),
  unit text check (length(btrim(unit)) between 1 and 20),
  notes text check (length(notes) <= 2000),
  user_id uuid references users (id) on delete set null,
  request_hash text,
  created_at timestamptz not null,
  primary key (farm_id, id),
  -- A plant or run deleted (made by mistake) takes its applications; a plant removed keeps them.
  foreign key (farm_id, plant_id) references plants (farm_id, id) on delete cascade,
  foreign key (farm_id, run_id) references planting_runs (farm_id, id) on delete cascade,
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete restrict,
  check (
    (target_kind = 'plant' and plant_id is not null and run_id is null and location_id is null) or
    (target_kind = 'run' and run_id is not null and plant_id is null and location_id is null) or
    (target_kind = 'location' and location_id is not null and plant_id is null and run_id is null)
  ),
  check ((moa_scheme is null) = (moa_code is null)),
  check ((active_ingredient is null) = (ingredient_key is null)),
  check ((quantity is null) = (unit is null))
);
create index treatment_applications_by_day on treatment_applications (farm_id, applied_on desc, id desc);
-- The gate and the resistance rule look applications up by what they were made on, then by day.
create index treatment_applications_of_plant on treatment_applications (farm_id, plant_id, applied_on)
  where plant_id is not null;
create index treatment_applications_of_run on treatment_applications (farm_id, run_id, applied_on)
  where run_id is not null;
create index treatment_applications_of_location on treatment_applications (farm_id, location_id, applied_on)
  where location_id is not null;
select croft_farm_rls('treatment_applications');

-- The plants an application reached that day, with its days copied for the gate's and the resistance
-- rule's index ranges.
create table treatment_application_plants (
  farm_id uuid not null references farms (id) on delete cascade,
  application_id uuid not null,
  plant_id uuid not null,
  applied_on date not null,
  safe_on date not null,
  primary key (farm_id, plant_id, application_id),
  foreign key (farm_id, application_id) references treatment_applications (farm_id, id) on delete cascade,
  foreign key (farm_id, plant_id) references plants (farm_id, id) on delete cascade
);
create index treatment_application_plants_safe on treatment_application_plants (farm_id, plant_id, safe_on);
create index treatment_application_plants_day on treatment_application_plants (farm_id, plant_id, applied_on);
create index treatment_application_plants_of on treatment_application_plants (farm_id, application_id);
select croft_farm_rls('treatment_application_plants');
