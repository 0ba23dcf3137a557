-- A light schedule may follow a location's photoperiod: its window's hours are the ones the growth
-- phase of the location's crop asks for, set again when the phase changes. When the location goes, the
-- schedule keeps its last hours and stops following.
alter table schedules add column follows_location_id uuid;
alter table schedules add constraint schedules_follows_location
  foreign key (farm_id, follows_location_id) references locations (farm_id, id) on delete set null (follows_location_id);
alter table schedules add constraint schedules_follow_fits check (follows_location_id is null or kind = 'time');
create index schedules_following on schedules (farm_id, follows_location_id) where follows_location_id is not null;

-- Alert rules following the crop's targets may watch VPD too (computed from temperature and humidity).
alter table alert_rules drop constraint alert_rules_follow_fits;
alter table alert_rules add constraint alert_rules_follow_fits check (
  follow is null or (kind = 'threshold' and location_id is not null and metric in ('temperature', 'humidity', 'vpd')));
