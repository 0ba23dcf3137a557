-- The plant catalogue: botanical families, lifecycle phase sequences (with each phase's requirement and
-- nutrient profile), species and cultivars. Global rows (farm_id null) ship with Croft and are loaded
-- from seed/catalog by their stable key; a farm adds rows of its own. A global row the seed files no
-- longer hold is retired, never deleted (plants refer to it).

-- Reads see the global rows and the farm's own; writes touch only the farm's own (global rows are
-- written in system scope, by the seed loader).
create or replace function croft_catalog_rls(tbl regclass) returns void
  language plpgsql
  as $$
  begin
    execute format('alter table %s enable row level security', tbl);
    execute format('alter table %s force row level security', tbl);
    execute format('create policy catalog_read on %s for select using (farm_id is null
      or (select croft_scope()) = ''system'' or farm_id = (select croft_farm_id()))', tbl);
    execute format('create policy catalog_insert on %s for insert with check ((select croft_scope()) = ''system''
      or farm_id = (select croft_farm_id()))', tbl);
    execute format('create policy catalog_update on %s for update using ((select croft_scope()) = ''system''
      or farm_id = (select croft_farm_id())) with check ((select croft_scope()) = ''system'' or farm_id = (select croft_farm_id()))', tbl);
    execute format('create policy catalog_delete on %s for delete using ((select croft_scope()) = ''system''
      or farm_id = (select croft_farm_id()))', tbl);
  end
  $$;

