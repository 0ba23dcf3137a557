-- A threshold rule may follow its location's crop targets instead of fixed values: outside the range
-- the current phase asks for at that time of day (day or night by the light period).
alter table alert_rules add column follow text check (follow = 'phase_target');
alter table alert_rules add constraint alert_rules_follow_fits check (
  follow is null or (kind = 'threshold' and location_id is not null and metric in ('temperature', 'humidity')));
