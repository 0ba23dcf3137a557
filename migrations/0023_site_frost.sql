-- A site's frost dates, for the sowing calendar: the average last spring frost, the average first
-- autumn frost, and the first day frost-sensitive crops may go outdoors. Each is a month and day
-- ("04-20"), the same every year; "02-29" is read as 28 February in a common year. Only a site
-- (a whole place) carries them; the calendar takes what is missing from its defaults and says so.

create domain croft_month_day as text check (
  value ~ '^((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-9]))$'
);

alter table locations
  add column last_frost croft_month_day,
  add column first_frost croft_month_day,
  add column frost_safe croft_month_day,
  add constraint locations_frost_only_sites
    check (type = 'site' or (last_frost is null and first_frost is null and frost_safe is null)),
  -- The safe date is counted from the last frost, so it needs one.
  add constraint locations_frost_safe_needs_last
    check (frost_safe is null or last_frost is not null),
  add constraint locations_frost_season
    check (last_frost is null or first_frost is null or last_frost <> first_frost);
