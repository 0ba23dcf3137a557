-- The farm's task list: one list that every module feeds (manual tasks, care reminders, hive
-- inspections, onboarding …). A task is open, done or skipped; a task a module generates carries its
-- source and a key, and the same (farm, source, key) never makes a second task.
--
-- How `GET /api/v1/tasks/today` reads across a person's farms under row-level security: one farm
-- scope after another. The person's memberships are read in their user scope (the memberships and
-- farms policies let a person see their own), then each farm's tasks in that farm's own scope
-- (`db.farm`), so this table keeps the one farm policy every farm table has and no second policy
-- widens it. "Today" in each farm is its own local day (the farm's time zone): open tasks due before
-- the end of that day, overdue ones included.

create table tasks (
  id uuid not null,
  farm_id uuid not null references farms (id) on delete cascade,
  title text not null check (length(title) between 1 and 200),
  kind text not null check (kind in ('general', 'water', 'fertilize', 'repot', 'pest_check', 'humidity_check',
    'location_check', 'inspect_hive', 'sow', 'transplant', 'harvest', 'phase_check')),
  due_at timestamptz not null,
  assignee_id uuid references users (id) on delete set null,
  plant_id uuid,
  run_id uuid,
  location_id uuid,
  hive_id uuid,
  -- Who made it ('manual', 'care', 'beekeeping' …) and its idempotency key within that source.
  source text not null check (source ~ '^[a-z][a-z0-9_]{0,39}$'),
  key text not null check (length(key) between 1 and 200),
  notes text not null default '' check (length(notes) <= 5000),
  status text not null default 'open' check (status in ('open', 'done', 'skipped')),
  -- When it was done or skipped, and by whom (null: a module did it, or nobody yet).
  closed_at timestamptz,
  closed_by uuid references users (id) on delete set null,
  -- The client-made id of the completion and the hash of its request (platform/idempotency.ts).
  completion_id uuid,
  completion_hash text check (length(completion_hash) = 64),
  close_note text check (length(close_note) <= 2000),
  -- The hash of the request that made a manual task with a client-made id.
  request_hash text check (length(request_hash) = 64),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, id),
  unique (farm_id, source, key),
  check ((status = 'open') = (closed_at is null)),
  check (completion_id is null or status = 'done'),
  -- What a task is about goes with it.
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete cascade,
  foreign key (farm_id, hive_id) references hives (farm_id, id) on delete cascade,
  foreign key (farm_id, plant_id) references plants (farm_id, id) on delete cascade,
  foreign key (farm_id, run_id) references planting_runs (farm_id, id) on delete cascade
);

-- A completion's client-made id is unique per farm.
create unique index tasks_completion on tasks (farm_id, completion_id) where completion_id is not null;
-- The list and "today": a farm's open tasks by due time.
create index tasks_open_due on tasks (farm_id, due_at) where status = 'open';
create index tasks_due on tasks (farm_id, due_at, id);
create index tasks_assignee on tasks (farm_id, assignee_id, due_at) where assignee_id is not null;
create index tasks_plant_done on tasks (farm_id, plant_id, kind, closed_at desc) where status = 'done';
create index tasks_hive on tasks (hive_id) where hive_id is not null;
create index tasks_location on tasks (location_id) where location_id is not null;
create index tasks_plant on tasks (plant_id) where plant_id is not null;
create index tasks_run on tasks (run_id) where run_id is not null;

select croft_farm_rls('tasks');

-- The morning digest: each person is told of their due tasks once per farm and local day.
create table task_digests (
  farm_id uuid not null references farms (id) on delete cascade,
  day date not null,
  user_id uuid not null references users (id) on delete cascade,
  tasks integer not null,
  sent_at timestamptz not null,
  primary key (farm_id, day, user_id)
);

select croft_farm_rls('task_digests');

-- The farm's due tasks announced on its live channel, once per local day.
create table task_due_days (
  farm_id uuid not null references farms (id) on delete cascade,
  day date not null,
  announced_at timestamptz not null,
  primary key (farm_id, day)
);

select croft_farm_rls('task_due_days');

-- Hive inspections are tasks now (kind inspect_hive, source beekeeping, key per hive or apiary and
-- date), replacing the hourly reminder notifications: each hive's (and apiary's) latest planned
-- inspection not yet reminded of becomes an open task, and the reminders' bookkeeping goes.
insert into tasks (id, farm_id, title, kind, due_at, hive_id, location_id, source, key, created_at, updated_at)
select gen_random_uuid(), e.farm_id,
  left('Inspect ' || coalesce(h.name, l.name, 'the apiary'), 200), 'inspect_hive',
  (e.next_inspection::timestamp at time zone f.time_zone), e.hive_id, e.apiary_id, 'beekeeping',
  case when e.hive_id is not null then 'hive:' || e.hive_id || ':' || e.next_inspection
    else 'apiary:' || e.apiary_id || ':' || e.next_inspection end,
  e.created_at, e.created_at
from (
  select distinct on (coalesce(hive_id, apiary_id)) *
  from bee_events where next_inspection is not null
  order by coalesce(hive_id, apiary_id), date desc, created_at desc
) e
join farms f on f.id = e.farm_id
left join hives h on h.farm_id = e.farm_id and h.id = e.hive_id
left join locations l on l.farm_id = e.farm_id and l.id = e.apiary_id
where e.reminded_at is null
on conflict (farm_id, source, key) do nothing;

alter table bee_events drop column reminded_at;

-- The hourly reminder job is gone with them.
delete from croft_cron where name = 'beekeeping.inspections-due';