create table catalog_families (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid references farms (id) on delete cascade,
  -- The seed files' stable key (global rows); a farm's rows get one made from the name.
  key text not null check (key ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  name text not null check (name ~ '^[A-Z][a-z]+aceae$'),
  order_name text check (order_name ~ '^[A-Z][a-z]+ales$'),
  common_names jsonb not null default '{}',
  nutrient_demand text check (nutrient_demand in ('light', 'medium', 'heavy')),
  nitrogen_fixing boolean not null default false,
  root_depth text check (root_depth in ('shallow', 'medium', 'deep')),
  ph_min double precision check (ph_min between 3 and 9),
  ph_max double precision check (ph_max between 3 and 9),
  frost_tolerance text check (frost_tolerance in ('none', 'light', 'moderate', 'hardy')),
  rotation_group text check (length(rotation_group) between 1 and 40),
  rotation_pause_years integer check (rotation_pause_years between 1 and 20),
  pests text[] not null default '{}',
  pathogens text[] not null default '{}',
  sources text[] not null default '{}',
  retired_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (not (nitrogen_fixing and nutrient_demand = 'heavy')),
  check (ph_min is null or ph_max is null or ph_min <= ph_max)
);
create unique index catalog_families_global_key on catalog_families (key) where farm_id is null;
create unique index catalog_families_farm_key on catalog_families (farm_id, key) where farm_id is not null;
-- A retired global row gives its name up (a key the files renamed, against their rule, still loads).
create unique index catalog_families_global_name on catalog_families (lower(name)) where farm_id is null and retired_at is null;
create unique index catalog_families_farm_name on catalog_families (farm_id, lower(name)) where farm_id is not null;
select croft_catalog_rls('catalog_families');

create table catalog_sequences (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid references farms (id) on delete cascade,
  key text not null check (key ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  lifecycle text not null check (lifecycle in ('annual', 'biennial', 'perennial')),
  dormancy_required boolean not null default false,
  vernalization_required boolean not null default false,
  -- Perennial: the phase a new cycle starts at after the terminal phase (a key of its phases).
  restart_phase text,
  retired_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index catalog_sequences_global_key on catalog_sequences (key) where farm_id is null;
create unique index catalog_sequences_farm_key on catalog_sequences (farm_id, key) where farm_id is not null;
select croft_catalog_rls('catalog_sequences');

-- The phases of a sequence in order, each with its requirement profile and nutrient profile.
create table catalog_phases (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid references farms (id) on delete cascade,
  sequence_id uuid not null references catalog_sequences (id) on delete cascade,
  -- The phase's place in its sequence (0 first); null once retired.
  position integer check (position between 0 and 50),
  key text not null check (key ~ '^[a-z][a-z0-9_-]{0,39}$'),
  days integer check (days between 1 and 3650),
  gdd double precision check (gdd > 0),
  terminal boolean not null default false,
  harvest_allowed boolean not null default false,
  light_ppfd double precision check (light_ppfd between 0 and 3000),
  photoperiod_h double precision check (photoperiod_h between 0 and 24),
  day_temp_c double precision check (day_temp_c between -30 and 60),
  night_temp_c double precision check (night_temp_c between -30 and 60),
  day_humidity double precision check (day_humidity between 0 and 100),
  night_humidity double precision check (night_humidity between 0 and 100),
  vpd_min double precision check (vpd_min between 0 and 10),
  vpd_max double precision check (vpd_max between 0 and 10),
  npk double precision[] check (npk is null or (cardinality(npk) = 3 and 0 <= all(npk))),
  ec_ms double precision check (ec_ms between 0 and 20),
  ph double precision check (ph between 3 and 9),
  -- A phase the seed files no longer hold: kept (plants' history refers to it), out of the order.
  retired_at timestamptz,
  -- Checked at the end of each statement, so one statement may reorder a sequence's phases.
  constraint catalog_phases_position unique (sequence_id, position) deferrable initially immediate,
  unique (sequence_id, key),
  check ((position is null) = (retired_at is not null)),
  check (vpd_min is null or vpd_max is null or vpd_min <= vpd_max)
);
select croft_catalog_rls('catalog_phases');

create table catalog_species (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid references farms (id) on delete cascade,
  key text not null check (key ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  scientific_name text not null check (length(scientific_name) <= 200 and scientific_name ~ '^\S+( \S+)+$'),
  family_id uuid not null references catalog_families (id) on delete restrict,
  genus text check (length(genus) between 1 and 100),
  category text not null check (category in ('vegetable', 'herb', 'fruit', 'grain', 'flower', 'houseplant', 'cactus', 'succulent', 'tree', 'shrub', 'green-manure')),
  -- {"en": ["Tomato"], "de": ["Tomate"], …}
  common_names jsonb not null default '{}',
  sequence_id uuid not null references catalog_sequences (id) on delete restrict,
  -- Per-species overrides of the sequence's phases: {"fruiting": {"days": 30, "gdd": 600}}.
  phase_overrides jsonb not null default '{}',
  base_temp_c double precision not null default 10 check (base_temp_c between -10 and 40),
  upper_temp_c double precision check (upper_temp_c between 0 and 60),
  critical_day_length_h double precision check (critical_day_length_h between 0 and 24),
  photoperiod text check (photoperiod in ('short-day', 'long-day', 'day-neutral')),
  hardiness_min text check (hardiness_min ~ '^([1-9]|1[0-3])[ab]?$'),
  hardiness_max text check (hardiness_max ~ '^([1-9]|1[0-3])[ab]?$'),
  growth_habit text check (length(growth_habit) between 1 and 40),
  root_type text check (length(root_type) between 1 and 40),
  frost_sensitive boolean,
  nutrient_demand text check (nutrient_demand in ('light', 'medium', 'heavy', 'nitrogen-fixer')),
  container boolean,
  indoor boolean,
  balcony boolean,
  sow_indoor_weeks_before_last_frost integer check (sow_indoor_weeks_before_last_frost between 1 and 26),
  sow_outdoor_days_after_last_frost integer check (sow_outdoor_days_after_last_frost between -60 and 90),
  sowing_months integer[] not null default '{}' check (1 <= all(sowing_months) and 12 >= all(sowing_months)),
  harvest_months integer[] not null default '{}' check (1 <= all(harvest_months) and 12 >= all(harvest_months)),
  bloom_months integer[] not null default '{}' check (1 <= all(bloom_months) and 12 >= all(bloom_months)),
  watering_interval_days integer check (watering_interval_days between 1 and 90),
  spacing_cm double precision check (spacing_cm between 0 and 10000),
  height_cm double precision check (height_cm between 0 and 10000),
  care_preset text check (length(care_preset) between 1 and 40),
  sources text[] not null default '{}',
  retired_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (upper_temp_c is null or upper_temp_c > base_temp_c)
);
create unique index catalog_species_global_key on catalog_species (key) where farm_id is null;
create unique index catalog_species_farm_key on catalog_species (farm_id, key) where farm_id is not null;
create unique index catalog_species_global_name on catalog_species (lower(scientific_name)) where farm_id is null and retired_at is null;
create unique index catalog_species_farm_name on catalog_species (farm_id, lower(scientific_name)) where farm_id is not null;
create index catalog_species_family on catalog_species (family_id);
select croft_catalog_rls('catalog_species');

create table catalog_cultivars (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid references farms (id) on delete cascade,
  key text not null check (key ~ '^[a-z0-9][a-z0-9-]{0,99}/[a-z0-9][a-z0-9-]{0,99}$'),
  species_id uuid not null references catalog_species (id) on delete restrict,
  name text not null check (length(name) between 1 and 200),
  breeder text check (length(breeder) between 1 and 200),
  days_to_maturity integer check (days_to_maturity between 1 and 1095),
  traits text[] not null default '{}',
  resistances text[] not null default '{}',
  sources text[] not null default '{}',
  retired_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index catalog_cultivars_global_key on catalog_cultivars (key) where farm_id is null;
create unique index catalog_cultivars_farm_key on catalog_cultivars (farm_id, key) where farm_id is not null;
create unique index catalog_cultivars_global_name on catalog_cultivars (species_id, lower(name)) where farm_id is null and retired_at is null;
create unique index catalog_cultivars_farm_name on catalog_cultivars (farm_id, species_id, lower(name)) where farm_id is not null;
select croft_catalog_rls('catalog_cultivars');

-- What the seed loader last loaded: a start whose seed files hash the same skips the load.
create table catalog_seed_state (
  id boolean primary key default true check (id),
  content_hash text not null,
  loaded_at timestamptz not null,
  counts jsonb not null default '{}'
);
alter table catalog_seed_state enable row level security;
alter table catalog_seed_state force row level security;
create policy system_only on catalog_seed_state using ((select croft_scope()) = 'system')
  with check ((select croft_scope()) = 'system');

-- A row may refer only to global rows and to rows of its own farm, and a global row only to global
-- rows. Foreign keys do not see row-level security, so without this a farm could name another farm's
-- family by its id, or hang a phase of its own into a global sequence. (The service checks the same
-- first and answers 400 naming the field; this holds against a crafted statement.)
create or replace function croft_catalog_refs() returns trigger
  language plpgsql
  as $$
  begin
    if tg_table_name = 'catalog_species' then
      if not exists (select 1 from catalog_families
          where id = new.family_id and (farm_id is null or farm_id = new.farm_id)) then
        raise exception 'catalog_species.family_id names a family of another farm' using errcode = '23503';
      end if;
      if not exists (select 1 from catalog_sequences
          where id = new.sequence_id and (farm_id is null or farm_id = new.farm_id)) then
        raise exception 'catalog_species.sequence_id names a sequence of another farm' using errcode = '23503';
      end if;
    elsif tg_table_name = 'catalog_cultivars' then
      if not exists (select 1 from catalog_species
          where id = new.species_id and (farm_id is null or farm_id = new.farm_id)) then
        raise exception 'catalog_cultivars.species_id names a species of another farm' using errcode = '23503';
      end if;
    elsif tg_table_name = 'catalog_phases' then
      -- A phase belongs to its sequence's owner: exactly the same farm, or both global.
      if not exists (select 1 from catalog_sequences
          where id = new.sequence_id and farm_id is not distinct from new.farm_id) then
        raise exception 'catalog_phases.farm_id differs from its sequence''s' using errcode = '23503';
      end if;
    end if;
    return new;
  end
  $$;
create trigger catalog_species_refs before insert or update of farm_id, family_id, sequence_id on catalog_species
  for each row execute function croft_catalog_refs();
create trigger catalog_cultivars_refs before insert or update of farm_id, species_id on catalog_cultivars
  for each row execute function croft_catalog_refs();
create trigger catalog_phases_refs before insert or update of farm_id, sequence_id on catalog_phases
  for each row execute function croft_catalog_refs();
