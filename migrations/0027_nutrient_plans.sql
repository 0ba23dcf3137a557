-- Nutrients, part two: what the fertilizer seed last loaded, a farm's stock of each fertilizer (a ledger
-- of movements), nutrient plans (phase entries with inclusive week ranges, per delivery channel: target
-- EC and pH and dosages), and the plan a planting run follows.

-- What the fertilizer seed loader last loaded: a start whose seed file hashes the same skips the load.
create table fertilizer_seed_state (
  id boolean primary key default true check (id),
  content_hash text not null,
  loaded_at timestamptz not null,
  counts jsonb not null default '{}'
);
alter table fertilizer_seed_state enable row level security;
alter table fertilizer_seed_state force row level security;
create policy system_only on fertilizer_seed_state using ((select croft_scope()) = 'system')
  with check ((select croft_scope()) = 'system');

-- A farm's stock of a fertilizer (a global one or its own) as a ledger: on hand is the sum of the
-- movements' changes. Amounts are in the product's unit: ml for a liquid, g for a powder. A count states
-- what is on hand and stores the difference it made. On hand never goes below zero (the service refuses
-- it; the stored balance holds it against a crafted statement).
create table fertilizer_stock_movements (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  fertilizer_id uuid not null references fertilizers (id) on delete cascade,
  kind text not null check (kind in ('received', 'used', 'counted')),
  -- Received or used: the amount (> 0); counted: what was found on hand (≥ 0).
  quantity double precision not null check (quantity >= 0 and quantity <= 1e9),
  -- What the movement changed on hand by, and what was on hand after it.
  delta double precision not null,
  on_hand_after double precision not null check (on_hand_after >= 0),
  at timestamptz not null,
  note text not null default '' check (length(note) <= 1000),
  user_id uuid references users (id) on delete set null,
  request_hash text check (length(request_hash) = 64),
  created_at timestamptz not null,
  primary key (farm_id, id),
  check (kind = 'counted' or quantity > 0)
);
create index fertilizer_stock_movements_of on fertilizer_stock_movements (farm_id, fertilizer_id, created_at);
select croft_farm_rls('fertilizer_stock_movements');

create table nutrient_plans (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 200),
  substrate text not null check (substrate in ('hydro', 'coco', 'soil', 'rockwool', 'clay_pebbles', 'perlite',
    'living_soil')),
  notes text not null default '' check (length(notes) <= 4000),
  -- The species the plan is written for (global or the farm's own); null: any.
  species_id uuid references catalog_species (id) on delete restrict,
  -- The plan this one was cloned from (lineage); kept null when that plan is deleted.
  cloned_from_id uuid,
  request_hash text check (length(request_hash) = 64),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, id),
  foreign key (farm_id, cloned_from_id) references nutrient_plans (farm_id, id) on delete set null (cloned_from_id)
);
create unique index nutrient_plans_name on nutrient_plans (farm_id, lower(btrim(name)));
select croft_farm_rls('nutrient_plans');

-- A plan's phase entries: a catalogue phase over an inclusive week range (1–52).
create table nutrient_plan_entries (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  plan_id uuid not null,
  position integer not null check (position >= 0),
  phase text not null check (phase ~ '^[a-z][a-z0-9_-]{0,39}$'),
  week_start integer not null check (week_start between 1 and 52),
  week_end integer not null check (week_end between 1 and 52),
  notes text not null default '' check (length(notes) <= 1000),
  primary key (farm_id, id),
  unique (farm_id, plan_id, position),
  foreign key (farm_id, plan_id) references nutrient_plans (farm_id, id) on delete cascade,
  check (week_end >= week_start)
);
select croft_farm_rls('nutrient_plan_entries');

-- What an entry says for one delivery channel.
create table nutrient_plan_channels (
  farm_id uuid not null references farms (id) on delete cascade,
  entry_id uuid not null,
  channel text not null check (channel in ('fertigation', 'drench', 'foliar', 'top_dress')),
  target_ec double precision check (target_ec > 0 and target_ec <= 10),
  target_ph double precision check (target_ph between 0 and 14),
  primary key (farm_id, entry_id, channel),
  foreign key (farm_id, entry_id) references nutrient_plan_entries (farm_id, id) on delete cascade
);
select croft_farm_rls('nutrient_plan_channels');

-- A channel's dosages: a fertilizer (global or the farm's own) and its dose per litre (ml/L or g/L).
-- A fertilizer a plan doses cannot be deleted.
create table nutrient_plan_dosages (
  farm_id uuid not null references farms (id) on delete cascade,
  entry_id uuid not null,
  channel text not null,
  position integer not null check (position >= 0),
  fertilizer_id uuid not null references fertilizers (id) on delete restrict,
  dose_per_l double precision not null check (dose_per_l > 0 and dose_per_l <= 1000),
  primary key (farm_id, entry_id, channel, position),
  unique (farm_id, entry_id, channel, fertilizer_id),
  foreign key (farm_id, entry_id, channel) references nutrient_plan_channels (farm_id, entry_id, channel)
    on delete cascade
);
create index nutrient_plan_dosages_fertilizer on nutrient_plan_dosages (fertilizer_id);
select croft_farm_rls('nutrient_plan_dosages');

-- The plan a planting run follows. A plan that runs follow is not deleted (the service answers 409
-- IN_USE first).
alter table planting_runs add column nutrient_plan_id uuid;
alter table planting_runs add foreign key (farm_id, nutrient_plan_id) references nutrient_plans (farm_id, id)
  on delete restrict;
create index planting_runs_plan on planting_runs (farm_id, nutrient_plan_id) where nutrient_plan_id is not null;

-- Foreign keys do not see row-level security: without this a farm could name another farm's fertilizer
-- by its id in its stock or its plans. (The service checks first and answers 400 or 404; this holds
-- against a crafted statement.)
create or replace function croft_fertilizer_ref() returns trigger
  language plpgsql
  as $$
  begin
    if not exists (select 1 from fertilizers
        where id = new.fertilizer_id and (farm_id is null or farm_id = new.farm_id)) then
      raise exception '%.fertilizer_id names a fertilizer of another farm', tg_table_name using errcode = '23503';
    end if;
    return new;
  end
  $$;
create trigger fertilizer_ref before insert or update on fertilizer_stock_movements
  for each row execute function croft_fertilizer_ref();
create trigger fertilizer_ref before insert or update on nutrient_plan_dosages
  for each row execute function croft_fertilizer_ref();
