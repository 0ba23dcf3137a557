-- Hours waiting for the rollup job belonged to no series by constraint: deleting a device (its series
-- go with it) left its dirty hours behind, and rolling one up then failed on readings_hourly's foreign
-- key — every time, for every farm, as the row was never cleared. They now go with their series.
delete from rollup_dirty d where not exists (select 1 from series s where s.id = d.series_id);
alter table rollup_dirty add foreign key (series_id) references series (id) on delete cascade;
