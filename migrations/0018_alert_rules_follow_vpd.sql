-- A rule may follow the crop's VPD range too (vpd: computed from a device's temperature and humidity).
alter table alert_rules drop constraint alert_rules_follow_fits;
alter table alert_rules add constraint alert_rules_follow_fits check (
  follow is null or (kind = 'threshold' and location_id is not null and metric in ('temperature', 'humidity', 'vpd')));
