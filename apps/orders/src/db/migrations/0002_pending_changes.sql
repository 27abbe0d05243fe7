-- A change that moves stock in the inventory is written down before it calls the inventory, so a
-- crash between the two is finished (or dropped, when the inventory refuses) by the recovery loop.

-- A status change whose stock effect (commit or release) may have happened but whose status is not
-- written yet; held by its runner until pending_until.
alter table orders add column pending jsonb;
alter table orders add column pending_until timestamptz;
create index orders_pending on orders (pending_until) where pending is not null;

-- The acceptance of a return whose restock may have happened but which is not marked accepted yet.
alter table order_returns add column pending jsonb;
alter table order_returns add column pending_until timestamptz;
create index order_returns_pending on order_returns (pending_until) where pending is not null;
