-- The farm policy read the transaction's scope and farm (two current_setting calls and a uuid parse)
-- for every row a statement touched: 5,000 readings inserted meant 10,000 look-ups in WITH CHECK.
-- Written as scalar subqueries they are InitPlans, worked out once per statement; the meaning is the same.
create or replace function croft_farm_rls(tbl regclass) returns void
  language plpgsql
  as $$
  begin
    execute format('alter table %s enable row level security', tbl);
    execute format('alter table %s force row level security', tbl);
    execute format('create policy farm_scope on %s using ((select croft_scope()) = ''system'' or farm_id = (select croft_farm_id()))
      with check ((select croft_scope()) = ''system'' or farm_id = (select croft_farm_id()))', tbl);
  end
  $$;

do $$
declare
  t regclass;
begin
  for t in select polrelid::regclass from pg_policy where polname = 'farm_scope' loop
    execute format('alter policy farm_scope on %s using ((select croft_scope()) = ''system'' or farm_id = (select croft_farm_id()))
      with check ((select croft_scope()) = ''system'' or farm_id = (select croft_farm_id()))', t);
  end loop;
end
$$;
