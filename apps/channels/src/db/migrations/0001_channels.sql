-- Sales channels and their rules. last_seq numbers the channel's feed: it is taken with a row lock,
-- so entries of one channel commit in seq order and a reader never skips one.
create table channels (
  code text primary key,
  name text not null,
  kind text not null,
  assortment jsonb not null,
  price_scope jsonb,
  stock_scope jsonb not null,
  locales text[] not null,
  version integer not null,
  last_seq bigint not null default 0,
  last_entry_at timestamptz,
  read_seq bigint,
  read_at timestamptz,
  snapshot_status text not null check (snapshot_status in ('building', 'ready')),
  snapshot_reason text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- A channel whose view is being (re)built, and how far: products are recomputed in id order.
create table channel_refresh_jobs (
  channel text primary key,
  reason text not null,
  after_product_id text not null default '',
  requested_at timestamptz not null default now()
);

-- Copies of the sources, fed by their events.
create table source_products (
  id text primary key,
  version integer not null,
  product jsonb not null
);

create table source_skus (
  sku text primary key,
  product_id text not null
);
create index source_skus_product on source_skus (product_id);

create table source_price_lists (
  id text primary key,
  priority integer not null,
  status text not null,
  version integer not null
);

create table source_prices (
  sku text not null,
  scope_key text not null,
  price_list_id text not null,
  currency text not null,
  channel text,
  customer_group text,
  country text,
  min_quantity integer not null,
  amount bigint not null,
  valid_from timestamptz,
  valid_until timestamptz,
  price_id text not null,
  version integer not null,
  primary key (sku, scope_key)
);
create index source_prices_list on source_prices (price_list_id);
create index source_prices_valid_from on source_prices (valid_from) where valid_from is not null;
create index source_prices_valid_until on source_prices (valid_until) where valid_until is not null;

create table source_locations (
  id text primary key,
  code text not null,
  channels text[] not null,
  active boolean not null,
  version integer not null
);

create table source_stock (
  sku text not null,
  location_id text not null,
  on_hand integer not null,
  reserved integer not null,
  available integer not null,
  version integer not null,
  primary key (sku, location_id)
);

create table source_state (
  source text primary key,
  events bigint not null default 0,
  last_event_at timestamptz
);

create table job_state (
  name text primary key,
  at timestamptz not null
);

-- The view of each product in each channel; present = false once it left the assortment.
create table channel_views (
  channel text not null,
  product_id text not null,
  version integer not null,
  present boolean not null,
  view jsonb,
  hash text,
  updated_at timestamptz not null,
  primary key (channel, product_id)
);

create table feed_entries (
  channel text not null,
  seq bigint not null,
  id text not null unique,
  product_id text not null,
  kind text not null check (kind in ('upsert', 'remove')),
  version integer not null,
  aspects text[] not null,
  full_view boolean not null,
  changes jsonb,
  occurred_at timestamptz not null,
  primary key (channel, seq)
);

create table webhook_subscriptions (
  id text primary key,
  channel text not null,
  url text not null,
  secret text not null,
  kinds text[] not null,
  status text not null check (status in ('active', 'deleted')),
  failures bigint not null default 0,
  last_error text,
  last_delivered_at timestamptz,
  created_at timestamptz not null,
  deleted_at timestamptz
);
create index webhook_subscriptions_channel on webhook_subscriptions (channel) where status = 'active';

-- One row per entry to deliver to a subscription. A pending row is claimed by setting leased_until;
-- an expired lease (a replica that died mid-delivery) makes it claimable again.
create table webhook_deliveries (
  subscription_id text not null,
  entry_seq bigint not null,
  channel text not null,
  entry_id text not null,
  product_id text not null,
  status text not null check (status in ('pending', 'delivered', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  leased_until timestamptz,
  last_error text,
  last_status integer,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  dead_at timestamptz,
  primary key (subscription_id, entry_seq)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_product on webhook_deliveries (subscription_id, product_id, entry_seq) where status = 'pending';
create index webhook_deliveries_dead on webhook_deliveries (subscription_id, dead_at) where status = 'dead';
