import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SQL, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import { KIT_MIGRATIONS } from './kit-migrations';

/** A Drizzle database, on PostgreSQL (pg) or on embedded PGlite: the same query code runs on both. */
export type Database = PgDatabase<PgQueryResultHKT, Record<string, never>>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either a database or an open transaction: repositories take this so callers choose. */
export type Queryable = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Runs one statement with `$1…` parameters outside any transaction (autocommit) and returns its
   * rows. On PostgreSQL it is a named prepared statement, parsed and planned once per connection:
   * for hot single-statement paths. `name` must always go with the same `text`.
   */
  prepared<T>(name: string, text: string, params: unknown[]): Promise<T[]>;
  /**
   * A database on a connection of its own (opened on first use, closed with the rest), for the outbox
   * relay: under heavy request load it then never waits behind requests for a connection of the pool,
   * so events keep flowing. On PGlite, the same database.
   */
  own(): Database;
}

/** Opens the service's database: PostgreSQL when `url` is set, else PGlite in `<dataDir>/<service>`. */
export async function openDatabase(opts: { url?: string; dataDir: string; service: string; poolSize: number }): Promise<DatabaseHandle> {
  if (opts.url) {
    const pool = new Pool({ connectionString: opts.url, max: opts.poolSize, connectionTimeoutMillis: 5000 });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    const db = drizzlePg(pool) as unknown as Database;
    let ownPool: Pool | undefined;
    return {
      db,
      kind: 'postgres',
      ping: async () => void (await pool.query('select 1')),
      close: async () => {
        await Promise.all([pool.end(), ownPool?.end()]);
      },
      prepared: async <T>(name: string, text: string, params: unknown[]) => (await pool.query({ name, text, values: params })).rows as T[],
      own: () => {
        if (!ownPool) {
          ownPool = new Pool({ connectionString: opts.url, max: 1, connectionTimeoutMillis: 5000 });
          ownPool.on('error', () => undefined);
        }
        return drizzlePg(ownPool) as unknown as Database;
      },
    };
  }
  const dir = join(opts.dataDir, opts.service);
  mkdirSync(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite');
  const client = await PGlite.create(dir);
  const db = drizzlePglite(client) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    ping: async () => void (await client.query('select 1')),
    close: () => client.close(),
    prepared: async <T>(_name: string, text: string, params: unknown[]) => (await client.query<T>(text, params)).rows,
    own: () => db,
  };
}

/** Creates the database named in `url` when it does not exist yet (local runs and tests). */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name "${name}" must be lower-case letters, digits and _`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const pool = new Pool({ connectionString: admin.toString(), max: 1 });
  try {
    const found = await pool.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await pool.query(`create database "${name}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04' && err.code !== '23505') throw err; // created concurrently by another process
      });
    }
  } finally {
    await pool.end();
  }
}

export interface Migration {
  name: string;
  sql: string;
}

/** Reads `*.sql` files of a folder, in name order. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ name: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Applies the kit's migrations (outbox, inbox, dead letters) and then the service's, each once,
 * all in one transaction under an advisory lock, so concurrent starts cannot apply one twice.
 * Returns the names applied now.
 */
export async function migrate(db: Database, serviceMigrations: Migration[]): Promise<string[]> {
  const all = [...KIT_MIGRATIONS, ...serviceMigrations];
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(727274)`);
    await tx.execute(sql`create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`);
    const done = await queryRows<{ name: string }>(tx, sql`select name from schema_migrations`);
    const applied = new Set(done.map((r) => r.name));
    const now: string[] = [];
    for (const m of all) {
      if (applied.has(m.name)) continue;
      // Run statement by statement: PGlite's extended protocol takes one statement per query.
      for (const statement of splitStatements(m.sql)) await tx.execute(sql.raw(statement));
      await tx.execute(sql`insert into schema_migrations (name) values (${m.name})`);
      now.push(m.name);
    }
    return now;
  });
}

/** Runs raw SQL and returns its rows; the same on pg and PGlite. */
export async function queryRows<T>(db: Queryable, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** Splits a migration file into statements at each `;` that ends a line (no procedural bodies). */
export function splitStatements(text: string): string[] {
  return text
    .split(/;[ \t]*(?:--[^\n]*)?(?:\r?\n|$)/)
    .map((s) => s.replace(/^(\s*--[^\n]*\n)+/g, '').trim())
    .filter((s) => s.length > 0 && !/^(--[^\n]*\s*)+$/.test(s));
}
