create table products (
  id text primary key,
  slug text not null unique,
  status text not null check (status in ('draft', 'active', 'archived')),
  name jsonb not null,
  description jsonb not null default '{}',
  categories text[] not null default '{}',
  channels text[] not null default '{}',
  attributes jsonb not null default '{}',
  media jsonb not null default '[]',
  -- Lower-cased names in every locale, for text search without unpacking JSON per row.
  search_text text not null default '',
  version integer not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index products_categories on products using gin (categories);
create index products_channels on products using gin (channels);
create index products_status on products (status, id);

create table variants (
  id text primary key,
  product_id text not null references products (id),
  sku text not null unique,
  position integer not null,
  attributes jsonb not null default '{}',
  media jsonb not null default '[]'
);
create index variants_product on variants (product_id, position);
