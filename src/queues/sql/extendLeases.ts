import { statement } from '../../db/statement.js';
import { heldBy, itemsAnswer, markHoldersSeen, type ItemRow } from './finishOutcome.js';
import { taskColumns } from './taskColumns.js';

/**
 * Heartbeat: pushes the lease of an ASSIGNED task of the owner out by `seconds` (the queue's
 * visibility timeout by default), fenced like completeTasks; marks the holder seen.
 */
export const extendLease = statement<
  { ownerId: string; id: string; leaseToken: string | null; agentId: string | null; seconds: number | null },
  ItemRow
>(
  'queues_extend_lease',
  `WITH input AS (
     SELECT $2::text AS id, $3::text AS lease_token, $4::text AS agent_id, 1 AS ord
   ),
   done AS (
     UPDATE tasks t
     SET lease_expires_at = now() + COALESCE($5::int, q.visibility_timeout_seconds) * interval '1 second'
     FROM input, work_queues q
     WHERE t.id = input.id
       AND q.id = t.queue_id AND q.owner_id = $1
       AND ${heldBy('t', 'input')}
     RETURNING ${taskColumns('t')}, t.assigned_agent_id AS holder
   ),
   seen AS (${markHoldersSeen('done')})
   ${itemsAnswer('input', 'done', '$1')}`,
  (p) => [p.ownerId, p.id, p.leaseToken, p.agentId, p.seconds],
);
