-- How many hours of a farm-local day had readings: a day's minimum and maximum are trusted (growing
-- degree days) only when most of its hours were seen. Filled from the hourly rollups for days rolled up
-- before; the rollup job sets it from then on.
alter table readings_daily add column hours smallint check (hours between 0 and 25);

update readings_daily d set hours = (
  select count(*) from readings_hourly h
  where h.series_id = d.series_id and h.bucket >= d.bucket and h.bucket < d.bucket + interval '1 day');
