create table price_lists (
  id text primary key,
  name text not null,
  description text not null default '',
  priority integer not null default 0,
  status text not null check (status in ('active', 'inactive')),
  version integer not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table prices (
  id text primary key,
  price_list_id text not null references price_lists (id),
  sku text not null,
  amount bigint not null check (amount >= 0),
  currency text not null,
  channel text,
  customer_group text,
  country text,
  min_quantity integer not null default 1 check (min_quantity >= 1),
  valid_from timestamptz,
  valid_until timestamptz,
  version integer not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (valid_from is null or valid_until is null or valid_until > valid_from)
);
-- One price per scope and quantity tier within a list (null scope fields = "any", compared as equal).
create unique index prices_scope on prices (price_list_id, sku, currency, channel, customer_group, country, min_quantity) nulls not distinct;
create index prices_sku on prices (sku, currency);
create index prices_list on prices (price_list_id, id);

create table promotions (
  id text primary key,
  name text not null,
  description text not null default '',
  status text not null check (status in ('active', 'inactive')),
  priority integer not null default 0,
  stacking text not null check (stacking in ('exclusive', 'combinable')),
  valid_from timestamptz,
  valid_until timestamptz,
  channels text[] not null default '{}',
  customer_groups text[] not null default '{}',
  min_cart_value jsonb,
  discount jsonb not null,
  products jsonb,
  version integer not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index promotions_status on promotions (status, id);

create table coupons (
  code text primary key,
  promotion_id text not null unique references promotions (id),
  usage_limit integer,
  usage_limit_per_customer integer,
  used integer not null default 0 check (used >= 0)
);

create table coupon_customer_uses (
  code text not null references coupons (code),
  customer_id text not null,
  used integer not null check (used >= 0),
  primary key (code, customer_id)
);

create table coupon_redemptions (
  code text not null references coupons (code),
  redemption_key text not null,
  customer_id text,
  status text not null check (status in ('redeemed', 'released')),
  redeemed_at timestamptz not null,
  released_at timestamptz,
  primary key (code, redemption_key)
);

-- Pricing's copy of the catalog data promotions need, fed by catalog.product.* events.
create table catalog_products (
  product_id text primary key,
  status text not null,
  categories text[] not null default '{}',
  attributes jsonb not null default '{}',
  version integer not null
);

create table catalog_variants (
  sku text primary key,
  product_id text not null,
  attributes jsonb not null default '{}'
);
create index catalog_variants_product on catalog_variants (product_id);
