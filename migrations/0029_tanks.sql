-- Tanks: a location of type `tank` with its settings (type, volume, solution, when it was filled), the
-- state snapshots measured by hand or made from sensor readings, which device metrics feed which of
-- its fields, and the maintenance done. Alerts go through the alerts module (rules of kind `watched`,
-- one per tank and condition, that the tanks module decides itself); maintenance due becomes tasks
-- (kind `tank_maintenance`).

-- Adds a value to a `col = any (array[…])` check without restating the list, so migrations that add
-- other values to the same check apply in any order.
create function croft_check_add_value(tbl regclass, constraint_name text, value text) returns void
  language plpgsql
  as $$
  declare def text;
  begin
    select pg_get_constraintdef(oid) into def from pg_constraint where conrelid = tbl and conname = constraint_name;
    if def is null or position('ARRAY[' in def) = 0 then
      raise exception 'no list check % on %', constraint_name, tbl;
    end if;
    if position(quote_literal(value) in def) > 0 then return; end if;
    execute format('alter table %s drop constraint %I', tbl, constraint_name);
    execute format('alter table %s add constraint %I %s', tbl, constraint_name,
      replace(def, 'ARRAY[', 'ARRAY[' || quote_literal(value) || '::text, '));
  end
  $$;

select croft_check_add_value('tasks', 'tasks_kind_check', 'tank_maintenance');
select croft_check_add_value('alert_rules', 'alert_rules_kind_check', 'watched');

create table tanks (
  farm_id uuid not null references farms (id) on delete cascade,
  location_id uuid not null,
  tank_type text not null check (tank_type in ('nutrient', 'irrigation', 'reservoir', 'recirculation', 'stock_solution')),
  volume_l double precision not null check (volume_l > 0 and volume_l <= 1000000),
  -- null: plain water (no solution-age limit).
  solution_kind text check (solution_kind in ('mineral', 'organic')),
  -- When the solution was made: its age counts from here (a water change recorded moves it).
  filled_at timestamptz,
  -- The farm's own maintenance intervals (days) by item, over the tank type's defaults.
  maintenance_intervals jsonb not null default '{}' check (jsonb_typeof(maintenance_intervals) = 'object'),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, location_id),
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete cascade
);
select croft_farm_rls('tanks');

-- A tank's state at a moment. A manual snapshot's id may be made by the client (the one idempotency
-- rule); a sensor snapshot takes the newest readings of the mapped metrics, and readings arriving
-- within a minute of it fold into it (`through`: the newest reading in it).
create table tank_states (
  farm_id uuid not null references farms (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  location_id uuid not null,
  at timestamptz not null,
  source text not null check (source in ('manual', 'sensor')),
  ph double precision check (ph between 0 and 14),
  ec double precision check (ec between 0 and 500),
  water_temp_c double precision check (water_temp_c between -20 and 80),
  dissolved_oxygen_mg_l double precision check (dissolved_oxygen_mg_l between 0 and 50),
  orp_mv double precision check (orp_mv between -2000 and 2000),
  fill_percent double precision check (fill_percent between 0 and 100),
  through timestamptz,
  note text check (length(note) <= 2000),
  user_id uuid references users (id) on delete set null,
  request_hash text,
  created_at timestamptz not null,
  primary key (farm_id, id),
  foreign key (farm_id, location_id) references tanks (farm_id, location_id) on delete cascade,
  check (coalesce(ph, ec, water_temp_c, dissolved_oxygen_mg_l, orp_mv, fill_percent) is not null),
  check ((source = 'sensor') = (through is not null))
);
create index tank_states_history on tank_states (farm_id, location_id, at desc, id desc);
-- Two instances folding the same burst make one sensor snapshot.
create unique index tank_states_sensor_at on tank_states (farm_id, location_id, at) where source = 'sensor';
select croft_farm_rls('tank_states');

-- Which device metric feeds which field of a tank's sensor snapshots (one source per field).
create table tank_sensors (
  farm_id uuid not null references farms (id) on delete cascade,
  location_id uuid not null,
  field text not null check (field in ('ph', 'ec', 'water_temp_c', 'dissolved_oxygen_mg_l', 'orp_mv', 'fill_percent')),
  device_id uuid not null,
  metric text not null check (metric ~ '^[a-z][a-z0-9_]{0,63}$'),
  created_at timestamptz not null,
  primary key (farm_id, location_id, field),
  foreign key (farm_id, location_id) references tanks (farm_id, location_id) on delete cascade,
  foreign key (farm_id, device_id) references devices (farm_id, id) on delete cascade
);
create index tank_sensors_metric on tank_sensors (farm_id, metric);
select croft_farm_rls('tank_sensors');

-- Maintenance done on a tank (water change, calibration, cleaning …); a client-made id makes a resend safe.
create table tank_maintenance (
  farm_id uuid not null references farms (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  location_id uuid not null,
  item text not null check (item in ('water_change', 'calibration', 'cleaning', 'pump_inspection', 'sanitization',
    'filter_change')),
  done_at timestamptz not null,
  note text check (length(note) <= 2000),
  user_id uuid references users (id) on delete set null,
  request_hash text,
  created_at timestamptz not null,
  primary key (farm_id, id),
  foreign key (farm_id, location_id) references tanks (farm_id, location_id) on delete cascade
);
create index tank_maintenance_last on tank_maintenance (farm_id, location_id, item, done_at desc);
select croft_farm_rls('tank_maintenance');
