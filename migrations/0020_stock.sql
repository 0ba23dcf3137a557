-- Nursery stock: bin types, what a storage location is meant to hold, batches and the ledger of their
-- movements. A movement is immutable; a batch's quantity is a projection that always equals the sum of
-- its movements (written together, under the batch's row lock, and checked every night).

create table stock_bin_types (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  code text not null check (code ~ '^[A-Z0-9][A-Z0-9_.-]{0,31}$'),
  name text not null check (length(name) between 1 and 200),
  category text not null check (category in ('plug_tray', 'seedling_tray', 'box', 'segment', 'pot', 'other')),
  grid_rows integer check (grid_rows between 1 and 1000),
  grid_columns integer check (grid_columns between 1 and 1000),
  capacity integer check (capacity >= 1),
  length_cm double precision check (length_cm > 0),
  width_cm double precision check (width_cm > 0),
  height_cm double precision check (height_cm > 0),
  grid boolean not null default false,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (farm_id, code),
  unique (farm_id, id)
);
select croft_farm_rls('stock_bin_types');

-- A storage bin's type.
create table stock_bins (
  farm_id uuid not null references farms (id) on delete cascade,
  location_id uuid not null,
  bin_type_id uuid not null,
  updated_at timestamptz not null,
  primary key (farm_id, location_id),
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete cascade,
  foreign key (farm_id, bin_type_id) references stock_bin_types (farm_id, id)
);
select croft_farm_rls('stock_bins');

-- The product and packaging (and optionally state and size) a storage location is meant to hold.
create table stock_configs (
  farm_id uuid not null references farms (id) on delete cascade,
  location_id uuid not null,
  product_id uuid not null,
  packaging_id uuid not null,
  state_id uuid,
  size_id uuid,
  updated_at timestamptz not null,
  primary key (farm_id, location_id),
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete cascade,
  foreign key (farm_id, product_id) references products (farm_id, id),
  foreign key (farm_id, packaging_id) references packaging (farm_id, id),
  foreign key (farm_id, state_id) references product_states (farm_id, id),
  foreign key (farm_id, size_id) references product_sizes (farm_id, id)
);
select croft_farm_rls('stock_configs');

create table stock_settings (
  farm_id uuid primary key references farms (id) on delete cascade,
  -- What a count below the expected stock records when the request does not say.
  count_shortfall_as text not null default 'sale' check (count_shortfall_as in ('sale', 'adjustment')),
  updated_at timestamptz not null
);
select croft_farm_rls('stock_settings');

create table stock_batches (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  code text not null,
  -- The storage location it stands at, and its bin there (a storage_bin) when it has one.
  location_id uuid not null,
  bin_id uuid,
  product_id uuid not null,
  packaging_id uuid not null,
  state_id uuid,
  size_id uuid,
  initial_quantity integer not null check (initial_quantity >= 0),
  quantity integer not null check (quantity >= 0),
  empty_containers integer not null default 0 check (empty_containers >= 0),
  quality double precision check (quality between 0 and 5),
  planted_on date,
  germinated_on date,
  transplanted_on date,
  ready_on date,
  status text not null check (status in ('active', 'depleted', 'closed')),
  closed_at timestamptz,
  closed_by uuid,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (farm_id, code),
  unique (farm_id, id),
  foreign key (farm_id, location_id) references locations (farm_id, id),
  foreign key (farm_id, bin_id) references locations (farm_id, id),
  foreign key (farm_id, product_id) references products (farm_id, id),
  foreign key (farm_id, packaging_id) references packaging (farm_id, id),
  foreign key (farm_id, state_id) references product_states (farm_id, id),
  foreign key (farm_id, size_id) references product_sizes (farm_id, id)
);
select croft_farm_rls('stock_batches');
create index stock_batches_place on stock_batches (farm_id, location_id, status);
create index stock_batches_product on stock_batches (farm_id, product_id, status);

create table stock_movements (
  -- Made by the client (a phone offline, a photo's session): the same id twice records once.
  id uuid not null,
  farm_id uuid not null references farms (id) on delete cascade,
  batch_id uuid not null,
  type text not null check (type in ('manual_init', 'planting', 'sowing', 'transplant_in', 'transplant_out',
    'death', 'sale', 'photo_count', 'adjustment')),
  source text not null check (source in ('manual', 'ai')),
  quantity integer not null check (quantity <> 0),
  from_bin_id uuid,
  to_bin_id uuid,
  unit_price_cents integer check (unit_price_cents >= 0),
  total_price_cents bigint check (total_price_cents >= 0),
  note text check (length(note) <= 2000),
  -- A transplant's other half (out ↔ in).
  pair_id uuid,
  user_id uuid,
  occurred_at timestamptz not null,
  recorded_at timestamptz not null,
  request_hash text,
  primary key (farm_id, id),
  foreign key (farm_id, batch_id) references stock_batches (farm_id, id) on delete cascade,
  check ((type in ('manual_init', 'planting', 'sowing', 'transplant_in') and quantity > 0)
    or (type in ('transplant_out', 'death', 'sale') and quantity < 0)
    or type in ('photo_count', 'adjustment'))
);
select croft_farm_rls('stock_movements');
create index stock_movements_batch on stock_movements (farm_id, batch_id, occurred_at);

-- Movements are never changed: a correction is a new movement.
create or replace function croft_stock_movement_immutable() returns trigger
  language plpgsql
  as $$
  begin
    raise exception 'stock movements are immutable: record a new movement instead';
  end
  $$;
create trigger stock_movements_immutable before update on stock_movements
  for each row execute function croft_stock_movement_immutable();

-- Counts as they were answered (the id is the client's movement_id: a resend answers the same).
create table stock_counts (
  id uuid not null,
  farm_id uuid not null references farms (id) on delete cascade,
  location_id uuid not null,
  batch_id uuid not null,
  counted integer not null check (counted >= 0),
  expected integer not null,
  difference integer not null,
  counted_at timestamptz not null,
  source text not null check (source in ('manual', 'ai')),
  recorded_as text check (recorded_as in ('sale', 'adjustment')),
  user_id uuid,
  recorded_at timestamptz not null,
  request_hash text not null,
  primary key (farm_id, id),
  foreign key (farm_id, batch_id) references stock_batches (farm_id, id) on delete cascade
);
select croft_farm_rls('stock_counts');

-- The nightly check that every batch equals the sum of its movements: what it found, never a silent fix.
create table stock_reconciliations (
  id bigint generated always as identity primary key,
  farm_id uuid not null references farms (id) on delete cascade,
  ran_at timestamptz not null,
  batches integer not null,
  mismatches jsonb not null
);
select croft_farm_rls('stock_reconciliations');
create index stock_reconciliations_farm on stock_reconciliations (farm_id, ran_at desc);
