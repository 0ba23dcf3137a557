-- What the photo counter found (issue #25 items 6 and 7): one row per detection, partitioned by day so
-- 90-day retention drops whole partitions; and the review that posts a session's count to the stock ledger.

-- Day: the session's (its created_at, UTC), so every try of one session writes into one partition.
-- Coordinates are pixels of the photo turned upright by its EXIF orientation, y down. Partitions are made
-- as needed by the owning role (DetectionPartitions); the app role reaches them only through this parent,
-- where the farm policy applies.
create table photo_detections (
  farm_id uuid not null,
  session_id uuid not null,
  day date not null,
  -- Index within the session (0-based, in the counter's order).
  n integer not null check (n >= 0),
  class text not null check (class in ('plant', 'empty_container')),
  cx real not null,
  cy real not null,
  x1 real not null,
  y1 real not null,
  x2 real not null,
  y2 real not null,
  area real not null check (area >= 0),
  confidence real not null check (confidence between 0 and 1),
  primary key (farm_id, session_id, day, n),
  foreign key (farm_id, session_id) references photo_sessions (farm_id, id) on delete cascade
) partition by range (day);
select croft_farm_rls('photo_detections');

-- The review: who posted the count, what count (the session's total accepted: source ai; corrected: manual),
-- and the stock ledger's count it made (its id; the movement shares it when the count differed).
alter table photo_sessions
  add column validated_at timestamptz,
  add column validated_by uuid references users (id) on delete set null,
  add column validated_count integer check (validated_count >= 0),
  add column validated_source text check (validated_source in ('ai', 'manual')),
  add column validation_note text check (length(validation_note) <= 2000),
  add column stock_count_id uuid,
  add column movement_id uuid,
  add constraint photo_sessions_validated_whole check (
    (validated_at is null) = (validated_count is null)
    and (validated_at is null) = (validated_source is null)
    and (validated_at is null) = (stock_count_id is null));
