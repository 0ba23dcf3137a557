-- Photos of storage locations and their processing sessions (issue #25, inventory.md "Photos and counting").
-- The bytes live in object storage (a folder under the data directory, or an S3-compatible store): a row
-- keeps only its keys, which never leave the server. A photo has one processing session, made with it.

create table photos (
  farm_id uuid not null references farms (id) on delete cascade,
  -- Made by the client before the upload: a resend of the same bytes answers the first photo.
  id uuid not null,
  storage_key text not null,
  -- By the bytes' magic numbers, whatever the request said.
  content_type text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp')),
  byte_size integer not null check (byte_size > 0),
  -- Hex SHA-256 of the original bytes: what "the same upload" compares.
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  -- As stored (before EXIF orientation).
  width integer not null check (width > 0),
  height integer not null check (height > 0),
  -- EXIF orientation (1–8) as read; the display copy and the thumbnail are turned upright by it.
  orientation smallint not null default 1 check (orientation between 1 and 8),
  -- EXIF DateTimeOriginal, or the upload time when the photo has none.
  taken_at timestamptz not null,
  taken_at_source text not null check (taken_at_source in ('exif', 'upload')),
  gps_lon double precision check (gps_lon between -180 and 180),
  gps_lat double precision check (gps_lat between -90 and 90),
  -- EXIF GPSHPositioningError (metres) when the phone wrote one.
  gps_accuracy_m double precision check (gps_accuracy_m >= 0),
  location_id uuid,
  -- How the place was chosen: a scanned label, a location_id sent with the photo, or GPS; null: not found.
  location_source text check (location_source in ('label', 'given', 'gps')),
  display_key text not null,
  thumb_key text not null,
  user_id uuid references users (id) on delete set null,
  request_hash text,
  created_at timestamptz not null,
  primary key (farm_id, id),
  foreign key (farm_id, location_id) references locations (farm_id, id) on delete set null (location_id),
  check ((gps_lon is null) = (gps_lat is null))
);
create index photos_by_time on photos (farm_id, created_at desc, id desc);
create index photos_of_location on photos (farm_id, location_id, taken_at desc) where location_id is not null;
select croft_farm_rls('photos');

create table photo_sessions (
  farm_id uuid not null references farms (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  photo_id uuid not null,
  status text not null default 'pending' check (status in ('pending', 'processing', 'completed', 'failed')),
  -- Why a failed session failed (COUNTING_UNAVAILABLE, COUNTING_FAILED …).
  error_code text check (error_code ~ '^[A-Z][A-Z0-9_]*$'),
  -- What is missing, without failing: needs_location, needs_config …
  warnings text[] not null default '{}',
  -- How the count was made (detection, band estimation, density …) and its confidence 0–1.
  method text,
  confidence double precision check (confidence between 0 and 1),
  -- Null until completed.
  detected integer check (detected >= 0),
  estimated integer check (estimated >= 0),
  empty integer check (empty >= 0),
  total integer check (total >= 0),
  attempts integer not null default 0 check (attempts >= 0),
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz not null,
  primary key (farm_id, id),
  unique (farm_id, photo_id),
  foreign key (farm_id, photo_id) references photos (farm_id, id) on delete cascade,
  check (status <> 'failed' or error_code is not null),
  check (status <> 'completed' or total is not null)
);
select croft_farm_rls('photo_sessions');
