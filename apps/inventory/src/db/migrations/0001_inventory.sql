-- SKUs the catalog knows, fed by catalog.product.* events: stock of other SKUs is refused.
create table known_products (
  product_id text primary key,
  status text not null,
  version integer not null,
  updated_at timestamptz not null default now()
);

create table known_skus (
  sku text primary key,
  product_id text not null,
  product_status text not null,
  product_version integer not null
);
create index known_skus_product on known_skus (product_id);

create table locations (
  id text primary key,
  code text not null unique,
  name text not null,
  kind text not null check (kind in ('warehouse', 'store')),
  address jsonb not null,
  latitude double precision not null check (latitude between -90 and 90),
  longitude double precision not null check (longitude between -180 and 180),
  timezone text not null default 'UTC',
  opening_hours jsonb not null default '[]',
  ships boolean not null default false,
  pickup boolean not null default false,
  channels text[] not null default '{}',
  priority integer not null default 100,
  active boolean not null default true,
  version integer not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index locations_channels on locations using gin (channels);

-- available is derived, never stored by hand: max(on_hand - reserved, 0).
create table stock_levels (
  sku text not null,
  location_id text not null references locations (id),
  on_hand integer not null check (on_hand >= 0),
  reserved integer not null default 0 check (reserved >= 0),
  available integer generated always as (greatest(on_hand - reserved, 0)) stored,
  version integer not null default 1,
  updated_at timestamptz not null default now(),
  primary key (sku, location_id)
);
create index stock_levels_location on stock_levels (location_id);

create table stock_movements (
  id text primary key,
  sku text not null,
  location_id text not null,
  delta integer not null,
  on_hand_after integer not null,
  reason text not null,
  reference text,
  created_at timestamptz not null default now()
);
create index stock_movements_sku on stock_movements (sku, location_id, id);
create index stock_movements_location on stock_movements (location_id, id);
create index stock_movements_reference on stock_movements (reference, id) where reference is not null;

-- Lines are kept as JSON on the row: one insert per reservation on the hot path.
create table reservations (
  id text primary key,
  key text not null unique,
  channel text,
  status text not null check (status in ('active', 'committed', 'released', 'expired')),
  lines jsonb not null,
  expires_at timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index reservations_expiry on reservations (expires_at) where status = 'active';
