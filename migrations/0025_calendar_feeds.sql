-- Calendar feeds: a secret URL per feed that a phone's calendar app subscribes to, listing the farm's open
-- tasks and expected phase changes. Only the SHA-256 of the token is stored; the token is shown once.

create table calendar_feeds (
  id uuid primary key default gen_random_uuid(),
  farm_id uuid not null references farms (id) on delete cascade,
  -- The person who made it: the feed answers only while they are a member of the farm.
  created_by uuid not null references users (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null,
  revoked_at timestamptz,
  last_fetched_at timestamptz,
  unique (farm_id, id)
);
-- The public fetch looks a token's hash up in system scope (the unique index), then reads in farm scope.
select croft_farm_rls('calendar_feeds');
create index calendar_feeds_farm on calendar_feeds (farm_id, created_at);
