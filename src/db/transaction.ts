import type pg from 'pg';
import type { Db } from './client.js';

/**
 * Runs `work` in one READ COMMITTED transaction on one pooled connection; rolls back on any
 * error. Each statement inside sees what committed before it started, which the lock-then-check
 * sequences (member claims, stops) rely on.
 */
export async function inTransaction<T>(db: Db, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  // While checked out, a client has no pool listener: a server gone mid-transaction (restart,
  // postmaster exit) would be an uncaught 'error' event. The failing query rejects anyway.
  let broken: Error | undefined;
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.off('error', onError);
    // A broken connection is closed, not handed to the next caller.
    client.release(broken);
  }
}
