-- Plant protection, part one: the catalogue of pests, diseases and treatments. Global rows ship with
-- Croft (farm_id null, loaded from seed/protection by their stable key; retired, never deleted, when the
-- files no longer hold them) beside a farm's own, under the same global-plus-farm row-level security as
-- the plant catalogue. Links (a row's host families, a treatment's targets) are join rows with the
-- farm_id of the row they belong to, so the same policies scope them.

create table protection_pests (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid references farms (id) on delete cascade,
  -- The seed's stable key (global rows); null for a farm's own.
  key text check (key ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  name text not null check (length(btrim(name)) between 1 and 200),
  scientific_name text not null check (length(btrim(scientific_name)) between 1 and 200),
  kind text not null check (kind in ('insect', 'mite', 'nematode', 'mollusc', 'bird', 'mammal', 'other')),
  symptoms text not null check (length(symptoms) between 1 and 1000),
  signs text[] not null default '{}',
  lifecycle_days integer check (lifecycle_days between 1 and 730),
  -- The names under which the plant catalogue's families list it.
  catalog_names text[] not null default '{}',
  notes text not null default '' check (length(notes) <= 1000),
  sources text[] not null default '{}',
  request_hash text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  retired_at timestamptz,
  check ((farm_id is null) = (key is not null))
);
create unique index protection_pests_global_key on protection_pests (key) where farm_id is null;
create unique index protection_pests_farm_name on protection_pests (farm_id, lower(name)) where farm_id is not null;
select croft_catalog_rls('protection_pests');

create table protection_diseases (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid references farms (id) on delete cascade,
  key text check (key ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  name text not null check (length(btrim(name)) between 1 and 200),
  -- Null for a physiological disorder.
  pathogen text check (length(btrim(pathogen)) between 1 and 200),
  kind text not null check (kind in ('fungal', 'oomycete', 'bacterial', 'viral', 'protist', 'physiological')),
  soil_borne boolean not null default false,
  symptoms text not null check (length(symptoms) between 1 and 1000),
  favoured_by text[] not null default '{}',
  catalog_names text[] not null default '{}',
  notes text not null default '' check (length(notes) <= 1000),
  sources text[] not null default '{}',
  request_hash text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  retired_at timestamptz,
  check ((farm_id is null) = (key is not null)),
  check ((kind = 'physiological') = (pathogen is null)),
  check (not (kind = 'physiological' and soil_borne))
);
create unique index protection_diseases_global_key on protection_diseases (key) where farm_id is null;
create unique index protection_diseases_farm_name on protection_diseases (farm_id, lower(name)) where farm_id is not null;
select croft_catalog_rls('protection_diseases');

create table protection_treatments (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid references farms (id) on delete cascade,
  key text check (key ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  name text not null check (length(btrim(name)) between 1 and 200),
  method text not null check (method in ('cultural', 'biological', 'chemical', 'mechanical', 'physical')),
  description text not null check (length(description) between 1 and 1000),
  active_ingredient text check (length(btrim(active_ingredient)) between 1 and 200),
  organism text check (length(btrim(organism)) between 1 and 200),
  -- The mode-of-action group, its code in the scheme's canonical form (IRAC 4A, FRAC M02, HRAC 9).
  moa_scheme text check (moa_scheme in ('IRAC', 'FRAC', 'HRAC')),
  moa_code text,
  -- Pre-harvest interval in whole days. `typical` on every seeded row (check the label); a farm confirms
  -- a global row's in protection_interval_confirmations, its own row's here.
  pre_harvest_interval_days integer check (pre_harvest_interval_days between 1 and 365),
  interval_status text check (interval_status in ('typical', 'confirmed')),
  reentry_hours integer check (reentry_hours between 0 and 720),
  organic_allowed boolean not null default false,
  notes text not null default '' check (length(notes) <= 1000),
  sources text[] not null default '{}',
  request_hash text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  retired_at timestamptz,
  check ((farm_id is null) = (key is not null)),
  check ((moa_scheme is null) = (moa_code is null)),
  check ((pre_harvest_interval_days is null) = (interval_status is null)),
  -- Only a farm confirms an interval.
  check (farm_id is not null or interval_status is distinct from 'confirmed'),
  -- The chemical rule (the API names each missing field first).
  check (method <> 'chemical' or (pre_harvest_interval_days is not null and active_ingredient is not null
    and moa_scheme is not null))
);
create unique index protection_treatments_global_key on protection_treatments (key) where farm_id is null;
create unique index protection_treatments_farm_name on protection_treatments (farm_id, lower(name)) where farm_id is not null;
select croft_catalog_rls('protection_treatments');

-- A pest's or a disease's host families, by the plant catalogue's family key.
create table protection_pest_hosts (
  pest_id uuid not null references protection_pests (id) on delete cascade,
  farm_id uuid references farms (id) on delete cascade,
  family_key text not null,
  primary key (pest_id, family_key)
);
create index protection_pest_hosts_family on protection_pest_hosts (family_key);
select croft_catalog_rls('protection_pest_hosts');

create table protection_disease_hosts (
  disease_id uuid not null references protection_diseases (id) on delete cascade,
  farm_id uuid references farms (id) on delete cascade,
  family_key text not null,
  primary key (disease_id, family_key)
);
create index protection_disease_hosts_family on protection_disease_hosts (family_key);
select croft_catalog_rls('protection_disease_hosts');

-- What a treatment acts against. A farm's treatment may target Croft's pests and its own.
create table protection_treatment_pests (
  treatment_id uuid not null references protection_treatments (id) on delete cascade,
  pest_id uuid not null references protection_pests (id) on delete cascade,
  farm_id uuid references farms (id) on delete cascade,
  primary key (treatment_id, pest_id)
);
create index protection_treatment_pests_pest on protection_treatment_pests (pest_id);
select croft_catalog_rls('protection_treatment_pests');

create table protection_treatment_diseases (
  treatment_id uuid not null references protection_treatments (id) on delete cascade,
  disease_id uuid not null references protection_diseases (id) on delete cascade,
  farm_id uuid references farms (id) on delete cascade,
  primary key (treatment_id, disease_id)
);
create index protection_treatment_diseases_disease on protection_treatment_diseases (disease_id);
select croft_catalog_rls('protection_treatment_diseases');

-- A farm's confirmed (or corrected) interval for one of Croft's treatments, checked against the label of
-- the product it uses: the interval the farm's applications are held to.
create table protection_interval_confirmations (
  farm_id uuid not null references farms (id) on delete cascade,
  treatment_id uuid not null references protection_treatments (id) on delete cascade,
  days integer not null check (days between 1 and 365),
  confirmed_by uuid,
  confirmed_at timestamptz not null,
  primary key (farm_id, treatment_id)
);
select croft_farm_rls('protection_interval_confirmations');

-- What the protection seed loader last loaded: a start whose files hash the same skips the load.
create table protection_seed_state (
  id boolean primary key default true check (id),
  content_hash text not null,
  loaded_at timestamptz not null,
  counts jsonb not null default '{}'
);
alter table protection_seed_state enable row level security;
alter table protection_seed_state force row level security;
create policy system_only on protection_seed_state using ((select croft_scope()) = 'system')
  with check ((select croft_scope()) = 'system');
