-- One rule for every client-made id (docs/idempotency.md): unique per farm, never across farms, and
-- stored with the hash of the request that made it, so that a repeat can be told from a different
-- request under the same id. Rows from before carry no hash: any request with their id is a repeat.

-- A beekeeping event's id (made on a phone) was unique across all farms: another farm's id collided
-- (and told that it existed). It is now unique within its farm.
alter table bee_events drop constraint bee_events_pkey;
alter table bee_events add primary key (farm_id, id);
alter table bee_events add column request_hash text check (length(request_hash) = 64);

-- A command's idempotency key was unique per device; it is now unique per farm, like every client-made
-- id. Where a farm used one key for several devices, the newest command keeps it. (System scope: this
-- transaction sees every farm's rows even when the migrating role is not a superuser.)
select set_config('croft.scope', 'system', true);
update commands c set idempotency_key = null
where c.idempotency_key is not null and exists (
  select 1 from commands n where n.farm_id = c.farm_id and n.idempotency_key = c.idempotency_key
    and (n.queued_at, n.id) > (c.queued_at, c.id));
drop index commands_idempotency;
create unique index commands_idempotency on commands (farm_id, idempotency_key) where idempotency_key is not null;
alter table commands add column request_hash text check (length(request_hash) = 64);
