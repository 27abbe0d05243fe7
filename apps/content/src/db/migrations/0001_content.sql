-- Content types are data; every version of a type is kept, so a published entry is always read
-- with the field definitions it was validated against.
create table content_types (
  code text primary key,
  name text not null,
  default_locale text,
  fields jsonb not null,
  version integer not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table content_type_versions (
  code text not null references content_types (code),
  version integer not null,
  name text not null,
  default_locale text,
  fields jsonb not null,
  created_at timestamptz not null,
  primary key (code, version)
);

-- One row per entry: its draft (what editors change), which version channels read
-- (published_version, null = not published) and a scheduled publication, if any.
create table entries (
  id text primary key,
  type text not null references content_types (code),
  slug text not null,
  draft_fields jsonb not null,
  draft_variants jsonb not null default '{}',
  draft_channels text[] not null default '{}',
  draft_default_locale text not null,
  draft_version integer not null,
  draft_type_version integer not null,
  published_version integer,
  -- Highest version number ever published; the next publication is last_version + 1.
  last_version integer not null default 0,
  publish_at timestamptz,
  -- The draft as it was when the publication was scheduled.
  scheduled jsonb,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint entries_type_slug unique (type, slug),
  constraint entries_schedule check ((publish_at is null) = (scheduled is null))
);
create index entries_due on entries (publish_at) where publish_at is not null;
create index entries_type_id on entries (type, id);

-- Every published version, immutable: what channels read, the history, and what rollback republishes.
create table entry_versions (
  entry_id text not null references entries (id),
  version integer not null,
  type_version integer not null,
  default_locale text not null,
  fields jsonb not null,
  variants jsonb not null,
  channels text[] not null,
  from_draft_version integer,
  rolled_back_from integer,
  scheduled boolean not null default false,
  published_at timestamptz not null,
  primary key (entry_id, version)
);
