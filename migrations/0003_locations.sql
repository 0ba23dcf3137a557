-- Locations: one typed tree per farm (sites, fields, greenhouses, houses, beds, apiaries, storage bins …)
-- with WGS84 geometry, adjacency edges and a spatial index for GPS lookups.

-- Which types exist and which may sit under which: data, not code. Shared by every farm.
create table location_types (
  type text primary key check (type ~ '^[a-z][a-z_]*$'),
  description text not null,
  -- Whether a location of this type may be a root of the tree.
  can_be_root boolean not null default false
);

create table location_type_rules (
  parent_type text not null references location_types (type) on delete cascade,
  child_type text not null references location_types (type) on delete cascade,
  primary key (parent_type, child_type)
);

revoke insert, update, delete, truncate on location_types, location_type_rules from croft_app;

insert into location_types (type, description, can_be_root) values
  ('site', 'A whole place: a farm site, a garden, a home', true),
  ('field', 'Open field', true),
  ('greenhouse', 'Greenhouse', true),
  ('shadehouse', 'Shade house', true),
  ('tunnel', 'Polytunnel', true),
  ('house', 'Poultry or animal house', true),
  ('room', 'Room (a grow room, a section of a house)', false),
  ('grow_tent', 'Grow tent', false),
  ('bed', 'Bed', false),
  ('row', 'Row', false),
  ('zone', 'Zone', false),
  ('apiary', 'Apiary (where hives stand)', true),
  ('warehouse', 'Warehouse', true),
  ('storage_area', 'Storage area (N, S, E, W or centre of a warehouse)', false),
  ('storage_location', 'Storage location: the unit one photo covers', false),
  ('storage_bin', 'Storage bin: a tray, box, segment or pot', false),
  ('slot', 'Slot: where one plant stands', false),
  ('tank', 'Tank (water, nutrient solution)', true);

insert into location_type_rules (parent_type, child_type)
select parent, child from (values
  ('site', array['field', 'greenhouse', 'shadehouse', 'tunnel', 'house', 'room', 'grow_tent', 'bed', 'zone', 'apiary', 'warehouse', 'storage_area', 'tank', 'slot']),
  ('field', array['bed', 'row', 'zone', 'slot', 'tank', 'storage_area', 'apiary']),
  ('greenhouse', array['bed', 'row', 'zone', 'slot', 'tank', 'storage_area', 'room']),
  ('shadehouse', array['bed', 'row', 'zone', 'slot', 'tank', 'storage_area']),
  ('tunnel', array['bed', 'row', 'zone', 'slot', 'tank', 'storage_area']),
  ('house', array['room', 'zone', 'tank']),
  ('room', array['grow_tent', 'bed', 'row', 'zone', 'slot', 'tank']),
  ('grow_tent', array['zone', 'slot', 'tank']),
  ('bed', array['row', 'slot', 'zone']),
  ('row', array['slot']),
  ('zone', array['bed', 'row', 'slot', 'tank']),
  ('apiary', array['zone']),
  ('warehouse', array['storage_area']),
  ('storage_area', array['storage_location']),
  ('storage_location', array['storage_bin'])
) as rules (parent, children), unnest(children) as child;

create table locations (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  parent_id uuid,
  -- Ancestor ids, root first (empty for a root): subtree, breadcrumb and depth in one indexed column.
  path uuid[] not null default '{}',
  name text not null check (length(name) between 1 and 200),
  type text not null references location_types (type),
  code text check (length(code) between 1 and 64),
  qr_code text not null check (length(qr_code) between 1 and 128),
  capacity integer check (capacity >= 0),
  status text not null default 'active' check (status in ('active', 'maintenance', 'retired')),
  properties jsonb not null default '{}',
  geometry geometry(Geometry, 4326) check (geometry is null or GeometryType(geometry) in ('POINT', 'POLYGON', 'MULTIPOLYGON')),
  area_m2 double precision generated always as (
    case when GeometryType(geometry) in ('POLYGON', 'MULTIPOLYGON') then ST_Area(geometry::geography) end) stored,
  centroid geometry(Point, 4326) generated always as (ST_Centroid(geometry)) stored,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (farm_id, id),
  -- A parent is in the same farm; a location with children cannot be deleted.
  foreign key (farm_id, parent_id) references locations (farm_id, id) on delete restrict
);
create unique index locations_code_key on locations (farm_id, code) where code is not null;
create unique index locations_qr_key on locations (farm_id, qr_code);
create index locations_parent_idx on locations (farm_id, parent_id);
create index locations_path_idx on locations using gin (path);
create index locations_geometry_idx on locations using gist (geometry);

-- Hand-made adjacency (which beds or slots touch); stored once per pair, smaller id first.
create table location_edges (
  farm_id uuid not null references farms (id) on delete cascade,
  a_id uuid not null,
  b_id uuid not null,
  created_at timestamptz not null,
  primary key (farm_id, a_id, b_id),
  check (a_id < b_id),
  foreign key (farm_id, a_id) references locations (farm_id, id) on delete cascade,
  foreign key (farm_id, b_id) references locations (farm_id, id) on delete cascade
);
create index location_edges_b_idx on location_edges (farm_id, b_id);

select croft_farm_rls('locations');
select croft_farm_rls('location_edges');
