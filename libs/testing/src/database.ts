import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';

/** The PostgreSQL server tests use: `TEST_DATABASE_URL`, else `DATABASE_URL`, else the local one. */
export function testServerUrl(): string {
  return process.env['TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface TestDatabase {
  url: string;
  /** Runs SQL directly against the database (for assertions and planting faults). */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** Creates a fresh, uniquely named database on the test server; `drop` removes it. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`.toLowerCase();
  const admin = new URL(testServerUrl());
  admin.pathname = '/postgres';
  const adminPool = new Pool({ connectionString: admin.toString(), max: 1 });
  await adminPool.query(`create database "${name}"`);
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  const pool = new Pool({ connectionString: url.toString(), max: 2 });
  return {
    url: url.toString(),
    query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
    drop: async () => {
      await pool.end();
      // Let connections of the code under test finish closing first: a forced drop kills them, and a
      // killed client whose owner did not expect it raises an unhandled error in that test's process.
      for (let i = 0; i < 50; i++) {
        const { rows } = await adminPool.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await adminPool.query(`drop database if exists "${name}" with (force)`);
      await adminPool.end();
    },
  };
}
