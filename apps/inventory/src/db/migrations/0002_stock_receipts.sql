-- Goods received once per caller key (a customer return's restock): a retry adds nothing.
create table stock_receipts (
  key text primary key,
  location_id text not null references locations (id),
  reason text not null,
  reference text,
  lines jsonb not null,
  created_at timestamptz not null default now()
);
