-- Products: a nursery's sellable catalogue. Categories (with the code used in price SKUs, the days from
-- planting to ready and the age bands of the growth stages) → families (optionally a species of the plant
-- catalogue) → products (SKU, free attributes); product states and sizes; the packaging catalogue; and
-- one price per (packaging, category). Every row may be made with a client-made id: unique per farm,
-- stored with the request's hash (docs/architecture.md, "Client-made ids"). Rows refer to each other
-- within their farm only (composite foreign keys) and cannot be deleted while referred to.

create table product_categories (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  -- Capitals and digits: the first part of a price's SKU ({CATEGORY CODE}-{PACKAGING SKU}).
  code text not null check (code ~ '^[A-Z0-9]{1,20}$'),
  name text not null check (length(name) between 1 and 200),
  -- Days from planting to ready for sale (null: none); a product may set its own.
  ready_days integer check (ready_days between 0 and 3650),
  -- Age in days below which a batch is a seedling, growing, mature; from the last on it is ready.
  stage_bands integer[] not null default '{30,90,180}'
    check (cardinality(stage_bands) = 3 and stage_bands[1] >= 1 and stage_bands[1] < stage_bands[2]
      and stage_bands[2] < stage_bands[3] and stage_bands[3] <= 3650),
  request_hash text check (length(request_hash) = 64),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, id),
  unique (farm_id, code)
);
select croft_farm_rls('product_categories');

create table product_families (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  category_id uuid not null,
  name text not null check (length(name) between 1 and 200),
  scientific_name text check (length(scientific_name) between 1 and 200),
  -- The plant catalogue's species, when the family is one (global or the farm's own).
  species_id uuid references catalog_species (id) on delete restrict,
  request_hash text check (length(request_hash) = 64),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, id),
  foreign key (farm_id, category_id) references product_categories (farm_id, id) on delete restrict
);
-- A CSV names a product's family by its category and name: unique there, whatever the case.
create unique index product_families_name on product_families (farm_id, category_id, lower(name));
create index product_families_species on product_families (species_id) where species_id is not null;
select croft_farm_rls('product_families');

create table products (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  family_id uuid not null,
  sku text not null check (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  name text not null check (length(name) between 1 and 200),
  -- Free key/value attributes (colour, spines, variegation …): an object of text, numbers and booleans.
  attributes jsonb not null default '{}' check (jsonb_typeof(attributes) = 'object'),
  -- Days from planting to ready (null: the category's).
  ready_days integer check (ready_days between 0 and 3650),
  request_hash text check (length(request_hash) = 64),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, id),
  foreign key (farm_id, family_id) references product_families (farm_id, id) on delete restrict
);
create unique index products_sku on products (farm_id, lower(sku));
create index products_of_family on products (farm_id, family_id);
select croft_farm_rls('products');

create table product_states (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  code text not null check (code ~ '^[A-Z0-9][A-Z0-9_-]{0,29}$'),
  name text not null check (length(name) between 1 and 200),
  sellable boolean not null default false,
  sort_order integer not null default 0 check (sort_order between -10000 and 10000),
  request_hash text check (length(request_hash) = 64),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, id),
  unique (farm_id, code)
);
select croft_farm_rls('product_states');

create table product_sizes (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  code text not null check (code ~ '^[A-Z0-9][A-Z0-9_-]{0,29}$'),
  name text not null check (length(name) between 1 and 200),
  -- Plant height in cm; either end may be open (null).
  min_height_cm double precision check (min_height_cm between 0 and 10000),
  max_height_cm double precision check (max_height_cm between 0 and 10000),
  ready_days integer check (ready_days between 0 and 3650),
  request_hash text check (length(request_hash) = 64),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, id),
  unique (farm_id, code),
  check (min_height_cm is null or max_height_cm is null or min_height_cm <= max_height_cm)
);
select croft_farm_rls('product_sizes');

create table packaging (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  sku text not null check (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  name text not null check (length(name) between 1 and 200),
  type text not null check (type in ('pot', 'tray', 'plug_tray', 'box', 'bag', 'other')),
  material text check (length(material) between 1 and 100),
  colour text check (length(colour) between 1 and 100),
  volume_l double precision check (volume_l > 0 and volume_l <= 10000),
  diameter_cm double precision check (diameter_cm > 0 and diameter_cm <= 10000),
  height_cm double precision check (height_cm > 0 and height_cm <= 10000),
  -- The grower's pot code, e.g. P3.5/18.
  pot_code text check (length(pot_code) between 1 and 40),
  request_hash text check (length(request_hash) = 64),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, id)
);
create unique index packaging_sku on packaging (farm_id, lower(sku));
select croft_farm_rls('packaging');

-- One price per (packaging, category); its SKU is {CATEGORY CODE}-{PACKAGING SKU}, made when read so it
-- follows a renamed code. The box price and the discounted prices are computed, never stored.
create table prices (
  id uuid not null default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  category_id uuid not null,
  packaging_id uuid not null,
  wholesale_cents integer not null check (wholesale_cents > 0),
  retail_cents integer not null check (retail_cents > 0),
  units_per_box integer not null default 1 check (units_per_box >= 1),
  discount_pct numeric(5, 2) not null default 0 check (discount_pct between 0 and 100),
  availability text not null default 'available' check (availability in ('available', 'out_of_stock', 'discontinued')),
  request_hash text check (length(request_hash) = 64),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (farm_id, id),
  unique (farm_id, category_id, packaging_id),
  foreign key (farm_id, category_id) references product_categories (farm_id, id) on delete restrict,
  foreign key (farm_id, packaging_id) references packaging (farm_id, id) on delete restrict,
  check (retail_cents >= wholesale_cents)
);
create index prices_of_packaging on prices (farm_id, packaging_id);
select croft_farm_rls('prices');
