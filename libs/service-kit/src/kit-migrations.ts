/** Tables the kit needs in every service database; applied before the service's own migrations. */
export const KIT_MIGRATIONS = [
  {
    name: '0000_kit_outbox_inbox',
    sql: `
create table outbox (
  seq bigserial primary key,
  id text not null unique,
  subject text not null,
  envelope jsonb not null,
  created_at timestamptz not null default now(),
  published_at timestamptz,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text
);
create index outbox_pending on outbox (seq) where published_at is null;

create table inbox (
  consumer text not null,
  event_id text not null,
  processed_at timestamptz not null default now(),
  primary key (consumer, event_id)
);

create table dead_letters (
  id bigserial primary key,
  consumer text not null,
  event_id text not null,
  subject text not null,
  payload text not null,
  error text not null,
  deliveries integer not null,
  created_at timestamptz not null default now(),
  unique (consumer, event_id)
);
`,
  },
];
