import type { Tx } from '../../db/tx.js';
import { TASK_COLUMNS, type TaskRow } from './taskColumns.js';

/**
 * Dequeue: assigns the queue's next claimable task to `agentId` in one statement.
 * Order is priority descending, then insertion order; the scan runs over `tasks_claimable_idx`
 * (pending rows only). SKIP LOCKED lets concurrent claimers pass over a row another claimer holds,
 * so each task goes to exactly one agent and nobody waits. Tasks past their deadline are never
 * handed out, even before the sweeper marks them EXPIRED. A task reserved for a team member
 * (parallel dispatch) goes to that member only. The owner check rides along; so does, unless
 * `asMember` (the caller already applied the member rules), a refusal to claim for an agent that
 * is a member of the queue's team. Null then means "nothing claimable" or "look closer".
 */
export async function claimTask(
  db: Tx,
  params: { ownerId: string; queueId: string; agentId: string; leaseToken: string; asMember: boolean },
): Promise<TaskRow | null> {
  const { ownerId, queueId, agentId, leaseToken, asMember } = params;
  const rows = await db.$queryRaw<TaskRow[]>`
    WITH queue AS (
      SELECT q.visibility_timeout_seconds FROM work_queues q
      WHERE q.id = ${queueId} AND q.owner_id = ${ownerId} AND q.deleted_at IS NULL
        AND (${asMember} OR NOT EXISTS (
          SELECT 1 FROM teams t JOIN team_members m ON m.team_id = t.id AND m.name = ${agentId}
          WHERE t.id = q.team_id AND t.owner_id = q.owner_id))
    ),
    next AS (
      SELECT id FROM tasks
      WHERE queue_id = ${queueId}
        AND EXISTS (SELECT 1 FROM queue)
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
        lease_expires_at = now() + queue.visibility_timeout_seconds * interval '1 second'
    FROM next, queue
    WHERE t.id = next.id
    RETURNING ${TASK_COLUMNS}`;
  return rows[0] ?? null;
}
