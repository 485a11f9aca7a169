import { statement } from '../../db/statement.js';
import { heldBy, itemsAnswer, markHoldersSeen, type ItemRow } from './finishOutcome.js';
import { taskColumns } from './taskColumns.js';

export interface FailItem {
  id: string;
  leaseToken: string | null;
  agentId: string | null;
  error: string;
  /** Requeue when attempts remain and the queue is open (not deleted, team not stopped). */
  retry: boolean;
}

/**
 * Fails ASSIGNED tasks of the owner in one statement, fenced per item like completeTasks. With
 * `retry` and attempts left, in an open queue, the task goes back to PENDING (the error stays as
 * the reason it was requeued); otherwise it is FAILED for good.
 */
export const failTasks = statement<{ ownerId: string; items: FailItem[] }, ItemRow>(
  'queues_fail_tasks',
  `WITH input AS (
     SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[])
       WITH ORDINALITY AS i(id, lease_token, agent_id, error, retry, ord)
   ),
   done AS (
     UPDATE tasks t
     SET status = CASE WHEN input.retry AND t.attempts < t.max_attempts AND queue_closed_reason(q.deleted_at, tm.status) IS NULL
                       THEN 'PENDING'::"TaskStatus" ELSE 'FAILED'::"TaskStatus" END,
         error = input.error
     -- prior: the row before this change (a requeue clears the agent; it is still marked seen).
     FROM input
     JOIN tasks prior ON prior.id = input.id
     JOIN work_queues q ON q.id = prior.queue_id AND q.owner_id = $1
     LEFT JOIN teams tm ON tm.id = q.team_id
     WHERE t.id = prior.id
       AND ${heldBy('t', 'input')}
     RETURNING ${taskColumns('t')}, prior.assigned_agent_id AS holder
   ),
   seen AS (${markHoldersSeen('done')})
   ${itemsAnswer('input', 'done', '$1')}`,
  (p) => [
    p.ownerId,
    p.items.map((i) => i.id),
    p.items.map((i) => i.leaseToken),
    p.items.map((i) => i.agentId),
    p.items.map((i) => i.error),
    p.items.map((i) => i.retry),
  ],
);
