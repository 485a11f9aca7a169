import type pg from 'pg';
import type { Db } from './client.js';

/**
 * Runs `work` in one READ COMMITTED transaction on one pooled connection; rolls back on any
 * error. Each statement inside sees what committed before it started, which the lock-then-check
 * sequences (member claims, stops) rely on.
 */
export async function inTransaction<T>(db: Db, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
