-- Checkouts: the saga of each POST /v1/orders, stored so that a crash mid-way is finished or undone.
create table checkouts (
  id text primary key, -- the order id it creates (ord_…)
  channel text not null,
  idempotency_key text not null,
  request_hash text not null,
  request jsonb not null,
  external_id text,
  -- running → completed | compensating → failed
  status text not null check (status in ('running', 'compensating', 'completed', 'failed')),
  step text not null check (step in ('price', 'reserve', 'record', 'done')),
  -- What the steps learned: the customer, the frozen quote, the reservation.
  progress jsonb not null default '{}',
  -- Set when it failed: the error replayed to a retry with the same key.
  error jsonb,
  -- The runner holding the saga; another may take it over once lease_until passed.
  lease_token text,
  lease_until timestamptz not null,
  attempts integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (channel, idempotency_key)
);
-- A marketplace order id makes one order per channel, unless its checkout failed.
create unique index checkouts_external_id on checkouts (channel, external_id) where external_id is not null and status <> 'failed';
create index checkouts_unfinished on checkouts (lease_until) where status in ('running', 'compensating');

create table orders (
  id text primary key,
  channel text not null,
  customer_id text,
  external_id text,
  status text not null check (status in ('placed', 'confirmed', 'ready-for-pickup', 'shipped', 'completed', 'cancelled')),
  fulfilment jsonb not null,
  currency text not null,
  lines jsonb not null,
  subtotal bigint not null,
  discount_total bigint not null,
  total bigint not null,
  coupon_codes text[] not null default '{}',
  contact jsonb,
  note text,
  reservation_id text not null,
  reservation_key text not null,
  history jsonb not null,
  version integer not null,
  placed_at timestamptz not null,
  updated_at timestamptz not null
);
-- One history per customer, newest first, across channels.
create index orders_customer on orders (customer_id, placed_at desc, id desc) where customer_id is not null;
create index orders_channel on orders (channel, placed_at desc, id desc);

create table order_returns (
  id text primary key,
  order_id text not null references orders (id),
  channel text,
  customer_id text,
  status text not null check (status in ('requested', 'accepted', 'rejected')),
  reason text not null,
  restock_location_id text not null,
  lines jsonb not null,
  currency text not null,
  refund_total bigint not null,
  created_by text not null,
  decision_reason text,
  created_at timestamptz not null,
  decided_at timestamptz
);
create index order_returns_order on order_returns (order_id, created_at);
