-- The density fallback's parameters (issue #25 item 5, inventory.md "Photos and counting"): plants per m²
-- for one bin type, product and packaging, learnt from the photos counted by detection there. A photo on
-- which the detector finds too few plants is counted from it (method 'density') when the bin type states
-- its size. DemeterAI designed this table but never wrote its calibration; this is Croft's.
create table photo_densities (
  farm_id uuid not null references farms (id) on delete cascade,
  bin_type_id uuid not null,
  product_id uuid not null,
  packaging_id uuid not null,
  plants_per_m2 double precision not null check (plants_per_m2 > 0),
  -- Photos it was learnt from (the mean weighs at most the last 20, so it follows a changing crop).
  samples integer not null check (samples > 0),
  -- The session that last changed it.
  last_session_id uuid,
  updated_at timestamptz not null,
  primary key (farm_id, bin_type_id, product_id, packaging_id),
  foreign key (farm_id, bin_type_id) references stock_bin_types (farm_id, id) on delete cascade,
  foreign key (farm_id, product_id) references products (farm_id, id) on delete cascade,
  foreign key (farm_id, packaging_id) references packaging (farm_id, id) on delete cascade
);
select croft_farm_rls('photo_densities');
