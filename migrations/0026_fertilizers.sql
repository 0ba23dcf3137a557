-- Fertilizers: generic products that ship with Croft (global rows, farm_id null, loaded from
-- seed/fertilizers by their stable key) and a farm's own, under the same global-plus-farm row-level
-- security as the plant catalogue. What a product contains is stated, never guessed from its name: the
-- mixing-safety rules read these flags. Doses are per litre of solution: ml/L for a liquid, g/L for a
-- powder; the EC a product adds is per one unit of dose (mS/cm per ml/L or per g/L).

create table fertilizers (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid references farms (id) on delete cascade,
  -- The stable key of a global row (its seed file entry); null for a farm's own.
  key text,
  product text not null check (length(btrim(product)) between 1 and 120),
  brand text not null default '' check (length(brand) <= 120),
  type text not null check (type in ('base', 'supplement', 'booster', 'calmag', 'silicate', 'ph_adjuster',
    'organic', 'biological')),
  form text not null check (form in ('liquid', 'powder')),
  npk_n double precision not null default 0 check (npk_n >= 0),
  npk_p double precision not null default 0 check (npk_p >= 0),
  npk_k double precision not null default 0 check (npk_k >= 0),
  -- mS/cm added per ml/L (liquid) or g/L (powder); uncertain when the maker does not say.
  ec_per_unit double precision not null default 0 check (ec_per_unit >= 0),
  ec_uncertain boolean not null default false,
  max_dose_per_l double precision not null check (max_dose_per_l > 0),
  -- Lower goes into the water first.
  mixing_priority integer not null default 50 check (mixing_priority between 1 and 100),
  ph_effect text not null default 'neutral' check (ph_effect in ('acidic', 'neutral', 'alkaline')),
  tank_safe boolean not null default true,
  foliar_only boolean not null default false,
  -- The delivery channels the product is meant for.
  channels text[] not null default '{}'
    check (channels <@ array['fertigation', 'drench', 'foliar', 'top_dress']::text[]),
  contains_calcium boolean not null default false,
  contains_sulfate boolean not null default false,
  contains_phosphate boolean not null default false,
  contains_silicate boolean not null default false,
  contains_chelated_iron boolean not null default false,
  notes text not null default '' check (length(notes) <= 2000),
  request_hash text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  retired_at timestamptz,
  check (npk_n + npk_p + npk_k <= 100),
  -- Not tank-safe: never recommended for fertigation.
  check (tank_safe or not ('fertigation' = any (channels))),
  check ((farm_id is null) = (key is not null))
);
create unique index fertilizers_global_key on fertilizers (key) where farm_id is null;
create unique index fertilizers_global_name on fertilizers (lower(product), lower(brand)) where farm_id is null;
create unique index fertilizers_farm_name on fertilizers (farm_id, lower(product), lower(brand)) where farm_id is not null;
select croft_catalog_rls('fertilizers');
