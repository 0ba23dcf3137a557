-- Crop rotation and companion planting (issue #22): what the catalogue knows (soil-borne diseases of a
-- family, a species' own rotation pause, companion pairs, good successors) and a farm's rotation window.

-- The soil-borne pests and pathogens of a family that persist in the ground (clubroot, onion white rot
-- …): two families sharing one warn when they follow each other. A species may set its own pause.
alter table catalog_families add column soil_borne text[] not null default '{}';
alter table catalog_species add column rotation_pause_years integer check (rotation_pause_years between 1 and 20);

-- Companion pairs, one table a level. A pair is stored once, the smaller id first (a_id < b_id), and read
-- both ways; so a pair is either compatible or incompatible, never both. Global rows ship with Croft
-- (seed/catalog/companions.yaml, replaced as a whole by the seed loader); a farm may add its own.
create table catalog_species_companions (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid references farms (id) on delete cascade,
  a_id uuid not null references catalog_species (id) on delete cascade,
  b_id uuid not null references catalog_species (id) on delete cascade,
  relation text not null check (relation in ('compatible', 'incompatible')),
  -- Compatible pairs: how strong or well attested the benefit is (0.1–1).
  score double precision check (score between 0.1 and 1),
  -- Incompatible pairs: how bad it is.
  severity text check (severity in ('mild', 'moderate', 'severe')),
  reason text not null default '' check (length(reason) <= 1000),
  sources text[] not null default '{}',
  created_at timestamptz not null,
  check (a_id < b_id),
  check ((relation = 'compatible') = (score is not null)),
  check ((relation = 'incompatible') = (severity is not null))
);
create unique index catalog_species_companions_global on catalog_species_companions (a_id, b_id) where farm_id is null;
create unique index catalog_species_companions_farm on catalog_species_companions (farm_id, a_id, b_id) where farm_id is not null;
create index catalog_species_companions_b on catalog_species_companions (b_id);
select croft_catalog_rls('catalog_species_companions');

create table catalog_family_companions (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid references farms (id) on delete cascade,
  a_id uuid not null references catalog_families (id) on delete cascade,
  b_id uuid not null references catalog_families (id) on delete cascade,
  relation text not null check (relation in ('compatible', 'incompatible')),
  score double precision check (score between 0.1 and 1),
  severity text check (severity in ('mild', 'moderate', 'severe')),
  reason text not null default '' check (length(reason) <= 1000),
  sources text[] not null default '{}',
  created_at timestamptz not null,
  check (a_id < b_id),
  check ((relation = 'compatible') = (score is not null)),
  check ((relation = 'incompatible') = (severity is not null))
);
create unique index catalog_family_companions_global on catalog_family_companions (a_id, b_id) where farm_id is null;
create unique index catalog_family_companions_farm on catalog_family_companions (farm_id, a_id, b_id) where farm_id is not null;
create index catalog_family_companions_b on catalog_family_companions (b_id);
select croft_catalog_rls('catalog_family_companions');

-- Good successors: a family that does well after another (legumes before brassicas …), a directed edge.
create table catalog_rotation_successors (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid references farms (id) on delete cascade,
  after_id uuid not null references catalog_families (id) on delete cascade,
  then_id uuid not null references catalog_families (id) on delete cascade,
  reason text not null default '' check (length(reason) <= 1000),
  sources text[] not null default '{}',
  created_at timestamptz not null,
  check (after_id <> then_id)
);
create unique index catalog_rotation_successors_global on catalog_rotation_successors (after_id, then_id) where farm_id is null;
create unique index catalog_rotation_successors_farm on catalog_rotation_successors (farm_id, after_id, then_id) where farm_id is not null;
select croft_catalog_rls('catalog_rotation_successors');

-- A farm's rotation window: the pause of a family that names none (and whose species name none), 1–8
-- years; no row means the default, 4.
create table crop_rotation_settings (
  farm_id uuid primary key references farms (id) on delete cascade,
  window_years integer not null check (window_years between 1 and 8),
  updated_at timestamptz not null
);
select croft_farm_rls('crop_rotation_settings');

-- A place's planting history (removed plants included), for the rotation check.
create index plants_history on plants (farm_id, location_id, planted_on);
