-- Watering schedules of planting runs and the waterings and feedings done. A run has at most one
-- schedule per delivery channel; it says on which days the run is watered (weekdays, 0 = Sunday …
-- 6 = Saturday as in cron, or every N days counted from the last watering logged) and when. The daily
-- watering job makes one task per run, channel and day. A schedule that names a pump or valve (a
-- device channel) drives it through a schedule of the schedules module, which it made (owned: changed
-- and removed with it) or was linked to.

create table watering_schedules (
  farm_id uuid not null references farms (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  run_id uuid not null,
  channel text not null check (channel in ('fertigation', 'drench', 'foliar', 'top_dress')),
  mode text not null check (mode in ('weekdays', 'interval')),
  weekdays integer[] not null default '{}' check (0 <= all(weekdays) and 6 >= all(weekdays)),
  interval_days integer check (interval_days between 1 and 90),
  -- HH:MM, farm-local
  preferred_time text not null check (preferred_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  times_per_day integer not null check (times_per_day between 1 and 6),
  reminder_hours_before integer not null check (reminder_hours_before between 0 and 48),
  volume_per_plant_l double precision check (volume_per_plant_l > 0),
  -- A feeding (nutrients in the water) rather than plain water: what the task says.
  feed boolean not null default false,
  active boolean not null default true,
  -- The farm-local day it started: an interval never watered is due from here.
  starts_on date not null,
  -- The pump or valve: {"device": <the device's own id>, "channel", "run_s"}; null: watered by hand.
  pump jsonb,
  schedule_id uuid references schedules (id) on delete set null,
  -- Whether this watering schedule made the linked schedule (and so changes and removes it).
  schedule_owned boolean not null default false,
  -- The latest day whose task the daily job has made (it skips days up to here; a change clears it).
  tasks_through date,
  request_hash text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, id),
  unique (farm_id, run_id, channel),
  check ((mode = 'weekdays') = (cardinality(weekdays) > 0)),
  check ((mode = 'interval') = (interval_days is not null)),
  foreign key (farm_id, run_id) references planting_runs (farm_id, id) on delete cascade
);
create index watering_schedules_active on watering_schedules (farm_id) where active;
select croft_farm_rls('watering_schedules');

-- A watering or feeding done (a feeding has what was mixed). Its id may be made by the client: a
-- resend answers the first (the one idempotency rule).
create table watering_logs (
  farm_id uuid not null references farms (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  run_id uuid not null,
  task_id uuid,
  kind text not null check (kind in ('watering', 'feeding')),
  channel text not null check (channel in ('fertigation', 'drench', 'foliar', 'top_dress')),
  at timestamptz not null,
  -- The farm-local day it was done on (an interval counts days from it).
  day date not null,
  volume_l double precision not null check (volume_l > 0),
  ec double precision check (ec >= 0),
  ph double precision check (ph between 0 and 14),
  water_temp_c double precision,
  -- [{"fertilizer_id", "dose_per_l"}]
  mix jsonb not null default '[]',
  note text not null default '' check (length(note) <= 2000),
  user_id uuid references users (id) on delete set null,
  request_hash text,
  created_at timestamptz not null,
  primary key (farm_id, id),
  foreign key (farm_id, run_id) references planting_runs (farm_id, id) on delete cascade
);
create index watering_logs_run on watering_logs (farm_id, run_id, at desc, id desc);
create index watering_logs_last on watering_logs (farm_id, run_id, channel, day desc);
select croft_farm_rls('watering_logs');
