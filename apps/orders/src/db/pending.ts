import { Queryable, queryRows } from '@omnibus/service-kit';
import { sql } from 'drizzle-orm';

/**
 * Takes over work written down as pending (a status change of `orders`, an acceptance of
 * `order_returns`) whose runner stopped, its time having run out: the row `id` only, or up to `limit`
 * rows. SKIP LOCKED, so each replica claims different ones; the new `token` holds them until `until`.
 * Returns the ids claimed.
 */
export async function claimStalled(
  db: Queryable,
  table: 'orders' | 'order_returns',
  token: string,
  until: Date,
  options: { id?: string; limit: number },
): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`update ${sql.identifier(table)} set pending = jsonb_set(pending, '{token}', to_jsonb(${token}::text)), pending_until = ${until.toISOString()}::timestamptz
        where id in (
          select id from ${sql.identifier(table)} where pending is not null and pending_until < now() ${options.id ? sql`and id = ${options.id}` : sql``}
          order by pending_until limit ${options.limit} for update skip locked)
        returning id`,
  );
  return rows.map((r) => r.id);
}

/** Clears the pending work of row `id` if `token` still holds it: dropped (`drop`: nothing happened) or kept for the next claim at once (`let-go`: its runner could not reach a service). */
export async function releasePending(
  db: Queryable,
  table: 'orders' | 'order_returns',
  id: string,
  token: string,
  how: 'drop' | 'let-go',
): Promise<void> {
  const change =
    how === 'drop'
      ? sql`pending = null, pending_until = null`
      : sql`pending_until = now()`;
  await db.execute(
    sql`update ${sql.identifier(table)} set ${change} where id = ${id} and pending ->> 'token' = ${token}`,
  );
}
