-- Backups of the whole instance made by the serving process (the daily schedule, or `croft backup`
-- asking it): one row each, so an admin sees what ran, where it went and what failed, and the schedule
-- knows which of its own archives to delete past the number kept. Instance rows: system scope only.
create table instance_backups (
  id uuid primary key default gen_random_uuid(),
  trigger text not null check (trigger in ('schedule', 'command')),
  -- The target as set (a folder, a file, or s3://bucket/prefix), and where the archive landed.
  target text not null,
  location text,
  status text not null default 'running' check (status in ('running', 'done', 'failed')),
  started_at timestamptz not null,
  finished_at timestamptz,
  bytes bigint check (bytes >= 0),
  tables integer check (tables >= 0),
  rows bigint check (rows >= 0),
  checksum text check (checksum ~ '^[0-9a-f]{64}$'),
  sealed boolean not null default false,
  same_disk boolean not null default false,
  error text,
  -- Set when the schedule deleted the archive (more than CROFT_BACKUP_KEEP newer ones).
  pruned_at timestamptz,
  check (status <> 'done' or (location is not null and checksum is not null and finished_at is not null)),
  check (status <> 'failed' or (error is not null and finished_at is not null))
);

create index instance_backups_recent on instance_backups (started_at desc);

alter table instance_backups enable row level security;
alter table instance_backups force row level security;
create policy system_only on instance_backups using ((select croft_scope()) = 'system')
  with check ((select croft_scope()) = 'system');
