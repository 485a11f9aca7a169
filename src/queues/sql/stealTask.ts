import type { Tx } from '../../db/tx.js';
import { TASK_COLUMNS, type TaskRow } from './taskColumns.js';

/**
 * Work stealing in one statement: among the owner's other queues in the thief's group (same
 * `team_id`, or both without one), the victim is the one with the most claimable tasks (counted
 * up to STEAL_COUNT_CAP); the stolen task is its highest-priority one. When every claimable row of the busiest queue is
 * locked by concurrent claimers, the next busiest is tried.
 *
 * `victims` is materialised in order and `next` has no ORDER BY of its own: the LATERAL claim
 * then runs victim by victim and stops at the first row, so it locks exactly one task.
 * Reserved tasks (parallel dispatch) are never stolen. As in claimTask, an agent that is a
 * member of the thief queue's team is refused unless `asMember` (the member rules were applied).
 */
/** Queues with at least this many claimable tasks count as equally busy. */
export const STEAL_COUNT_CAP = 10_000;

export async function stealTask(
  db: Tx,
  params: { ownerId: string; thiefQueueId: string; agentId: string; leaseToken: string; asMember: boolean },
): Promise<TaskRow | null> {
  const { ownerId, thiefQueueId, agentId, leaseToken, asMember } = params;
  const rows = await db.$queryRaw<TaskRow[]>`
    WITH thief AS (
      SELECT q.id, q.owner_id, q.team_id FROM work_queues q
      WHERE q.id = ${thiefQueueId} AND q.owner_id = ${ownerId} AND q.deleted_at IS NULL
        AND (${asMember} OR NOT EXISTS (
          SELECT 1 FROM teams t JOIN team_members m ON m.team_id = t.id AND m.name = ${agentId}
          WHERE t.id = q.team_id AND t.owner_id = q.owner_id))
    ),
    victims AS MATERIALIZED (
      SELECT v.id, v.visibility_timeout_seconds, c.claimable
      FROM thief
      JOIN work_queues v
        ON v.owner_id = thief.owner_id
       AND v.id <> thief.id
       AND v.deleted_at IS NULL
       AND v.team_id IS NOT DISTINCT FROM thief.team_id
      CROSS JOIN LATERAL (
        -- Counted up to a cap: past it a queue is simply "very busy", and a deep queue never
        -- makes a steal scan all of its pending tasks.
        SELECT count(*) AS claimable FROM (
          SELECT 1 FROM tasks p
          WHERE p.queue_id = v.id
            AND p.status = 'PENDING'
            AND p.reserved_for IS NULL
            AND (p.deadline IS NULL OR p.deadline > now())
          LIMIT ${STEAL_COUNT_CAP}
        ) pending
      ) c
      WHERE c.claimable > 0
      ORDER BY c.claimable DESC, v.id
    ),
    next AS (
      SELECT c.id, victims.visibility_timeout_seconds
      FROM victims
      CROSS JOIN LATERAL (
        SELECT id FROM tasks
        WHERE queue_id = victims.id
          AND status = 'PENDING'
          AND reserved_for IS NULL
          AND (deadline IS NULL OR deadline > now())
        ORDER BY priority DESC, seq
        LIMIT 1
        FOR UPDATE SKIP LOCKED
      ) c
      LIMIT 1
    )
    UPDATE tasks t
    SET status = 'ASSIGNED',
        assigned_agent_id = ${agentId},
        assigned_at = now(),
        attempts = t.attempts + 1,
        lease_token = ${leaseToken},
        lease_expires_at = now() + next.visibility_timeout_seconds * interval '1 second',
        stolen_by_queue_id = ${thiefQueueId},
        stolen_at = clock_timestamp()
    FROM next
    WHERE t.id = next.id
    RETURNING ${TASK_COLUMNS}`;
  return rows[0] ?? null;
}
