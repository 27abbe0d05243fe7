import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate, openDatabase, queryRows, splitStatements } from './database';
import { Outbox } from './outbox';

describe('splitStatements', () => {
  it('splits at semicolons that end a line and drops comments-only pieces', () => {
    const text = "-- tables\ncreate table a (x int);\ncreate index a_x on a (x); -- fast\n\n-- the end\n";
    expect(splitStatements(text)).toEqual(['create table a (x int)', 'create index a_x on a (x)']);
  });

  it('keeps semicolons inside a line (string literals)', () => {
    expect(splitStatements("insert into t values ('a;b');\n")).toEqual(["insert into t values ('a;b')"]);
  });
});

describe('embedded PGlite (no DATABASE_URL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnibus-kit-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs migrations and the outbox, and keeps data across a reopen', async () => {
    const first = await openDatabase({ dataDir: dir, service: 'kit', poolSize: 1 });
    expect(first.kind).toBe('pglite');
    expect(await migrate(first.db, [{ name: '0001_t', sql: 'create table t (id text primary key);\ncreate index t_id on t (id);' }])).toEqual(['0000_kit_outbox_inbox', '0001_t']);
    await first.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t (id) values ('x')`);
      await new Outbox('kit').add(tx, 'kit.t.created', { id: 'x' });
    });
    await first.close();

    const second = await openDatabase({ dataDir: dir, service: 'kit', poolSize: 1 });
    expect(await migrate(second.db, [{ name: '0001_t', sql: 'create table t (id text primary key);' }])).toEqual([]);
    expect(await queryRows(second.db, sql`select id from t`)).toEqual([{ id: 'x' }]);
    expect(await second.prepared('t_by_id', 'select id from t where id = $1', ['x'])).toEqual([{ id: 'x' }]);
    const pending = await queryRows<{ subject: string }>(second.db, sql`select subject from outbox where published_at is null`);
    expect(pending).toEqual([{ subject: 'kit.t.created' }]);
    await second.close();
  }, 60_000);
});
