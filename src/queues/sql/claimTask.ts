import type { Tx } from '../../db/tx.js';
import { TASK_COLUMNS, type TaskRow } from './taskColumns.js';

/**
 * Dequeue: assigns the queue's next claimable task to `agentId` in one statement.
 * Order is priority descending, then insertion order; the scan runs over `tasks_claimable_idx`
 * (pending rows only). SKIP LOCKED lets concurrent claimers pass over a row another claimer holds,
 * so each task goes to exactly one agent and nobody waits. Tasks past their deadline are never
 * handed out, even before the sweeper marks them EXPIRED. A task reserved for a team member
 * (parallel dispatch) goes to that member only.
 */
export async function claimTask(
  db: Tx,
  params: { queueId: string; agentId: string; leaseToken: string; leaseSeconds: number },
): Promise<TaskRow | null> {
  const { queueId, agentId, leaseToken, leaseSeconds } = params;
  const rows = await db.$queryRaw<TaskRow[]>`
    WITH next AS (
      SELECT id FROM tasks
      WHERE queue_id = ${queueId}
        AND status = 'PENDING'
        AND (deadline IS NULL OR deadline > now())
        AND (reserved_for IS NULL OR reserved_for = ${agentId})
      ORDER BY priority DESC, seq
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    )
    UPDATE tasks t
    SET status = 'ASSIGNED',
        assigned_agent_id = ${agentId},
        assigned_at = now(),
        attempts = t.attempts + 1,
        lease_token = ${leaseToken},
        lease_expires_at = now() + ${leaseSeconds}::int * interval '1 second'
    FROM next
    WHERE t.id = next.id
    RETURNING ${TASK_COLUMNS}`;
  return rows[0] ?? null;
}
