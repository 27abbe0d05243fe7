create table customer_groups (
  code text primary key,
  name text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- Every customer has a group; retail is the default one.
insert into customer_groups (code, name) values ('retail', 'Retail'), ('vip', 'VIP'), ('wholesale', 'Wholesale');

create table customers (
  id text primary key,
  email text not null,
  -- Lower-cased, trimmed email: one customer per address, whatever its case.
  email_key text not null unique,
  first_name text,
  last_name text,
  phone text,
  preferred_locale text,
  group_code text not null references customer_groups (code),
  channels text[] not null default '{}',
  -- scrypt$N$r$p$salt$hash; null for customers created without a password (POS, ERP import) and after erasure.
  password_hash text,
  erased_at timestamptz,
  version integer not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table customer_addresses (
  id text primary key,
  customer_id text not null references customers (id),
  kind text not null check (kind in ('shipping', 'billing')),
  is_default boolean not null default false,
  first_name text,
  last_name text,
  company text,
  line1 text not null,
  line2 text,
  postal_code text not null,
  city text not null,
  region text,
  country text not null,
  phone text,
  created_at timestamptz not null
);
create index customer_addresses_customer on customer_addresses (customer_id, id);
-- At most one default address per kind, whatever concurrent writers do.
create unique index customer_addresses_one_default on customer_addresses (customer_id, kind) where is_default;

create table customer_consents (
  customer_id text not null references customers (id),
  purpose text not null,
  granted boolean not null,
  changed_at timestamptz not null,
  channel text,
  primary key (customer_id, purpose)
);

create table customer_external_ids (
  system text not null,
  value text not null,
  customer_id text not null references customers (id),
  created_at timestamptz not null,
  -- One person per id in another system: what matches a POS card or ERP number to a customer.
  primary key (system, value),
  unique (customer_id, system)
);

create table login_throttle (
  -- sha256 of the lower-cased email: no personal data, and the same for known and unknown emails.
  email_hash text primary key,
  failures integer not null,
  window_started_at timestamptz not null,
  locked_until timestamptz
);

create table companies (
  id text primary key,
  name text not null,
  tax_id text not null unique,
  group_code text not null references customer_groups (code),
  spending_limit_amount bigint check (spending_limit_amount >= 0),
  spending_limit_currency text,
  addresses jsonb not null default '[]',
  version integer not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((spending_limit_amount is null) = (spending_limit_currency is null))
);

create table company_members (
  company_id text not null references companies (id),
  -- A customer orders for one company at most.
  customer_id text not null unique references customers (id),
  role text not null check (role in ('buyer', 'approver', 'admin')),
  added_at timestamptz not null,
  primary key (company_id, customer_id)
);

create table loyalty_accounts (
  customer_id text primary key references customers (id),
  -- The conditional update in redeem keeps this non-negative; the check is the last line of defence.
  balance bigint not null check (balance >= 0),
  updated_at timestamptz not null
);

create table loyalty_entries (
  id text primary key,
  customer_id text not null references customers (id),
  kind text not null check (kind in ('earn', 'redeem', 'expire', 'adjust')),
  points integer not null check (points <> 0),
  balance_after bigint not null check (balance_after >= 0),
  idempotency_key text not null,
  order_id text,
  reason text,
  channel text,
  -- Positive entries are lots: `remaining` of their points are still spendable until `expires_at`.
  remaining integer not null default 0 check (remaining >= 0 and remaining <= greatest(points, 0)),
  expires_at timestamptz,
  created_at timestamptz not null,
  unique (customer_id, idempotency_key)
);
create index loyalty_entries_customer on loyalty_entries (customer_id, id);
create index loyalty_lots_expiring on loyalty_entries (expires_at) where remaining > 0 and expires_at is not null;
