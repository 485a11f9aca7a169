import { statement } from '../../db/statement.js';
import { currentOf, markHoldersSeen, outcomeColumns, type ItemRow } from './finishOutcome.js';
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
       AND t.status = 'ASSIGNED'
       AND q.id = t.queue_id AND q.owner_id = $1
       AND (input.lease_token IS NULL OR t.lease_token = input.lease_token)
       AND (input.agent_id IS NULL OR t.assigned_agent_id = input.agent_id)
     RETURNING ${taskColumns('t')}, t.assigned_agent_id AS holder
   ),
   seen AS (${markHoldersSeen('done')})
   SELECT ${outcomeColumns('input')}, done.*
   FROM input
   LEFT JOIN done ON done.id = input.id
   ${currentOf('input', '$1')}`,
  (p) => [p.ownerId, p.id, p.leaseToken, p.agentId, p.seconds],
);
