-- Croft foundation: the extension, the application role, the scope functions row-level security
-- policies use, and the stored cron state. Runs the same on PGlite and on PostgreSQL 15+.

create extension if not exists postgis;

-- Roles belong to the whole cluster, so several Croft databases (and test databases) on one server
-- share it: create it only when missing, and tolerate another process creating it at the same moment.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'croft_app') then
    create role croft_app nologin;
  end if;
exception when duplicate_object or unique_violation then
  null;
end
$$;

-- The connecting role switches to croft_app inside every scoped transaction.
do $$
begin
  if not exists (
    select 1 from pg_auth_members m
    join pg_roles r on r.oid = m.roleid
    join pg_roles u on u.oid = m.member
    where r.rolname = 'croft_app' and u.rolname = current_user
  ) and not (select rolsuper from pg_roles where rolname = current_user) then
    execute format('grant croft_app to %I', current_user);
  end if;
end
$$;

grant usage on schema public to croft_app;
alter default privileges in schema public grant select, insert, update, delete on tables to croft_app;
alter default privileges in schema public grant usage, select on sequences to croft_app;

-- The scope of the current transaction, set by the transaction helper. A missing or empty setting
-- is null, so a policy comparing against it matches nothing: it fails closed.
create or replace function croft_scope() returns text
  language sql stable parallel safe
  as $$ select nullif(current_setting('croft.scope', true), '') $$;

create or replace function croft_farm_id() returns uuid
  language sql stable parallel safe
  as $$ select nullif(current_setting('croft.farm_id', true), '')::uuid $$;

create or replace function croft_user_id() returns uuid
  language sql stable parallel safe
  as $$ select nullif(current_setting('croft.user_id', true), '')::uuid $$;

-- The policy of every farm-scoped table: rows of the transaction's farm (system scope: all), and
-- row-level security forced so even the table's owner is held to it. One call per table.
create or replace function croft_farm_rls(tbl regclass) returns void
  language plpgsql
  as $$
  begin
    execute format('alter table %s enable row level security', tbl);
    execute format('alter table %s force row level security', tbl);
    execute format('create policy farm_scope on %s using (croft_scope() = ''system'' or farm_id = croft_farm_id())
      with check (croft_scope() = ''system'' or farm_id = croft_farm_id())', tbl);
  end
  $$;

-- Cron schedules registered in code: the next firing of each is stored so one instance claims it
-- under a row lock, a restart neither fires twice nor skips, and tests move the clock instead of waiting.
create table croft_cron (
  name text primary key,
  expression text not null,
  time_zone text not null,
  next_run_at timestamptz not null,
  last_run_at timestamptz
);
