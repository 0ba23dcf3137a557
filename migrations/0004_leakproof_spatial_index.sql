-- Row-level security keeps the planner from using an index whose operator is not LEAKPROOF (the
-- operator would see other farms' rows before the policy filters them). PostGIS does not mark its
-- bounding-box operator leakproof, so every spatial query on a farm table would scan the whole farm.
-- `&&` compares two bounding boxes and raises no error that could reveal a row, so mark it leakproof.
-- This needs a superuser; where the migration runs without one, lookups stay correct, only slower.
do $$
begin
  alter function geometry_overlaps(geometry, geometry) leakproof;
exception when insufficient_privilege then
  raise notice 'not a superuser: geometry_overlaps stays non-leakproof, so spatial lookups under row-level security scan the farm instead of using the index';
end
$$;
