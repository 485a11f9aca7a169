// The two statements the bare graphql-yoga + pg server (bareYoga.ts) runs on the migrated `tasks`
// table: exactly the prepared statements our server runs for dequeueTask and completeTask
// (src/queues/sql/claimTasks.ts with limit 1 and asMember false; src/queues/sql/completeTasks.ts
// with one item and no agent check), through the same helper, as named prepared statements. If
// the server's hot path changes statements, point these two functions at the new ones.
import type pg from 'pg';
import { claimTasks } from '../src/queues/sql/claimTasks.js';
import { completeTasks } from '../src/queues/sql/completeTasks.js';

type Row = Record<string, unknown> & { id?: string | null };

/** The claimed task's row, or null when nothing was claimable. */
export async function claim(pool: pg.Pool, a: { ownerId: string; queueId: string; agentId: string }): Promise<Row | null> {
  const [row] = await claimTasks.rows(pool, { ownerId: a.ownerId, queueId: a.queueId, agentId: a.agentId, limit: 1, asMember: false });
  return row?.id ? row : null;
}

/** The completed task's row, or null when the task was not ASSIGNED under that lease. */
export async function complete(pool: pg.Pool, a: { ownerId: string; taskId: string; leaseToken: string | null; result: unknown }): Promise<Row | null> {
  const [row] = await completeTasks.rows(pool, {
    ownerId: a.ownerId,
    items: [{ id: a.taskId, leaseToken: a.leaseToken, agentId: null, result: a.result ?? null, cost: null }],
  });
  return row?.id ? row : null;
}
