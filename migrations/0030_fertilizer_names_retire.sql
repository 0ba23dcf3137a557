-- A retired global fertilizer gives its product + brand up: the seed may ship the same product under a
-- new key (the loader retires the old row and inserts the new one in one go).
drop index fertilizers_global_name;
create unique index fertilizers_global_name on fertilizers (lower(product), lower(brand))
  where farm_id is null and retired_at is null;
